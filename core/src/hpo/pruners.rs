//! Pruners: stop unpromising trials early from their per-epoch intermediate values, with the
//! rules of Optuna 5.0's `MedianPruner` and `SuccessiveHalvingPruner`.
//!
//! Both are stateless: they decide from the trial's own reported values and the other trials of
//! the study as stored, so workers in several processes prune consistently. Optuna's successive
//! halving records each trial's value on reaching a rung in the storage; here a trial's rung-`r`
//! value is its intermediate value at the first reported step ≥ the rung's step, which is the same
//! record when every step is reported.

use serde::{Deserialize, Serialize};

use super::{Direction, Trial, TrialState};
use crate::{Error, Result};

/// Decides whether a running trial should stop.
pub trait Pruner: Send + Sync {
    fn name(&self) -> &str;
    /// Whether `trial` (its intermediate values so far) should be pruned, given the other trials of
    /// the study (`history` may contain `trial` itself; it is skipped).
    fn prune(&self, trial: &Trial, history: &[Trial], direction: Direction) -> bool;
}

/// Prune when the trial's best intermediate value so far is worse than the median of the
/// completed trials' values at the same step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MedianPruner {
    /// No pruning until this many trials have completed.
    pub n_startup_trials: usize,
    /// No pruning before this step.
    pub n_warmup_steps: u64,
    /// Check only every `interval_steps` steps after the warm-up.
    pub interval_steps: u64,
    /// At least this many completed trials must have a value at the step.
    pub n_min_trials: usize,
}

impl Default for MedianPruner {
    fn default() -> Self {
        MedianPruner {
            n_startup_trials: 5,
            n_warmup_steps: 0,
            interval_steps: 1,
            n_min_trials: 1,
        }
    }
}

/// numpy's linear-interpolation percentile of non-NaN values.
fn percentile(mut xs: Vec<f64>, q: f64) -> f64 {
    xs.retain(|x| !x.is_nan());
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (xs.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos - pos.floor());
    if i + 1 < xs.len() {
        xs[i] + frac * (xs[i + 1] - xs[i])
    } else {
        xs[i]
    }
}

fn value_at(t: &Trial, step: u64) -> Option<f64> {
    t.intermediate.iter().find(|(s, _)| *s == step).map(|p| p.1)
}

impl MedianPruner {
    pub fn validate(&self) -> Result<()> {
        if self.interval_steps == 0 {
            return Err(Error::config("median pruner: interval_steps must be ≥ 1"));
        }
        Ok(())
    }

    /// Whether `step` is the first reported step of its checking interval.
    fn first_in_interval(&self, step: u64, trial: &Trial) -> bool {
        let nearest = (step - self.n_warmup_steps) / self.interval_steps * self.interval_steps
            + self.n_warmup_steps;
        let second_last = trial
            .intermediate
            .iter()
            .map(|(s, _)| *s)
            .filter(|&s| s != step)
            .max()
            .map_or(-1, |s| s as i64);
        second_last < nearest as i64
    }
}

impl Pruner for MedianPruner {
    fn name(&self) -> &str {
        "median"
    }

    fn prune(&self, trial: &Trial, history: &[Trial], direction: Direction) -> bool {
        let complete: Vec<&Trial> = history
            .iter()
            .filter(|t| t.state == TrialState::Complete && t.number != trial.number)
            .collect();
        if complete.is_empty() || complete.len() < self.n_startup_trials {
            return false;
        }
        let Some(step) = trial.intermediate.iter().map(|(s, _)| *s).max() else {
            return false;
        };
        if step < self.n_warmup_steps || !self.first_in_interval(step, trial) {
            return false;
        }
        let values = trial
            .intermediate
            .iter()
            .map(|p| p.1)
            .filter(|v| !v.is_nan());
        let best = match direction {
            Direction::Minimize => values.fold(f64::NAN, f64::min),
            Direction::Maximize => values.fold(f64::NAN, f64::max),
        };
        if best.is_nan() {
            return true;
        }
        let at_step: Vec<f64> = complete.iter().filter_map(|t| value_at(t, step)).collect();
        if at_step.len() < self.n_min_trials {
            return false;
        }
        let p = percentile(at_step, 50.0);
        if p.is_nan() {
            return false;
        }
        direction.better(p, best)
    }
}

