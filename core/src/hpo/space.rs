//! Search spaces over any serde config.
//!
//! A [`Space`] is an ordered list of named parameters. A parameter's name is a dotted path into
//! the config it tunes (`train.lr`, `model.hidden.0`), its [`Distribution`] says which values it
//! takes (integers, floats, either on a log scale, or categorical choices), and an optional
//! [`Condition`] makes it active only when an earlier parameter took given values — Optuna's
//! define-by-run conditionals written down as data. [`Space::apply`] writes sampled values into
//! a config and fails on a path the config does not have, so a misspelt field is an error before
//! any trial runs.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::rng::Rng;
use crate::{Error, Result};

/// The values of one trial: parameter name → value (only active parameters are present).
pub type Params = BTreeMap<String, Value>;

/// The values one parameter can take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Distribution {
    /// Integers in `[low, high]` on a grid of `step` (`log`: sampled uniformly in log space, step 1).
    Int {
        low: i64,
        high: i64,
        #[serde(default = "one")]
        step: i64,
        #[serde(default)]
        log: bool,
    },
    /// Reals in `[low, high]` (`log`: uniform in log space; `step`: a grid from `low`).
    Float {
        low: f64,
        high: f64,
        #[serde(default)]
        log: bool,
        #[serde(default)]
        step: Option<f64>,
    },
    /// One of a list of JSON values (strings, numbers, booleans, objects).
    Categorical { choices: Vec<Value> },
}

fn one() -> i64 {
    1
}

/// A parameter is active only when `param` (an earlier parameter) took one of `values`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub param: String,
    pub values: Vec<Value>,
}

/// One tunable parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// Dotted path into the config (`train.lr`); array elements by index (`hidden.0`).
    pub name: String,
    #[serde(flatten)]
    pub distribution: Distribution,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
}

/// An ordered search space (a conditional parameter comes after the parameter it depends on).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Space {
    pub params: Vec<Param>,
}

impl Distribution {
    /// Check bounds, steps and choices.
    pub fn validate(&self, name: &str) -> Result<()> {
        let bad = |m: String| Err(Error::config(format!("search space `{name}`: {m}")));
        match self {
            Distribution::Int {
                low,
                high,
                step,
                log,
            } => {
                if low > high {
                    return bad(format!("low {low} > high {high}"));
                }
                if *step < 1 {
                    return bad(format!("step {step} must be ≥ 1"));
                }
                if *log && (*low < 1 || *step != 1) {
                    return bad("a log-scale integer needs low ≥ 1 and step 1".into());
                }
            }
            Distribution::Float {
                low,
                high,
                log,
                step,
            } => {
                if !(low.is_finite() && high.is_finite()) || low > high {
                    return bad(format!("bounds [{low}, {high}] are not a finite interval"));
                }
                if *log && *low <= 0.0 {
                    return bad(format!("a log-scale float needs low > 0 (got {low})"));
                }
                if let Some(s) = step {
                    if !(s.is_finite() && *s > 0.0) || *log {
                        return bad(format!("step {s} must be > 0 and not on a log scale"));
                    }
                }
            }
            Distribution::Categorical { choices } => {
                if choices.is_empty() {
                    return bad("no choices".into());
                }
            }
        }
        Ok(())
    }

    /// A value drawn uniformly (in log space for log scales).
    pub fn sample_uniform(&self, rng: &mut Rng) -> Value {
        match self {
            Distribution::Categorical { choices } => choices[rng.below(choices.len())].clone(),
            _ => self.from_internal(self.low_internal() + rng.uniform() * self.width_internal()),
        }
    }

    /// The lower bound in the internal (continuous, log-transformed) scale samplers work in.
    /// Integers span `[low − ½, high + ½]` so every grid point has equal width.
    pub fn low_internal(&self) -> f64 {
        match self {
            Distribution::Int { low, log, .. } => {
                let l = *low as f64 - 0.5;
                if *log {
                    l.max(0.5).ln()
                } else {
                    l
                }
            }
            Distribution::Float { low, log, .. } => {
                if *log {
                    low.ln()
                } else {
                    *low
                }
            }
            Distribution::Categorical { .. } => 0.0,
        }
    }

