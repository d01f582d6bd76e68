//! The normalisation of a Mamba residual stack: RMSNorm (Zhang & Sennrich 2019; Mamba's default)
//! or LayerNorm, over the last dimension.

use serde::{Deserialize, Serialize};
use tch::nn::{self, Init};
use tch::{Kind, Tensor};

use crate::Result;

/// Which normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormKind {
    /// `x / √(mean(x²) + ε) · weight` (parameter `weight`, init 1) — the paper's code.
    #[default]
    Rms,
    /// `(x − mean) / √(var + ε) · weight + bias` (parameters `weight` = 1, `bias` = 0).
    Layer,
}

/// A built norm layer of width `d`.
#[derive(Debug)]
pub struct Norm {
    weight: Tensor,
    bias: Option<Tensor>,
    eps: f64,
    d: i64,
}

impl Norm {
    /// Create the parameters under `path`.
    pub fn new(path: &nn::Path, kind: NormKind, d: i64, eps: f64) -> Result<Self> {
        crate::ensure_config!(
            d > 0 && eps > 0.0 && eps.is_finite(),
            "norm: width must be > 0 and eps > 0, got {d} and {eps}"
        );
        let weight = path.f_var("weight", &[d], Init::Const(1.0))?;
        let bias = match kind {
            NormKind::Rms => None,
            NormKind::Layer => Some(path.f_var("bias", &[d], Init::Const(0.0))?),
        };
        Ok(Norm {
            weight,
            bias,
            eps,
            d,
        })
    }

    /// Normalise over the last dimension.
    ///
    /// # Shapes
    /// * `x`: `[…, d]` → `[…, d]`
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(match &self.bias {
            Some(b) => x.f_layer_norm([self.d], Some(&self.weight), Some(b), self.eps, false)?,
            None => {
                let ms = x
                    .f_square()?
                    .f_mean_dim(-1, true, None::<Kind>)?
                    .f_add_scalar(self.eps)?;
                x.f_mul(&ms.f_rsqrt()?)?.f_mul(&self.weight)?
            }
        })
    }
}
