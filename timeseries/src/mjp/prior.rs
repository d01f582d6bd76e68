//! The synthetic prior over Markov jump processes and their observations (after the FIM-MJP
//! paper, section 3.1): a number of states, rates drawn per process from a Beta law scaled per
//! process (some set to zero for sparse structure), a random initial distribution, several
//! paths per process observed on a thinned regular grid with occasional wrong labels.

use serde::{Deserialize, Serialize};

use deepfield_core::Rng;

use super::rates::RateMatrix;
use super::simulate::Process;
use super::MAX_STATES;
use crate::{Error, Result};

/// The distribution processes and observation grids are drawn from. Defaults follow the paper
/// where it is specific (2–6 states, paths on `[0, 10]` seen on a grid of 100 times that is
/// thinned at random, noisy labels); the rate law (a Beta law times a per-process scale) is
/// ours, chosen so that the flashing ratchet's rates (0.37 … 2.7) lie inside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorConfig {
    /// Fewest states of a process.
    pub min_states: usize,
    /// Most states of a process (at most 6).
    pub max_states: usize,
    /// `(α, β)` pairs of the Beta law of the rates; one pair is picked per process.
    pub beta_shapes: Vec<(f64, f64)>,
    /// A process's rates are `scale · Beta(α, β)`, `scale ~ U(min, max)` per process.
    pub rate_scale: (f64, f64),
    /// Per process, the probability that an off-diagonal rate is 0 is one of these.
    pub sparsity: Vec<f64>,
    /// Paths of a process (the model's input holds this many).
    pub paths: usize,
    /// Paths are simulated on `[0, horizon]`.
    pub horizon: f64,
    /// Observation times: a regular grid of this many points on `[0, horizon]`…
    pub grid: usize,
    /// …of which each path keeps every point with a probability drawn from `U(min, max)` per
    /// path (the first point is always kept).
    pub keep: (f64, f64),
    /// Per process, the probability that an observed label is replaced by another state is one
    /// of these.
    pub noise: Vec<f64>,
}

impl Default for PriorConfig {
    fn default() -> Self {
        PriorConfig {
            min_states: 2,
            max_states: MAX_STATES,
            beta_shapes: vec![(1.0, 1.0), (2.0, 2.0), (0.5, 0.5), (2.0, 5.0), (5.0, 2.0)],
            rate_scale: (0.5, 3.0),
            sparsity: vec![0.0, 0.0, 0.3],
            paths: 20,
            horizon: 10.0,
            grid: 100,
            keep: (0.04, 1.0),
            noise: vec![0.0, 0.01, 0.05],
        }
    }
}

impl PriorConfig {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        let ok = 2 <= self.min_states
            && self.min_states <= self.max_states
            && self.max_states <= MAX_STATES
            && !self.beta_shapes.is_empty()
            && self.beta_shapes.iter().all(|(a, b)| *a > 0.0 && *b > 0.0)
            && 0.0 < self.rate_scale.0
            && self.rate_scale.0 <= self.rate_scale.1
            && !self.sparsity.is_empty()
            && self.sparsity.iter().all(|p| (0.0..1.0).contains(p))
            && self.paths > 0
            && self.horizon > 0.0
            && self.grid >= 2
            && 0.0 < self.keep.0
            && self.keep.0 <= self.keep.1
            && self.keep.1 <= 1.0
            && !self.noise.is_empty()
            && self.noise.iter().all(|p| (0.0..0.5).contains(p));
        if ok {
            Ok(())
        } else {
            Err(Error::config(format!(
                "mjp prior: need 2 <= min_states <= max_states <= {MAX_STATES}, positive Beta \
                 shapes, 0 < rate_scale.0 <= rate_scale.1, sparsity in [0, 1), paths > 0, \
                 horizon > 0, grid >= 2, 0 < keep.0 <= keep.1 <= 1 and noise in [0, 0.5)"
            )))
        }
    }

    /// Draw a process (rates, initial distribution, label-noise level).
    pub fn sample_process(&self, rng: &mut Rng) -> Result<Process> {
        let k = self.min_states + rng.below(self.max_states - self.min_states + 1);
        let (a, b) = self.beta_shapes[rng.below(self.beta_shapes.len())];
        let scale = self.rate_scale.0 + (self.rate_scale.1 - self.rate_scale.0) * rng.uniform();
        let sparsity = self.sparsity[rng.below(self.sparsity.len())];
        let mut q = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                if i != j && rng.uniform() >= sparsity {
                    q[i * k + j] = scale * beta(rng, a, b);
                }
            }
        }
        let init = dirichlet_ones(rng, k);
        Ok(Process {
            rates: RateMatrix::new(k, q)?,
            init,
            noise: self.noise[rng.below(self.noise.len())],
        })
    }

    /// The mean off-diagonal rate under this prior (the constant predictor's guess): the
    /// mean scale times the mean Beta mean times the mean fraction of non-zero rates.
    pub fn mean_rate(&self) -> f64 {
        let scale = (self.rate_scale.0 + self.rate_scale.1) / 2.0;
        let beta: f64 = self
            .beta_shapes
            .iter()
            .map(|(a, b)| a / (a + b))
            .sum::<f64>()
            / self.beta_shapes.len() as f64;
        let dense: f64 =
            self.sparsity.iter().map(|p| 1.0 - p).sum::<f64>() / self.sparsity.len() as f64;
        scale * beta * dense
    }
}

/// A Gamma(`shape`, 1) draw (Marsaglia & Tsang 2000; boosted for `shape < 1`).
pub fn gamma(rng: &mut Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = rng.uniform().max(f64::MIN_POSITIVE);
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = rng.normal();
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.uniform().max(f64::MIN_POSITIVE);
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A Beta(`a`, `b`) draw.
pub fn beta(rng: &mut Rng, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a);
    let y = gamma(rng, b);
    if x + y > 0.0 {
        x / (x + y)
    } else {
        0.5
    }
}

/// A uniform draw from the probability simplex of `k` entries (Dirichlet(1, …, 1)).
pub fn dirichlet_ones(rng: &mut Rng, k: usize) -> Vec<f64> {
    let e: Vec<f64> = (0..k)
        .map(|_| -rng.uniform().max(f64::MIN_POSITIVE).ln())
        .collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beta_draws_have_the_right_mean() {
        let mut rng = Rng::new(3);
        let n = 20_000;
        let m: f64 = (0..n).map(|_| beta(&mut rng, 2.0, 5.0)).sum::<f64>() / n as f64;
        assert!((m - 2.0 / 7.0).abs() < 0.01, "{m}");
        let m: f64 = (0..n).map(|_| beta(&mut rng, 0.5, 0.5)).sum::<f64>() / n as f64;
        assert!((m - 0.5).abs() < 0.01, "{m}");
    }

    #[test]
    fn processes_are_within_the_prior_and_seeded() {
        let prior = PriorConfig::default();
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|_| prior.sample_process(&mut rng).unwrap())
                .collect::<Vec<_>>()
        };
        let a = draw(1);
        assert_eq!(a, draw(1));
        for p in &a {
            assert!((2..=6).contains(&p.rates.k()));
            assert!(p.rates.as_slice().iter().all(|&v| (0.0..=3.0).contains(&v)));
            assert!((p.init.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        assert!(PriorConfig {
            max_states: 7,
            ..Default::default()
        }
        .validate()
        .is_err());
    }
}
