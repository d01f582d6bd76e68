//! Surrogate gradients of the spike non-linearity.
//!
//! A spike is the Heaviside step `H(v − θ)`, whose derivative is zero almost everywhere. Training
//! with backpropagation replaces that derivative by the derivative of a smooth function `σ`
//! (Neftci, Mostafa & Zenke, "Surrogate Gradient Learning in Spiking Neural Networks", IEEE
//! Signal Processing Magazine 2019). Here it is built by the *detach construction*
//!
//! ```text
//! spike(x) = H(x).detach() + σ(x) − σ(x).detach()
//! ```
//!
//! whose forward value is exactly `H(x)` (0 or 1) and whose gradient is exactly `σ'(x)`, with no
//! custom autograd function. The smoothed functions (`x = v − θ`):
//!
//! | surrogate | σ(x) | σ'(x) | default |
//! | --- | --- | --- | --- |
//! | fast sigmoid (SuperSpike, Zenke & Ganguli 2018; snntorch `fast_sigmoid`) | `x / (1 + k|x|)` | `1 / (1 + k|x|)²` | k = 25 (snntorch) |
//! | arctan (Fang et al. 2021, spikingjelly `ATan`) | `atan(π α x / 2) / π` | `(α/2) / (1 + (π α x / 2)²)` | α = 2 (spikingjelly) |
//! | triangle (Bellec et al. 2018 "LSNN", pseudo-derivative) | `x/w − x|x|/(2w²)` on `|x| ≤ w`, clamped outside | `max(0, 1 − |x|/w) / w` | w = 1 |

use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::{ensure_config, Result};

/// The smoothed function whose derivative stands in for the spike's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Surrogate {
    /// `σ'(x) = 1 / (1 + slope·|x|)²`.
    FastSigmoid { slope: f64 },
    /// `σ'(x) = (alpha/2) / (1 + (π·alpha·x/2)²)`.
    Arctan { alpha: f64 },
    /// `σ'(x) = max(0, 1 − |x|/width) / width`.
    Triangle { width: f64 },
}

impl Default for Surrogate {
    /// Fast sigmoid with snntorch's slope 25.
    fn default() -> Self {
        Surrogate::FastSigmoid { slope: 25.0 }
    }
}

impl Surrogate {
    /// Check the shape parameter (finite and > 0).
    pub fn validate(&self) -> Result<()> {
        let (name, v) = match *self {
            Surrogate::FastSigmoid { slope } => ("fast-sigmoid slope", slope),
            Surrogate::Arctan { alpha } => ("arctan alpha", alpha),
            Surrogate::Triangle { width } => ("triangle width", width),
        };
        ensure_config!(
            v.is_finite() && v > 0.0,
            "surrogate: {name} must be finite and > 0, got {v}"
        );
        Ok(())
    }

    /// The smoothed function `σ(x)` (differentiable; its gradient is the surrogate).
    pub fn smooth(&self, x: &Tensor) -> Tensor {
        match *self {
            Surrogate::FastSigmoid { slope } => x / (x.abs() * slope + 1.0),
            Surrogate::Arctan { alpha } => {
                (x * (std::f64::consts::PI * alpha / 2.0)).atan() / std::f64::consts::PI
            }
            Surrogate::Triangle { width } => {
                let c = x.clamp(-width, width);
                &c / width - &c * c.abs() / (2.0 * width * width)
            }
        }
    }

    /// The surrogate derivative `σ'(x)` in closed form (for tests and analysis).
    pub fn derivative(&self, x: &Tensor) -> Tensor {
        match *self {
            Surrogate::FastSigmoid { slope } => (x.abs() * slope + 1.0).pow_tensor_scalar(-2.0),
            Surrogate::Arctan { alpha } => {
                let u = x * (std::f64::consts::PI * alpha / 2.0);
                (u.square() + 1.0).reciprocal() * (alpha / 2.0)
            }
            Surrogate::Triangle { width } => (x.abs().neg() / width + 1.0).clamp_min(0.0) / width,
        }
    }

    /// Spikes `H(x)` (1 where `x ≥ 0`, in `x`'s kind) with the surrogate's gradient.
    pub fn spike(&self, x: &Tensor) -> Tensor {
        let step = x.ge(0.0).to_kind(x.kind());
        if !x.requires_grad() {
            return step;
        }
        let s = self.smooth(x);
        step + (&s - s.detach())
    }
}
