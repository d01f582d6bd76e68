//! Hyper-parameter search over any serde config, in the manner of Optuna.
//!
//! A [`Space`](space::Space) declares the tunable fields of a config; a [`Sampler`] proposes
//! the next trial's values from the trials seen so far; trials are runs of the run registry
//! ([`crate::registry`]), so several worker processes on several machines share one study through
//! one storage.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;
use crate::Result;

#[cfg(feature = "cli")]
#[cfg(feature = "cli")]
pub mod cli;
pub mod cmaes;
pub mod compare;
pub mod evolution;
pub mod functions;
pub mod objective;
pub mod parzen;
pub mod pruners;
pub mod random;
#[cfg(feature = "registry")]
pub mod registry_storage;
pub mod space;
pub mod stats;
pub mod storage;
pub mod study;
pub mod tpe;

pub use space::{Condition, Distribution, Param, Params, Space};

pub use cmaes::CmaEsSampler;
pub use pruners::{pruner_by_name, MedianPruner, Pruner, SuccessiveHalvingPruner};
pub use random::RandomSampler;
pub use storage::{open_storage, MemoryStorage, Storage, StudyInfo, TrialExtra};
pub use study::{best_of, optimize_parallel, Outcome, Study, TrialCtx};
pub use tpe::TpeSampler;

/// A sampler of this module by name (`random`, `tpe`, `cmaes`, `evolution`).
pub fn sampler_by_name(name: &str) -> Result<Box<dyn Sampler>> {
    Ok(match name {
        "random" => Box::new(RandomSampler),
        "tpe" => Box::new(TpeSampler::default()),
        "cmaes" | "cma-es" => Box::new(CmaEsSampler::default()),
        "evolution" | "ga" => Box::new(evolution::Evolution::new(
            evolution::EvolutionConfig::default(),
        )?),
        _ => {
            return Err(crate::Error::config(format!(
                "unknown sampler `{name}` (expected random, tpe, cmaes or evolution)"
            )))
        }
    })
}

/// Whether the objective is minimised or maximised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Minimize,
    Maximize,
}

impl Direction {
    /// Whether `a` is a better objective value than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }

    /// `value` turned into a loss (smaller is better), as samplers work internally.
    pub fn to_loss(self, value: f64) -> f64 {
        match self {
            Direction::Minimize => value,
            Direction::Maximize => -value,
        }
    }
}

/// Where a trial is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    Running,
    Complete,
    Pruned,
    Failed,
}

impl TrialState {
    /// The name stored in the registry.
    pub fn as_str(self) -> &'static str {
        match self {
            TrialState::Running => "running",
            TrialState::Complete => "complete",
            TrialState::Pruned => "pruned",
            TrialState::Failed => "failed",
        }
    }

    /// The state a stored name stands for.
    pub fn parse(s: &str) -> Option<TrialState> {
        Some(match s {
            "running" => TrialState::Running,
            "complete" => TrialState::Complete,
            "pruned" => TrialState::Pruned,
            "failed" => TrialState::Failed,
            _ => return None,
        })
    }
}

/// A trial as samplers and pruners see it (a snapshot of a registry run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0-based number within its study, unique even across workers.
    pub number: u64,
    pub params: Params,
    pub state: TrialState,
    /// The objective (set when complete).
    pub value: Option<f64>,
    /// Reported intermediate objective values, `(step, value)` in step order.
    pub intermediate: Vec<(u64, f64)>,
}

/// Proposes the values of the next trial.
pub trait Sampler: Send {
    /// A short name for reports and the registry (`random`, `tpe`, `cmaes`, `evolution`).
    fn name(&self) -> &str;

    /// The next trial's values. `history` holds every trial of the study so far (all states, all
    /// workers); `rng` is the study's seeded generator, so a seeded study is reproducible.
    fn sample(
        &mut self,
        space: &Space,
        history: &[Trial],
        direction: Direction,
        rng: &mut Rng,
    ) -> Result<Params>;
}