/// Asynchronous successive halving (Li et al., "A System for Massively Parallel Hyperparameter
/// Tuning", 2020): rung `r` sits at step `min_resource · η^(s + r)`; a trial reaching a rung
/// continues only if its value is among the top `1/η` of all values recorded at that rung.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SuccessiveHalvingPruner {
    /// Steps before the first rung; `None`: Optuna's "auto" (1/100 of the longest completed trial,
    /// at least 1; no pruning until a trial completed).
    pub min_resource: Option<u64>,
    /// η.
    pub reduction_factor: u64,
    /// s.
    pub min_early_stopping_rate: u32,
}

impl Default for SuccessiveHalvingPruner {
    fn default() -> Self {
        SuccessiveHalvingPruner {
            min_resource: None,
            reduction_factor: 4,
            min_early_stopping_rate: 0,
        }
    }
}

impl SuccessiveHalvingPruner {
    pub fn validate(&self) -> Result<()> {
        if self.reduction_factor < 2 || self.min_resource == Some(0) {
            return Err(Error::config(
                "successive halving: reduction_factor must be ≥ 2 and min_resource ≥ 1",
            ));
        }
        Ok(())
    }

    fn rung_step(&self, min_resource: u64, rung: u32) -> u64 {
        min_resource.saturating_mul(
            self.reduction_factor
                .saturating_pow(self.min_early_stopping_rate + rung),
        )
    }
}

/// The value a trial recorded at the rung sitting at `rung_step` (first reported step at or after).
fn rung_value(t: &Trial, rung_step: u64) -> Option<(u64, f64)> {
    t.intermediate
        .iter()
        .filter(|(s, _)| *s >= rung_step)
        .min_by_key(|(s, _)| *s)
        .copied()
}

impl Pruner for SuccessiveHalvingPruner {
    fn name(&self) -> &str {
        "successive_halving"
    }

    fn prune(&self, trial: &Trial, history: &[Trial], direction: Direction) -> bool {
        let Some(&(step, value)) = trial.intermediate.iter().max_by_key(|(s, _)| *s) else {
            return false;
        };
        let min_resource = match self.min_resource {
            Some(m) => m,
            None => {
                let longest = history
                    .iter()
                    .filter(|t| t.state == TrialState::Complete)
                    .filter_map(|t| t.intermediate.iter().map(|(s, _)| *s).max())
                    .max();
                match longest {
                    Some(l) => (l / 100).max(1),
                    None => return false,
                }
            }
        };
        let mut rung = 0;
        loop {
            let rs = self.rung_step(min_resource, rung);
            if step < rs {
                return false;
            }
            // Rungs crossed at an earlier step were passed then (else the trial would have stopped).
            let crossed_now = rung_value(trial, rs).is_some_and(|(s, _)| s == step);
            if crossed_now {
                if value.is_nan() {
                    return true;
                }
                let mut competing: Vec<f64> = history
                    .iter()
                    .filter(|t| t.number != trial.number)
                    .filter_map(|t| rung_value(t, rs).map(|p| p.1))
                    .filter(|v| !v.is_nan())
                    .collect();
                competing.push(value);
                let mut idx = (competing.len() / self.reduction_factor as usize).max(1) - 1;
                competing.sort_by(|a, b| direction.to_loss(*a).total_cmp(&direction.to_loss(*b)));
                idx = idx.min(competing.len() - 1);
                if direction.to_loss(value) > direction.to_loss(competing[idx]) {
                    return true;
                }
            }
            rung += 1;
            if rung > 64 {
                return false;
            }
        }
    }
}

/// A pruner from its name and optional JSON settings (`median`, `successive_halving`/`sha`, `none`).
pub fn pruner_by_name(name: &str) -> Result<Option<Box<dyn Pruner>>> {
    match name {
        "none" | "nop" => Ok(None),
        "median" => Ok(Some(Box::new(MedianPruner::default()))),
        "successive_halving" | "sha" | "asha" => {
            Ok(Some(Box::new(SuccessiveHalvingPruner::default())))
        }
        _ => Err(Error::config(format!(
            "unknown pruner `{name}` (expected median, successive_halving or none)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy() {
        assert_eq!(percentile(vec![1.0, 2.0, 3.0, 4.0], 50.0), 2.5);
        assert_eq!(percentile(vec![3.0, 1.0, 2.0], 50.0), 2.0);
        assert!((percentile(vec![1.0, 2.0, 3.0, 4.0], 25.0) - 1.75).abs() < 1e-12);
    }
}
