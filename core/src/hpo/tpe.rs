//! The Tree-structured Parzen Estimator sampler (Bergstra et al., NeurIPS 2011), with the
//! defaults of Optuna 5.0's `TPESampler`:
//!
//! - the first `n_startup_trials = 10` trials (complete or pruned) are drawn uniformly;
//! - finished trials are split into a good set of `γ(n) = min(⌈0.1·n⌉, 25)` trials (complete ones
//!   by objective; then pruned ones by the last step they reached, later first, and their last
//!   intermediate value) and a bad set (the rest);
//! - `n_ei_candidates = 24` candidates are drawn from `l(x)` (the good set's Parzen estimator,
//!   [`super::parzen`]) and the one maximising `ln l(x) − ln g(x)` is taken;
//! - multivariate by default (Optuna 5 defaults `multivariate` to true for one objective): the
//!   parameters present in every finished trial are modelled jointly (a mixture of products);
//!   parameters missing from some trials (conditional ones) are sampled one at a time from the
//!   trials in which they are active — Optuna's independent fallback;
//! - parameters with a single possible value take it.
//!
//! Differences from Optuna: random numbers come from deepfield's own generator, so the same seed
//! gives different (equally distributed) draws; constraints and multi-objective splits are not
//! implemented.

use serde_json::Value;

use super::parzen::{DimSpec, ParzenEstimator};
use super::{Direction, Distribution, Param, Params, Sampler, Space, Trial, TrialState};
use crate::rng::Rng;
use crate::Result;

/// TPE sampler settings (Optuna 5.0 defaults).
#[derive(Debug, Clone)]
pub struct TpeSampler {
    pub n_startup_trials: usize,
    pub n_ei_candidates: usize,
    pub prior_weight: f64,
    /// Model the always-present parameters jointly (Optuna 5 default for one objective).
    pub multivariate: bool,
}

impl Default for TpeSampler {
    fn default() -> Self {
        TpeSampler {
            n_startup_trials: 10,
            n_ei_candidates: 24,
            prior_weight: 1.0,
            multivariate: true,
        }
    }
}

/// Optuna's `default_gamma`: the size of the good set among `n` finished trials.
pub fn default_gamma(n: usize) -> usize {
    (n.div_ceil(10)).min(25)
}

/// How a distribution is modelled, or `None` when it has a single value.
pub(crate) fn dim_spec(d: &Distribution) -> Option<DimSpec> {
    match d {
        Distribution::Categorical { choices } => {
            (choices.len() > 1).then_some(DimSpec::Cat { n: choices.len() })
        }
        Distribution::Int {
            low,
            high,
            step,
            log,
        } => {
            let top = low + ((high - low) / step) * step;
            (top > *low).then_some(DimSpec::Num {
                low: *low as f64,
                high: top as f64,
                step: Some(*step as f64),
                log: *log,
            })
        }
        Distribution::Float {
            low,
            high,
            log,
            step,
        } => {
            let top = match step {
                Some(s) => low + ((high - low) / s + 1e-9).floor() * s,
                None => *high,
            };
            (top > *low).then_some(DimSpec::Num {
                low: *low,
                high: top,
                step: *step,
                log: *log,
            })
        }
    }
}

/// A stored value as a Parzen coordinate (number, or choice index).
fn observe(d: &Distribution, v: &Value) -> Option<f64> {
    match d {
        Distribution::Categorical { .. } => d.to_internal(v),
        _ => v.as_f64(),
    }
}

/// A Parzen coordinate back to a value of the distribution.
fn value_of(d: &Distribution, x: f64) -> Value {
    match d {
        Distribution::Categorical { choices } => choices[x as usize].clone(),
        Distribution::Int { low, high, .. } => Value::from((x.round() as i64).clamp(*low, *high)),
        Distribution::Float { low, high, .. } => Value::from(x.clamp(*low, *high)),
    }
}

