//! Calibration: observers that watch tensors (weights, or activations over calibration batches)
//! and choose the clipping range, hence the scale and zero point (survey §3.3, "calibration").
//!
//! * [`Calibration::MinMax`]: the full observed range (`torch.ao`'s `MinMaxObserver`, and
//!   `PerChannelMinMaxObserver` with a per-channel scheme).
//! * [`Calibration::MovingAverage`]: `min ← min + c (batch_min − min)` from the second batch on
//!   (`MovingAverageMinMaxObserver`, `c` = 0.01 there).
//! * [`Calibration::Percentile`]: the `p`-th and `(100 − p)`-th percentiles (McKinstry et al.
//!   2019), ignoring rare outliers.
//! * [`Calibration::Mse`]: the clipping range `α · [min, max]`, α on a grid of 100 values in
//!   (0, 1], minimizing the quantization mean squared error of the observed values.
//! * [`Calibration::Entropy`]: TensorRT's KL-divergence calibration (Migacz 2017, "8-bit
//!   Inference with TensorRT"): see [`super::entropy`]. It is not `torch.ao`'s
//!   `HistogramObserver`, which minimizes an L2 quantization error over histogram bins.
//!
//! Percentile, MSE and entropy keep the observed values (a random subset of
//! [`Observer::MAX_SAMPLES`] of a larger batch; batches after `4 × MAX_SAMPLES` values only
//! update the min/max) and work per tensor.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::affine::{min_max, quantization_mse, QParams, QScheme};
use crate::{ensure_config, ensure_input, Result};

/// How a clipping range is chosen from observed values.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Calibration {
    /// The observed minimum and maximum.
    #[default]
    MinMax,
    /// Exponential moving average of the batches' minima and maxima.
    MovingAverage { constant: f64 },
    /// Percentiles: `percent` (e.g. 99.99) of the values lie inside the range.
    Percentile { percent: f64 },
    /// The range minimizing the quantization mean squared error.
    Mse,
    /// The symmetric range minimizing the KL divergence of the quantized histogram.
    Entropy { bins: usize },
}

impl Calibration {
    /// Check the method's parameters against `scheme`.
    pub fn validate(&self, scheme: &QScheme) -> Result<()> {
        scheme.validate()?;
        match *self {
            Calibration::MinMax | Calibration::Mse => {}
            Calibration::MovingAverage { constant } => {
                ensure_config!(
                    constant > 0.0 && constant <= 1.0,
                    "calibration: the moving-average constant must be in (0, 1], got {constant}"
                );
            }
            Calibration::Percentile { percent } => {
                ensure_config!(
                    percent > 50.0 && percent <= 100.0,
                    "calibration: percentile must be in (50, 100], got {percent}"
                );
            }
            Calibration::Entropy { bins } => {
                ensure_config!(
                    bins >= 4 << scheme.bits,
                    "calibration: entropy needs at least {} histogram bins for {} bits, got {bins}",
                    4 << scheme.bits,
                    scheme.bits
                );
            }
        }
        if !matches!(
            self,
            Calibration::MinMax | Calibration::MovingAverage { .. }
        ) {
            ensure_config!(
                !scheme.per_channel,
                "calibration: {self:?} works per tensor; use min-max for per-channel ranges"
            );
        }
        Ok(())
    }
}

/// Watches tensors batch by batch and turns what it saw into [`QParams`].
#[derive(Debug)]
pub struct Observer {
    method: Calibration,
    scheme: QScheme,
    min: Option<Tensor>,
    max: Option<Tensor>,
    samples: Vec<Tensor>,
    kept: i64,
}

impl Observer {
    /// Values kept for the percentile, MSE and entropy methods.
    pub const MAX_SAMPLES: i64 = 1 << 20;

    /// An observer with no observations yet.
    pub fn new(method: Calibration, scheme: QScheme) -> Result<Self> {
        method.validate(&scheme)?;
        Ok(Observer {
            method,
            scheme,
            min: None,
            max: None,
            samples: Vec::new(),
            kept: 0,
        })
    }

    /// Record one batch (or a weight tensor).
    pub fn observe(&mut self, x: &Tensor) -> Result<()> {
        let x = x.detach().to_kind(Kind::Float).to_device(tch::Device::Cpu);
        ensure_input!(
            x.isfinite().all().int64_value(&[]) == 1,
            "calibration: the observed tensor holds NaN or infinite values"
        );
        let (lo, hi) = min_max(&x, self.scheme.per_channel)?;
        match (&self.min, &self.max, self.method) {
            (Some(m), Some(n), Calibration::MovingAverage { constant }) => {
                self.min = Some(m + (lo - m) * constant);
                self.max = Some(n + (hi - n) * constant);
            }
            (Some(m), Some(n), _) => {
                self.min = Some(m.minimum(&lo));
                self.max = Some(n.maximum(&hi));
            }
            _ => {
                self.min = Some(lo);
                self.max = Some(hi);
            }
        }
        if matches!(
            self.method,
            Calibration::Percentile { .. } | Calibration::Mse | Calibration::Entropy { .. }
        ) {
            let flat = x.flatten(0, -1);
            let n = flat.numel() as i64;
            if self.kept >= 4 * Self::MAX_SAMPLES {
                return Ok(());
            }
            let flat = if n > Self::MAX_SAMPLES {
                let pick = Tensor::randperm(n, (Kind::Int64, flat.device()));
                flat.index_select(0, &pick.narrow(0, 0, Self::MAX_SAMPLES))
            } else {
                flat
            };
            self.kept += flat.numel() as i64;
            self.samples.push(flat);
        }
        Ok(())
    }

