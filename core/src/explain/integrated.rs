//! Integrated gradients (Sundararajan, Taly & Yan 2017, "Axiomatic Attribution for Deep
//! Networks"): the path integral of the gradient along the straight line from a baseline x′ to
//! the input x, times (x − x′):
//!
//! IGᵢ(x) = (xᵢ − x′ᵢ) · ∫₀¹ ∂F(x′ + α(x − x′))/∂xᵢ dα.
//!
//! The integral is approximated by captum's quadratures (Gauss–Legendre by default, 50 steps),
//! so attributions agree with `captum.attr.IntegratedGradients` on the same weights. The
//! completeness axiom — attributions sum to F(x) − F(x′) — gives each example's convergence
//! `delta` (captum's `return_convergence_delta=True`).

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::{input_gradient, Inputs, Target};
use crate::{Error, Forward, Result};

/// How the path integral is approximated (captum's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Integration {
    /// Gauss–Legendre nodes and weights on [0, 1] (captum's default, `"gausslegendre"`).
    #[default]
    GaussLegendre,
    /// Left Riemann sum: α = 0, 1/n, …, 1 − 1/n.
    RiemannLeft,
    /// Right Riemann sum: α = 1/n, …, 1.
    RiemannRight,
    /// Midpoint rule: α = 1/(2n), …, 1 − 1/(2n).
    RiemannMiddle,
    /// Trapezoid rule on α = 0, 1/(n − 1), …, 1, with weights 1/(n − 1) (halved at the ends).
    /// captum's `"riemann_trapezoid"` uses the same nodes with weights 1/n, which sum to
    /// (n − 1)/n, so its attributions are these times (n − 1)/n and miss completeness by 1/n.
    RiemannTrapezoid,
}

impl Integration {
    /// The `steps` points α on [0, 1] and their weights (which sum to 1).
    pub fn nodes(self, steps: usize) -> Result<(Vec<f64>, Vec<f64>)> {
        let n = steps;
        if n == 0 || (n < 2 && self == Integration::RiemannTrapezoid) {
            return Err(Error::config(format!(
                "integrated gradients need at least {} step(s) for {self:?}, got {n}",
                if self == Integration::RiemannTrapezoid {
                    2
                } else {
                    1
                }
            )));
        }
        let nf = n as f64;
        let uniform = vec![1.0 / nf; n];
        Ok(match self {
            Integration::GaussLegendre => {
                let (x, w) = gauss_legendre(n);
                (
                    x.iter().map(|x| 0.5 * (1.0 + x)).collect(),
                    w.iter().map(|w| 0.5 * w).collect(),
                )
            }
            Integration::RiemannLeft => ((0..n).map(|i| i as f64 / nf).collect(), uniform),
            Integration::RiemannRight => ((1..=n).map(|i| i as f64 / nf).collect(), uniform),
            Integration::RiemannMiddle => {
                ((0..n).map(|i| (i as f64 + 0.5) / nf).collect(), uniform)
            }
            Integration::RiemannTrapezoid => {
                let m = (n - 1) as f64;
                let mut w = vec![1.0 / m; n];
                w[0] = 0.5 / m;
                w[n - 1] = 0.5 / m;
                ((0..n).map(|i| i as f64 / m).collect(), w)
            }
        })
    }
}

/// Gauss–Legendre nodes (ascending) and weights on [−1, 1], by Newton's method on Pₙ — the
/// values of `numpy.polynomial.legendre.leggauss(n)` to about 1e-14.
fn gauss_legendre(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    let nf = n as f64;
    for i in 0..n.div_ceil(2) {
        // Tricomi's initial guess for the i-th largest root.
        let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
        let mut dp = 1.0;
        for _ in 0..100 {
            // P_n(z) and P_n'(z) by the three-term recurrence.
            let (mut p0, mut p1) = (1.0, z);
            for k in 2..=n {
                let kf = k as f64;
                let p2 = ((2.0 * kf - 1.0) * z * p1 - (kf - 1.0) * p0) / kf;
                p0 = p1;
                p1 = p2;
            }
            let pn = if n == 1 { z } else { p1 };
            let pm = if n == 1 { 1.0 } else { p0 };
            dp = nf * (z * pn - pm) / (z * z - 1.0);
            if n == 1 {
                dp = 1.0;
            }
            let dz = pn / dp;
            z -= dz;
            if dz.abs() < 1e-15 {
                break;
            }
        }
        let wi = 2.0 / ((1.0 - z * z) * dp * dp);
        x[i] = -z;
        x[n - 1 - i] = z;
        w[i] = wi;
        w[n - 1 - i] = wi;
    }
    if n % 2 == 1 {
        x[n / 2] = 0.0;
    }
    (x, w)
}

/// The reference input x′ the path starts from.
#[derive(Debug, Default)]
pub enum Baseline {
    /// All zeros (captum's default).
    #[default]
    Zeros,
    /// A tensor broadcastable to the input: one baseline for all examples (`[1, …]` or the
    /// feature shape) or one per example (`[B, …]`).
    Tensor(Tensor),
}

/// Integrated gradients' settings.
#[derive(Debug)]
pub struct IntegratedGradients {
    /// Quadrature points along the path (captum's `n_steps`, default 50).
    pub steps: usize,
    /// The quadrature (default Gauss–Legendre).
    pub method: Integration,
    /// Where the path starts (default zeros).
    pub baseline: Baseline,
    /// At most this many scaled inputs per forward pass (captum's `internal_batch_size`);
    /// `None`: all steps of the batch at once.
    pub internal_batch_size: Option<usize>,
}

