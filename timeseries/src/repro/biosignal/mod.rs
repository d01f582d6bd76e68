//! `biosignal-ssl`: "Large-scale Training of Foundation Models for Wearable Biosignals"
//! (Abbaspourazad et al., ICLR 2024) on the two shared MIT-BIH records: a residual 1-D CNN
//! pretrained contrastively (participant-level or same-segment positive pairs, augmentations,
//! InfoNCE + KoLeo), then AAMI beat classes by a linear probe on frozen embeddings with 1 %,
//! 10 % and 100 % of the training labels, against the same encoder trained from scratch on the
//! same labels, a probe on a randomly initialised encoder, and the majority class.
//!
//! The data has **two patients** (records 100 and 208), so "participant-level" pairs can only
//! tell two people apart; the paper pretrains on ~141 k participants. The split is by time
//! within each record ([`data`]). The run is in [`run`], the report in [`report`].

pub mod data;
pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};

use crate::biosignal::encoder::EcgEncoderConfig;
use crate::biosignal::pretrain::{Pairing, SslConfig};
use crate::biosignal::probe::{ProbeConfig, Scores, SupervisedConfig};
use crate::biosignal::BeatConfig;
use crate::wfdb::{MITBIH, MITBIH_RECORDS};

pub use data::RecordSummary;
pub use run::run;

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BioSslConfig {
    /// Record names in the data folder.
    pub records: Vec<String>,
    pub beats: BeatConfig,
    /// Share of each recording (from its start) used for training.
    pub train_fraction: f64,
    /// Seconds between the training and the test span.
    pub gap_s: f64,
    pub encoder: EcgEncoderConfig,
    /// The headline pretraining (its pairing names the headline SSL probe).
    pub ssl: SslConfig,
    /// Further pretrainings that differ only in the pairing.
    pub extra_pairings: Vec<Pairing>,
    /// Label fractions of the training beats.
    pub fractions: Vec<f64>,
    /// Label-subset seeds for fractions below 1 (1 for the full label set).
    pub subset_seeds: usize,
    pub probe: ProbeConfig,
    pub supervised: SupervisedConfig,
    pub seed: u64,
}

impl Default for BioSslConfig {
    fn default() -> Self {
        BioSslConfig::new(false, 0)
    }
}

impl BioSslConfig {
    /// Full: both pairings, 3 label subsets per fraction; quick: the segment pairing only,
    /// 20 pretraining epochs, one subset, a shorter supervised budget.
    pub fn new(quick: bool, seed: u64) -> Self {
        let mut ssl = SslConfig::default();
        let mut supervised = SupervisedConfig::default();
        let mut probe = ProbeConfig::default();
        // The full run's budget fits ~12 minutes on one shared CPU thread.
        ssl.epochs = 100;
        supervised.steps = 300;
        probe.epochs = 100;
        if quick {
            ssl.epochs = 12;
            ssl.batch_size = 32;
            supervised.steps = 60;
            supervised.min_epochs = 1;
            supervised.max_epochs = 40;
        }
        BioSslConfig {
            records: MITBIH_RECORDS.iter().map(|s| s.to_string()).collect(),
            beats: BeatConfig::default(),
            train_fraction: 0.6,
            gap_s: 10.0,
            encoder: EcgEncoderConfig::default(),
            ssl,
            extra_pairings: if quick {
                vec![]
            } else {
                vec![Pairing::Participant]
            },
            fractions: if quick {
                vec![0.01, 1.0]
            } else {
                vec![0.01, 0.1, 1.0]
            },
            subset_seeds: if quick { 1 } else { 3 },
            probe,
            supervised,
            seed,
        }
    }

    /// Check the fields.
    pub fn validate(&self) -> crate::Result<()> {
        crate::ensure_config!(!self.records.is_empty(), "biosignal-ssl: no records");
        crate::ensure_config!(
            (0.1..=0.9).contains(&self.train_fraction) && self.gap_s >= 0.0,
            "biosignal-ssl: train_fraction in [0.1, 0.9], gap_s >= 0"
        );
        crate::ensure_config!(
            !self.fractions.is_empty() && self.fractions.iter().all(|&f| f > 0.0 && f <= 1.0),
            "biosignal-ssl: label fractions must be in (0, 1]"
        );
        crate::ensure_config!(self.subset_seeds >= 1, "biosignal-ssl: subset_seeds >= 1");
        self.beats.validate()?;
        self.ssl.validate()
    }

