//! Our samplers beside Optuna's on the same objectives, in the same command.
//!
//! Optuna runs in a Python process behind a line protocol (`core/bench/optuna_ask_tell.py`): it
//! proposes parameters (`ask`), deepfield evaluates the very same Rust objective and returns the
//! value (`tell`). So test functions and real models are scored by one implementation.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{sampler_by_name, Direction, MemoryStorage, Outcome, Params, Space, Study};
use crate::{Error, Result};

/// The bridge script, beside this crate's sources.
pub fn bridge_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/optuna_ask_tell.py")
}

/// A running Optuna study in a Python process.
pub struct OptunaProcess {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    _space_file: tempfile::NamedTempFile,
}

impl OptunaProcess {
    /// Start Optuna (`sampler`: `tpe` or `random`) on `space` with `seed`.
    pub fn start(
        python: &Path,
        space: &Space,
        seed: u64,
        direction: Direction,
        sampler: &str,
    ) -> Result<OptunaProcess> {
        let mut file = tempfile::NamedTempFile::new().map_err(|e| Error::io("tempfile", e))?;
        let text = serde_json::to_string(space)
            .map_err(|e| Error::config(format!("search space: {e}")))?;
        file.write_all(text.as_bytes())
            .map_err(|e| Error::io(file.path(), e))?;
        let dir = match direction {
            Direction::Minimize => "minimize",
            Direction::Maximize => "maximize",
        };
        let script = bridge_script();
        let mut child = Command::new(python)
            .arg(&script)
            .arg(file.path())
            .arg(seed.to_string())
            .arg(dir)
            .arg(sampler)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| Error::io(python, e))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Error::input(
                "optuna bridge: no pipes to the Python process",
            ));
        };
        Ok(OptunaProcess {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            _space_file: file,
        })
    }

    fn call(&mut self, msg: Value) -> Result<Value> {
        let script = bridge_script();
        writeln!(self.stdin, "{msg}").map_err(|e| Error::io(&script, e))?;
        self.stdin.flush().map_err(|e| Error::io(&script, e))?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| Error::io(&script, e))?;
        if line.trim().is_empty() {
            return Err(Error::input(format!(
                "optuna bridge {} ended without an answer (is Optuna 5.0 installed in the Python \
                 environment? `pip install --no-deps optuna==5.0.0`)",
                script.display()
            )));
        }
        serde_json::from_str(&line).map_err(|e| Error::Json {
            context: format!("optuna bridge answer `{}`", crate::error::clip(line.trim())),
            source: e,
        })
    }

    /// The next trial: (number, params).
    pub fn ask(&mut self) -> Result<(u64, Params)> {
        let v = self.call(json!({"op": "ask"}))?;
        let number = v["number"]
            .as_u64()
            .ok_or_else(|| Error::input(format!("optuna bridge: bad ask answer {v}")))?;
        let params: Params = serde_json::from_value(v["params"].clone())
            .map_err(|e| Error::input(format!("optuna bridge: bad params {v}: {e}")))?;
        Ok((number, params))
    }

    /// Close trial `number` with `value` (`None`: failed).
    pub fn tell(&mut self, number: u64, value: Option<f64>) -> Result<()> {
        self.call(json!({"op": "tell", "number": number, "value": value}))
            .map(|_| ())
    }
}

impl Drop for OptunaProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A sampler under comparison: one of ours, or Optuna's (`optuna-tpe`, `optuna-random`).
pub fn is_optuna(arm: &str) -> Option<&str> {
    arm.strip_prefix("optuna-")
}

/// The best value of `n_trials` of `objective` with `arm` and `seed`, and the value after each
/// trial (the running best).
pub fn run_arm(
    arm: &str,
    space: &Space,
    direction: Direction,
    n_trials: usize,
    seed: u64,
    python: Option<&Path>,
    objective: &mut dyn FnMut(&Params) -> Result<f64>,
) -> Result<Vec<f64>> {
    let mut curve = Vec::with_capacity(n_trials);
    let mut best: Option<f64> = None;
    let mut record = |v: f64, curve: &mut Vec<f64>| {
        best = Some(match best {
            Some(b) if !direction.better(v, b) => b,
            _ => v,
        });
        curve.push(best.unwrap_or(v));
    };
    if let Some(kind) = is_optuna(arm) {
        let python = python.ok_or_else(|| {
            Error::config("an Optuna arm needs the Python interpreter (DEEPFIELD_PYTHON)")
        })?;
        let mut p = OptunaProcess::start(python, space, seed, direction, kind)?;
        for _ in 0..n_trials {
            let (number, params) = p.ask()?;
            let v = objective(&params)?;
            p.tell(number, Some(v))?;
            record(v, &mut curve);
        }
    } else {
        let mut study = Study::open(
            Arc::new(MemoryStorage::new()),
            "compare",
            direction,
            space,
            sampler_by_name(arm)?,
        )?
        .with_seed(seed);
        let mut values = Vec::new();
        study.optimize(n_trials, |t| {
            let v = objective(&t.params)?;
            values.push(v);
            Ok(Outcome::Complete(v))
        })?;
        for v in values {
            record(v, &mut curve);
        }
    }
    Ok(curve)
}

/// One objective's row of the comparison table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CompareRow {
    pub objective: String,
    pub direction: Direction,
    pub trials: usize,
    pub seeds: usize,
    /// arm → best value per seed.
    pub best: Vec<(String, Vec<f64>)>,
}

impl CompareRow {
    pub fn mean(&self, arm: &str) -> Option<f64> {
        self.best
            .iter()
            .find(|(a, _)| a == arm)
            .map(|(_, v)| v.iter().sum::<f64>() / v.len().max(1) as f64)
    }

    pub fn std(&self, arm: &str) -> Option<f64> {
        let (_, v) = self.best.iter().find(|(a, _)| a == arm)?;
        let m = self.mean(arm)?;
        Some((v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len().max(1) as f64).sqrt())
    }
}

/// A Markdown table of mean ± std best values per arm.
pub fn markdown(rows: &[CompareRow]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let arms: Vec<&str> = first.best.iter().map(|(a, _)| a.as_str()).collect();
    let mut s = format!(
        "| objective | dir | trials × seeds | {} |\n|---|---|---|{}\n",
        arms.join(" | "),
        "---|".repeat(arms.len())
    );
    for r in rows {
        let cells: Vec<String> = arms
            .iter()
            .map(|a| match (r.mean(a), r.std(a)) {
                (Some(m), Some(sd)) => format!("{m:.4} ± {sd:.4}"),
                _ => "—".into(),
            })
            .collect();
        let dir = match r.direction {
            Direction::Minimize => "min",
            Direction::Maximize => "max",
        };
        s += &format!(
            "| {} | {dir} | {} × {} | {} |\n",
            r.objective,
            r.trials,
            r.seeds,
            cells.join(" | ")
        );
    }
    s
}
