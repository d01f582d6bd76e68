//! What the two audio reproductions share as [`Experiment`](deepfield_core::repro::Experiment)s:
//! a [`Speech`] description (data set, built-in configs, paper anchors, report text) and the
//! run that turns it into a results folder — clips → [`experiment::run`] → typed metrics →
//! models, `history.csv`, plots and `report.md` (config.json, metrics.json and metrics.csv are
//! written by core's `Typed`).

use std::path::Path;

use deepfield_core::data::DatasetSpec;
use deepfield_core::repro::ReproOptions;

use super::config::ExperimentConfig;
use super::experiment;
use super::metrics::{Anchors, AudioMetrics};
use super::report::{write_report, ReportText};
use super::{plots, save};
use crate::data::Clip;

/// One audio reproduction.
pub struct Speech {
    pub id: &'static str,
    pub dataset: &'static DatasetSpec,
    /// The built-in config: `(quick, seed)`.
    pub config: fn(bool, u64) -> ExperimentConfig,
    /// The labelled clips of the data set folder.
    pub clips: fn(&Path) -> crate::Result<Vec<Clip>>,
    pub anchors: Anchors,
    pub text: ReportText<'static>,
}

impl Speech {
    /// The built-in config for `opts` (quick or full, seed).
    pub fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<ExperimentConfig> {
        let cfg = (self.config)(opts.quick, opts.seed);
        cfg.validate().map_err(crate::Error::into_core)?;
        Ok(cfg)
    }

    /// `--config FILE` laid over the built-in config ([`ExperimentConfig::from_file_over`]).
    pub fn config_from_file(
        &self,
        file: &Path,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<ExperimentConfig> {
        ExperimentConfig::from_file_over(&(self.config)(opts.quick, opts.seed), file)
            .map_err(crate::Error::into_core)
    }

    /// Run with `cfg`, writing models, `history.csv`, plots and `report.md` into `opts.out`.
    pub fn execute(
        &self,
        cfg: &ExperimentConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<AudioMetrics> {
        let run = || -> crate::Result<AudioMetrics> {
            let data_dir = opts.dataset(self.dataset)?;
            let clips = (self.clips)(&data_dir)?;
            let out = experiment::run(self.id, cfg, &clips)?;
            let metrics = AudioMetrics::of(
                self.id,
                self.dataset.name,
                cfg.label_rule.class_names(),
                &out,
                &self.anchors,
            );
            let dir = &opts.out;
            save::save_models(self.id, cfg, &out, &metrics, dir)?;
            save::save_histories(&out, dir)?;
            plots::write_plots(cfg, &out, &metrics, dir)?;
            write_report(cfg, &metrics, &self.anchors, &self.text, &data_dir, dir)?;
            Ok(metrics)
        };
        run().map_err(crate::Error::into_core)
    }
}

/// `impl Experiment for $ty` through the [`Speech`] returned by `$ty::speech()`.
macro_rules! speech_experiment {
    ($ty:ty) => {
        impl deepfield_core::repro::Experiment for $ty {
            type Config = $crate::repro::config::ExperimentConfig;
            type Metrics = $crate::repro::metrics::AudioMetrics;

            fn id(&self) -> &'static str {
                Self::speech().id
            }

            fn description(&self) -> &'static str {
                deepfield_core::repro::catalog::describe($crate::REPRODUCTIONS, self.id())
            }

            fn config(
                &self,
                opts: &deepfield_core::repro::ReproOptions,
            ) -> deepfield_core::Result<Self::Config> {
                Self::speech().config(opts)
            }

            fn config_from_file(
                &self,
                file: &std::path::Path,
                opts: &deepfield_core::repro::ReproOptions,
            ) -> deepfield_core::Result<Self::Config> {
                Self::speech().config_from_file(file, opts)
            }

            fn validate(&self, cfg: &Self::Config) -> deepfield_core::Result<()> {
                cfg.validate().map_err($crate::Error::into_core)
            }

            fn execute(
                &self,
                cfg: &Self::Config,
                opts: &deepfield_core::repro::ReproOptions,
            ) -> deepfield_core::Result<Self::Metrics> {
                Self::speech().execute(cfg, opts)
            }

            fn metric_rows(&self, m: &Self::Metrics) -> Vec<deepfield_core::repro::MetricRow> {
                m.rows()
            }

            fn summary(&self, m: &Self::Metrics) -> Vec<deepfield_core::repro::MetricRow> {
                m.summary()
            }
        }
    };
}
pub(crate) use speech_experiment;
