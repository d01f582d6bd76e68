//! The run registry: every training run, reproduction and HPO trial, in one queryable store.
//!
//! A run records its model kind and full config, data set and split, seed, metrics per epoch
//! and at the end, duration, hardware, code version and checkpoint location. The store is an
//! embedded SQLite file by default and a PostgreSQL database when given a `postgres://` URL —
//! the same schema and migrations on both — so worker processes on many machines can share one
//! study the way Optuna's RDB storage does: trial numbers are assigned inside a locking
//! transaction and never repeat or get lost.
//!
//! ```no_run
//! # fn main() -> deepfield_core::Result<()> {
//! use deepfield_core::registry::{Filter, Finish, NewRun, Registry};
//! let mut reg = Registry::open("results/registry.sqlite")?;
//! let run = reg.start_run(&NewRun::new("train", "core.mlp", serde_json::json!({"hidden": [16]})))?;
//! reg.log_metric(run.id, 1, "val_loss", 0.25)?;
//! reg.finish_run(run.id, &Finish::complete(Some(0.25)))?;
//! let best = reg.best(&Filter::default(), "val_loss", deepfield_core::hpo::Direction::Minimize)?;
//! # let _ = best; Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::hpo::{Direction, Params, Space, Trial, TrialState};
use crate::{Error, Result};

pub mod active;
#[cfg(feature = "cli")]
pub mod cli;
pub mod environment;
pub mod export;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod query;
pub mod schema;
pub mod sql;
pub mod sqlite;
mod store;
pub mod zoo;

pub use query::Filter;
pub use store::{Finish, NewRun, Run, RunRef, Study};

use sql::Conn;

/// Where the registry is when nothing says otherwise: `$DEEPFIELD_REGISTRY`, else
/// `results/registry.sqlite`.
pub fn default_location() -> String {
    std::env::var("DEEPFIELD_REGISTRY")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "results/registry.sqlite".to_string())
}

/// A connection to a registry.
pub struct Registry {
    conn: Box<dyn Conn>,
}

/// How `location` names a storage: a PostgreSQL URL, `sqlite://PATH`, or a file path.
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// Read a `--storage`/`--registry` argument.
    pub fn parse(location: &str) -> Result<Location> {
        let l = location.trim();
        if l.is_empty() {
            return Err(Error::config("registry: an empty storage location"));
        }
        if l.starts_with("postgres://") || l.starts_with("postgresql://") {
            return Ok(Location::Postgres(l.to_string()));
        }
        if let Some(path) = l.strip_prefix("sqlite://") {
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = l.split_once("://") {
            return Err(Error::config(format!(
                "registry: unknown storage `{scheme}://` (use a file path, sqlite://PATH or postgres://…)"
            )));
        }
        Ok(Location::Sqlite(PathBuf::from(l)))
    }
}

impl Registry {
    /// Open the registry at `location` (a SQLite file path, `sqlite://PATH`, or
    /// `postgres://user:pass@host/db`), creating or migrating its tables.
    pub fn open(location: &str) -> Result<Registry> {
        let conn: Box<dyn Conn> = match Location::parse(location)? {
            Location::Sqlite(path) => Box::new(sqlite::SqliteConn::open(&path)?),
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => Box::new(postgres::PostgresConn::open(&url)?),
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(url) => {
                return Err(Error::config(format!(
                    "registry {}: this build has no PostgreSQL support (enable deepfield-core's `postgres` feature)",
                    url.split('@').next_back().unwrap_or("")
                )))
            }
        };
        Registry::from_conn(conn)
    }

    /// A registry over an open connection (migrated first).
    pub fn from_conn(mut conn: Box<dyn Conn>) -> Result<Registry> {
        schema::migrate(conn.as_mut())?;
        Ok(Registry { conn })
    }

    /// Where this registry lives (password hidden).
    pub fn describe(&self) -> String {
        self.conn.describe()
    }

    /// The study called `name`, created with `direction` and `space` when missing. An
    /// existing study with another direction is an error (a study optimises one objective).
    pub fn create_study(
        &mut self,
        name: &str,
        direction: Direction,
        space: Option<&Space>,
    ) -> Result<Study> {
        store::create_study(self.conn.as_mut(), name, direction, space)
    }

    /// The study called `name`, if any.
    pub fn study(&mut self, name: &str) -> Result<Option<Study>> {
        store::study(self.conn.as_mut(), name)
    }

    /// Every study, oldest first.
    pub fn studies(&mut self) -> Result<Vec<Study>> {
        store::studies(self.conn.as_mut())
    }

