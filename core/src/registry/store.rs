//! Records in and out of the tables: studies, runs, per-step metrics.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::environment;
use super::sql::{with_tx, Conn, Row, Sql};
use super::{parse_params, parse_state};
use crate::hpo::{Direction, Params, Space, Trial, TrialState};
use crate::{Error, Result};

/// A study: the trials of one hyper-parameter search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Study {
    pub id: i64,
    pub name: String,
    pub direction: Direction,
    pub space: Option<Space>,
    /// Unix seconds.
    pub created: f64,
}

/// What is known when a run starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    /// Who ran it: `repro:<id>`, `hpo`, `train`, …
    pub source: String,
    /// The model kind (`core.mlp`, `vision.lenet5`) or the reproduction id.
    pub kind: String,
    /// The full config.
    pub config: Value,
    pub dataset: Option<String>,
    pub split: Option<String>,
    pub seed: Option<u64>,
    /// The study this run is a trial of (its number is assigned on start).
    pub study: Option<i64>,
    /// A trial's sampled values.
    pub params: Option<Params>,
}

impl NewRun {
    /// A run of `kind` with `config` started by `source`.
    pub fn new(source: &str, kind: &str, config: Value) -> NewRun {
        NewRun {
            source: source.to_string(),
            kind: kind.to_string(),
            config,
            dataset: None,
            split: None,
            seed: None,
            study: None,
            params: None,
        }
    }
}

/// A started run: its id, and its trial number within a study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRef {
    pub id: i64,
    pub trial: Option<u64>,
}

/// What is known when a run ends.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Finish {
    pub state: Option<TrialState>,
    /// The objective (an HPO trial's value, or the run's headline metric).
    pub value: Option<f64>,
    /// Final metrics by name.
    pub metrics: BTreeMap<String, f64>,
    /// Where the trained model was saved.
    pub checkpoint: Option<String>,
    /// The run's final config, replacing the one recorded at the start (a reproduction knows
    /// its full config only once it has resolved it).
    pub config: Option<Value>,
}

impl Finish {
    /// A completed run with objective `value`.
    pub fn complete(value: Option<f64>) -> Finish {
        Finish {
            state: Some(TrialState::Complete),
            value,
            ..Finish::default()
        }
    }

    /// A run that ended in `state` (pruned, failed).
    pub fn ended(state: TrialState) -> Finish {
        Finish {
            state: Some(state),
            ..Finish::default()
        }
    }
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: i64,
    pub study: Option<String>,
    pub trial: Option<u64>,
    pub source: String,
    pub kind: String,
    pub config: Value,
    pub dataset: Option<String>,
    pub split: Option<String>,
    pub seed: Option<u64>,
    pub params: Option<Params>,
    pub state: TrialState,
    pub value: Option<f64>,
    pub metrics: BTreeMap<String, f64>,
    /// Unix seconds.
    pub started: f64,
    pub finished: Option<f64>,
    pub duration_s: Option<f64>,
    pub host: Option<String>,
    pub hardware: Option<Value>,
    pub code_version: Option<String>,
    pub checkpoint: Option<String>,
}

fn json_text(v: &impl Serialize, what: &str) -> Result<String> {
    serde_json::to_string(v).map_err(|source| Error::Json {
        context: format!("registry: {what}"),
        source,
    })
}

const STUDY_COLUMNS: &str = "id, name, direction, space, created";

fn study_of(row: &Row) -> Result<Study> {
    let name = row[1].as_text().unwrap_or("").to_string();
    let direction = match row[2].as_text() {
        Some("maximize") => Direction::Maximize,
        Some("minimize") => Direction::Minimize,
        other => {
            return Err(Error::input(format!(
                "registry: study `{name}` has an unknown direction {other:?}"
            )))
        }
    };
    let space = match row[3].as_text() {
        Some(t) => Some(serde_json::from_str(t).map_err(|source| Error::Json {
            context: format!("registry: study `{name}`'s search space"),
            source,
        })?),
        None => None,
    };
    Ok(Study {
        id: row[0].as_int().unwrap_or(0),
        name,
        direction,
        space,
        created: row[4].as_real().unwrap_or(0.0),
    })
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Minimize => "minimize",
        Direction::Maximize => "maximize",
    }
}

