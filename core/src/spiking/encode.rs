//! Input encodings: how a static input `x ∈ [0, 1]` becomes a sequence of `T` inputs.
//!
//! * direct (a.k.a. analog/constant-current): `x` itself at every step; the first layer turns it
//!   into spikes (Rueckauer et al. 2017; the usual choice of BPTT-trained SNNs such as HLOP's).
//! * rate (Poisson/Bernoulli): a spike with probability `x` at every step, independently
//!   (snntorch `spikegen.rate`); the mean over time estimates `x`.
//! * latency (time-to-first-spike): one spike per input, earlier for larger `x`: at step
//!   `round((1 − x)·(T − 1))` (snntorch `spikegen.latency(linear=True, normalize=True)`); inputs at
//!   or below `threshold` never spike.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{ensure_config, ensure_input, Result};

/// How a static input becomes a spike train.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Encoding {
    #[default]
    Direct,
    Rate,
    Latency {
        /// Inputs at or below this value never spike.
        threshold: f64,
    },
}

impl Encoding {
    /// Check the latency threshold.
    pub fn validate(&self) -> Result<()> {
        if let Encoding::Latency { threshold } = *self {
            ensure_config!(
                (0.0..1.0).contains(&threshold),
                "encoding: latency threshold must be in [0, 1), got {threshold}"
            );
        }
        Ok(())
    }

    /// Whether every step's input is the same (the first layer's current can be computed once).
    pub fn is_constant(&self) -> bool {
        matches!(self, Encoding::Direct)
    }

    /// The `[T, …x.shape]` sequence of `x` (values in `[0, 1]` for rate and latency; rate draws
    /// from libtorch's generator). `steps` must be > 0.
    pub fn encode(&self, x: &Tensor, steps: usize) -> Result<Tensor> {
        ensure_input!(steps > 0, "encoding: steps must be > 0");
        let t = steps as i64;
        let mut shape = vec![t];
        shape.extend(x.size());
        let x = x.to_kind(Kind::Float);
        if !matches!(self, Encoding::Direct) {
            let (lo, hi) = tch::no_grad(|| (x.min().double_value(&[]), x.max().double_value(&[])));
            ensure_input!(
                x.numel() == 0 || (lo >= 0.0 && hi <= 1.0),
                "encoding: rate and latency encodings need inputs in [0, 1], got values in [{lo}, {hi}]"
            );
        }
        Ok(match *self {
            Encoding::Direct => x.unsqueeze(0).expand(&shape, false),
            Encoding::Rate => x.unsqueeze(0).expand(&shape, false).bernoulli(),
            Encoding::Latency { threshold } => {
                let when = ((x.neg() + 1.0) * (t - 1) as f64)
                    .round()
                    .to_kind(Kind::Int64);
                let steps_idx = Tensor::arange(t, (Kind::Int64, x.device())).reshape(
                    [t].into_iter()
                        .chain(std::iter::repeat_n(1, x.dim()))
                        .collect::<Vec<_>>(),
                );
                let fire = x.gt(threshold).unsqueeze(0);
                steps_idx
                    .eq_tensor(&when.unsqueeze(0))
                    .logical_and(&fire)
                    .to_kind(Kind::Float)
            }
        })
    }
}
