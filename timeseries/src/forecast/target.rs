//! The fitted target transform: levels standardised, or changes from the last observed value
//! scaled by the training SD of one-step changes ([`TargetMode`]).

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::TargetMode;
use crate::Result;

/// The fitted target transform (per target: offset and scale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetTransform {
    pub mode: TargetMode,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl TargetTransform {
    pub(crate) fn fit(mode: TargetMode, targets: &Tensor, train_end: usize) -> Result<Self> {
        let t = targets.narrow(0, 0, train_end as i64).to_kind(Kind::Double);
        let (mean, sd) = match mode {
            TargetMode::Level => (
                t.mean_dim(0, false, Kind::Double),
                t.std_dim(0, false, false),
            ),
            TargetMode::Difference => {
                let d = t.narrow(0, 1, train_end as i64 - 1) - t.narrow(0, 0, train_end as i64 - 1);
                (
                    d.zeros_like().narrow(0, 0, 1).squeeze_dim(0),
                    d.std_dim(0, false, false),
                )
            }
        };
        let mean = Vec::<f64>::try_from(mean)?;
        let scale: Vec<f64> = Vec::<f64>::try_from(sd)?
            .into_iter()
            .map(|s| if s > 1e-12 { s } else { 1.0 })
            .collect();
        Ok(TargetTransform {
            mode,
            mean: if mode == TargetMode::Level {
                mean
            } else {
                vec![0.0; scale.len()]
            },
            scale,
        })
    }

    fn params(&self, device: tch::Device) -> (Tensor, Tensor) {
        let t = |v: &[f64]| Tensor::from_slice(v).to_kind(Kind::Float).to_device(device);
        (t(&self.mean), t(&self.scale))
    }

    /// Model space from levels `y` `[N, H, T]` and last values `last` `[N, T]`.
    pub fn forward(&self, y: &Tensor, last: &Tensor) -> Result<Tensor> {
        let (m, s) = self.params(y.device());
        let base = match self.mode {
            TargetMode::Level => y.f_sub(&m)?,
            TargetMode::Difference => y.f_sub(&last.f_unsqueeze(1)?)?,
        };
        Ok(base.f_div(&s)?)
    }

    /// Levels from model outputs `z` `[N, H, T]` and last values `last` `[N, T]`.
    pub fn inverse(&self, z: &Tensor, last: &Tensor) -> Result<Tensor> {
        let (m, s) = self.params(z.device());
        let y = z.f_mul(&s)?;
        Ok(match self.mode {
            TargetMode::Level => y.f_add(&m)?,
            TargetMode::Difference => y.f_add(&last.f_unsqueeze(1)?)?,
        })
    }
}
