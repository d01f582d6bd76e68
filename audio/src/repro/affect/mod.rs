//! `movie-affect`: the comparison of Thao et al. 2019, "Multimodal deep models for predicting
//! affective responses evoked by movies" (ICCV workshops) — fully connected vs LSTM fusion of
//! audio low-level descriptors and visual CNN features, audio-only vs video-only — and the fusion
//! types A–D of Wadekar et al. 2024 ("The evolution of multimodal model architectures") against
//! late fusion and single modalities, clean, under noise on one modality, and with one modality
//! missing.
//!
//! The seed's data, LIRIS-ACCEDE movie clips with viewers' affect annotations, cannot be
//! obtained here (licence-gated); AV-MNIST ([`crate::avmnist`]: spoken digits of held-apart
//! speakers paired with MNIST images of the same digit) replaces it, so classes are digits, not
//! affect. The report says so and gives the seed's findings only as context.
//!
//! Reading order: [`config`] → [`run`] (training and evaluation) → [`metrics`] → [`report`]
//! (plots, report, saved models).

pub mod config;
pub mod metrics;
pub mod report;
pub mod run;

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};

pub use config::AffectConfig;
pub use metrics::AffectMetrics;

use crate::data::FSDD;

/// The reproduction (run it as `Typed(MovieAffect)`).
pub struct MovieAffect;

impl Experiment for MovieAffect {
    type Config = AffectConfig;
    type Metrics = AffectMetrics;

    fn id(&self) -> &'static str {
        "movie-affect"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<AffectConfig> {
        let cfg = config::config(opts.quick, opts.seed);
        cfg.validate().map_err(crate::Error::into_core)?;
        Ok(cfg)
    }

    fn validate(&self, cfg: &AffectConfig) -> deepfield_core::Result<()> {
        cfg.validate().map_err(crate::Error::into_core)
    }

    fn execute(
        &self,
        cfg: &AffectConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<AffectMetrics> {
        let go = || -> crate::Result<AffectMetrics> {
            let data_dir = match &opts.data {
                Some(d) => d.clone(),
                None => deepfield_core::data::data_dir()?,
            };
            let data = crate::avmnist::load(&data_dir, &FSDD, &cfg.data)?;
            for (p, e) in &data.bad {
                eprintln!("skipping {}: {e}", p.display());
            }
            let (trained, progress) = run::run(self.id(), cfg, &data)?;
            let models: Vec<_> = trained.iter().map(|t| t.metrics.clone()).collect();
            let default_model = models
                .iter()
                .filter(|m| m.part == config::Part::Fusion)
                .max_by(|a, b| a.val_accuracy.total_cmp(&b.val_accuracy))
                .map(|m| m.key.clone())
                .unwrap_or_default();
            let metrics = AffectMetrics {
                data: metrics::DataSummary {
                    n_train: data.train.len(),
                    n_val: data.val.len(),
                    n_test: data.test.len(),
                    speakers: data.speakers.clone(),
                    unreadable_recordings: data.bad.len(),
                },
                conditions: AffectMetrics::conditions(&models, &cfg.noise_levels),
                noise_levels: cfg.noise_levels.clone(),
                models,
                default_model,
            };
            report::save_models(cfg, &trained, &metrics, &data, &opts.out)?;
            report::write_plots(&metrics, &opts.out)?;
            report::write_report(cfg, &metrics, &data, &progress, opts.quick, &opts.out)?;
            Ok(metrics)
        };
        go().map_err(crate::Error::into_core)
    }

    fn metric_rows(&self, m: &AffectMetrics) -> Vec<MetricRow> {
        m.rows()
    }

    fn summary(&self, m: &AffectMetrics) -> Vec<MetricRow> {
        m.summary()
    }
}
