//! Discrete Gaussian noise schedules and their closed forms (Ho et al. 2020, eqs. 4, 6, 7):
//! `ᾱ_t = ∏_{s≤t} (1 − β_s)`, `q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I)` and the posterior
//! `q(x_{t−1} | x_t, x_0) = N(c0_t x_0 + ct_t x_t, β̃_t I)` with
//! `c0_t = √ᾱ_{t−1} β_t / (1 − ᾱ_t)`, `ct_t = √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)`,
//! `β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)`. Steps are numbered `1..=T`; step 0 is the data.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::{ensure_config, Result};

/// A schedule of `T` noise variances `β_1..β_T`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoiseSchedule {
    betas: Vec<f64>,
    alpha_bar: Vec<f64>,
}

impl NoiseSchedule {
    /// From explicit variances, each in (0, 1).
    pub fn from_betas(betas: Vec<f64>) -> Result<Self> {
        ensure_config!(
            !betas.is_empty(),
            "a noise schedule needs at least one step"
        );
        ensure_config!(
            betas.iter().all(|b| b.is_finite() && *b > 0.0 && *b < 1.0),
            "noise schedule variances must lie in (0, 1), got {betas:?}"
        );
        let mut alpha_bar = Vec::with_capacity(betas.len() + 1);
        alpha_bar.push(1.0);
        for b in &betas {
            let prev = alpha_bar[alpha_bar.len() - 1];
            alpha_bar.push(prev * (1.0 - b));
        }
        Ok(NoiseSchedule { betas, alpha_bar })
    }

    /// DDPM's linear schedule: `β_t` evenly spaced from `start` to `end` over `steps`.
    pub fn linear(steps: usize, start: f64, end: f64) -> Result<Self> {
        ensure_config!(steps >= 1, "a noise schedule needs at least one step");
        let betas = (0..steps)
            .map(|i| {
                if steps == 1 {
                    start
                } else {
                    start + (end - start) * i as f64 / (steps - 1) as f64
                }
            })
            .collect();
        Self::from_betas(betas)
    }

    /// The variance-preserving schedule of Denoising Diffusion GANs (Xiao et al. 2022) with few
    /// steps: `ᾱ(s) = exp(−β_min s − (β_max − β_min) s² / 2)` at `s = t / T`, so that
    /// `β_t = 1 − ᾱ(t/T) / ᾱ((t−1)/T)`.
    pub fn vp(steps: usize, beta_min: f64, beta_max: f64) -> Result<Self> {
        ensure_config!(steps >= 1, "a noise schedule needs at least one step");
        ensure_config!(
            beta_min > 0.0 && beta_max >= beta_min,
            "vp schedule: need 0 < beta_min <= beta_max, got {beta_min}, {beta_max}"
        );
        let ab = |s: f64| (-beta_min * s - 0.5 * (beta_max - beta_min) * s * s).exp();
        let betas = (1..=steps)
            .map(|t| {
                let (s, p) = (t as f64 / steps as f64, (t - 1) as f64 / steps as f64);
                1.0 - ab(s) / ab(p)
            })
            .collect();
        Self::from_betas(betas)
    }

    /// Number of steps T.
    pub fn steps(&self) -> usize {
        self.betas.len()
    }

    /// `β_t` for `t` in `1..=T`.
    pub fn beta(&self, t: usize) -> f64 {
        self.betas[t - 1]
    }

    /// `ᾱ_t` for `t` in `0..=T` (`ᾱ_0 = 1`).
    pub fn alpha_bar(&self, t: usize) -> f64 {
        self.alpha_bar[t]
    }

    /// The posterior `q(x_{t−1} | x_t, x_0)` of step `t` as `(c0, ct, variance)`: mean
    /// `c0 x_0 + ct x_t`.
    pub fn posterior(&self, t: usize) -> (f64, f64, f64) {
        let (b, ab, ab_prev) = (self.beta(t), self.alpha_bar(t), self.alpha_bar(t - 1));
        let c0 = ab_prev.sqrt() * b / (1.0 - ab);
        let ct = (1.0 - b).sqrt() * (1.0 - ab_prev) / (1.0 - ab);
        (c0, ct, b * (1.0 - ab_prev) / (1.0 - ab))
    }

    /// `f(t)` gathered per sample: `t` holds steps (int64, `[B]`), the result is `[B, 1]`.
    /// `at_zero` is the value at step 0.
    fn gather(&self, t: &Tensor, device: Device, at_zero: f64, f: impl Fn(usize) -> f64) -> Tensor {
        let v: Vec<f64> = (0..=self.steps())
            .map(|s| if s == 0 { at_zero } else { f(s) })
            .collect();
        Tensor::from_slice(&v)
            .to_kind(Kind::Float)
            .to_device(device)
            .index_select(0, t)
            .unsqueeze(-1)
    }

    /// `x_t ~ q(x_t | x_0)`: `√ᾱ_t x0 + √(1 − ᾱ_t) noise`, per-sample steps `t` (`[B]`, int64),
    /// `x0` and `noise` `[B, D]`; step 0 gives `x0`.
    pub fn q_sample(&self, x0: &Tensor, t: &Tensor, noise: &Tensor) -> Tensor {
        let d = x0.device();
        let a = self.gather(t, d, 1.0, |s| self.alpha_bar(s).sqrt());
        let s = self.gather(t, d, 0.0, |s| (1.0 - self.alpha_bar(s)).sqrt());
        x0 * a + noise * s
    }

    /// `x_t ~ q(x_t | x_{t−1})`: `√(1 − β_t) x_prev + √β_t noise` (the forward chain's step).
    pub fn q_step(&self, x_prev: &Tensor, t: &Tensor, noise: &Tensor) -> Tensor {
        let d = x_prev.device();
        let a = self.gather(t, d, 0.0, |s| (1.0 - self.beta(s)).sqrt());
        let s = self.gather(t, d, 0.0, |s| self.beta(s).sqrt());
        x_prev * a + noise * s
    }