/// The good and bad sets (each in trial order) of the finished trials.
pub(crate) fn split<'a>(
    finished: &[&'a Trial],
    direction: Direction,
    n_below: usize,
) -> (Vec<&'a Trial>, Vec<&'a Trial>) {
    let mut complete: Vec<&Trial> = finished
        .iter()
        .copied()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    let mut pruned: Vec<&Trial> = finished
        .iter()
        .copied()
        .filter(|t| t.state == TrialState::Pruned)
        .collect();
    let loss = |t: &Trial| direction.to_loss(t.value.unwrap_or(f64::NAN));
    complete.sort_by(|a, b| loss(a).total_cmp(&loss(b)));
    let pruned_key = |t: &Trial| match t.intermediate.iter().max_by_key(|(s, _)| *s) {
        Some(&(step, v)) => (
            -(step as f64),
            if v.is_nan() {
                f64::INFINITY
            } else {
                direction.to_loss(v)
            },
        ),
        None => (1.0, 0.0),
    };
    pruned.sort_by(|a, b| {
        let (ka, kb) = (pruned_key(a), pruned_key(b));
        ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    let nc = n_below.min(complete.len());
    let np = (n_below - nc).min(pruned.len());
    let mut below: Vec<&Trial> = complete[..nc]
        .iter()
        .chain(&pruned[..np])
        .copied()
        .collect();
    let mut above: Vec<&Trial> = complete[nc..]
        .iter()
        .chain(&pruned[np..])
        .copied()
        .collect();
    below.sort_by_key(|t| t.number);
    above.sort_by_key(|t| t.number);
    (below, above)
}

impl TpeSampler {
    /// Sample the parameters `group` jointly from the good and bad sets.
    fn sample_group(
        &self,
        group: &[&Param],
        below: &[&Trial],
        above: &[&Trial],
        rng: &mut Rng,
    ) -> Vec<Value> {
        let specs: Vec<DimSpec> = group
            .iter()
            .filter_map(|p| dim_spec(&p.distribution))
            .collect();
        let obs = |trials: &[&Trial]| -> Vec<Vec<f64>> {
            trials
                .iter()
                .filter_map(|t| {
                    group
                        .iter()
                        .map(|p| observe(&p.distribution, t.params.get(&p.name)?))
                        .collect::<Option<Vec<f64>>>()
                })
                .collect()
        };
        let l = ParzenEstimator::new(&specs, &obs(below), self.prior_weight);
        let g = ParzenEstimator::new(&specs, &obs(above), self.prior_weight);
        let candidates = l.sample(rng, self.n_ei_candidates.max(1));
        let mut best = 0;
        let mut best_acq = f64::NEG_INFINITY;
        for (i, c) in candidates.iter().enumerate() {
            let acq = l.log_pdf(c) - g.log_pdf(c);
            if acq > best_acq {
                best_acq = acq;
                best = i;
            }
        }
        group
            .iter()
            .zip(&candidates[best])
            .map(|(p, &x)| value_of(&p.distribution, x))
            .collect()
    }
}

/// The value of a one-valued distribution.
fn single_value(d: &Distribution) -> Value {
    match d {
        Distribution::Categorical { choices } => choices[0].clone(),
        Distribution::Int { low, .. } => Value::from(*low),
        Distribution::Float { low, .. } => Value::from(*low),
    }
}

impl Sampler for TpeSampler {
    fn name(&self) -> &str {
        "tpe"
    }

    fn sample(
        &mut self,
        space: &Space,
        history: &[Trial],
        direction: Direction,
        rng: &mut Rng,
    ) -> Result<Params> {
        let finished: Vec<&Trial> = history
            .iter()
            .filter(|t| {
                t.state == TrialState::Pruned
                    || (t.state == TrialState::Complete && t.value.is_some_and(|v| !v.is_nan()))
            })
            .collect();
        if finished.len() < self.n_startup_trials {
            return Ok(space.sample_uniform(rng));
        }
        let (below, above) = split(&finished, direction, default_gamma(finished.len()));
        // Joint (relative) parameters: present in every finished trial and not single-valued.
        let joint: Vec<&Param> = if self.multivariate {
            space
                .params
                .iter()
                .filter(|p| dim_spec(&p.distribution).is_some())
                .filter(|p| finished.iter().all(|t| t.params.contains_key(&p.name)))
                .collect()
        } else {
            Vec::new()
        };
        let mut relative = Params::new();
        if !joint.is_empty() {
            for (p, v) in joint
                .iter()
                .zip(self.sample_group(&joint, &below, &above, rng))
            {
                relative.insert(p.name.clone(), v);
            }
        }
        space.fill(|p, _| {
            if let Some(v) = relative.get(&p.name) {
                return Ok(v.clone());
            }
            if dim_spec(&p.distribution).is_none() {
                return Ok(single_value(&p.distribution));
            }
            Ok(self
                .sample_group(&[p], &below, &above, rng)
                .pop()
                .unwrap_or(Value::Null))
        })
    }
}
