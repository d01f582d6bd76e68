//! Convolutional stacks (1-D over time or sequence, 2-D over images) and a CNN classifier with a
//! global pooling + MLP head (LeCun et al. 1998 in its modern conv → BN → ReLU → pool form).
//!
//! A [`ConvStack`] is a list of blocks, each `conv → [batch norm] → activation → [pool] →
//! [dropout]`. [`CnnClassifier::features`] exposes the last block's feature map for Grad-CAM
//! (Selvaraju et al. 2017); [`CnnClassifier::classify_features`] maps it to logits, so the
//! gradient of a class score with respect to the map is one `Tensor::run_backward` away.
//!
//! Initialisation: convolutions as PyTorch's `nn.Conv1d/2d` (weight and bias U(±1/√fan_in),
//! fan_in = in_channels · kernel^dims — what `kaiming_uniform_(a=√5)` and its bias rule give;
//! checked in the tests), batch norm scale 1 and shift 0, the head's linear layers by
//! [`CnnClassifierConfig::init`](CnnClassifierConfig#structfield.init).
//!
//! Capture points ([`super::capture`]): every block's output (after its activation, pooling
//! and dropout, channels first) under `blocks.{i}` — the last one is the map Grad-CAM weighs —,
//! the globally pooled vector under `pool`, and the head's layers (`head.hidden.{i}`, `head.out`).

mod classifier;
mod config;
mod conv_block;
mod stack;
#[cfg(test)]
mod tests;

pub use classifier::{CnnClassifier, CnnClassifierConfig, GlobalPool, Layout};
pub use config::{ConvBlockConfig, Padding, PoolConfig, PoolKind};
pub use stack::{ConvStack, ConvStackConfig};
