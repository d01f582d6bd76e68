//! The study storage over the run registry ([`crate::registry`]): a study is a registry study, a
//! trial a registry run with its sampled params (numbered atomically by the registry), an
//! intermediate value the per-step metric `objective`, and a trial's end its run's final state,
//! value, metrics and checkpoint. SQLite files and PostgreSQL URLs work alike, so worker processes
//! on one machine or many share one study.

use std::sync::Mutex;

use serde_json::Value;

use super::storage::{check_same, Storage, StudyInfo, TrialExtra};
use super::{Direction, Params, Space, Trial, TrialState};
use crate::registry::{Finish, NewRun, Registry};
use crate::{Error, Result};

/// The per-step metric that holds a trial's reported intermediate values.
pub const INTERMEDIATE: &str = "objective";

/// A study storage in a registry.
pub struct RegistryStorage {
    reg: Mutex<Registry>,
    kind: String,
    dataset: Option<String>,
}

impl RegistryStorage {
    /// The registry at `location` (a SQLite path, `sqlite://…` or `postgres://…`).
    pub fn open(location: &str) -> Result<RegistryStorage> {
        Ok(RegistryStorage {
            reg: Mutex::new(Registry::open(location)?),
            kind: "hpo".into(),
            dataset: None,
        })
    }

    /// Record trials as runs of model `kind` on `dataset`.
    pub fn with_run_info(mut self, kind: &str, dataset: Option<&str>) -> RegistryStorage {
        self.kind = kind.to_string();
        self.dataset = dataset.map(str::to_string);
        self
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Registry>> {
        self.reg
            .lock()
            .map_err(|_| Error::input("hpo registry storage: a worker panicked while writing"))
    }
}

impl Storage for RegistryStorage {
    fn open_study(&self, name: &str, direction: Direction, space: &Space) -> Result<StudyInfo> {
        let mut reg = self.lock()?;
        let s = reg.create_study(name, direction, Some(space))?;
        let info = StudyInfo {
            id: s.id,
            name: s.name.clone(),
            direction: s.direction,
            space: s.space.clone().unwrap_or_else(|| space.clone()),
        };
        check_same(&info, direction, space)?;
        Ok(info)
    }

    fn create_trial(&self, study: &StudyInfo, params: &Params) -> Result<(i64, u64)> {
        let mut reg = self.lock()?;
        let mut run = NewRun::new(
            "hpo",
            &self.kind,
            Value::Object(params.clone().into_iter().collect()),
        );
        run.study = Some(study.id);
        run.params = Some(params.clone());
        run.dataset = self.dataset.clone();
        let r = reg.start_run(&run)?;
        let number = r.trial.ok_or_else(|| {
            Error::input(format!(
                "registry {}: run {} of study `{}` got no trial number",
                reg.describe(),
                r.id,
                study.name
            ))
        })?;
        Ok((r.id, number))
    }

    fn report(&self, trial: i64, step: u64, value: f64) -> Result<()> {
        self.lock()?.log_metric(trial, step, INTERMEDIATE, value)
    }

    fn finish(
        &self,
        trial: i64,
        state: TrialState,
        value: Option<f64>,
        extra: &TrialExtra,
    ) -> Result<()> {
        let finish = Finish {
            state: Some(state),
            value,
            metrics: extra.metrics.clone(),
            checkpoint: extra.checkpoint.clone(),
            config: None,
        };
        self.lock()?.finish_run(trial, &finish)
    }

    fn trials(&self, study: &StudyInfo) -> Result<Vec<Trial>> {
        let mut reg = self.lock()?;
        let Some(s) = reg.study(&study.name)? else {
            return Err(Error::input(format!(
                "registry {}: no study `{}`",
                reg.describe(),
                study.name
            )));
        };
        let mut trials = reg.trials(&s, INTERMEDIATE)?;
        trials.sort_by_key(|t| t.number);
        Ok(trials)
    }

    fn study_names(&self) -> Result<Vec<String>> {
        Ok(self
            .lock()?
            .studies()?
            .into_iter()
            .map(|s| s.name)
            .collect())
    }
}
