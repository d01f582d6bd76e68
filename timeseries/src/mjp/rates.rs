//! A Markov jump process's rate matrix and the discrete flashing ratchet.

use serde::{Deserialize, Serialize};

use super::MAX_STATES;
use crate::{Error, Result};

/// The off-diagonal transition rates `q_ij` (per unit time) of a chain on `k` states; the
/// diagonal of the generator is `-Σ_j q_ij` and is not stored (it reads 0 here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateMatrix {
    k: usize,
    /// Row-major `k × k`, zero diagonal.
    rates: Vec<f64>,
}

impl RateMatrix {
    /// A rate matrix from row-major `k × k` values (the diagonal is ignored and set to 0).
    /// Fails unless `2 <= k <= 6` and every off-diagonal rate is finite and `>= 0`.
    pub fn new(k: usize, mut rates: Vec<f64>) -> Result<Self> {
        if !(2..=MAX_STATES).contains(&k) {
            return Err(Error::input(format!(
                "a rate matrix needs 2 to {MAX_STATES} states, got {k}"
            )));
        }
        if rates.len() != k * k {
            return Err(Error::input(format!(
                "a {k}-state rate matrix needs {} values, got {}",
                k * k,
                rates.len()
            )));
        }
        for i in 0..k {
            rates[i * k + i] = 0.0;
        }
        if let Some(v) = rates.iter().find(|v| !v.is_finite() || **v < 0.0) {
            return Err(Error::input(format!(
                "rates must be finite and >= 0, got {v}"
            )));
        }
        Ok(RateMatrix { k, rates })
    }

    /// Number of states.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The rate from `i` to `j` (0 on the diagonal).
    pub fn rate(&self, i: usize, j: usize) -> f64 {
        self.rates[i * self.k + j]
    }

    /// Row-major `k × k` rates, zero diagonal.
    pub fn as_slice(&self) -> &[f64] {
        &self.rates
    }

    /// The total rate of leaving `i`.
    pub fn exit_rate(&self, i: usize) -> f64 {
        (0..self.k).map(|j| self.rate(i, j)).sum()
    }

    /// The generator `Q` (row-major, rows summing to 0).
    pub fn generator(&self) -> Vec<f64> {
        let k = self.k;
        let mut q = self.rates.clone();
        for i in 0..k {
            q[i * k + i] = -self.exit_rate(i);
        }
        q
    }

    /// The off-diagonal rates in row-major order (`k(k-1)` values).
    pub fn off_diagonal(&self) -> Vec<f64> {
        let k = self.k;
        (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| self.rate(i, j))
            .collect()
    }

    /// Root-mean-square difference of the off-diagonal rates of two chains on the same states.
    pub fn rmse(&self, other: &RateMatrix) -> Result<f64> {
        if self.k != other.k {
            return Err(Error::input(format!(
                "comparing rate matrices of {} and {} states",
                self.k, other.k
            )));
        }
        let (a, b) = (self.off_diagonal(), other.off_diagonal());
        let se: f64 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        Ok((se / a.len() as f64).sqrt())
    }

    /// The stationary distribution (`π Q = 0`, `Σ π = 1`), by power iteration on the uniformised
    /// chain `I + Q / λ` (λ above the largest exit rate). For a reducible chain this is the
    /// limit reached from the uniform distribution.
    pub fn stationary(&self) -> Vec<f64> {
        let k = self.k;
        let lambda = (0..k).map(|i| self.exit_rate(i)).fold(0.0, f64::max) * 1.05 + 1e-12;
        let q = self.generator();
        let mut p = vec![1.0 / k as f64; k];
        for _ in 0..200_000 {
            let mut next = p.clone();
            for j in 0..k {
                next[j] += (0..k).map(|i| p[i] * q[i * k + j]).sum::<f64>() / lambda;
            }
            let diff: f64 = next.iter().zip(&p).map(|(a, b)| (a - b).abs()).sum();
            p = next;
            if diff < 1e-13 {
                break;
            }
        }
        let s: f64 = p.iter().sum();
        p.iter().map(|v| v / s).collect()
    }
}

