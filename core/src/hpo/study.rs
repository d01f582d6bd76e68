//! A study: a named search over one space with one direction, its trials kept in a [`Storage`].
//!
//! `ask` reads the stored history, lets the sampler propose values and stores a running trial (the
//! storage numbers it); the objective reports intermediate values and asks `should_prune`; `tell`
//! closes the trial. Reopening a study by name continues its numbering and samples from its stored
//! history (resume). The sampler's generator for a trial is seeded from the study seed, the worker
//! index and the number of trials already stored, so a seeded one-worker study is reproducible and
//! a resumed study draws what an uninterrupted one would have drawn.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::pruners::Pruner;
use super::storage::{Storage, StudyInfo, TrialExtra};
use super::{Direction, Params, Sampler, Space, Trial, TrialState};
use crate::rng::Rng;
use crate::{Error, Result};

/// How a trial ended, as the objective says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Complete(f64),
    /// Stopped early because [`TrialCtx::should_prune`] said so.
    Pruned,
}

impl From<f64> for Outcome {
    fn from(v: f64) -> Outcome {
        Outcome::Complete(v)
    }
}

/// A running trial as the objective sees it.
pub struct TrialCtx {
    storage: Arc<dyn Storage>,
    pruner: Option<Arc<dyn Pruner>>,
    study: StudyInfo,
    /// The storage's id of this trial (a registry run id with the registry storage).
    pub id: i64,
    pub number: u64,
    pub params: Params,
    /// Final metrics and checkpoint the objective records (stored when the trial closes).
    pub extra: TrialExtra,
    intermediate: Vec<(u64, f64)>,
}

impl TrialCtx {
    /// A trial outside any stored study (an objective evaluated for a foreign sampler, e.g. Optuna
    /// in the comparison): reports are kept in memory and it is never pruned.
    pub fn detached(params: Params) -> Result<TrialCtx> {
        let storage: Arc<dyn Storage> = Arc::new(super::MemoryStorage::new());
        let study = storage.open_study("detached", Direction::Minimize, &Space::default())?;
        let (id, number) = storage.create_trial(&study, &params)?;
        Ok(TrialCtx {
            storage,
            pruner: None,
            study,
            id,
            number,
            params,
            extra: TrialExtra::default(),
            intermediate: Vec::new(),
        })
    }

    /// Record the objective's value after `step` (an epoch).
    pub fn report(&mut self, step: u64, value: f64) -> Result<()> {
        self.storage.report(self.id, step, value)?;
        match self.intermediate.iter_mut().find(|p| p.0 == step) {
            Some(p) => p.1 = value,
            None => self.intermediate.push((step, value)),
        }
        Ok(())
    }

    /// Whether the pruner says to stop now (never without a pruner).
    pub fn should_prune(&self) -> Result<bool> {
        let Some(p) = &self.pruner else {
            return Ok(false);
        };
        let history = self.storage.trials(&self.study)?;
        Ok(p.prune(&self.snapshot(), &history, self.study.direction))
    }

    /// This trial as samplers and pruners see it.
    pub fn snapshot(&self) -> Trial {
        let mut intermediate = self.intermediate.clone();
        intermediate.sort_by_key(|p| p.0);
        Trial {
            number: self.number,
            params: self.params.clone(),
            state: TrialState::Running,
            value: None,
            intermediate,
        }
    }

    /// The last reported intermediate value (what a pruned trial ends with).
    pub fn last_value(&self) -> Option<f64> {
        self.intermediate.iter().max_by_key(|p| p.0).map(|p| p.1)
    }
}

/// A study handle (one per worker).
pub struct Study {
    storage: Arc<dyn Storage>,
    info: StudyInfo,
    sampler: Box<dyn Sampler>,
    pruner: Option<Arc<dyn Pruner>>,
    seed: u64,
    worker: u64,
}

impl Study {
    /// Create the study `name` in `storage`, or load it (same direction and space) to resume.
    pub fn open(
        storage: Arc<dyn Storage>,
        name: &str,
        direction: Direction,
        space: &Space,
        sampler: Box<dyn Sampler>,
    ) -> Result<Study> {
        space.validate()?;
        let info = storage.open_study(name, direction, space)?;
        Ok(Study {
            storage,
            info,
            sampler,
            pruner: None,
            seed: 0,
            worker: 0,
        })
    }

    pub fn with_pruner(mut self, pruner: Option<Arc<dyn Pruner>>) -> Study {
        self.pruner = pruner;
        self
    }

    pub fn with_seed(mut self, seed: u64) -> Study {
        self.seed = seed;
        self
    }

    /// The worker index (mixed into the seed so parallel workers draw different values).
    pub fn with_worker(mut self, worker: u64) -> Study {
        self.worker = worker;
        self
    }