pub(super) fn create_study(
    conn: &mut dyn Conn,
    name: &str,
    direction: Direction,
    space: Option<&Space>,
) -> Result<Study> {
    if name.trim().is_empty() {
        return Err(Error::config("registry: a study needs a name"));
    }
    let space_text = space.map(|s| json_text(s, "search space")).transpose()?;
    with_tx(conn, |tx| {
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies WHERE name = ?");
        if let Some(row) = tx.query(&sql, &[Sql::text(name)])?.first() {
            let study = study_of(row)?;
            if study.direction != direction {
                return Err(Error::config(format!(
                    "registry: study `{name}` exists and {}s; it cannot now {}",
                    direction_name(study.direction),
                    direction_name(direction)
                )));
            }
            return Ok(study);
        }
        tx.execute(
            "INSERT INTO studies (name, direction, space, created) VALUES (?, ?, ?, ?)",
            &[
                Sql::text(name),
                Sql::text(direction_name(direction)),
                Sql::Text(space_text.clone()),
                Sql::Real(Some(environment::now())),
            ],
        )?;
        let row = tx.query(&sql, &[Sql::text(name)])?;
        row.first()
            .map(study_of)
            .unwrap_or_else(|| Err(Error::input("registry: the new study vanished")))
    })
}

pub(super) fn study(conn: &mut dyn Conn, name: &str) -> Result<Option<Study>> {
    with_tx(conn, |tx| {
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies WHERE name = ?");
        tx.query(&sql, &[Sql::text(name)])?
            .first()
            .map(study_of)
            .transpose()
    })
}

pub(super) fn studies(conn: &mut dyn Conn) -> Result<Vec<Study>> {
    with_tx(conn, |tx| {
        let sql = format!("SELECT {STUDY_COLUMNS} FROM studies ORDER BY id");
        tx.query(&sql, &[])?.iter().map(study_of).collect()
    })
}

pub(super) fn start_run(conn: &mut dyn Conn, run: &NewRun) -> Result<RunRef> {
    let config = json_text(&run.config, "run config")?;
    let params = run
        .params
        .as_ref()
        .map(|p| json_text(p, "trial params"))
        .transpose()?;
    let env = environment::Environment::now();
    let hardware = json_text(&env.hardware, "hardware")?;
    with_tx(conn, |tx| {
        let trial = match run.study {
            Some(study) => {
                // The UPDATE takes the study row's write lock, so concurrent workers get
                // consecutive numbers and never the same one.
                let rows = tx.query(
                    "UPDATE studies SET next_trial = next_trial + 1 WHERE id = ? RETURNING next_trial - 1",
                    &[Sql::int(study)],
                )?;
                let n = rows
                    .first()
                    .and_then(|r| r[0].as_int())
                    .ok_or_else(|| Error::input(format!("registry: no study with id {study}")))?;
                Some(n as u64)
            }
            None => None,
        };
        let rows = tx.query(
            "INSERT INTO runs (study_id, trial, source, kind, config, dataset, split, seed, params,
                               state, started, host, hardware, code_version)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?) RETURNING id",
            &[
                Sql::Int(run.study),
                Sql::Int(trial.map(|t| t as i64)),
                Sql::text(run.source.as_str()),
                Sql::text(run.kind.as_str()),
                Sql::text(config.as_str()),
                Sql::Text(run.dataset.clone()),
                Sql::Text(run.split.clone()),
                Sql::Int(run.seed.map(|s| s as i64)),
                Sql::Text(params.clone()),
                Sql::Real(Some(env.time)),
                Sql::Text(Some(env.host.clone())),
                Sql::Text(Some(hardware.clone())),
                Sql::Text(Some(env.code_version.clone())),
            ],
        )?;
        let id = rows
            .first()
            .and_then(|r| r[0].as_int())
            .ok_or_else(|| Error::input("registry: the new run has no id"))?;
        Ok(RunRef { id, trial })
    })
}

pub(super) fn log_metrics(
    conn: &mut dyn Conn,
    run: i64,
    step: u64,
    values: &[(String, f64)],
) -> Result<()> {
    if let Some((name, v)) = values.iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::input(format!(
            "registry: metric `{name}` of run {run} at step {step} is not finite ({v})"
        )));
    }
    with_tx(conn, |tx| {
        for (name, value) in values {
            tx.execute(
                "DELETE FROM metrics WHERE run_id = ? AND name = ? AND step = ?",
                &[
                    Sql::int(run),
                    Sql::text(name.as_str()),
                    Sql::int(step as i64),
                ],
            )?;
            tx.execute(
                "INSERT INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)",
                &[
                    Sql::int(run),
                    Sql::int(step as i64),
                    Sql::text(name.as_str()),
                    Sql::Real(Some(*value)),
                ],
            )?;
        }
        Ok(())
    })
}

pub(super) fn finish_run(conn: &mut dyn Conn, run: i64, finish: &Finish) -> Result<()> {
    let metrics: BTreeMap<&String, &f64> = finish
        .metrics
        .iter()
        .filter(|(_, v)| v.is_finite())
        .collect();
    let metrics = json_text(&metrics, "final metrics")?;
    let state = finish.state.unwrap_or(TrialState::Complete);
    let now = environment::now();
    let value = finish.value.filter(|v| v.is_finite());
    let config = finish
        .config
        .as_ref()
        .map(|c| json_text(c, "run config"))
        .transpose()?;
    with_tx(conn, |tx| {
        let n = tx.execute(
            "UPDATE runs SET state = ?, value = ?, metrics = ?, finished = ?, duration_s = ? - started,
                             checkpoint = COALESCE(?, checkpoint), config = COALESCE(?, config)
             WHERE id = ?",
            &[
                Sql::text(state.as_str()),
                Sql::Real(value),
                Sql::text(metrics.as_str()),
                Sql::Real(Some(now)),
                Sql::Real(Some(now)),
                Sql::Text(finish.checkpoint.clone()),
                Sql::Text(config.clone()),
                Sql::int(run),
            ],
        )?;
        if n == 0 {
            return Err(Error::input(format!("registry: no run {run} to finish")));
        }
        Ok(())
    })
}

