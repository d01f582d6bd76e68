//! SmoothGrad and its variants around any attribution method (captum's `NoiseTunnel`).
//!
//! * SmoothGrad (Smilkov et al. 2017, "SmoothGrad: removing noise by adding noise"): the mean
//!   of an attribution over copies of the input with Gaussian noise added; the paper's noise
//!   level is 10–20 % of the input's range ([`Noise::Relative`]).
//! * SmoothGrad² (Hooker et al. 2019): the mean of the squared attributions.
//! * VarGrad (Adebayo et al. 2018): their variance (mean of squares minus squared mean, as
//!   captum computes it).
//!
//! Noise comes from libtorch's generator, so `deepfield_core::seed` makes it repeatable.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::Inputs;
use crate::{Error, Result};

/// How attributions over the noisy copies are combined (captum's `nt_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Smoothing {
    /// Mean (`"smoothgrad"`).
    #[default]
    SmoothGrad,
    /// Mean of squares (`"smoothgrad_sq"`).
    SmoothGradSquared,
    /// Variance (`"vargrad"`).
    VarGrad,
}

/// The standard deviation of the added Gaussian noise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Noise {
    /// The same σ for every input (captum's `stdevs`).
    Absolute(f64),
    /// σ = this fraction of each example's range, max − min (Smilkov et al.'s noise level).
    Relative(f64),
}

impl Default for Noise {
    /// Smilkov et al.'s recommended 15 % of the input range.
    fn default() -> Self {
        Noise::Relative(0.15)
    }
}

/// SmoothGrad-style averaging of an attribution method over noisy inputs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoiseTunnel {
    /// Noisy copies per input (captum's `nt_samples`; Smilkov et al. use 50).
    pub samples: usize,
    /// Noise level.
    pub noise: Noise,
    /// How the copies' attributions are combined.
    pub smoothing: Smoothing,
}

impl Default for NoiseTunnel {
    fn default() -> Self {
        Self {
            samples: 50,
            noise: Noise::default(),
            smoothing: Smoothing::SmoothGrad,
        }
    }
}

impl NoiseTunnel {
    /// Run `method` on `samples` noisy copies of the input and combine the results. `method`
    /// gets the noisy batch (with the original mask) and returns attributions of the input's
    /// shape. Fix a [`super::Target::Predicted`] target first ([`super::Target::resolve`]) so
    /// that noise cannot change which class is explained.
    pub fn attribute(
        &self,
        inputs: Inputs,
        mut method: impl FnMut(Inputs) -> Result<Tensor>,
    ) -> Result<Tensor> {
        if self.samples == 0 {
            return Err(Error::config("a noise tunnel needs at least one sample"));
        }
        let xs = inputs.xs.detach();
        let sigma = match self.noise {
            Noise::Absolute(s) | Noise::Relative(s) if !(s.is_finite() && s >= 0.0) => {
                return Err(Error::config(format!(
                    "noise level must be finite and ≥ 0, got {s}"
                )))
            }
            Noise::Absolute(s) => Tensor::from(s).to_device(xs.device()),
            Noise::Relative(f) => {
                let b = xs.size()[0];
                let flat = xs.view([b, -1]).to_kind(Kind::Double);
                let range = flat.amax([1], false) - flat.amin([1], false);
                let mut shape = vec![b];
                shape.extend(std::iter::repeat_n(1, xs.dim() - 1));
                (range * f).view(shape.as_slice())
            }
        };
        let mut sum: Option<Tensor> = None;
        let mut sum_sq: Option<Tensor> = None;
        for _ in 0..self.samples {
            let noisy = &xs + (xs.randn_like() * &sigma).to_kind(xs.kind());
            let a = method(Inputs {
                xs: &noisy,
                mask: inputs.mask,
            })?
            .to_kind(Kind::Double);
            if a.size() != xs.size() {
                return Err(Error::input(format!(
                    "the attribution method returned {:?} for an input of {:?}",
                    a.size(),
                    xs.size()
                )));
            }
            let sq = &a * &a;
            sum = Some(match sum {
                Some(s) => s + a,
                None => a,
            });
            sum_sq = Some(match sum_sq {
                Some(s) => s + sq,
                None => sq,
            });
        }
        let n = self.samples as f64;
        let (mean, mean_sq) = match (sum, sum_sq) {
            (Some(s), Some(q)) => (s / n, q / n),
            _ => return Err(Error::config("a noise tunnel needs at least one sample")),
        };
        let out = match self.smoothing {
            Smoothing::SmoothGrad => mean,
            Smoothing::SmoothGradSquared => mean_sq,
            Smoothing::VarGrad => &mean_sq - &mean * &mean,
        };
        Ok(out.to_kind(xs.kind()))
    }
}
