//! Learnable binary gates with the polarization regulariser: pruning and training in one pass.
//!
//! Paper: "Learning a Consensus Sub-Network with Polarization Regularization and One Pass
//! Training", Zhi, Babbar, Liu, Sun, Silavong, Shi & Moran (arXiv:2302.10798, 2023). A binary
//! gating module multiplies each output channel (conv) or neuron (linear) — here also, on
//! request, each single connection — by a gate in {0, 1}; the gates are learnt with the
//! network through a straight-through estimator, and a polarization loss drives their
//! underlying probabilities to 0 or 1 while a user-defined fraction stays on. At the end the
//! gates are fixed, so inference carries no gating overhead.
//!
//! How it is built here (the paper's official code is not public; what follows is our reading
//! of the method and is stated where it is a choice):
//! - Each gate has a logit `s`; its probability is `p = σ(s)`. In [`GateMode::Ste`] (the
//!   paper's estimator) the forward pass uses the hard gate `h = 1[s > 0]` and the backward
//!   pass `∂h/∂s := σ'(s)`; in [`GateMode::Sigmoid`] the forward pass uses `p` itself (a
//!   relaxation, thresholded at 0.5 at the end).
//! - The gates are attached to any model by reparametrising its variables: the optimizer keeps
//!   a master copy `m` of every gated variable and the variable holds `m ⊙ gate`, so no model
//!   code changes ([`callback::GateCallback`], in the manner of core's quantization-aware
//!   training). Channel gates also scale the channel's bias and batch-norm scale and shift
//!   ([`crate::prune::magnitude::companions`]), so a closed gate silences the channel exactly.
//! - [`regularizer::polarization`], per gated layer and summed (so no layer closes
//!   entirely): `R(p) = α (p̄ − ρ)² − β Σᵢ nᵢ |pᵢ − p̄| / N`, with `nᵢ` the
//!   connections a gate controls, `N = Σ nᵢ`, `p̄ = Σ nᵢ pᵢ / N` the expected fraction of
//!   connections kept and `ρ = 1 − sparsity` the target. The second term is the polarization
//!   regulariser of Zhuang et al. (NeurIPS 2020) that the paper builds on: for a fixed mean it
//!   is smallest when every gate sits at 0 or 1; the first term holds the mean at the user's
//!   target. With the straight-through estimator the regulariser sees the hard gates (value
//!   `h`, gradient through σ'), so the target holds the fraction actually open.
//! - The gate logits learn by SGD with momentum (Adam would give every gate the same step and
//!   erase the data's ranking of the gates).
//! - At the end ([`callback::GateCallback::masks`]) gates with `s > 0` are kept; the result is
//!   a [`crate::prune::Masks`], saved beside a checkpoint and written as a pruned model by
//!   [`crate::prune::export`] like any magnitude-pruned one.

pub mod callback;
pub mod config;
pub mod regularizer;

pub use callback::GateCallback;
pub use config::{GateConfig, GateMode, Granularity};
pub use regularizer::polarization;
