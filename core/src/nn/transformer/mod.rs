//! Transformer encoder (Vaswani et al. 2017, "Attention Is All You Need", NeurIPS) for sequence
//! regression/classification and per-step encoding.
//!
//! The layer is PyTorch's `nn.TransformerEncoderLayer` (`batch_first=True`): multi-head
//! self-attention and a position-wise feed-forward block, each wrapped in a residual connection
//! and a layer norm, applied after the residual ("post-LN", the paper) or before the sub-block
//! ("pre-LN", `norm_first`, Xiong et al. 2020). Inputs are optionally projected to `d_model`,
//! get the paper's sinusoidal [`PositionalEncoding`] added, and the per-step outputs are
//! optionally pooled ([`Pooling`]) and fed to a linear `head`.
//!
//! Padded batches: pass `mask` (`[B, T]` bool, true at real steps). Padded keys get no
//! attention weight, padded inputs are zeroed before use, and pooling only sees real steps,
//! so the outputs at real steps do not depend on padding (checked in the tests). Positions are
//! absolute, so padding belongs at the end of each sequence.

mod config;
mod encoder;
mod layer;
mod positional;
#[cfg(test)]
mod tests;

pub use config::{Pooling, TransformerEncoderConfig};
pub use encoder::TransformerEncoder;
pub use positional::PositionalEncoding;
