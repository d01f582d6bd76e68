//! Maximum-likelihood rates of a discretely observed continuous-time Markov chain by
//! expectation–maximisation (Bladt & Sørensen 2005, *J. R. Stat. Soc. B* 67; Metzner et al.
//! 2007): the observed states are treated as exact (no label noise).
//!
//! E step: for every pair of consecutive observations `a → b` over `Δt`, the expected time spent
//! in each state and the expected number of `i → j` jumps, conditioned on the two end points,
//! are integrals of `P(s)_{ai} P(Δt - s)_{jb}`; summed over all pairs with the same `Δt` they are
//! one upper-right block of a `2k × 2k` matrix exponential (Van Loan 1978). M step:
//! `q_ij = E[jumps i → j] / E[time in i]`. The initial distribution is the frequency of the first
//! observed states.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::linalg::Mat;
use super::rates::RateMatrix;
use super::simulate::ObservedProcess;
use crate::Result;

/// Stopping rule of the EM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmConfig {
    /// Most iterations.
    pub max_iter: usize,
    /// Stop when the log-likelihood improves by less than this (relative).
    pub tol: f64,
}

impl Default for EmConfig {
    fn default() -> Self {
        EmConfig {
            max_iter: 300,
            tol: 1e-7,
        }
    }
}

/// What the EM found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MleFit {
    pub rates: RateMatrix,
    pub init: Vec<f64>,
    pub log_likelihood: f64,
    pub iterations: usize,
}

/// Transition counts `N_ab` of the observed pairs, grouped by their time step.
pub(crate) struct Transitions {
    pub k: usize,
    /// `(Δt, row-major k × k counts)`.
    pub groups: Vec<(f64, Vec<f64>)>,
}

impl Transitions {
    /// Count the pairs of consecutive observations (time steps equal to 1e-9 are grouped).
    pub fn of(obs: &ObservedProcess) -> Self {
        let k = obs.k;
        let mut map: BTreeMap<i64, (f64, Vec<f64>)> = BTreeMap::new();
        for p in &obs.paths {
            for w in 0..p.times.len().saturating_sub(1) {
                let dt = p.times[w + 1] - p.times[w];
                let e = map
                    .entry((dt * 1e9).round() as i64)
                    .or_insert_with(|| (dt, vec![0.0; k * k]));
                e.1[p.states[w] * k + p.states[w + 1]] += 1.0;
            }
        }
        Transitions {
            k,
            groups: map.into_values().collect(),
        }
    }

    /// Number of pairs.
    pub fn count(&self) -> f64 {
        self.groups.iter().map(|(_, c)| c.iter().sum::<f64>()).sum()
    }

    /// A starting point: jumps seen between observations over the time spent in the state
    /// before them, floored at 0.05 (so that EM can move every rate).
    pub fn naive_rates(&self) -> Vec<f64> {
        let k = self.k;
        let mut jumps = vec![0.0; k * k];
        let mut time = vec![0.0; k];
        for (dt, c) in &self.groups {
            for a in 0..k {
                for b in 0..k {
                    time[a] += dt * c[a * k + b];
                    if a != b {
                        jumps[a * k + b] += c[a * k + b];
                    }
                }
            }
        }
        (0..k * k)
            .map(|ij| {
                let (i, j) = (ij / k, ij % k);
                if i == j {
                    0.0
                } else if time[i] > 0.0 {
                    (jumps[ij] / time[i]).max(0.05)
                } else {
                    0.5
                }
            })
            .collect()
    }
}

/// The frequency of the first observed states (uniform if there is no path).
pub fn first_state_frequencies(obs: &ObservedProcess) -> Vec<f64> {
    let mut f = vec![0.0; obs.k];
    for p in &obs.paths {
        if let Some(&s) = p.states.first() {
            f[s] += 1.0;
        }
    }
    let n: f64 = f.iter().sum();
    if n > 0.0 {
        f.iter().map(|v| v / n).collect()
    } else {
        vec![1.0 / obs.k as f64; obs.k]
    }
}