    pub fn info(&self) -> &StudyInfo {
        &self.info
    }

    pub fn sampler_name(&self) -> &str {
        self.sampler.name()
    }

    /// Every stored trial, in number order.
    pub fn trials(&self) -> Result<Vec<Trial>> {
        self.storage.trials(&self.info)
    }

    /// The best complete trial.
    pub fn best_trial(&self) -> Result<Option<Trial>> {
        Ok(best_of(&self.trials()?, self.info.direction))
    }

    /// A new trial with the sampler's proposal.
    pub fn ask(&mut self) -> Result<TrialCtx> {
        let history = self.storage.trials(&self.info)?;
        let mut rng = Rng::new(
            self.seed
                ^ (history.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ self.worker.wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        let params =
            self.sampler
                .sample(&self.info.space, &history, self.info.direction, &mut rng)?;
        let (id, number) = self.storage.create_trial(&self.info, &params)?;
        Ok(TrialCtx {
            storage: self.storage.clone(),
            pruner: self.pruner.clone(),
            study: self.info.clone(),
            id,
            number,
            params,
            extra: TrialExtra::default(),
            intermediate: Vec::new(),
        })
    }

    /// Close `trial` with the objective's result (an error marks it failed).
    pub fn tell(&self, trial: &TrialCtx, outcome: &Result<Outcome>) -> Result<()> {
        match outcome {
            Ok(Outcome::Complete(v)) if v.is_finite() => {
                self.storage
                    .finish(trial.id, TrialState::Complete, Some(*v), &trial.extra)
            }
            Ok(Outcome::Complete(_)) | Err(_) => {
                self.storage
                    .finish(trial.id, TrialState::Failed, None, &trial.extra)
            }
            Ok(Outcome::Pruned) => self.storage.finish(
                trial.id,
                TrialState::Pruned,
                trial.last_value(),
                &trial.extra,
            ),
        }
    }

    /// Run `n_trials` more trials of `objective`; an objective error marks its trial failed and
    /// stops the search with that error.
    pub fn optimize(
        &mut self,
        n_trials: usize,
        mut objective: impl FnMut(&mut TrialCtx) -> Result<Outcome>,
    ) -> Result<()> {
        for _ in 0..n_trials {
            self.run_one(&mut objective)?;
        }
        Ok(())
    }

    fn run_one(
        &mut self,
        objective: &mut impl FnMut(&mut TrialCtx) -> Result<Outcome>,
    ) -> Result<()> {
        let mut ctx = self.ask()?;
        let out = objective(&mut ctx);
        self.tell(&ctx, &out)?;
        out.map(|_| ())
    }

    /// [`optimize`](Self::optimize) over a serde config: each trial's values are written into
    /// `base` at their paths ([`Space::apply`]); a path `base` lacks is an error before any trial.
    pub fn optimize_config<T: Serialize + DeserializeOwned>(
        &mut self,
        n_trials: usize,
        base: &T,
        mut objective: impl FnMut(T, &mut TrialCtx) -> Result<Outcome>,
    ) -> Result<()> {
        self.info.space.check_paths(base)?;
        let space = self.info.space.clone();
        self.optimize(n_trials, |ctx| {
            let config = space.apply(base, &ctx.params)?;
            objective(config, ctx)
        })
    }
}

/// The best complete trial of `trials`.
pub fn best_of(trials: &[Trial], direction: Direction) -> Option<Trial> {
    trials
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .filter(|t| t.value.is_some_and(|v| v.is_finite()))
        .min_by(|a, b| {
            let (la, lb) = (
                direction.to_loss(a.value.unwrap_or(f64::NAN)),
                direction.to_loss(b.value.unwrap_or(f64::NAN)),
            );
            la.total_cmp(&lb).then(a.number.cmp(&b.number))
        })
        .cloned()
}

/// Run `n_trials` trials in total with one thread per `(study handle, objective)` pair (the
/// handles share one storage and study; each worker owns its objective, e.g. its own data);
/// returns the first objective error after all workers stopped.
pub fn optimize_parallel<O>(workers: Vec<(Study, O)>, n_trials: usize) -> Result<()>
where
    O: FnMut(&mut TrialCtx) -> Result<Outcome> + Send,
{
    let next = AtomicUsize::new(0);
    let errors: Vec<Error> = std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .into_iter()
            .map(|(mut study, mut objective)| {
                let next = &next;
                s.spawn(move || -> Result<()> {
                    while next.fetch_add(1, Ordering::SeqCst) < n_trials {
                        study.run_one(&mut objective)?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| match h.join() {
                Ok(r) => r.err(),
                Err(_) => Some(Error::input("an hpo worker thread panicked")),
            })
            .collect()
    });
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
