//! The configuration of an RWKV language model and of its spiking variant (SpikeGPT).
//!
//! Defaults trace to the official SpikeGPT code (ridgerchu/SpikeGPT, `src/model.py`,
//! `train.py`): channel-mix hidden width 4·n_embd, dropout 0.03 after each block, leaky
//! integrate-and-fire neurons with τ = 2, threshold 1, hard reset to 0 and the arctan surrogate
//! (α = 2) after each sub-layer, and a binary embedding (Heaviside of the embedding with the
//! arctan surrogate). The width, depth and context are small here (the released model has
//! 24 layers of 768 channels and a 1024-token context) so the model trains on a CPU.

use serde::{Deserialize, Serialize};

use deepfield_core::spiking::{LifConfig, Reset, Surrogate};

use crate::{Error, Result};

/// The spiking parts of SpikeGPT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpikingConfig {
    /// Membrane time constant τ in steps (tokens); spikingjelly's LIF `v += (x − v)/τ`, i.e.
    /// decay β = 1 − 1/τ and input scale 1/τ. SpikeGPT: τ = 2.
    pub tau: f64,
    /// Firing threshold (SpikeGPT: 1).
    pub threshold: f64,
    /// Slope α of the arctan surrogate gradient (SpikeGPT: `surrogate.ATan(alpha=2.0)`).
    pub alpha: f64,
    /// Binarise the embedding (`Heaviside(emb)` with the arctan surrogate), as the official
    /// model's `self.atan(self.emb(idx))`.
    pub binary_embedding: bool,
    /// Spiking neurons in place of the squared ReLU of the channel-mixing hidden layer (the
    /// paper's spiking receptance feed-forward network: the hidden activations are binary, so
    /// the widest matrix is driven by spikes). The official `RWKV_ChannelMix` keeps the squared
    /// ReLU; `false` reproduces that.
    pub spiking_ffn: bool,
}

impl Default for SpikingConfig {
    fn default() -> Self {
        SpikingConfig {
            tau: 2.0,
            threshold: 1.0,
            alpha: 2.0,
            binary_embedding: true,
            spiking_ffn: true,
        }
    }
}

impl SpikingConfig {
    /// The LIF neurons of core: β = 1 − 1/τ, hard reset, arctan surrogate.
    pub fn lif(&self) -> LifConfig {
        LifConfig {
            beta: 1.0 - 1.0 / self.tau,
            threshold: self.threshold,
            reset: Reset::Hard,
            learn_beta: false,
            surrogate: self.surrogate(),
            adaptation: None,
        }
    }

    /// The arctan surrogate of the binary embedding and the neurons.
    pub fn surrogate(&self) -> Surrogate {
        Surrogate::Arctan { alpha: self.alpha }
    }

    /// Input scale 1/τ of spikingjelly's LIF (`decay_input=True`).
    pub fn input_scale(&self) -> f64 {
        1.0 / self.tau
    }

    /// Check τ > 1 (so β is in (0, 1)), the threshold and α.
    pub fn validate(&self) -> Result<()> {
        if !(self.tau.is_finite() && self.tau > 1.0) {
            return Err(Error::config(format!(
                "spikegpt: tau must be > 1 (decay 1 − 1/tau in (0, 1)), got {}",
                self.tau
            )));
        }
        self.lif().validate()?;
        Ok(())
    }
}

/// An RWKV (v4-style, as SpikeGPT uses it) character or token language model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RwkvConfig {
    /// Tokens in the vocabulary (inputs and outputs).
    pub vocab_size: i64,
    /// Channels of the residual stream.
    pub n_embd: i64,
    /// Blocks (time mixing + channel mixing).
    pub n_layer: i64,
    /// Channel-mixing hidden width as a multiple of `n_embd` (SpikeGPT/RWKV: 4).
    pub ffn_mult: i64,
    /// Longest sequence the parallel form is trained on.
    pub ctx_len: i64,
    /// Dropout after each block in training (SpikeGPT: 0.03).
    pub dropout: f64,
    /// The spiking variant (SpikeGPT) when set; `None` is the non-spiking twin.
    pub spiking: Option<SpikingConfig>,
}

impl Default for RwkvConfig {
    fn default() -> Self {
        RwkvConfig {
            vocab_size: 67,
            n_embd: 128,
            n_layer: 4,
            ffn_mult: 4,
            ctx_len: 128,
            dropout: 0.03,
            spiking: Some(SpikingConfig::default()),
        }
    }
}

impl RwkvConfig {
    /// Check sizes, dropout and the spiking parts.
    pub fn validate(&self) -> Result<()> {
        if self.vocab_size < 2 || self.n_embd < 2 || self.n_layer < 1 || self.ffn_mult < 1 {
            return Err(Error::config(format!(
                "rwkv: needs vocab_size >= 2, n_embd >= 2, n_layer >= 1, ffn_mult >= 1; got {}, \
                 {}, {}, {}",
                self.vocab_size, self.n_embd, self.n_layer, self.ffn_mult
            )));
        }
        if self.ctx_len < 1 {
            return Err(Error::config(format!(
                "rwkv: ctx_len must be >= 1, got {}",
                self.ctx_len
            )));
        }
        deepfield_core::nn::check_dropout("rwkv", self.dropout)?;
        if let Some(s) = &self.spiking {
            s.validate()?;
        }
        Ok(())
    }

    /// Channel-mixing hidden width.
    pub fn hidden(&self) -> i64 {
        self.ffn_mult * self.n_embd
    }
}
