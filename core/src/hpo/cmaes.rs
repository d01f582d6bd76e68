//! CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016) as a sampler.
//!
//! The numerical, unconditional parameters are searched jointly in the unit cube (each parameter's
//! internal scale — log for log parameters, integers widened by half a step — mapped to [0, 1]),
//! from the cube's centre with σ₀ = 1/6 (Optuna's `CmaEsSampler` uses a third of... the range over
//! six too: `min(high − low) / 6`), population λ = 4 + ⌊3 ln n⌋, μ = ⌊λ/2⌋ with the tutorial's
//! positive recombination weights and learning rates (no active update). A draw outside the cube is
//! redrawn up to 100 times, then clipped. Categorical and conditional parameters are drawn uniformly.
//!
//! The sampler keeps no state between calls: it replays the complete trials of the study (in trial
//! order, in generations of λ) to rebuild the mean, step size, paths and covariance, so a resumed
//! study or a second worker process continues the same search.

use super::{Direction, Distribution, Param, Params, Sampler, Space, Trial, TrialState};
use crate::rng::Rng;
use crate::Result;

/// CMA-ES over the numerical parameters; `popsize` overrides λ.
#[derive(Debug, Clone, Default)]
pub struct CmaEsSampler {
    pub popsize: Option<usize>,
}

/// The evolving search distribution.
#[derive(Debug, Clone)]
pub struct CmaState {
    pub n: usize,
    pub lambda: usize,
    weights: Vec<f64>,
    mu_eff: f64,
    c_sigma: f64,
    d_sigma: f64,
    c_c: f64,
    c_1: f64,
    c_mu: f64,
    chi_n: f64,
    pub mean: Vec<f64>,
    pub sigma: f64,
    p_sigma: Vec<f64>,
    p_c: Vec<f64>,
    pub cov: Vec<Vec<f64>>,
    generation: usize,
}

/// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: (eigenvalues, columns).
fn jacobi(a: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut a = a.to_vec();
    let mut v = vec![vec![0.0; n]; n];
    (0..n).for_each(|i| v[i][i] = 1.0);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum().max(0.0) * 2.0 - 1.0;
                let t = t / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (head, tail) = a.split_at_mut(q);
                for (apk, aqk) in head[p].iter_mut().zip(tail[0].iter_mut()) {
                    let (x, y) = (*apk, *aqk);
                    *apk = c * x - s * y;
                    *aqk = s * x + c * y;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

impl CmaState {
    /// The initial distribution in `n` dimensions around `mean` with step `sigma`.
    pub fn new(n: usize, mean: Vec<f64>, sigma: f64, popsize: Option<usize>) -> CmaState {
        let nf = n as f64;
        let lambda = popsize
            .unwrap_or(4 + (3.0 * nf.ln()).floor() as usize)
            .max(2);
        let mu = lambda / 2;
        let raw: Vec<f64> = (1..=mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - (i as f64).ln())
            .collect();
        let sum: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / sum).collect();
        let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 5.0);
        let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
        let c_c = (4.0 + mu_eff / nf) / (nf + 4.0 + 2.0 * mu_eff / nf);
        let c_1 = 2.0 / ((nf + 1.3).powi(2) + mu_eff);
        let c_mu =
            (1.0 - c_1).min(2.0 * (mu_eff - 2.0 + 1.0 / mu_eff) / ((nf + 2.0).powi(2) + mu_eff));
        let chi_n = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));
        let mut cov = vec![vec![0.0; n]; n];
        (0..n).for_each(|i| cov[i][i] = 1.0);
        CmaState {
            n,
            lambda,
            weights,
            mu_eff,
            c_sigma,
            d_sigma,
            c_c,
            c_1,
            c_mu,
            chi_n,
            mean,
            sigma,
            p_sigma: vec![0.0; n],
            p_c: vec![0.0; n],
            cov,
            generation: 0,
        }
    }

    /// One generation's update from its points and losses (any order).
    pub fn tell(&mut self, mut gen: Vec<(Vec<f64>, f64)>) {
        let n = self.n;
        gen.sort_by(|a, b| a.1.total_cmp(&b.1));
        let ys: Vec<Vec<f64>> = gen
            .iter()
            .take(self.weights.len())
            .map(|(x, _)| (0..n).map(|i| (x[i] - self.mean[i]) / self.sigma).collect())
            .collect();
        let mut y_w = vec![0.0; n];
        for (w, y) in self.weights.iter().zip(&ys) {
            (0..n).for_each(|i| y_w[i] += w * y[i]);
        }
        (0..n).for_each(|i| self.mean[i] += self.sigma * y_w[i]);
        // C^{-1/2} y_w = B D^{-1} Bᵀ y_w.
        let (eig, b) = jacobi(&self.cov);
        let bt_y: Vec<f64> = (0..n)
            .map(|j| (0..n).map(|i| b[i][j] * y_w[i]).sum::<f64>() / eig[j].max(1e-20).sqrt())
            .collect();
        let c_inv_half_y: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| b[i][j] * bt_y[j]).sum())
            .collect();
        let ks = (self.c_sigma * (2.0 - self.c_sigma) * self.mu_eff).sqrt();
        (0..n).for_each(|i| {
            self.p_sigma[i] = (1.0 - self.c_sigma) * self.p_sigma[i] + ks * c_inv_half_y[i]
        });
        let norm_ps = self.p_sigma.iter().map(|v| v * v).sum::<f64>().sqrt();
        self.generation += 1;
        let denom = (1.0 - (1.0 - self.c_sigma).powi(2 * self.generation as i32)).sqrt();
        let h_sigma = norm_ps / denom < (1.4 + 2.0 / (n as f64 + 1.0)) * self.chi_n;
        let kc = (self.c_c * (2.0 - self.c_c) * self.mu_eff).sqrt();
        (0..n).for_each(|i| {
            self.p_c[i] = (1.0 - self.c_c) * self.p_c[i] + if h_sigma { kc * y_w[i] } else { 0.0 }
        });
        let delta = if h_sigma {
            0.0
        } else {
            self.c_c * (2.0 - self.c_c)
        };
        let keep = 1.0 - self.c_1 - self.c_mu;
        for i in 0..n {
            for j in 0..n {
                let rank_mu: f64 = self
                    .weights
                    .iter()
                    .zip(&ys)
                    .map(|(w, y)| w * y[i] * y[j])
                    .sum();
                self.cov[i][j] = keep * self.cov[i][j]
                    + self.c_1 * (self.p_c[i] * self.p_c[j] + delta * self.cov[i][j])
                    + self.c_mu * rank_mu;
            }
        }
        self.sigma *= ((self.c_sigma / self.d_sigma) * (norm_ps / self.chi_n - 1.0))
            .min(1.0)
            .exp();
    }

    /// A draw from N(mean, σ²C) inside the unit cube (redrawn, then clipped).
    pub fn ask(&self, rng: &mut Rng) -> Vec<f64> {
        let n = self.n;
        let (eig, b) = jacobi(&self.cov);
        let draw = |rng: &mut Rng| -> Vec<f64> {
            let z: Vec<f64> = (0..n)
                .map(|j| eig[j].max(0.0).sqrt() * rng.normal())
                .collect();
            (0..n)
                .map(|i| self.mean[i] + self.sigma * (0..n).map(|j| b[i][j] * z[j]).sum::<f64>())
                .collect()
        };
        let mut x = draw(rng);
        for _ in 0..100 {
            if x.iter().all(|v| (0.0..=1.0).contains(v)) {
                return x;
            }
            x = draw(rng);
        }
        x.iter().map(|v| v.clamp(0.0, 1.0)).collect()
    }
}

