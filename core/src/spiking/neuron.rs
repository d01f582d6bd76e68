//! Leaky integrate-and-fire neurons, plain and adaptive, stepped one time step at a time.
//!
//! Discrete-time LIF (snntorch's `Leaky`, Eshraghian et al., "Training Spiking Neural Networks
//! Using Lessons From Deep Learning", Proc. IEEE 2023), with time step Δt = 1:
//!
//! ```text
//! u[t] = β·u[t−1] + I[t] − reset[t]          spike s[t] = H(u[t] − θ[t])
//! ```
//!
//! * soft reset (subtract): `reset[t] = θ·s[t−1]`; hard reset (to zero): `u[t] = β·u[t−1]·(1 − s[t−1]) + I[t]`.
//!   As in snntorch the reset term is detached (no gradient through the reset).
//! * learnable time constants: β = sigmoid(w) per neuron, so β stays in (0, 1); the membrane
//!   time constant is τ = −1/ln β steps.
//! * adaptive LIF (Bellec et al., "Long short-term memory and learning-to-learn in networks of
//!   spiking neurons", NeurIPS 2018): the threshold rises after each spike,
//!   `a[t] = ρ·a[t−1] + s[t−1]`, `θ[t] = θ₀ + γ·a[t]`.
//!
//! Defaults are snntorch's tutorial values: β = 0.95, θ = 1, soft reset, fast-sigmoid surrogate
//! (slope 25). State lives in [`LifState`], created at zero for every sequence: a model calls
//! [`Lif::zero_state`] at the start of each forward pass, so no state leaks between sequences.

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use super::surrogate::Surrogate;
use crate::{ensure_config, Result};

/// How the membrane is reset after a spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Reset {
    /// Subtract the threshold (keeps the excess charge).
    #[default]
    Soft,
    /// Set the membrane to zero.
    Hard,
}

/// Threshold adaptation of the adaptive LIF (ALIF).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Adaptation {
    /// Decay ρ of the adaptation variable per step (Bellec et al.: exp(−1/τ_a)).
    pub rho: f64,
    /// Threshold increase γ per unit of adaptation.
    pub gamma: f64,
}

impl Default for Adaptation {
    /// ρ = exp(−1/200) (τ_a = 200 steps, Bellec et al.), γ = 0.07 (their β for ALIF units, scaled to θ = 1).
    fn default() -> Self {
        Adaptation {
            rho: (-1.0f64 / 200.0).exp(),
            gamma: 0.07,
        }
    }
}

/// A layer of LIF neurons.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifConfig {
    /// Membrane decay β per step, in (0, 1) (the initial value when learnable).
    pub beta: f64,
    /// Firing threshold θ (θ₀ of the adaptive neuron).
    pub threshold: f64,
    pub reset: Reset,
    /// Learn one β per neuron (through a sigmoid).
    pub learn_beta: bool,
    pub surrogate: Surrogate,
    /// Adaptive threshold (ALIF) when set.
    pub adaptation: Option<Adaptation>,
}

impl Default for LifConfig {
    fn default() -> Self {
        LifConfig {
            beta: 0.95,
            threshold: 1.0,
            reset: Reset::Soft,
            learn_beta: false,
            surrogate: Surrogate::default(),
            adaptation: None,
        }
    }
}

impl LifConfig {
    /// Check β, θ, the surrogate and the adaptation.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.beta > 0.0 && self.beta < 1.0,
            "lif: beta must be in (0, 1), got {}",
            self.beta
        );
        ensure_config!(
            self.threshold.is_finite() && self.threshold > 0.0,
            "lif: threshold must be finite and > 0, got {}",
            self.threshold
        );
        self.surrogate.validate()?;
        if let Some(a) = self.adaptation {
            ensure_config!(
                a.rho >= 0.0 && a.rho < 1.0 && a.gamma.is_finite() && a.gamma >= 0.0,
                "lif: adaptation needs rho in [0, 1) and gamma >= 0, got rho {} gamma {}",
                a.rho,
                a.gamma
            );
        }
        Ok(())
    }

    /// The neurons of a layer of `size`; a learnable β lives at `path / "beta_logit"`.
    pub fn init(&self, path: &nn::Path, size: i64) -> Result<Lif> {
        self.validate()?;
        ensure_config!(size > 0, "lif: layer size must be > 0, got {size}");
        let beta_logit = self.learn_beta.then(|| {
            let logit = (self.beta / (1.0 - self.beta)).ln();
            path.var("beta_logit", &[size], nn::Init::Const(logit))
        });
        Ok(Lif {
            config: *self,
            beta_logit,
            size,
        })
    }
}

/// Membrane potential, last spikes and threshold adaptation of a batch of neurons.
#[derive(Debug)]
pub struct LifState {
    pub mem: Tensor,
    pub spikes: Tensor,
    pub adapt: Option<Tensor>,
}

/// A layer of (adaptive) LIF neurons; see [`LifConfig`].
#[derive(Debug)]
pub struct Lif {
    config: LifConfig,
    beta_logit: Option<Tensor>,
    size: i64,
}

impl Lif {
    pub fn config(&self) -> &LifConfig {
        &self.config
    }

    /// Neurons in the layer.
    pub fn size(&self) -> i64 {
        self.size
    }

    /// β per neuron (`[size]`) when learnable, else the constant.
    pub fn beta(&self) -> Tensor {
        match &self.beta_logit {
            Some(w) => w.sigmoid(),
            None => Tensor::from(self.config.beta),
        }
    }

    /// Membrane time constants τ = −1/ln β in steps (one per neuron when learnable).
    pub fn time_constants(&self) -> Result<Vec<f64>> {
        let tau = tch::no_grad(|| self.beta().log().reciprocal().neg());
        Ok(Vec::<f64>::try_from(
            tau.to_kind(Kind::Double).flatten(0, -1),
        )?)
    }

    /// The state at the start of a sequence: everything zero, shaped like `like` (`[B, size, …]`).
    pub fn zero_state(&self, like: &Tensor) -> LifState {
        LifState {
            mem: like.zeros_like(),
            spikes: like.zeros_like(),
            adapt: self.config.adaptation.map(|_| like.zeros_like()),
        }
    }

    /// One time step with input current `input` (`[B, size]` or `[B, size, H, W]`); returns the
    /// spikes and updates `state`.
    pub fn step(&self, input: &Tensor, state: &mut LifState) -> Result<Tensor> {
        crate::ensure_input!(
            input.dim() >= 2 && input.size()[1] == self.size,
            "lif: expected inputs [B, {}, …], got {:?}",
            self.size,
            input.size()
        );
        let c = &self.config;
        let mut beta = self.beta();
        if beta.dim() == 1 && input.dim() > 2 {
            let mut shape = vec![self.size];
            shape.extend(std::iter::repeat_n(1, input.dim() - 2));
            beta = beta.reshape(shape);
        }
        let prev = state.spikes.detach();
        let mut threshold = Tensor::from(c.threshold);
        if let (Some(a), Some(adapt)) = (c.adaptation, state.adapt.as_mut()) {
            *adapt = &*adapt * a.rho + &prev;
            threshold = &*adapt * a.gamma + c.threshold;
        }
        let mem = match c.reset {
            Reset::Soft => &state.mem * &beta + input - &prev * c.threshold,
            Reset::Hard => &state.mem * &beta * (1.0 - &prev) + input,
        };
        let spikes = c.surrogate.spike(&(&mem - &threshold));
        state.mem = mem;
        state.spikes = spikes.shallow_clone();
        Ok(spikes)
    }
}
