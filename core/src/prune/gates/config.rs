//! [`GateConfig`]: what is gated, how, and how strongly the gates are polarized.

use serde::{Deserialize, Serialize};

use crate::{ensure_config, Result};

/// What one gate switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One gate per output channel of a conv weight / output neuron of a linear weight (dim 0
    /// of the weight), the paper's channel gating.
    Channel,
    /// One gate per weight value (a connection).
    Connection,
}

/// How the gates enter the forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateMode {
    /// Hard 0/1 gates `1[s > 0]`, gradients through `σ'(s)` (straight-through estimator; the
    /// paper's choice).
    Ste,
    /// Soft gates `σ(s)` (a sigmoid relaxation), thresholded at 0.5 at the end.
    Sigmoid,
}

/// The gates of one training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GateConfig {
    /// Fraction of the gated connections to remove, in `[0, 1)` (user-defined sparsity).
    pub sparsity: f64,
    pub granularity: Granularity,
    pub mode: GateMode,
    /// The gated weights: comma-separated globs over variable names (rank >= 2 weights; none:
    /// every weight of rank >= 2). With channel gates, leave out the output layer (gating it
    /// removes classes).
    pub layers: Option<String>,
    /// α: weight of the target term `(p̄ − ρ)²`.
    pub alpha: f64,
    /// β: weight of the polarization term `−Σ nᵢ|pᵢ − p̄|/N`.
    pub beta: f64,
    /// SGD (momentum 0.9) learning rate of the gate logits. Large, because a gate's data
    /// gradient `Σ ∂L/∂v ⊙ m` and the regulariser's `∝ nᵢ/N` are both per-connection small
    /// (about 1e-4 on the MNIST CNN); 100 moves a logit by O(1) over a few hundred steps.
    pub gate_lr: f64,
    /// Starting logit of every gate (> 0: every gate starts open, the dense network).
    pub init_logit: f64,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            sparsity: 0.5,
            granularity: Granularity::Channel,
            mode: GateMode::Ste,
            layers: None,
            alpha: 10.0,
            beta: 1.0,
            gate_lr: 100.0,
            init_logit: 1.0,
        }
    }
}

impl GateConfig {
    /// Sparsity in `[0, 1)`, non-negative weights, a positive learning rate.
    pub fn validate(&self) -> Result<()> {
        crate::prune::magnitude::check_sparsity(self.sparsity)?;
        ensure_config!(
            self.alpha >= 0.0
                && self.beta >= 0.0
                && self.alpha.is_finite()
                && self.beta.is_finite(),
            "gates: alpha and beta must be finite and >= 0, got {} and {}",
            self.alpha,
            self.beta
        );
        ensure_config!(
            self.gate_lr > 0.0 && self.gate_lr.is_finite(),
            "gates: gate_lr must be > 0, got {}",
            self.gate_lr
        );
        ensure_config!(
            self.init_logit.is_finite(),
            "gates: init_logit must be finite"
        );
        Ok(())
    }

    /// ρ: the target fraction of connections kept.
    pub fn keep(&self) -> f64 {
        1.0 - self.sparsity
    }
}