/// Fit the rates by EM; fails only on invalid observations.
pub fn fit_em(obs: &ObservedProcess, cfg: &EmConfig) -> Result<MleFit> {
    obs.validate()?;
    let tr = Transitions::of(obs);
    let k = tr.k;
    let mut q = tr.naive_rates();
    let mut last_ll = f64::NEG_INFINITY;
    let mut iterations = 0;
    let mut ll = f64::NEG_INFINITY;
    for it in 0..cfg.max_iter {
        iterations = it + 1;
        let mut dwell = vec![0.0; k];
        let mut jumps = vec![0.0; k * k];
        ll = 0.0;
        for (dt, counts) in &tr.groups {
            let e = expected_statistics(k, &q, *dt, counts);
            ll += e.log_likelihood;
            for (d, x) in dwell.iter_mut().zip(&e.dwell) {
                *d += x;
            }
            for (a, b) in jumps.iter_mut().zip(&e.jumps) {
                *a += b;
            }
        }
        for i in 0..k {
            if dwell[i] > 1e-12 {
                for j in 0..k {
                    if i != j {
                        q[i * k + j] = jumps[i * k + j] / dwell[i];
                    }
                }
            }
        }
        if (ll - last_ll).abs() <= cfg.tol * ll.abs().max(1.0) {
            break;
        }
        last_ll = ll;
    }
    Ok(MleFit {
        rates: RateMatrix::new(k, q)?,
        init: first_state_frequencies(obs),
        log_likelihood: ll,
        iterations,
    })
}

/// The E step's sufficient statistics of the pairs observed `dt` apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// Expected time spent in each state.
    pub dwell: Vec<f64>,
    /// Expected number of `i → j` jumps (row-major, zero diagonal).
    pub jumps: Vec<f64>,
    /// `Σ N_ab ln P(dt)_ab`.
    pub log_likelihood: f64,
}

/// Expected dwell times and jump counts, given the rates `q` (row-major `k × k`), of `counts`
/// (row-major `N_ab`) pairs of observations `a → b` made `dt` apart: one `2k × 2k` matrix
/// exponential `exp([[Q, Wᵀ], [0, Q]] dt)`, `W_ab = N_ab / P(dt)_ab`, whose upper-right block
/// transposed is `S_ij = Σ_ab W_ab ∫₀^dt P(s)_ai P(dt − s)_jb ds`; dwell `S_ii`, jumps `q_ij S_ij`.
pub fn expected_statistics(k: usize, q: &[f64], dt: f64, counts: &[f64]) -> Expected {
    let gen = generator(k, q);
    let p = gen.scale(dt).expm();
    let mut block = Mat::zeros(2 * k);
    let mut ll = 0.0;
    for i in 0..k {
        for j in 0..k {
            block.set(i, j, gen.get(i, j) * dt);
            block.set(k + i, k + j, gen.get(i, j) * dt);
            let n = counts[j * k + i];
            if n > 0.0 {
                let pji = p.get(j, i).max(1e-300);
                block.set(i, k + j, n / pji * dt);
                ll += n * pji.ln();
            }
        }
    }
    let e = block.expm();
    let mut dwell = vec![0.0; k];
    let mut jumps = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            let s = e.get(j, k + i);
            if i == j {
                dwell[i] = s;
            } else {
                jumps[i * k + j] = q[i * k + j] * s;
            }
        }
    }
    Expected {
        dwell,
        jumps,
        log_likelihood: ll,
    }
}

/// The generator of off-diagonal rates `q`.
fn generator(k: usize, q: &[f64]) -> Mat {
    let mut g = Mat {
        n: k,
        a: q.to_vec(),
    };
    for i in 0..k {
        let exit: f64 = (0..k).filter(|&j| j != i).map(|j| q[i * k + j]).sum();
        g.set(i, i, -exit);
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mjp::simulate::{ObservedPath, Process};

    #[test]
    fn em_increases_the_likelihood_of_a_sparse_two_state_chain() {
        let process = Process {
            rates: RateMatrix::new(2, vec![0.0, 1.0, 0.5, 0.0]).unwrap(),
            init: vec![0.5, 0.5],
            noise: 0.0,
        };
        let obs = crate::mjp::simulate::Observation {
            paths: 50,
            horizon: 10.0,
            grid: 100,
            keep: (0.1, 0.1),
        };
        let data = process.observe(&obs, &mut deepfield_core::Rng::new(1));
        let one = fit_em(
            &data,
            &EmConfig {
                max_iter: 1,
                tol: 0.0,
            },
        )
        .unwrap();
        let fit = fit_em(&data, &EmConfig::default()).unwrap();
        assert!(fit.log_likelihood >= one.log_likelihood);
        assert!(
            fit.rates.rmse(&process.rates).unwrap() < 0.25,
            "{:?}",
            fit.rates
        );
    }

    #[test]
    fn a_single_observation_per_path_keeps_the_start() {
        let data = ObservedProcess {
            k: 2,
            paths: vec![ObservedPath {
                times: vec![0.0],
                states: vec![1],
            }],
        };
        let fit = fit_em(&data, &EmConfig::default()).unwrap();
        assert_eq!(fit.init, vec![0.0, 1.0]);
    }
}
