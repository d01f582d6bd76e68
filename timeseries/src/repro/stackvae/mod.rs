//! `stackvae-g`: multivariate anomaly detection with StackVAE-G (Li et al., AI Open 2022) on
//! the Numenta Anomaly Benchmark, against a plain window VAE and an LSTM autoencoder.
//!
//! Data: NAB series with labelled anomaly windows (`nab_subset`), each used as a univariate
//! problem, and a 5-channel set built from the five AWS CloudWatch series recorded over the same
//! two weeks (2014-02-14 → 02-28: four EC2 CPU series and one RDS CPU series), resampled onto a
//! common 5-minute grid; a step is anomalous when it lies within `label_radius_minutes` (2 h) of a labelled anomaly
//! point of any channel (`combined_labels.json`; NAB's scoring windows cover ~10 % of each file
//! and would label almost half of the merged set).
//! Protocol (unsupervised, as NAB has no training split): each series is standardised, every
//! detector is trained on its windows without labels, and every step is scored. Reported: the
//! best F1 over thresholds with and without point adjustment, and the same for uniformly random
//! scores (point adjustment lets even random scores look good).

//!
//! [`config`](StackVaeConfig) and [`metrics`](StackVaeMetrics) here; the labelled data sets in
//! [`data`], the run in [`run`], the report in [`report`]. Besides the 5-channel detector
//! (`model/`), the run saves a univariate StackVAE-G (`model_univariate/`, trained on the first
//! univariate series) that scores any single value column of a user's series.

pub mod data;
pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};

use crate::anomaly::nab::DATASET;
use crate::anomaly::BestF1;
use crate::detect::{DetectConfig, DetectorKind};

pub use run::run;

/// The five series of the multivariate set (same two weeks, 5-minute sampling).
pub const MULTIVARIATE: [&str; 5] = [
    "realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv",
    "realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv",
];

/// Everything the run needs; saved as `config.json` (fields left out of a `--config` file take
/// the full run's values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StackVaeConfig {
    /// Univariate NAB series (empty in the full run = every labelled series).
    pub univariate: Vec<String>,
    /// Whether to run on every labelled series.
    pub all_univariate: bool,
    pub detect: DetectConfig,
    pub detectors: Vec<DetectorKind>,
    /// A step is anomalous within this many minutes of a labelled NAB anomaly point.
    pub label_radius_minutes: i64,
    /// Threshold candidates of the best-F1 search.
    pub thresholds: usize,
    pub seed: u64,
}

impl Default for StackVaeConfig {
    fn default() -> Self {
        StackVaeConfig::new(false, 0)
    }
}

impl StackVaeConfig {
    /// Full: every labelled series, 10 epochs; quick: two series, 2 epochs.
    pub fn new(quick: bool, seed: u64) -> Self {
        StackVaeConfig {
            univariate: if quick {
                vec!["realKnownCause/ec2_request_latency_system_failure.csv".into()]
            } else {
                Vec::new()
            },
            all_univariate: !quick,
            detect: DetectConfig {
                epochs: if quick { 2 } else { 15 },
                ..Default::default()
            },
            detectors: vec![
                DetectorKind::StackVaeG,
                DetectorKind::Vae,
                DetectorKind::LstmAe,
            ],
            label_radius_minutes: 120,
            thresholds: 300,
            seed,
        }
    }
}

/// Results of one detector (or the random baseline) on one data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectResult {
    pub dataset: String,
    pub model: String,
    pub f1: BestF1,
    pub f1_point_adjusted: BestF1,
}

/// One model's headline numbers (`None` where it did not run on such a set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub model: String,
    pub multivariate_f1: Option<f64>,
    pub multivariate_f1_pa: Option<f64>,
    pub univariate_mean_f1: Option<f64>,
    pub univariate_mean_f1_pa: Option<f64>,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackVaeMetrics {
    /// The NAB folder and series the run read.
    pub data: String,
    pub summary: Vec<ModelSummary>,
    pub per_dataset: Vec<DetectResult>,
    pub univariate_series: usize,
    pub seed: u64,
}

impl StackVaeMetrics {
    /// The headline numbers of `model`.
    pub fn model(&self, model: &str) -> Option<&ModelSummary> {
        self.summary.iter().find(|m| m.model == model)
    }
}

/// The name of the multivariate set in the metrics.
pub const MULTIVARIATE_SET: &str = "aws_cpu_5ch";

/// The reproduction.
pub struct StackVaeGRepro;

impl Experiment for StackVaeGRepro {
    type Config = StackVaeConfig;
    type Metrics = StackVaeMetrics;

    fn id(&self) -> &'static str {
        "stackvae-g"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<StackVaeConfig> {
        Ok(StackVaeConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &StackVaeConfig) -> deepfield_core::Result<()> {
        let d = &cfg.detect;
        if cfg.detectors.is_empty() || d.window < 2 || d.epochs == 0 || d.batch_size == 0 {
            return Err(deepfield_core::Error::config(
                "stackvae-g: give at least one detector, detect.window >= 2, detect.epochs and \
                 detect.batch_size > 0",
            ));
        }
        Ok(())
    }

    fn execute(
        &self,
        cfg: &StackVaeConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<StackVaeMetrics> {
        let dir = opts.dataset(&DATASET)?;
        run(cfg, &dir, &opts.out).map_err(crate::Error::into_core)
    }

    fn metric_rows(&self, m: &StackVaeMetrics) -> Vec<MetricRow> {
        let opt = |v: Option<f64>| v.unwrap_or(f64::NAN);
        let mut rows: Vec<MetricRow> = m
            .summary
            .iter()
            .flat_map(|s| {
                [
                    MetricRow::new(&s.model, MULTIVARIATE_SET, "f1", opt(s.multivariate_f1)),
                    MetricRow::new(
                        &s.model,
                        MULTIVARIATE_SET,
                        "f1_pa",
                        opt(s.multivariate_f1_pa),
                    ),
                    MetricRow::new(&s.model, "univariate mean", "f1", opt(s.univariate_mean_f1)),
                    MetricRow::new(
                        &s.model,
                        "univariate mean",
                        "f1_pa",
                        opt(s.univariate_mean_f1_pa),
                    ),
                ]
            })
            .collect();
        for r in m
            .per_dataset
            .iter()
            .filter(|r| r.dataset != MULTIVARIATE_SET)
        {
            for (k, v) in [
                ("f1", r.f1.f1),
                ("precision", r.f1.precision),
                ("recall", r.f1.recall),
                ("f1_pa", r.f1_point_adjusted.f1),
            ] {
                rows.push(MetricRow::new(&r.model, &r.dataset, k, v));
            }
        }
        rows
    }

    fn summary(&self, m: &StackVaeMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.fold == MULTIVARIATE_SET || r.fold == "univariate mean")
            .collect()
    }
}