    /// `x_{t−1} ~ q(x_{t−1} | x_t, x_0)` with per-sample steps `t ≥ 1`.
    pub fn posterior_sample(&self, x0: &Tensor, xt: &Tensor, t: &Tensor, noise: &Tensor) -> Tensor {
        let d = x0.device();
        let c0 = self.gather(t, d, 0.0, |s| self.posterior(s).0);
        let ct = self.gather(t, d, 0.0, |s| self.posterior(s).1);
        let sd = self.gather(t, d, 0.0, |s| self.posterior(s).2.sqrt());
        x0 * c0 + xt * ct + noise * sd
    }

    /// `x_0` implied by a noise prediction at step `t` (same step for the batch):
    /// `(x_t − √(1 − ᾱ_t) ε) / √ᾱ_t`.
    pub fn x0_from_eps(&self, xt: &Tensor, eps: &Tensor, t: usize) -> Tensor {
        let ab = self.alpha_bar(t);
        (xt - eps * (1.0 - ab).sqrt()) / ab.sqrt()
    }

    /// One reverse step from `x_t` given an estimate of `x_0` (same step for the batch): the
    /// posterior mean plus its standard deviation times `noise` (no noise at `t = 1`).
    pub fn reverse_step(&self, x0: &Tensor, xt: &Tensor, t: usize, noise: &Tensor) -> Tensor {
        let (c0, ct, var) = self.posterior(t);
        let mean = x0 * c0 + xt * ct;
        if t > 1 {
            mean + noise * var.sqrt()
        } else {
            mean
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_bar_is_the_product_of_one_minus_beta() {
        let s = NoiseSchedule::linear(100, 1e-3, 0.2).unwrap();
        let mut p = 1.0;
        for t in 1..=100 {
            p *= 1.0 - s.beta(t);
            assert!((s.alpha_bar(t) - p).abs() < 1e-12);
        }
        assert!((s.beta(1) - 1e-3).abs() < 1e-15 && (s.beta(100) - 0.2).abs() < 1e-12);
        assert!(s.alpha_bar(100) < 1e-3);
        // The vp schedule reaches ᾱ(1) = exp(-β_min - (β_max - β_min)/2) at its last step.
        let v = NoiseSchedule::vp(4, 0.1, 20.0).unwrap();
        assert!((v.alpha_bar(4) - (-0.1f64 - 9.95).exp()).abs() < 1e-9);
        assert!((v.alpha_bar(2) - (-0.05f64 - 0.5 * 19.9 * 0.25).exp()).abs() < 1e-12);
        assert!(NoiseSchedule::from_betas(vec![0.5, 1.0]).is_err());
    }

    /// The posterior of the closed form equals Bayes' rule on the two Gaussians
    /// `q(x_{t−1} | x_0) = N(√ᾱ_{t−1} x_0, 1 − ᾱ_{t−1})` and
    /// `q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t)`: precisions add, means weight by precision.
    #[test]
    fn posterior_matches_bayes_rule() {
        for s in [
            NoiseSchedule::linear(100, 1e-3, 0.2).unwrap(),
            NoiseSchedule::vp(2, 0.1, 20.0).unwrap(),
        ] {
            for t in 2..=s.steps() {
                let (ab_prev, b) = (s.alpha_bar(t - 1), s.beta(t));
                let prec = 1.0 / (1.0 - ab_prev) + (1.0 - b) / b;
                let var = 1.0 / prec;
                let c0 = var * ab_prev.sqrt() / (1.0 - ab_prev);
                let ct = var * (1.0 - b).sqrt() / b;
                let (p0, pt, pv) = s.posterior(t);
                assert!((p0 - c0).abs() < 1e-9 && (pt - ct).abs() < 1e-9, "t {t}");
                assert!((pv - var).abs() < 1e-9 * var.max(1.0), "t {t}");
            }
            // At t = 1 the posterior is x_0 exactly.
            let (c0, ct, v) = s.posterior(1);
            assert!((c0 - 1.0).abs() < 1e-12 && ct.abs() < 1e-12 && v.abs() < 1e-12);
        }
    }

    #[test]
    fn per_sample_ops_match_the_scalar_forms() {
        let s = NoiseSchedule::vp(4, 0.1, 20.0).unwrap();
        let x0 = Tensor::from_slice(&[1.0f32, -2.0, 0.5, 3.0]).reshape([2, 2]);
        let n = Tensor::from_slice(&[0.3f32, 0.1, -0.7, 0.2]).reshape([2, 2]);
        let t = Tensor::from_slice(&[1i64, 3]);
        let xt = s.q_sample(&x0, &t, &n);
        assert_eq!(xt.size(), [2, 2]);
        let want = 0.5 * s.alpha_bar(3).sqrt() + -0.7 * (1.0 - s.alpha_bar(3)).sqrt();
        assert!((xt.double_value(&[1, 0]) - want).abs() < 1e-5);
        // x0 is recovered from the exact noise.
        let x3 = s.q_sample(&x0, &Tensor::from_slice(&[3i64, 3]), &n);
        let back = s.x0_from_eps(&x3, &n, 3);
        assert!((back - &x0).abs().max().double_value(&[]) < 1e-3);
        let p = s.posterior_sample(&x0, &xt, &t, &n);
        let (c0, ct, v) = s.posterior(3);
        let want = c0 * 0.5 + ct * xt.double_value(&[1, 0]) + v.sqrt() * -0.7;
        assert!((p.double_value(&[1, 0]) - want).abs() < 1e-5);
    }
}
