//! Where studies keep their trials: a small trait, an in-memory implementation (one process,
//! any number of threads) and, in [`super::registry_storage`], one over the run registry (SQLite or
//! PostgreSQL, many processes).

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Direction, Params, Space, Trial, TrialState};
use crate::{Error, Result};

/// What a trial's objective records beside its value: final metrics and where its trained model
/// was saved (kept by the registry storage; the memory storage ignores them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrialExtra {
    pub metrics: BTreeMap<String, f64>,
    pub checkpoint: Option<String>,
}

/// A stored study's identity and settings.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyInfo {
    pub id: i64,
    pub name: String,
    pub direction: Direction,
    pub space: Space,
}

/// Trial storage shared by every worker of a study. Trial numbers are assigned by the storage,
/// atomically, so they are unique across workers.
pub trait Storage: Send + Sync {
    /// The study called `name`, created with `direction` and `space` when it does not exist; an
    /// existing study must have the same direction and space (resume), else it is an error.
    fn open_study(&self, name: &str, direction: Direction, space: &Space) -> Result<StudyInfo>;

    /// A new running trial with `params`; returns its storage id and its number in the study.
    fn create_trial(&self, study: &StudyInfo, params: &Params) -> Result<(i64, u64)>;

    /// Record the intermediate objective value at `step`.
    fn report(&self, trial: i64, step: u64, value: f64) -> Result<()>;

    /// Close a trial (`extra`: what the objective recorded beside the value).
    fn finish(
        &self,
        trial: i64,
        state: TrialState,
        value: Option<f64>,
        extra: &TrialExtra,
    ) -> Result<()>;

    /// Every trial of the study, in number order.
    fn trials(&self, study: &StudyInfo) -> Result<Vec<Trial>>;

    /// Names of the stored studies.
    fn study_names(&self) -> Result<Vec<String>>;
}

#[derive(Default)]
struct Mem {
    studies: Vec<StudyInfo>,
    /// trial id → (study id, trial)
    trials: BTreeMap<i64, (i64, Trial)>,
}

/// Trials in memory (tests, single-process searches).
#[derive(Default)]
pub struct MemoryStorage {
    inner: Mutex<Mem>,
}

impl MemoryStorage {
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Mem>> {
        self.inner
            .lock()
            .map_err(|_| Error::input("hpo memory storage: a worker panicked while writing"))
    }
}

/// The error for a study reopened with other settings.
pub(crate) fn check_same(stored: &StudyInfo, direction: Direction, space: &Space) -> Result<()> {
    if stored.direction != direction {
        return Err(Error::config(format!(
            "study `{}` exists with direction {:?}, asked for {direction:?}",
            stored.name, stored.direction
        )));
    }
    if &stored.space != space {
        return Err(Error::config(format!(
            "study `{}` exists with another search space; use a new study name or the same space",
            stored.name
        )));
    }
    Ok(())
}

impl Storage for MemoryStorage {
    fn open_study(&self, name: &str, direction: Direction, space: &Space) -> Result<StudyInfo> {
        let mut m = self.lock()?;
        if let Some(s) = m.studies.iter().find(|s| s.name == name) {
            check_same(s, direction, space)?;
            return Ok(s.clone());
        }
        let info = StudyInfo {
            id: m.studies.len() as i64 + 1,
            name: name.to_string(),
            direction,
            space: space.clone(),
        };
        m.studies.push(info.clone());
        Ok(info)
    }

    fn create_trial(&self, study: &StudyInfo, params: &Params) -> Result<(i64, u64)> {
        let mut m = self.lock()?;
        let number = m.trials.values().filter(|(s, _)| *s == study.id).count() as u64;
        let id = m.trials.len() as i64 + 1;
        let trial = Trial {
            number,
            params: params.clone(),
            state: TrialState::Running,
            value: None,
            intermediate: Vec::new(),
        };
        m.trials.insert(id, (study.id, trial));
        Ok((id, number))
    }

    fn report(&self, trial: i64, step: u64, value: f64) -> Result<()> {
        let mut m = self.lock()?;
        let (_, t) = m
            .trials
            .get_mut(&trial)
            .ok_or_else(|| Error::input(format!("hpo storage: no trial {trial}")))?;
        match t.intermediate.iter_mut().find(|(s, _)| *s == step) {
            Some(p) => p.1 = value,
            None => {
                t.intermediate.push((step, value));
                t.intermediate.sort_by_key(|p| p.0);
            }
        }
        Ok(())
    }

    fn finish(
        &self,
        trial: i64,
        state: TrialState,
        value: Option<f64>,
        _extra: &TrialExtra,
    ) -> Result<()> {
        let mut m = self.lock()?;
        let (_, t) = m
            .trials
            .get_mut(&trial)
            .ok_or_else(|| Error::input(format!("hpo storage: no trial {trial}")))?;
        t.state = state;
        t.value = value;
        Ok(())
    }

    fn trials(&self, study: &StudyInfo) -> Result<Vec<Trial>> {
        let m = self.lock()?;
        let mut out: Vec<Trial> = m
            .trials
            .values()
            .filter(|(s, _)| *s == study.id)
            .map(|(_, t)| t.clone())
            .collect();
        out.sort_by_key(|t| t.number);
        Ok(out)
    }

    fn study_names(&self) -> Result<Vec<String>> {
        Ok(self
            .lock()?
            .studies
            .iter()
            .map(|s| s.name.clone())
            .collect())
    }
}

/// The storage a URL names: `memory` (this process only); registry URLs (a SQLite path,
/// `sqlite://…`, `postgres://…`) go through [`crate::registry`].
pub fn open_storage(url: &str) -> Result<std::sync::Arc<dyn Storage>> {
    if url == "memory" || url == "memory://" {
        return Ok(std::sync::Arc::new(MemoryStorage::new()));
    }
    #[cfg(feature = "registry")]
    {
        Ok(std::sync::Arc::new(
            super::registry_storage::RegistryStorage::open(url)?,
        ))
    }
    #[cfg(not(feature = "registry"))]
    Err(Error::config(format!(
        "hpo storage `{url}`: only `memory` is available in this build (enable the `registry` feature)"
    )))
}
