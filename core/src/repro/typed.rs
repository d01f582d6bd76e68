//! The typed reproduction contract: a config type and a metrics type of the reproduction's
//! own, so `config.json` and `metrics.json` are written from typed values and the report reads
//! typed fields (no `serde_json::Value` lookups with NaN fallbacks).
//!
//! A reproduction implements [`Experiment`] and is listed as [`Typed`]`(it)`; [`Typed`] is the
//! [`Reproduction`] the shared CLI runs. It writes `config.json` before the run (so a failed
//! run still says what was tried) and `metrics.json` after it, atomically.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{ReproOptions, Reproduction};
use crate::{fsutil, Error, Result};

/// A reproduction with typed config and metrics.
pub trait Experiment {
    /// The full config (model, optimiser, data, seed), saved as `config.json`.
    type Config: Serialize + DeserializeOwned;
    /// The headline and detailed numbers, saved as `metrics.json`.
    type Metrics: Serialize + DeserializeOwned;

    /// Stable id, e.g. `concrete-mlp`.
    fn id(&self) -> &'static str;
    /// One line for `list` (usually from the crate's catalog, [`super::catalog`]).
    fn description(&self) -> &'static str;
    /// The config `opts` ask for (quick or full, seed); validated here.
    fn config(&self, opts: &ReproOptions) -> Result<Self::Config>;
    /// Run with `cfg`, writing plots, the model and the report into `opts.out`.
    fn execute(&self, cfg: &Self::Config, opts: &ReproOptions) -> Result<Self::Metrics>;
}

/// An [`Experiment`] as a [`Reproduction`].
pub struct Typed<E>(pub E);

impl<E: Experiment> Typed<E> {
    /// Run and return the typed metrics (what [`Reproduction::run`] serialises).
    pub fn run_typed(&self, opts: &ReproOptions) -> Result<E::Metrics> {
        let cfg = self.0.config(opts)?;
        fsutil::create_dir_all(&opts.out)?;
        fsutil::write_json(&opts.out.join("config.json"), &cfg)?;
        let metrics = self.0.execute(&cfg, opts)?;
        fsutil::write_json(&opts.out.join("metrics.json"), &metrics)?;
        Ok(metrics)
    }
}

impl<E: Experiment> Reproduction for Typed<E> {
    fn id(&self) -> &'static str {
        self.0.id()
    }

    fn description(&self) -> &'static str {
        self.0.description()
    }

    fn run(&self, opts: &ReproOptions) -> Result<serde_json::Value> {
        let metrics = self.run_typed(opts)?;
        serde_json::to_value(&metrics).map_err(|source| Error::Json {
            context: format!("{} metrics", self.0.id()),
            source,
        })
    }
}
