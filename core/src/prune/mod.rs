//! Pruning of any model's parameters: masks kept beside the variables of a `VarStore`, chosen
//! by name, re-applied after every optimizer step by a training [`callback`].
//!
//! - [`magnitude`]: unstructured magnitude pruning per layer ([`magnitude::l1_unstructured`]) and
//!   over all chosen layers at once ([`magnitude::global_unstructured`]), and structured pruning
//!   of whole output channels/neurons by their Ln norm ([`magnitude::ln_structured`], dim 0): the
//!   masks `torch.nn.utils.prune` computes for the same weights (fixture test
//!   `core/tests/prune_torch.rs`).
//! - [`schedule`]: Zhu & Gupta's gradual schedule, "To prune, or not to prune: exploring the
//!   efficacy of pruning for model compression" (2017): `s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³`
//!   every Δt steps.
//! - [`callback::PruneCallback`]: gradients masked after the backward pass, masks recomputed on
//!   the schedule's steps and re-applied after every optimizer step.
//! - [`masks::Masks`]: saved beside a checkpoint as `masks.safetensors` (one 0/1 tensor per
//!   pruned variable, under the variable's name), so the weights file stays loadable by every
//!   model registry.
//! - [`gates`]: learnable binary gates per channel or connection with the polarization
//!   regulariser ("Learning a Consensus Sub-Network with Polarization Regularization and One
//!   Pass Training", Zhi et al. 2023): pruning and training in one pass, thresholded into masks.
//! - [`export`]: a pruned model folder, sparse (masked weights, zeros kept) or physically smaller
//!   ([`physical`]: output channels removed from MLPs and conv stacks with the matching inputs of
//!   the next layer).

pub mod callback;
#[cfg(feature = "cli")]
pub mod cli;
pub mod export;
pub mod gates;
pub mod magnitude;
pub mod masks;
pub mod physical;
pub mod schedule;
pub mod select;

pub use callback::PruneCallback;
pub use magnitude::Method;
pub use masks::Masks;
pub use schedule::GradualConfig;
