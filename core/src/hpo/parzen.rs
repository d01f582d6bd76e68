//! Parzen estimators of the Tree-structured Parzen Estimator (Bergstra et al., "Algorithms for
//! Hyper-Parameter Optimization", NeurIPS 2011), with the kernel rules of Optuna 5.0's TPESampler:
//!
//! - numerical parameters: one truncated Gaussian per observation at the observed value (log
//!   scale for log parameters; a grid of `step` widens the bounds by half a step and is scored by
//!   the mass of the grid cell), bandwidth = the larger distance to its sorted neighbours with the
//!   bounds as outer neighbours, except that the two outermost kernels use their inner neighbour
//!   (`consider_endpoints = false`), clipped to `[range / min(100, 1 + n_kernels), range]` (the
//!   "magic clip", `n_kernels` counting the prior);
//! - a prior kernel at the middle of the range with bandwidth = the range, weight `prior_weight`;
//! - categorical parameters: per observation a distribution with `prior_weight / n_kernels` on
//!   every choice plus 1 on the observed one (normalised);
//! - observation weights: 1 each below 25 observations, else a linear ramp from `1/n` for the
//!   oldest `n − 25` and 1 for the newest 25 (observations in trial order);
//! - several parameters: a mixture of products (one kernel per observation over all dimensions).