impl CmaEsSampler {
    fn dims(space: &Space) -> Vec<&Param> {
        space
            .params
            .iter()
            .filter(|p| p.condition.is_none())
            .filter(|p| !matches!(p.distribution, Distribution::Categorical { .. }))
            .filter(|p| p.distribution.high_internal() > p.distribution.low_internal())
            .collect()
    }

    /// The state after replaying the complete trials of `history`.
    pub fn replay(&self, space: &Space, history: &[Trial], direction: Direction) -> CmaState {
        let dims = Self::dims(space);
        let mut state = CmaState::new(dims.len(), vec![0.5; dims.len()], 1.0 / 6.0, self.popsize);
        let mut done: Vec<&Trial> = history
            .iter()
            .filter(|t| t.state == TrialState::Complete && t.value.is_some_and(|v| v.is_finite()))
            .collect();
        done.sort_by_key(|t| t.number);
        let points: Vec<(Vec<f64>, f64)> = done
            .iter()
            .filter_map(|t| {
                let x = dims
                    .iter()
                    .map(|p| {
                        let d = &p.distribution;
                        let v = d.to_internal(t.params.get(&p.name)?)?;
                        Some((v - d.low_internal()) / (d.high_internal() - d.low_internal()))
                    })
                    .collect::<Option<Vec<f64>>>()?;
                Some((x, direction.to_loss(t.value?)))
            })
            .collect();
        for gen in points.chunks_exact(state.lambda) {
            state.tell(gen.to_vec());
        }
        state
    }
}

impl Sampler for CmaEsSampler {
    fn name(&self) -> &str {
        "cmaes"
    }

    fn sample(
        &mut self,
        space: &Space,
        history: &[Trial],
        direction: Direction,
        rng: &mut Rng,
    ) -> Result<Params> {
        let dims = Self::dims(space);
        let mut chosen = Params::new();
        if !dims.is_empty() {
            let x = self.replay(space, history, direction).ask(rng);
            for (p, xi) in dims.iter().zip(x) {
                let d = &p.distribution;
                let v = d.low_internal() + xi * (d.high_internal() - d.low_internal());
                chosen.insert(p.name.clone(), d.from_internal(v));
            }
        }
        space.fill(|p, _| {
            Ok(match chosen.get(&p.name) {
                Some(v) => v.clone(),
                None => p.distribution.sample_uniform(rng),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_diagonalises() {
        let a = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 1.0],
        ];
        let (e, v) = jacobi(&a);
        for k in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|j| a[i][j] * v[j][k]).sum();
                assert!((av - e[k] * v[i][k]).abs() < 1e-10);
            }
        }
    }

    #[test]
    fn cma_converges_on_a_shifted_sphere() {
        let mut s = CmaState::new(4, vec![0.5; 4], 1.0 / 6.0, None);
        let mut rng = Rng::new(5);
        let f = |x: &[f64]| x.iter().map(|v| (v - 0.3).powi(2)).sum::<f64>();
        for _ in 0..60 {
            let gen: Vec<(Vec<f64>, f64)> = (0..s.lambda)
                .map(|_| {
                    let x = s.ask(&mut rng);
                    let y = f(&x);
                    (x, y)
                })
                .collect();
            s.tell(gen);
        }
        assert!(f(&s.mean) < 1e-6, "{:?}", s.mean);
    }
}
