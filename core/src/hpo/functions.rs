//! Standard black-box test functions for checking samplers (all minimised, known optima), and a
//! driver that runs one seeded study on one of them in memory.
//!
//! - `forrester` (1-D, Forrester et al. 2008): (6x − 2)² sin(12x − 4) on [0, 1], min −6.02074;
//! - `branin` (2-D): on [−5, 10] × [0, 15], min 0.397887;
//! - `rosenbrock` (2-D): on [−5, 10]², min 0;
//! - `hartmann6` (6-D): on [0, 1]⁶, min −3.32237;
//! - `sphere5` (5-D): Σ xᵢ² on [−5, 5]⁵, min 0;
//! - `mixed` (log float, stepped int, categorical, conditional float): min 0.

use std::sync::Arc;

use serde_json::{json, Value};

use super::{sampler_by_name, Direction, MemoryStorage, Outcome, Params, Space, Study};
use crate::{Error, Result};

/// The names of the test functions.
pub const FUNCTIONS: [&str; 6] = [
    "forrester",
    "branin",
    "rosenbrock",
    "hartmann6",
    "sphere5",
    "mixed",
];

fn float(name: &str, low: f64, high: f64) -> Value {
    json!({"name": name, "type": "float", "low": low, "high": high})
}

/// The search space of a test function.
pub fn space(name: &str) -> Result<Space> {
    let params: Vec<Value> = match name {
        "forrester" => vec![float("x", 0.0, 1.0)],
        "branin" => vec![float("x1", -5.0, 10.0), float("x2", 0.0, 15.0)],
        "rosenbrock" => vec![float("x1", -5.0, 10.0), float("x2", -5.0, 10.0)],
        "hartmann6" => (0..6).map(|i| float(&format!("x{i}"), 0.0, 1.0)).collect(),
        "sphere5" => (0..5).map(|i| float(&format!("x{i}"), -5.0, 5.0)).collect(),
        "mixed" => vec![
            json!({"name": "lr", "type": "float", "low": 1e-5, "high": 1.0, "log": true}),
            json!({"name": "units", "type": "int", "low": 8, "high": 256, "step": 8}),
            json!({"name": "opt", "type": "categorical", "choices": ["sgd", "adam", "rmsprop"]}),
            json!({"name": "momentum", "type": "float", "low": 0.0, "high": 1.0,
                   "condition": {"param": "opt", "values": ["sgd"]}}),
        ],
        _ => {
            return Err(Error::config(format!(
                "unknown test function `{name}` (expected one of {})",
                FUNCTIONS.join(", ")
            )))
        }
    };
    let space: Space = serde_json::from_value(json!({ "params": params }))
        .map_err(|e| Error::config(format!("test function space: {e}")))?;
    space.validate()?;
    Ok(space)
}

fn x(p: &Params, name: &str) -> Result<f64> {
    p.get(name)
        .and_then(Value::as_f64)
        .ok_or_else(|| Error::input(format!("test function: no numeric `{name}`")))
}

const HARTMANN_A: [[f64; 6]; 4] = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
];
const HARTMANN_P: [[f64; 6]; 4] = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];
const HARTMANN_ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];

/// The value of test function `name` at `p`.
pub fn evaluate(name: &str, p: &Params) -> Result<f64> {
    use std::f64::consts::PI;
    Ok(match name {
        "forrester" => {
            let v = x(p, "x")?;
            (6.0 * v - 2.0).powi(2) * (12.0 * v - 4.0).sin()
        }
        "branin" => {
            let (a, b) = (x(p, "x1")?, x(p, "x2")?);
            let (bb, c, t) = (5.1 / (4.0 * PI * PI), 5.0 / PI, 1.0 / (8.0 * PI));
            (b - bb * a * a + c * a - 6.0).powi(2) + 10.0 * (1.0 - t) * a.cos() + 10.0
        }
        "rosenbrock" => {
            let (a, b) = (x(p, "x1")?, x(p, "x2")?);
            100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2)
        }
        "hartmann6" => {
            let xs: Vec<f64> = (0..6)
                .map(|i| x(p, &format!("x{i}")))
                .collect::<Result<_>>()?;
            -(0..4)
                .map(|i| {
                    let s: f64 = (0..6)
                        .map(|j| HARTMANN_A[i][j] * (xs[j] - HARTMANN_P[i][j]).powi(2))
                        .sum();
                    HARTMANN_ALPHA[i] * (-s).exp()
                })
                .sum::<f64>()
        }
        "sphere5" => (0..5)
            .map(|i| x(p, &format!("x{i}")).map(|v| v * v))
            .sum::<Result<f64>>()?,
        "mixed" => {
            let lr = x(p, "lr")?.log10();
            let units = x(p, "units")?;
            let opt = p.get("opt").and_then(Value::as_str).unwrap_or("");
            let base = (lr + 2.5).powi(2) + ((units - 96.0) / 64.0).powi(2);
            match opt {
                "adam" => base + 0.3,
                "rmsprop" => base + 0.6,
                _ => base + (x(p, "momentum")? - 0.9).powi(2) * 4.0,
            }
        }
        _ => return Err(Error::config(format!("unknown test function `{name}`"))),
    })
}

/// The known minimum of test function `name`.
pub fn optimum(name: &str) -> f64 {
    match name {
        "forrester" => -6.020_74,
        "branin" => 0.397_887,
        "hartmann6" => -3.322_37,
        _ => 0.0,
    }
}

/// Best value of one seeded in-memory study of `n_trials` on test function `name`.
pub fn best_of_study(name: &str, sampler: &str, n_trials: usize, seed: u64) -> Result<f64> {
    let space = space(name)?;
    let storage = Arc::new(MemoryStorage::new());
    let mut study = Study::open(
        storage,
        name,
        Direction::Minimize,
        &space,
        sampler_by_name(sampler)?,
    )?
    .with_seed(seed);
    study.optimize(n_trials, |t| {
        Ok(Outcome::Complete(evaluate(name, &t.params)?))
    })?;
    study
        .best_trial()?
        .and_then(|t| t.value)
        .ok_or_else(|| Error::input(format!("study on {name}: no complete trial")))
}