    /// The upper bound in the internal scale (see [`low_internal`](Self::low_internal)).
    pub fn high_internal(&self) -> f64 {
        match self {
            Distribution::Int { high, log, .. } => {
                let h = *high as f64 + 0.5;
                if *log {
                    h.ln()
                } else {
                    h
                }
            }
            Distribution::Float { high, log, .. } => {
                if *log {
                    high.ln()
                } else {
                    *high
                }
            }
            Distribution::Categorical { choices } => choices.len() as f64,
        }
    }

    fn width_internal(&self) -> f64 {
        self.high_internal() - self.low_internal()
    }

    /// The internal-scale coordinate of a value (categoricals: the index of the choice).
    pub fn to_internal(&self, value: &Value) -> Option<f64> {
        match self {
            Distribution::Categorical { choices } => {
                choices.iter().position(|c| c == value).map(|i| i as f64)
            }
            Distribution::Int { log, .. } | Distribution::Float { log, .. } => {
                let v = value.as_f64()?;
                if *log {
                    (v > 0.0).then(|| v.ln())
                } else {
                    Some(v)
                }
            }
        }
    }

    /// The value at an internal-scale coordinate, clipped to the bounds and snapped to the grid.
    pub fn from_internal(&self, x: f64) -> Value {
        match self {
            Distribution::Int {
                low,
                high,
                step,
                log,
            } => {
                let v = if *log { x.exp() } else { x };
                let k = ((v - *low as f64) / *step as f64).round();
                let v = (*low + (k.max(0.0) as i64) * step).clamp(*low, *high);
                // The last grid point may be below `high` when the range is not a multiple of step.
                let top = low + ((high - low) / step) * step;
                Value::from(v.min(top))
            }
            Distribution::Float {
                low,
                high,
                log,
                step,
            } => {
                let mut v = if *log { x.exp() } else { x };
                if let Some(s) = step {
                    v = low + ((v - low) / s).round() * s;
                }
                Value::from(v.clamp(*low, *high))
            }
            Distribution::Categorical { choices } => {
                let i = (x.floor().max(0.0) as usize).min(choices.len() - 1);
                choices[i].clone()
            }
        }
    }

    /// Whether `value` is one this distribution can produce (used when a study resumes).
    pub fn contains(&self, value: &Value) -> bool {
        match self {
            Distribution::Categorical { choices } => choices.contains(value),
            Distribution::Int { low, high, .. } => {
                value.as_i64().is_some_and(|v| (*low..=*high).contains(&v))
            }
            Distribution::Float { low, high, .. } => value
                .as_f64()
                .is_some_and(|v| v >= *low - 1e-12 && v <= *high + 1e-12),
        }
    }
}

impl Space {
    /// A space from a JSON file's content (`{"params": [...]}`).
    pub fn from_json(text: &str, origin: &str) -> Result<Space> {
        let space: Space = serde_json::from_str(text).map_err(|e| Error::Json {
            context: format!("search space {origin}"),
            source: e,
        })?;
        space.validate()?;
        Ok(space)
    }

    /// Check every distribution, unique names, and that conditions refer to earlier parameters.
    pub fn validate(&self) -> Result<()> {
        if self.params.is_empty() {
            return Err(Error::config("search space: no parameters"));
        }
        for (i, p) in self.params.iter().enumerate() {
            if p.name.is_empty() {
                return Err(Error::config(format!(
                    "search space: parameter {i} has no name"
                )));
            }
            p.distribution.validate(&p.name)?;
            if self.params[..i].iter().any(|q| q.name == p.name) {
                return Err(Error::config(format!(
                    "search space: `{}` is declared twice",
                    p.name
                )));
            }
            if let Some(c) = &p.condition {
                let Some(parent) = self.params[..i].iter().find(|q| q.name == c.param) else {
                    return Err(Error::config(format!(
                        "search space: `{}` depends on `{}`, which is not declared before it",
                        p.name, c.param
                    )));
                };
                if let Some(v) = c.values.iter().find(|v| !parent.distribution.contains(v)) {
                    return Err(Error::config(format!(
                        "search space: `{}` depends on `{}` = {v}, a value `{}` never takes",
                        p.name, c.param, c.param
                    )));
                }
            }
        }
        Ok(())
    }