/// The parameters of the discrete flashing ratchet: potential height `v`, switching rate `r`
/// and free-diffusion rate `b`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DfrParams {
    pub v: f64,
    pub r: f64,
    pub b: f64,
}

impl Default for DfrParams {
    /// `(V, r, b) = (1, 1, 1)`, the set the FIM-MJP paper infers.
    fn default() -> Self {
        DfrParams {
            v: 1.0,
            r: 1.0,
            b: 1.0,
        }
    }
}

/// The discrete flashing ratchet (Roldán & Parrondo 2010; the FIM-MJP paper's first experiment):
/// a particle on three lattice sites under a periodic sawtooth potential that is switched on
/// (states 0–2) and off (states 3–5). With the potential on it jumps `i → j` at
/// `exp(-v (j - i) / 2)`; with it off at `b` between any two sites; the potential switches at
/// rate `r` (`i ↔ i + 3`).
pub fn dfr(p: DfrParams) -> Result<RateMatrix> {
    let k = 6;
    let mut q = vec![0.0; k * k];
    for i in 0..3 {
        for j in 0..3 {
            if i != j {
                q[i * k + j] = (-p.v * (j as f64 - i as f64) / 2.0).exp();
                q[(i + 3) * k + (j + 3)] = p.b;
            }
        }
        q[i * k + i + 3] = p.r;
        q[(i + 3) * k + i] = p.r;
    }
    RateMatrix::new(k, q)
}

/// Least-squares estimate of the DFR parameters from a 6-state rate matrix: `r` and `b` are
/// the means of their six entries; `v` the mean of `-2 ln(q_ij) / (j - i)` over the six
/// potential-on entries (zero rates skipped).
pub fn dfr_params(q: &RateMatrix) -> Result<DfrParams> {
    if q.k() != 6 {
        return Err(Error::input(format!(
            "the flashing ratchet has 6 states, the rate matrix {}",
            q.k()
        )));
    }
    let mut r = 0.0;
    let mut b = 0.0;
    let mut v = Vec::new();
    for i in 0..3 {
        r += q.rate(i, i + 3) + q.rate(i + 3, i);
        for j in 0..3 {
            if i != j {
                b += q.rate(i + 3, j + 3);
                let f = q.rate(i, j);
                if f > 0.0 {
                    v.push(-2.0 * f.ln() / (j as f64 - i as f64));
                }
            }
        }
    }
    let v = if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    };
    Ok(DfrParams {
        v,
        r: r / 6.0,
        b: b / 6.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dfr_rates_and_parameters_round_trip() {
        let p = DfrParams {
            v: 1.3,
            r: 0.7,
            b: 1.1,
        };
        let q = dfr(p).unwrap();
        assert!((q.rate(0, 1) - (-0.65f64).exp()).abs() < 1e-12);
        assert!((q.rate(2, 0) - 1.3f64.exp()).abs() < 1e-12);
        assert_eq!(q.rate(4, 5), 1.1);
        assert_eq!(q.rate(1, 4), 0.7);
        assert_eq!(q.rate(0, 4), 0.0);
        let back = dfr_params(&q).unwrap();
        assert!((back.v - 1.3).abs() < 1e-12 && (back.r - 0.7).abs() < 1e-12);
        assert!((back.b - 1.1).abs() < 1e-12);
    }

    #[test]
    fn stationary_of_a_two_state_chain() {
        let q = RateMatrix::new(2, vec![0.0, 1.0, 3.0, 0.0]).unwrap();
        let pi = q.stationary();
        assert!((pi[0] - 0.75).abs() < 1e-9, "{pi:?}");
    }

    #[test]
    fn bad_rate_matrices_are_errors() {
        assert!(RateMatrix::new(7, vec![0.0; 49]).is_err());
        assert!(RateMatrix::new(2, vec![0.0, -1.0, 1.0, 0.0]).is_err());
        assert!(RateMatrix::new(2, vec![0.0; 3]).is_err());
    }
}