    /// The methods in report order.
    pub fn methods(&self) -> Vec<String> {
        let mut m = vec![probe_name(self.ssl.pairing)];
        m.extend(
            self.extra_pairings
                .iter()
                .filter(|&&p| p != self.ssl.pairing)
                .map(|&p| probe_name(p)),
        );
        m.push(RANDOM.into());
        m.push(SUPERVISED.into());
        m
    }
}

/// The SSL probe's method name for a pairing.
pub fn probe_name(p: Pairing) -> String {
    format!("ssl_{}_probe", p.name())
}

/// A linear probe on a randomly initialised (untrained) encoder.
pub const RANDOM: &str = "random_encoder_probe";
/// The encoder trained from scratch on the labelled beats.
pub const SUPERVISED: &str = "supervised";

/// One method on one label subset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunScore {
    pub method: String,
    pub fraction: f64,
    pub subset_seed: u64,
    /// Labelled training beats used.
    pub labelled: usize,
    pub scores: Scores,
}

/// A method at one label fraction, over the subsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodSummary {
    pub method: String,
    pub fraction: f64,
    pub runs: usize,
    pub macro_f1_mean: f64,
    pub macro_f1_std: f64,
    pub accuracy_mean: f64,
    /// Mean F1 per AAMI class (`None` for classes absent from the test beats).
    pub per_class_f1_mean: Vec<Option<f64>>,
}

/// One pretraining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainSummary {
    pub pairing: Pairing,
    pub segments: usize,
    pub epochs: usize,
    pub first_loss: f64,
    pub last_loss: f64,
    /// Loss parts on one fixed batch of training segments after training.
    pub final_info_nce: f64,
    pub final_koleo: f64,
    pub seconds: f64,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BioSslMetrics {
    pub data: String,
    pub records: Vec<RecordSummary>,
    pub classes: Vec<String>,
    /// Test beats per class (pooled).
    pub test_counts: [usize; 5],
    pub train_counts: [usize; 5],
    pub majority: Scores,
    pub pretraining: Vec<PretrainSummary>,
    pub summary: Vec<MethodSummary>,
    pub runs: Vec<RunScore>,
    /// Headline SSL probe minus supervised, macro-F1 at the smallest label fraction.
    pub gap_smallest_fraction: f64,
    /// Goal: the gap at 1 % labels ≥ 0.05.
    pub goal_met: bool,
    pub seed: u64,
}

impl BioSslMetrics {
    /// A method's summary at a fraction.
    pub fn get(&self, method: &str, fraction: f64) -> Option<&MethodSummary> {
        self.summary
            .iter()
            .find(|s| s.method == method && (s.fraction - fraction).abs() < 1e-9)
    }
}

/// The reproduction.
pub struct BiosignalSsl;

impl Experiment for BiosignalSsl {
    type Config = BioSslConfig;
    type Metrics = BioSslMetrics;

    fn id(&self) -> &'static str {
        "biosignal-ssl"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<BioSslConfig> {
        Ok(BioSslConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &BioSslConfig) -> deepfield_core::Result<()> {
        cfg.validate().map_err(crate::Error::into_core)
    }

    fn execute(
        &self,
        cfg: &BioSslConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<BioSslMetrics> {
        let dir = opts.dataset(&MITBIH)?;
        run(cfg, &dir, &opts.out).map_err(crate::Error::into_core)
    }

    fn metric_rows(&self, m: &BioSslMetrics) -> Vec<MetricRow> {
        let mut rows = vec![
            MetricRow::new("majority", "test", "macro_f1", m.majority.macro_f1),
            MetricRow::new(
                "ssl_minus_supervised",
                "smallest_fraction",
                "macro_f1",
                m.gap_smallest_fraction,
            ),
        ];
        for s in &m.summary {
            let fold = format!("labels_{}pct", s.fraction * 100.0);
            rows.push(MetricRow::new(
                &s.method,
                &fold,
                "macro_f1",
                s.macro_f1_mean,
            ));
            rows.push(MetricRow::new(
                &s.method,
                &fold,
                "macro_f1_std",
                s.macro_f1_std,
            ));
            rows.push(MetricRow::new(
                &s.method,
                &fold,
                "accuracy",
                s.accuracy_mean,
            ));
        }
        rows
    }

    fn summary(&self, m: &BioSslMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.metric != "macro_f1_std")
            .collect()
    }
}