    /// Record the start of a run (a study's trial gets the next number atomically).
    pub fn start_run(&mut self, run: &NewRun) -> Result<RunRef> {
        store::start_run(self.conn.as_mut(), run)
    }

    /// Record one metric value at `step` (an epoch, or a trial's resource); a repeated
    /// `(step, name)` replaces the earlier value.
    pub fn log_metric(&mut self, run: i64, step: u64, name: &str, value: f64) -> Result<()> {
        store::log_metrics(self.conn.as_mut(), run, step, &[(name.to_string(), value)])
    }

    /// Record several metrics of one step in one transaction.
    pub fn log_metrics(&mut self, run: i64, step: u64, values: &[(String, f64)]) -> Result<()> {
        store::log_metrics(self.conn.as_mut(), run, step, values)
    }

    /// Record the end of a run.
    pub fn finish_run(&mut self, run: i64, finish: &Finish) -> Result<()> {
        store::finish_run(self.conn.as_mut(), run, finish)
    }

    /// One run by id.
    pub fn run(&mut self, id: i64) -> Result<Run> {
        store::run(self.conn.as_mut(), id)?
            .ok_or_else(|| Error::input(format!("registry {}: no run {id}", self.describe())))
    }

    /// The runs `filter` selects, oldest first.
    pub fn runs(&mut self, filter: &Filter) -> Result<Vec<Run>> {
        query::runs(self.conn.as_mut(), filter)
    }

    /// A run's per-step metrics as `(step, name, value)`, by name then step.
    pub fn metrics(&mut self, run: i64) -> Result<Vec<(u64, String, f64)>> {
        store::metrics(self.conn.as_mut(), run)
    }

    /// The run among `filter`'s with the best final `metric` (`value` is the objective).
    pub fn best(
        &mut self,
        filter: &Filter,
        metric: &str,
        direction: Direction,
    ) -> Result<Option<Run>> {
        let runs = self.runs(filter)?;
        Ok(runs
            .into_iter()
            .filter_map(|r| r.metric(metric).map(|v| (v, r)))
            .filter(|(v, _)| v.is_finite())
            .reduce(|a, b| if direction.better(b.0, a.0) { b } else { a })
            .map(|(_, r)| r))
    }

    /// A study's trials as samplers see them; `intermediate` names the per-step metric that
    /// holds reported intermediate values.
    pub fn trials(&mut self, study: &Study, intermediate: &str) -> Result<Vec<Trial>> {
        store::trials(self.conn.as_mut(), study, intermediate)
    }
}

impl Run {
    /// A final metric by name (`value` is the objective of a trial).
    pub fn metric(&self, name: &str) -> Option<f64> {
        if name == "value" {
            return self.value;
        }
        self.metrics.get(name).copied()
    }

    /// A config field by dotted path (`train.lr`), or a trial parameter of that name.
    pub fn config_field(&self, path: &str) -> Option<&Value> {
        if let Some(v) = self.params.as_ref().and_then(|p| p.get(path)) {
            return Some(v);
        }
        let mut here = &self.config;
        for key in path.split('.') {
            here = match here {
                Value::Object(m) => m.get(key)?,
                Value::Array(a) => a.get(key.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(here)
    }
}

/// The final metrics of a `metrics.json`-like value: every finite number, by dotted path.
pub fn numeric_leaves(value: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    fn walk(v: &Value, path: &str, out: &mut BTreeMap<String, f64>) {
        match v {
            Value::Number(n) => {
                if let Some(x) = n.as_f64().filter(|x| x.is_finite()) {
                    out.insert(path.to_string(), x);
                }
            }
            Value::Object(m) => {
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(v, &p, out);
                }
            }
            _ => {}
        }
    }
    walk(value, "", &mut out);
    out
}

/// The registry file beside a results folder: `<out>/../registry.sqlite` (so
/// `results/<id>` records into `results/registry.sqlite`), unless `$DEEPFIELD_REGISTRY` is set.
pub fn location_for(out: &Path) -> String {
    if let Some(l) = std::env::var("DEEPFIELD_REGISTRY")
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        return l;
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join("registry.sqlite").display().to_string()
}

/// Parse a stored params column.
fn parse_params(text: Option<&str>) -> Option<Params> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

/// The stored state name of a run.
fn parse_state(text: Option<&str>) -> TrialState {
    text.and_then(TrialState::parse)
        .unwrap_or(TrialState::Failed)
}
