//! Selective state-space models: "Mamba: Linear-Time Sequence Modeling with Selective State
//! Spaces", Gu & Dao (2023), arXiv:2312.00752 — the layer behind MeshMamba (Yoshiyasu et al.
//! 2025) and other Mamba variants.
//!
//! * [`S6`] ([`s6`]): the selective SSM — `Δ`, `B`, `C` computed from the input (`Δ` through a
//!   low-rank projection and softplus), diagonal `A = −exp(A_log)` with S4D-real init
//!   `A = −(1 … N)`, skip `D`, zero-order-hold `Ā = exp(ΔA)` and `B̄x ≈ ΔBx` as the paper's
//!   implementation.
//! * [`scan`]: the recurrence evaluated two ways with the same outputs — a chunked parallel
//!   (associative, Hillis–Steele) scan for training and the step-by-step recurrence for
//!   inference.
//! * [`MambaBlock`] ([`block`]): in-projection to `2·E·d`, causal depthwise conv1d, SiLU, S6,
//!   gating by `SiLU(z)`, out-projection; [`MambaBlock::step`] carries the conv and SSM states.
//! * [`Mamba`] ([`model`]): a pre-norm residual stack of blocks (RMSNorm or LayerNorm) with an
//!   input projection, pooling and a head — a [`Forward`](super::Forward) sequence classifier or
//!   regressor registered as model kind `mamba`; [`Mamba::step`] runs it recurrently.
//!
//! Defaults are the paper's: `d_state` 16, `expand` 2, `d_conv` 4, `dt_rank = ⌈d_model/16⌉`,
//! `Δ₀` log-uniform in `[10⁻³, 10⁻¹]`, RMSNorm ε 1e-5, `out_proj` rescaled by `1/√layers`.
//!
//! **Differs from the paper:** the paper's fused CUDA kernel (a hardware-aware scan that keeps
//! the state in SRAM and recomputes it in the backward pass) is replaced by tensor ops, so the
//! states `[B, L, E·d, N]` are materialised: memory is linear in `L` but `N` times larger than
//! the kernel's. Parameter names are `mamba_ssm`'s, so weights move to and from
//! `mamba_ssm.modules.mamba_simple.Mamba` by name.

pub mod block;
pub mod model;
pub mod norm;
pub mod s6;
pub mod scan;
#[cfg(test)]
mod tests;

pub use block::{BlockState, MambaBlock, MambaBlockConfig};
pub use model::{Mamba, MambaConfig, MambaState, SsmPooling};
pub use norm::{Norm, NormKind};
pub use s6::{S6Config, Selection, S6};
pub use scan::{scan_step, selective_scan, Scan};