impl Default for IntegratedGradients {
    fn default() -> Self {
        Self {
            steps: 50,
            method: Integration::GaussLegendre,
            baseline: Baseline::Zeros,
            internal_batch_size: None,
        }
    }
}

/// Attributions and the completeness check.
#[derive(Debug)]
pub struct IgAttribution {
    /// Same shape as the input.
    pub attributions: Tensor,
    /// Per example: Σ attributions − (F(x) − F(x′)), `[B]`; near zero when the integral
    /// converged.
    pub delta: Tensor,
}

impl IntegratedGradients {
    /// Attribute the target outputs of `model` to its inputs. A [`Target::Predicted`] target is
    /// fixed by the model's prediction on the input itself, not on the scaled inputs.
    pub fn attribute(
        &self,
        model: &dyn Forward,
        inputs: Inputs,
        target: &Target,
    ) -> Result<IgAttribution> {
        let (alphas, weights) = self.method.nodes(self.steps)?;
        let xs = inputs.xs.detach();
        let b = xs.size()[0];
        let base = match &self.baseline {
            Baseline::Zeros => xs.zeros_like(),
            Baseline::Tensor(t) => {
                let t = t.to_device(xs.device()).to_kind(xs.kind());
                t.f_expand_as(&xs).map_err(|_| {
                    Error::input(format!(
                        "baseline of shape {:?} does not broadcast to the input {:?}",
                        t.size(),
                        xs.size()
                    ))
                })?
            }
        };
        // Resolve the target once, on the input itself.
        let out_x = tch::no_grad(|| model.try_forward_t(&xs, inputs.mask, false))?;
        let target = target.resolve(&out_x, b)?;
        let f_x = target.select(&out_x, b)?;
        let out_base = tch::no_grad(|| model.try_forward_t(&base, inputs.mask, false))?;
        let f_base = target.select(&out_base, b)?;

        let diff = &xs - &base;
        let per_pass = match self.internal_batch_size {
            Some(0) => return Err(Error::config("internal_batch_size must be at least 1")),
            Some(n) => (n as i64 / b).max(1) as usize,
            None => alphas.len(),
        };
        let mut total = xs.zeros_like().to_kind(Kind::Double);
        for (chunk_a, chunk_w) in alphas.chunks(per_pass).zip(weights.chunks(per_pass)) {
            let k = chunk_a.len() as i64;
            let scaled = Tensor::cat(
                &chunk_a
                    .iter()
                    .map(|&a| &base + &diff * a)
                    .collect::<Vec<_>>(),
                0,
            );
            let mask = inputs.mask.map(|m| m.repeat([k, 1]));
            let targets = match &target {
                Target::Classes(ks) => Target::Classes(ks.repeat(k as usize)),
                t => t.clone(),
            };
            let (grad, _) = input_gradient(model, &scaled, mask.as_ref(), &targets)?;
            let mut shape = vec![k, b];
            shape.extend_from_slice(&xs.size()[1..]);
            let grad = grad.to_kind(Kind::Double).view(shape.as_slice());
            let mut wshape = vec![k];
            wshape.extend(std::iter::repeat_n(1, xs.dim()));
            let w = Tensor::from_slice(chunk_w)
                .to_device(xs.device())
                .view(wshape.as_slice());
            total += (grad * w).sum_dim_intlist(0, false, Kind::Double);
        }
        let attributions = (total * diff.to_kind(Kind::Double)).to_kind(xs.kind());
        let summed = attributions
            .view([b, -1])
            .sum_dim_intlist(1, false, Kind::Double);
        let delta = summed - (f_x - f_base).to_kind(Kind::Double);
        Ok(IgAttribution {
            attributions,
            delta,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauss_legendre_matches_numpy() {
        // numpy.polynomial.legendre.leggauss(3) and (4).
        let (x, w) = gauss_legendre(3);
        let r = (0.6f64).sqrt();
        for (a, b) in x.iter().zip([-r, 0.0, r]) {
            assert!((a - b).abs() < 1e-14, "{x:?}");
        }
        for (a, b) in w.iter().zip([5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0]) {
            assert!((a - b).abs() < 1e-14, "{w:?}");
        }
        let (x, w) = gauss_legendre(4);
        assert!((x[3] - 0.861_136_311_594_052_6).abs() < 1e-14);
        assert!((w[3] - 0.347_854_845_137_453_9).abs() < 1e-14);
        // Exact for polynomials of degree 2n − 1: ∫₀¹ α⁹ dα = 0.1 with n = 5.
        let (a, w) = Integration::GaussLegendre.nodes(5).unwrap();
        let i: f64 = a.iter().zip(&w).map(|(a, w)| w * a.powi(9)).sum();
        assert!((i - 0.1).abs() < 1e-14);
    }

    #[test]
    fn every_rule_integrates_a_line() {
        for m in [
            Integration::GaussLegendre,
            Integration::RiemannMiddle,
            Integration::RiemannTrapezoid,
        ] {
            let (a, w) = m.nodes(7).unwrap();
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{m:?}");
            let i: f64 = a.iter().zip(&w).map(|(a, w)| w * a).sum();
            assert!((i - 0.5).abs() < 1e-12, "{m:?}: {i}");
        }
        let (a, _) = Integration::RiemannLeft.nodes(4).unwrap();
        assert_eq!(a, vec![0.0, 0.25, 0.5, 0.75]);
        let (a, _) = Integration::RiemannRight.nodes(4).unwrap();
        assert_eq!(a, vec![0.25, 0.5, 0.75, 1.0]);
        assert!(Integration::RiemannTrapezoid.nodes(1).is_err());
        assert!(Integration::GaussLegendre.nodes(0).is_err());
    }
}
