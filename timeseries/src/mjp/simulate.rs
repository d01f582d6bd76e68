//! Gillespie simulation of a Markov jump process and its observation on a thinned regular grid
//! with label noise.

use serde::{Deserialize, Serialize};

use deepfield_core::Rng;

use super::prior::PriorConfig;
use super::rates::RateMatrix;
use crate::{Error, Result};

/// A process: its rates, its initial distribution and the probability that an observed label
/// is wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Process {
    pub rates: RateMatrix,
    /// `P(X(0) = i)`, `k` entries summing to 1.
    pub init: Vec<f64>,
    /// Probability that an observed state is replaced by a uniformly drawn other state.
    pub noise: f64,
}

/// A simulated path: the state entered at each jump time (the first at time 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub times: Vec<f64>,
    pub states: Vec<usize>,
}

impl Path {
    /// The state at time `t` (the last one entered at or before `t`).
    pub fn state_at(&self, t: f64) -> usize {
        let n = self.times.partition_point(|&s| s <= t);
        self.states[n.saturating_sub(1)]
    }

    /// Time spent in each of `k` states on `[0, horizon]`.
    pub fn occupation(&self, k: usize, horizon: f64) -> Vec<f64> {
        let mut occ = vec![0.0; k];
        for (m, &s) in self.states.iter().enumerate() {
            let end = self
                .times
                .get(m + 1)
                .copied()
                .unwrap_or(horizon)
                .min(horizon);
            occ[s] += (end - self.times[m]).max(0.0);
        }
        occ
    }
}

/// Draw a state from the probabilities `p` (summing to ~1).
fn categorical(rng: &mut Rng, p: &[f64]) -> usize {
    let total: f64 = p.iter().sum();
    let mut u = rng.uniform() * total;
    for (i, &w) in p.iter().enumerate() {
        if u < w {
            return i;
        }
        u -= w;
    }
    p.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}

/// Simulate one path from `x0` on `[0, horizon]` (Gillespie's direct method: an exponential
/// holding time at the exit rate, then a jump chosen in proportion to the rates).
pub fn gillespie(q: &RateMatrix, x0: usize, horizon: f64, rng: &mut Rng) -> Path {
    let k = q.k();
    let mut path = Path {
        times: vec![0.0],
        states: vec![x0],
    };
    let (mut t, mut x) = (0.0, x0);
    loop {
        let exit = q.exit_rate(x);
        if exit <= 0.0 {
            return path;
        }
        t += -rng.uniform().max(f64::MIN_POSITIVE).ln() / exit;
        if t > horizon {
            return path;
        }
        let row: Vec<f64> = (0..k).map(|j| q.rate(x, j)).collect();
        x = categorical(rng, &row);
        path.times.push(t);
        path.states.push(x);
    }
}

/// One observed path: increasing times and the (possibly wrong) state seen at each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedPath {
    pub times: Vec<f64>,
    pub states: Vec<usize>,
}

/// The observations of one process: several paths on `k` states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservedProcess {
    pub k: usize,
    pub paths: Vec<ObservedPath>,
}

impl ObservedProcess {
    /// Check the observations: `2 <= k <= 6`, at least one path, every path non-empty with
    /// increasing finite times and states below `k`.
    pub fn validate(&self) -> Result<()> {
        if !(2..=super::MAX_STATES).contains(&self.k) {
            return Err(Error::input(format!(
                "observations need 2 to {} states, got {}",
                super::MAX_STATES,
                self.k
            )));
        }
        if self.paths.is_empty() {
            return Err(Error::input("observations hold no path"));
        }
        for (p, path) in self.paths.iter().enumerate() {
            if path.times.is_empty() || path.times.len() != path.states.len() {
                return Err(Error::input(format!(
                    "path {p}: needs as many states as times, and at least one"
                )));
            }
            if path.times.iter().any(|t| !t.is_finite())
                || path.times.windows(2).any(|w| w[1] <= w[0])
            {
                return Err(Error::input(format!(
                    "path {p}: times must be finite and strictly increasing"
                )));
            }
            if let Some(s) = path.states.iter().find(|&&s| s >= self.k) {
                return Err(Error::input(format!(
                    "path {p}: state {s} is not below the number of states {}",
                    self.k
                )));
            }
        }
        Ok(())
    }

    /// Mean number of observations per path.
    pub fn mean_observations(&self) -> f64 {
        self.paths.iter().map(|p| p.times.len()).sum::<usize>() as f64
            / self.paths.len().max(1) as f64
    }

    /// The latest observation time.
    pub fn span(&self) -> f64 {
        self.paths
            .iter()
            .filter_map(|p| p.times.last().copied())
            .fold(0.0, f64::max)
    }
}

/// How a process is observed: `paths` paths on `[0, horizon]`, a regular grid of `grid` times
/// of which each path keeps each point with a probability drawn from `U(keep.0, keep.1)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub paths: usize,
    pub horizon: f64,
    pub grid: usize,
    pub keep: (f64, f64),
}

impl Observation {
    /// The observation scheme of the prior.
    pub fn of_prior(prior: &PriorConfig) -> Self {
        Observation {
            paths: prior.paths,
            horizon: prior.horizon,
            grid: prior.grid,
            keep: prior.keep,
        }
    }

    /// The prior's scheme with a fixed keep probability (sparse or dense evaluation).
    pub fn with_keep(self, keep: f64) -> Self {
        Observation {
            keep: (keep, keep),
            ..self
        }
    }
}

impl Process {
    /// Simulate `obs.paths` paths (initial state from `init`) and observe them: the grid is
    /// thinned per path (the first point always kept, and at least two points), then every
    /// label is replaced by another state with probability `noise`.
    pub fn observe(&self, obs: &Observation, rng: &mut Rng) -> ObservedProcess {
        let k = self.rates.k();
        let step = obs.horizon / (obs.grid - 1).max(1) as f64;
        let paths = (0..obs.paths)
            .map(|_| {
                let x0 = categorical(rng, &self.init);
                let path = gillespie(&self.rates, x0, obs.horizon, rng);
                let keep = obs.keep.0 + (obs.keep.1 - obs.keep.0) * rng.uniform();
                let mut idx: Vec<usize> = std::iter::once(0)
                    .chain((1..obs.grid).filter(|_| rng.uniform() < keep))
                    .collect();
                if idx.len() < 2 {
                    idx.push(1 + rng.below(obs.grid - 1));
                }
                let times: Vec<f64> = idx.iter().map(|&m| m as f64 * step).collect();
                let states = times
                    .iter()
                    .map(|&t| {
                        let s = path.state_at(t);
                        if rng.uniform() < self.noise {
                            (s + 1 + rng.below(k - 1)) % k
                        } else {
                            s
                        }
                    })
                    .collect();
                ObservedPath { times, states }
            })
            .collect();
        ObservedProcess { k, paths }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_are_valid_sorted_and_seeded() {
        let prior = PriorConfig::default();
        let mut rng = Rng::new(5);
        let p = prior.sample_process(&mut rng).unwrap();
        let obs = Observation::of_prior(&prior);
        let a = p.observe(&obs, &mut Rng::new(9));
        assert_eq!(a, p.observe(&obs, &mut Rng::new(9)));
        a.validate().unwrap();
        assert_eq!(a.paths.len(), 20);
        assert!(a
            .paths
            .iter()
            .all(|x| x.times[0] == 0.0 && x.times.len() >= 2));
        let dense = p.observe(&obs.with_keep(1.0), &mut rng);
        assert!(dense.paths.iter().all(|x| x.times.len() == 100));
    }
}