pub(super) const RUN_COLUMNS: &str =
    "r.id, s.name, r.trial, r.source, r.kind, r.config, r.dataset, r.split, r.seed,
     r.params, r.state, r.value, r.metrics, r.started, r.finished, r.duration_s, r.host, r.hardware,
     r.code_version, r.checkpoint";

pub(super) fn run_of(row: &Row) -> Result<Run> {
    let id = row[0].as_int().unwrap_or(0);
    let json = |i: usize, what: &str| -> Result<Option<Value>> {
        row[i]
            .as_text()
            .map(|t| {
                serde_json::from_str(t).map_err(|source| Error::Json {
                    context: format!("registry: run {id}'s {what}"),
                    source,
                })
            })
            .transpose()
    };
    let metrics = match json(12, "metrics")? {
        Some(Value::Object(m)) => m
            .into_iter()
            .filter_map(|(k, v)| v.as_f64().map(|x| (k, x)))
            .collect(),
        _ => BTreeMap::new(),
    };
    Ok(Run {
        id,
        study: row[1].as_text().map(str::to_string),
        trial: row[2].as_int().map(|t| t as u64),
        source: row[3].as_text().unwrap_or("").to_string(),
        kind: row[4].as_text().unwrap_or("").to_string(),
        config: json(5, "config")?.unwrap_or(Value::Null),
        dataset: row[6].as_text().map(str::to_string),
        split: row[7].as_text().map(str::to_string),
        seed: row[8].as_int().map(|s| s as u64),
        params: parse_params(row[9].as_text()),
        state: parse_state(row[10].as_text()),
        value: row[11].as_real(),
        metrics,
        started: row[13].as_real().unwrap_or(0.0),
        finished: row[14].as_real(),
        duration_s: row[15].as_real(),
        host: row[16].as_text().map(str::to_string),
        hardware: json(17, "hardware")?,
        code_version: row[18].as_text().map(str::to_string),
        checkpoint: row[19].as_text().map(str::to_string),
    })
}

pub(super) fn run(conn: &mut dyn Conn, id: i64) -> Result<Option<Run>> {
    with_tx(conn, |tx| {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs r LEFT JOIN studies s ON s.id = r.study_id WHERE r.id = ?"
        );
        tx.query(&sql, &[Sql::int(id)])?
            .first()
            .map(run_of)
            .transpose()
    })
}

pub(super) fn metrics(conn: &mut dyn Conn, run: i64) -> Result<Vec<(u64, String, f64)>> {
    with_tx(conn, |tx| {
        let rows = tx.query(
            "SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY name, step",
            &[Sql::int(run)],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r[0].as_int().unwrap_or(0) as u64,
                    r[1].as_text().unwrap_or("").to_string(),
                    r[2].as_real().unwrap_or(f64::NAN),
                )
            })
            .collect())
    })
}

pub(super) fn trials(conn: &mut dyn Conn, study: &Study, intermediate: &str) -> Result<Vec<Trial>> {
    with_tx(conn, |tx| {
        let rows = tx.query(
            "SELECT id, trial, params, state, value FROM runs WHERE study_id = ? ORDER BY trial",
            &[Sql::int(study.id)],
        )?;
        let steps = tx.query(
            "SELECT m.run_id, m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id
             WHERE r.study_id = ? AND m.name = ? ORDER BY m.run_id, m.step",
            &[Sql::int(study.id), Sql::text(intermediate)],
        )?;
        let mut by_run: BTreeMap<i64, Vec<(u64, f64)>> = BTreeMap::new();
        for s in &steps {
            if let (Some(run), Some(step), Some(v)) = (s[0].as_int(), s[1].as_int(), s[2].as_real())
            {
                by_run.entry(run).or_default().push((step as u64, v));
            }
        }
        Ok(rows
            .iter()
            .map(|r| {
                let id = r[0].as_int().unwrap_or(0);
                Trial {
                    number: r[1].as_int().unwrap_or(0) as u64,
                    params: parse_params(r[2].as_text()).unwrap_or_default(),
                    state: parse_state(r[3].as_text()),
                    value: r[4].as_real(),
                    intermediate: by_run.remove(&id).unwrap_or_default(),
                }
            })
            .collect())
    })
}