    /// The observed range `(min, max)` as `f32` tensors (scalars or `[C]`).
    pub fn range(&self) -> Result<(Tensor, Tensor)> {
        let (Some(lo), Some(hi)) = (&self.min, &self.max) else {
            return Err(crate::Error::input(
                "calibration: the observer has seen no data".to_string(),
            ));
        };
        let scalar = |v: f64| Tensor::from(v as f32);
        match self.method {
            Calibration::MinMax | Calibration::MovingAverage { .. } => {
                Ok((lo.shallow_clone(), hi.shallow_clone()))
            }
            Calibration::Percentile { percent } => {
                let all = self.sample();
                let q = Tensor::from_slice(&[1.0 - percent / 100.0, percent / 100.0]);
                let qs = Vec::<f64>::try_from(
                    all.to_kind(Kind::Double)
                        .quantile(&q, None, false, "linear"),
                )?;
                Ok((scalar(qs[0]), scalar(qs[1])))
            }
            Calibration::Mse => {
                let all = self.sample();
                let (lo, hi) = (lo.double_value(&[]), hi.double_value(&[]));
                let mut best = (f64::INFINITY, 1.0);
                for i in 1..=100 {
                    let a = f64::from(i) / 100.0;
                    let p = QParams::from_min_max(self.scheme, &scalar(a * lo), &scalar(a * hi))?;
                    let e = quantization_mse(&p, &all)?;
                    if e < best.0 {
                        best = (e, a);
                    }
                }
                Ok((scalar(best.1 * lo), scalar(best.1 * hi)))
            }
            Calibration::Entropy { bins } => {
                let all = self.sample();
                let levels = 1usize << (self.scheme.bits - 1);
                let t = super::entropy::kl_threshold(&all, bins, levels)?;
                let lo = if lo.double_value(&[]) < 0.0 { -t } else { 0.0 };
                Ok((scalar(lo), scalar(t)))
            }
        }
    }

    /// Scale and zero point from what was observed.
    pub fn qparams(&self) -> Result<QParams> {
        let (lo, hi) = self.range()?;
        QParams::from_min_max(self.scheme, &lo, &hi)
    }

    fn sample(&self) -> Tensor {
        Tensor::cat(&self.samples, 0)
    }
}

/// Observe `x` once with `method` and return its parameters (weights).
pub fn calibrate(method: Calibration, scheme: QScheme, x: &Tensor) -> Result<QParams> {
    let mut o = Observer::new(method, scheme)?;
    o.observe(x)?;
    o.qparams()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    fn heavy_tailed() -> Tensor {
        tch::manual_seed(1);
        let x = Tensor::randn([20000], (Kind::Float, Device::Cpu));
        let _ = x.narrow(0, 0, 4).fill_(40.0);
        x
    }

    #[test]
    fn min_max_and_moving_average() {
        let s = QScheme::activations(8);
        let mut mm = Observer::new(Calibration::MinMax, s).unwrap();
        let mut ma = Observer::new(Calibration::MovingAverage { constant: 0.5 }, s).unwrap();
        for b in [[-1.0f32, 2.0], [-3.0, 1.0]] {
            mm.observe(&Tensor::from_slice(&b)).unwrap();
            ma.observe(&Tensor::from_slice(&b)).unwrap();
        }
        let (lo, hi) = mm.range().unwrap();
        assert_eq!((lo.double_value(&[]), hi.double_value(&[])), (-3.0, 2.0));
        let (lo, hi) = ma.range().unwrap();
        assert_eq!((lo.double_value(&[]), hi.double_value(&[])), (-2.0, 1.5));
    }

    #[test]
    fn clipping_methods_ignore_outliers_and_lower_the_error() {
        let x = heavy_tailed();
        let s = QScheme::weights(4);
        let full = calibrate(Calibration::MinMax, s, &x).unwrap();
        let e_full = quantization_mse(&full, &x).unwrap();
        for m in [
            Calibration::Percentile { percent: 99.9 },
            Calibration::Mse,
            Calibration::Entropy { bins: 2048 },
        ] {
            let p = calibrate(m, s, &x).unwrap();
            let (_, hi) = Observer::range(&{
                let mut o = Observer::new(m, s).unwrap();
                o.observe(&x).unwrap();
                o
            })
            .unwrap();
            let hi = hi.double_value(&[]);
            assert!(hi > 1.5 && hi < 10.0, "{m:?}: clip at {hi}");
            let e = quantization_mse(&p, &x).unwrap();
            assert!(e < e_full / 3.0, "{m:?}: {e} vs min-max {e_full}");
        }
    }

    #[test]
    fn bad_settings_are_errors() {
        let s = QScheme::weights(8);
        assert!(Observer::new(Calibration::Percentile { percent: 40.0 }, s).is_err());
        assert!(Observer::new(Calibration::Entropy { bins: 100 }, s).is_err());
        assert!(Observer::new(Calibration::Mse, s.per_channel()).is_err());
        assert!(Observer::new(Calibration::MinMax, QScheme::weights(0)).is_err());
        let o = Observer::new(Calibration::MinMax, s).unwrap();
        assert!(o.qparams().is_err());
        let mut o = Observer::new(Calibration::MinMax, s).unwrap();
        assert!(o.observe(&Tensor::from_slice(&[f32::NAN])).is_err());
    }
}