use crate::rng::Rng;

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Φ(z), the standard normal CDF.
fn ndtr(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// ln(Φ(b) − Φ(a)) for a ≤ b, accurate in either tail.
pub(crate) fn log_gauss_mass(a: f64, b: f64) -> f64 {
    if a >= b {
        return f64::NEG_INFINITY;
    }
    let m = if b <= 0.0 {
        ndtr(b) - ndtr(a)
    } else if a >= 0.0 {
        ndtr(-a) - ndtr(-b)
    } else {
        1.0 - ndtr(a) - ndtr(-b)
    };
    if m > 0.0 {
        m.ln()
    } else {
        f64::NEG_INFINITY
    }
}

/// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step.
fn ndtri(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    // Halley refinement.
    let e = ndtr(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// A draw from N(0, 1) truncated to [a, b] (a ≤ 0 ≤ b in TPE, kernels sit inside the bounds),
/// by inverting the CDF.
pub(crate) fn truncnorm_sample(a: f64, b: f64, rng: &mut Rng) -> f64 {
    // Work on the side where the CDF has precision.
    let (lo, hi, flip) = if a > 0.0 {
        (-b, -a, true)
    } else {
        (a, b, false)
    };
    let (pa, pb) = (ndtr(lo), ndtr(hi));
    let u = pa + rng.uniform() * (pb - pa);
    let z = ndtri(u).clamp(lo, hi);
    if flip {
        -z
    } else {
        z
    }
}

/// How one dimension of the search space is modelled.
#[derive(Debug, Clone, PartialEq)]
pub enum DimSpec {
    /// Numbers in `[low, high]` (original scale), on a grid of `step` when given (integers:
    /// step ≥ 1), on a log scale when `log`.
    Num {
        low: f64,
        high: f64,
        step: Option<f64>,
        log: bool,
    },
    /// `n` unordered choices (observations are choice indices).
    Cat { n: usize },
}

#[derive(Debug, Clone)]
enum Kernels {
    Num {
        mu: Vec<f64>,
        sigma: Vec<f64>,
        /// Bounds in the internal scale (widened by half a step, logged).
        lo: f64,
        hi: f64,
        /// Grid (original scale), 0 when continuous.
        step: f64,
        low: f64,
        high: f64,
        log: bool,
    },
    Cat {
        /// One row of choice probabilities per kernel.
        probs: Vec<Vec<f64>>,
    },
}

/// Default weights of `n` observations in trial order (Optuna's `default_weights`).
pub fn default_weights(n: usize) -> Vec<f64> {
    if n < 25 {
        return vec![1.0; n];
    }
    let ramp = n - 25;
    let mut w: Vec<f64> = (0..ramp)
        .map(|i| {
            let lo = 1.0 / n as f64;
            if ramp == 1 {
                lo
            } else {
                lo + (1.0 - lo) * i as f64 / (ramp - 1) as f64
            }
        })
        .collect();
    w.extend(std::iter::repeat_n(1.0, 25));
    w
}

/// A mixture of products of per-dimension kernels (`l(x)` or `g(x)` of TPE).
#[derive(Debug, Clone)]
pub struct ParzenEstimator {
    weights: Vec<f64>,
    dims: Vec<Kernels>,
}

impl ParzenEstimator {
    /// The estimator of `observations` (one row per trial, in trial order; one column per
    /// dimension of `specs`, numbers in the original scale, categoricals as indices).
    pub fn new(specs: &[DimSpec], observations: &[Vec<f64>], prior_weight: f64) -> Self {
        let n = observations.len();
        let mut weights = default_weights(n);
        weights.push(if n == 0 { 1.0 } else { prior_weight });
        let total: f64 = weights.iter().sum();
        weights.iter_mut().for_each(|w| *w /= total);
        let dims = specs
            .iter()
            .enumerate()
            .map(|(d, spec)| {
                let obs: Vec<f64> = observations.iter().map(|row| row[d]).collect();
                match *spec {
                    DimSpec::Cat { n: choices } => categorical(&obs, choices, prior_weight),
                    DimSpec::Num {
                        low,
                        high,
                        step,
                        log,
                    } => numerical(&obs, low, high, step, log),
                }
            })
            .collect();
        ParzenEstimator { weights, dims }
    }

    /// `size` points drawn from the mixture.
    pub fn sample(&self, rng: &mut Rng, size: usize) -> Vec<Vec<f64>> {
        let mut cum = Vec::with_capacity(self.weights.len());
        let mut acc = 0.0;
        for w in &self.weights {
            acc += w;
            cum.push(acc);
        }
        (0..size)
            .map(|_| {
                let u = rng.uniform() * acc;
                let k = cum.iter().position(|&c| u < c).unwrap_or(cum.len() - 1);
                self.dims
                    .iter()
                    .map(|dim| match dim {
                        Kernels::Cat { probs } => {
                            let q = rng.uniform();
                            let mut c = 0.0;
                            let row = &probs[k];
                            row.iter()
                                .position(|p| {
                                    c += p;
                                    q < c
                                })
                                .unwrap_or(row.len() - 1) as f64
                        }
                        Kernels::Num {
                            mu,
                            sigma,
                            lo,
                            hi,
                            step,
                            low,
                            high,
                            log,
                        } => {
                            let (m, s) = (mu[k], sigma[k]);
                            let z = truncnorm_sample((lo - m) / s, (hi - m) / s, rng);
                            let mut x = (m + s * z).clamp(*lo, *hi);
                            if *log {
                                x = x.exp();
                            }
                            if *step > 0.0 {
                                x = (low + ((x - low) / step).round() * step).clamp(*low, *high);
                            }
                            x
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// ln of the mixture density (mass for grids, probability for categoricals) at `x`.
    pub fn log_pdf(&self, x: &[f64]) -> f64 {
        let mut terms: Vec<f64> = self.weights.iter().map(|w| w.ln()).collect();
        for (dim, &xi) in self.dims.iter().zip(x) {
            match dim {
                Kernels::Cat { probs } => {
                    for (t, row) in terms.iter_mut().zip(probs) {
                        *t += row[xi as usize].ln();
                    }
                }
                Kernels::Num {
                    mu,
                    sigma,
                    lo,
                    hi,
                    step,
                    log,
                    ..
                } => {
                    let tr = |v: f64| if *log { v.ln() } else { v };
                    for (k, t) in terms.iter_mut().enumerate() {
                        let (m, s) = (mu[k], sigma[k]);
                        let norm = log_gauss_mass((lo - m) / s, (hi - m) / s);
                        if *step > 0.0 {
                            let l = (tr(xi - step / 2.0) - m) / s;
                            let r = (tr(xi + step / 2.0) - m) / s;
                            *t += log_gauss_mass(l, r) - norm;
                        } else {
                            let v = tr(xi);
                            if v < *lo || v > *hi {
                                *t = f64::NEG_INFINITY;
                            } else {
                                let z = (v - m) / s;
                                *t += -0.5 * z * z - LN_SQRT_2PI - s.ln() - norm;
                            }
                        }
                    }
                }
            }
        }
        let max = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            return max;
        }
        max + terms.iter().map(|t| (t - max).exp()).sum::<f64>().ln()
    }
}

fn categorical(obs: &[f64], choices: usize, prior_weight: f64) -> Kernels {
    if obs.is_empty() {
        return Kernels::Cat {
            probs: vec![vec![1.0 / choices as f64; choices]],
        };
    }
    let n_kernels = obs.len() + 1;
    let mut probs = vec![vec![prior_weight / n_kernels as f64; choices]; n_kernels];
    for (row, &o) in probs.iter_mut().zip(obs) {
        row[o as usize] += 1.0;
    }
    for row in &mut probs {
        let s: f64 = row.iter().sum();
        if s > 0.0 {
            row.iter_mut().for_each(|p| *p /= s);
        }
    }
    Kernels::Cat { probs }
}

fn numerical(obs: &[f64], low: f64, high: f64, step: Option<f64>, log: bool) -> Kernels {
    let half = step.map_or(0.0, |s| s / 2.0);
    let tr = |v: f64| if log { v.ln() } else { v };
    let (lo, hi) = (tr(low - half), tr(high + half));
    let mus: Vec<f64> = obs.iter().map(|&v| tr(v)).collect();
    let n = mus.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| mus[a].total_cmp(&mus[b]));
    let mut ends = Vec::with_capacity(n + 2);
    ends.push(lo);
    ends.extend(order.iter().map(|&i| mus[i]));
    ends.push(hi);
    let mut sorted_sigma: Vec<f64> = (1..=n)
        .map(|i| (ends[i] - ends[i - 1]).max(ends[i + 1] - ends[i]))
        .collect();
    // consider_endpoints = false: the outermost kernels ignore the bounds.
    if ends.len() >= 4 {
        sorted_sigma[0] = ends[2] - ends[1];
        sorted_sigma[n - 1] = ends[n] - ends[n - 1];
    }
    let range = hi - lo;
    let min_sigma = range / (100f64).min(1.0 + (n + 1) as f64);
    let mut sigma = vec![0.0; n];
    for (rank, &i) in order.iter().enumerate() {
        sigma[i] = sorted_sigma[rank].clamp(min_sigma, range);
    }
    let mut mu = mus;
    mu.push(0.5 * (lo + hi));
    sigma.push(range);
    Kernels::Num {
        mu,
        sigma,
        lo,
        hi,
        step: step.unwrap_or(0.0),
        low,
        high,
        log,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_cdf_inverts() {
        for p in [1e-12, 1e-5, 0.01, 0.3, 0.5, 0.77, 0.99, 1.0 - 1e-9] {
            let x = ndtri(p);
            assert!((ndtr(x) - p).abs() < 1e-12 * p.max(1e-3), "{p} {x}");
        }
    }

    #[test]
    fn weights_ramp_like_optuna() {
        assert_eq!(default_weights(3), vec![1.0; 3]);
        let w = default_weights(30);
        assert_eq!(w.len(), 30);
        assert!((w[0] - 1.0 / 30.0).abs() < 1e-15 && (w[4] - 1.0).abs() < 1e-15);
        assert!(w[25..].iter().all(|&x| x == 1.0));
    }

    #[test]
    fn densities_integrate_to_one() {
        let spec = [DimSpec::Num {
            low: -2.0,
            high: 3.0,
            step: None,
            log: false,
        }];
        let pe = ParzenEstimator::new(&spec, &[vec![0.1], vec![2.9], vec![-1.0]], 1.0);
        let n = 20000;
        let h = 5.0 / n as f64;
        let total: f64 = (0..n)
            .map(|i| pe.log_pdf(&[-2.0 + (i as f64 + 0.5) * h]).exp() * h)
            .sum();
        assert!((total - 1.0).abs() < 1e-4, "{total}");
        let grid = [DimSpec::Num {
            low: 1.0,
            high: 9.0,
            step: Some(2.0),
            log: false,
        }];
        let pe = ParzenEstimator::new(&grid, &[vec![3.0], vec![9.0]], 1.0);
        let mass: f64 = [1.0, 3.0, 5.0, 7.0, 9.0]
            .iter()
            .map(|&x| pe.log_pdf(&[x]).exp())
            .sum();
        assert!((mass - 1.0).abs() < 1e-9, "{mass}");
        let mut rng = Rng::new(1);
        for s in pe.sample(&mut rng, 200) {
            assert!([1.0, 3.0, 5.0, 7.0, 9.0].contains(&s[0]), "{s:?}");
        }
    }
}