    /// The parameter called `name`.
    pub fn get(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether `param` is active given the values chosen so far.
    pub fn is_active(&self, param: &Param, chosen: &Params) -> bool {
        match &param.condition {
            None => true,
            Some(c) => chosen.get(&c.param).is_some_and(|v| c.values.contains(v)),
        }
    }

    /// Fill the active parameters in order: `choose` gives each parameter's value (a sampler's
    /// proposal); inactive ones are left out.
    pub fn fill(&self, mut choose: impl FnMut(&Param, &Params) -> Result<Value>) -> Result<Params> {
        let mut out = Params::new();
        for p in &self.params {
            if self.is_active(p, &out) {
                let v = choose(p, &out)?;
                out.insert(p.name.clone(), v);
            }
        }
        Ok(out)
    }

    /// Every active parameter drawn uniformly (a random-search trial).
    pub fn sample_uniform(&self, rng: &mut Rng) -> Params {
        let mut out = Params::new();
        for p in &self.params {
            if self.is_active(p, &out) {
                out.insert(p.name.clone(), p.distribution.sample_uniform(rng));
            }
        }
        out
    }

    /// Check that every name of this space is a path `config` has (before any trial runs).
    pub fn check_paths<T: Serialize>(&self, config: &T) -> Result<()> {
        let value = serde_json::to_value(config).map_err(|e| {
            Error::config(format!("search space: cannot serialise the config: {e}"))
        })?;
        for p in &self.params {
            let mut here = &value;
            for key in p.name.split('.') {
                here = match here {
                    Value::Object(m) => m.get(key),
                    Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                }
                .ok_or_else(|| {
                    Error::config(format!(
                        "search space: `{}` is not a field of the config (no `{key}`)",
                        p.name
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// `base` with the trial's values written at their paths; every path must exist in `base`
    /// and the result must deserialise back into `T` (so a wrong type is an error too).
    pub fn apply<T: Serialize + DeserializeOwned>(&self, base: &T, params: &Params) -> Result<T> {
        self.check_paths(base)?;
        let mut value = serde_json::to_value(base).map_err(|e| {
            Error::config(format!("search space: cannot serialise the config: {e}"))
        })?;
        for (name, v) in params {
            let mut here = &mut value;
            for key in name.split('.') {
                here = match here {
                    Value::Object(m) => m.get_mut(key),
                    Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                    _ => None,
                }
                .ok_or_else(|| {
                    Error::config(format!(
                        "trial parameter `{name}` is not a field of the config"
                    ))
                })?;
            }
            *here = v.clone();
        }
        serde_json::from_value(value)
            .map_err(|e| Error::config(format!("search space: the trial's config is invalid: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Cfg {
        lr: f64,
        hidden: Vec<i64>,
        opt: String,
        momentum: f64,
    }

    fn space() -> Space {
        Space::from_json(
            r#"{"params": [
                {"name": "lr", "type": "float", "low": 1e-4, "high": 1e-1, "log": true},
                {"name": "hidden.0", "type": "int", "low": 8, "high": 64, "step": 8},
                {"name": "opt", "type": "categorical", "choices": ["sgd", "adam"]},
                {"name": "momentum", "type": "float", "low": 0.0, "high": 0.99,
                 "condition": {"param": "opt", "values": ["sgd"]}}
            ]}"#,
            "test",
        )
        .unwrap()
    }

    #[test]
    fn uniform_samples_stay_in_bounds_and_respect_conditions() {
        let s = space();
        let mut rng = Rng::new(3);
        let (mut sgd, mut adam) = (0, 0);
        for _ in 0..500 {
            let p = s.sample_uniform(&mut rng);
            let lr = p["lr"].as_f64().unwrap();
            assert!((1e-4..=1e-1).contains(&lr));
            let h = p["hidden.0"].as_i64().unwrap();
            assert!((8..=64).contains(&h) && h % 8 == 0, "{h}");
            match p["opt"].as_str().unwrap() {
                "sgd" => {
                    sgd += 1;
                    assert!(p.contains_key("momentum"));
                }
                _ => {
                    adam += 1;
                    assert!(!p.contains_key("momentum"));
                }
            }
        }
        assert!(sgd > 200 && adam > 200, "{sgd} {adam}");
    }

    #[test]
    fn log_scale_is_uniform_in_log_space() {
        let d = Distribution::Float {
            low: 1e-4,
            high: 1.0,
            log: true,
            step: None,
        };
        let mut rng = Rng::new(1);
        let below = (0..4000)
            .filter(|_| d.sample_uniform(&mut rng).as_f64().unwrap() < 1e-2)
            .count();
        // Half of the log range lies below 1e-2.
        assert!((1800..2200).contains(&below), "{below}");
    }

    #[test]
    fn int_grid_reaches_both_ends() {
        let d = Distribution::Int {
            low: 1,
            high: 3,
            step: 1,
            log: false,
        };
        let mut rng = Rng::new(0);
        let mut seen = [0; 3];
        for _ in 0..3000 {
            seen[(d.sample_uniform(&mut rng).as_i64().unwrap() - 1) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (850..1150).contains(&n)), "{seen:?}");
    }

    #[test]
    fn apply_writes_paths_and_rejects_unknown_fields() {
        let base = Cfg {
            lr: 0.1,
            hidden: vec![4, 4],
            opt: "sgd".into(),
            momentum: 0.0,
        };
        let s = space();
        let mut p = Params::new();
        p.insert("lr".into(), json!(0.01));
        p.insert("hidden.0".into(), json!(32));
        p.insert("opt".into(), json!("adam"));
        let c = s.apply(&base, &p).unwrap();
        assert_eq!(c.hidden, vec![32, 4]);
        assert_eq!(c.opt, "adam");
        assert_eq!(c.lr, 0.01);

        let bad = Space::from_json(
            r#"{"params": [{"name": "train.lr", "type": "float", "low": 0.1, "high": 1.0}]}"#,
            "t",
        )
        .unwrap();
        let e = bad.check_paths(&base).unwrap_err().to_string();
        assert!(e.contains("train.lr") && e.contains("not a field"), "{e}");
        // A wrong type is an error, not a silent coercion.
        let mut p = Params::new();
        p.insert("opt".into(), json!(3));
        assert!(s.apply(&base, &p).is_err());
    }

    #[test]
    fn invalid_spaces_are_errors() {
        for (text, needle) in [
            (r#"{"params": []}"#, "no parameters"),
            (
                r#"{"params": [{"name": "a", "type": "float", "low": 0.0, "high": 1.0, "log": true}]}"#,
                "low > 0",
            ),
            (
                r#"{"params": [{"name": "a", "type": "int", "low": 5, "high": 1}]}"#,
                "low 5 > high 1",
            ),
            (
                r#"{"params": [{"name": "m", "type": "float", "low": 0.0, "high": 1.0,
                   "condition": {"param": "opt", "values": ["sgd"]}}]}"#,
                "not declared before",
            ),
            (
                r#"{"params": [{"name": "a", "type": "flot", "low": 0.0, "high": 1.0}]}"#,
                "search space test",
            ),
        ] {
            let e = Space::from_json(text, "test").unwrap_err().to_string();
            assert!(e.contains(needle), "{e} should mention {needle}");
        }
    }

    #[test]
    fn internal_round_trip() {
        let s = space();
        let mut rng = Rng::new(9);
        for _ in 0..100 {
            let p = s.sample_uniform(&mut rng);
            for (name, v) in &p {
                let d = &s.get(name).unwrap().distribution;
                let x = d.to_internal(v).unwrap();
                let back = d.from_internal(x);
                match d {
                    Distribution::Float { .. } => {
                        assert!((back.as_f64().unwrap() - v.as_f64().unwrap()).abs() < 1e-9)
                    }
                    _ => assert_eq!(&back, v),
                }
            }
        }
    }
}
