//! `deid-rnn`: "De-identification of Patient Notes with Recurrent Neural Networks" (Dernoncourt,
//! Lee, Uzuner & Szolovits, JAMIA 2017; the NeuroNER tagger: character BiLSTM + word embedding
//! → token BiLSTM → CRF, [`crate::tagger::model`]).
//!
//! Two parts, each trained with NeuroNER's recipe ([`crate::tagger::train`]) and the model chosen
//! by dev entity F1:
//! * (a) WNUT 2017 Emerging Entities (`ner_english_wnut17`) as the public stand-in for NER on
//!   noisy text: train file → dev file for model selection → test file, entity-level F1 as
//!   seqeval computes it (the shared task's winner: 41.86).
//! * (b) simulated clinical notes ([`crate::phi`], the stand-in for i2b2 2014, which needs a
//!   data-use agreement): train on notes from the training templates, select on further
//!   training-template notes, test on notes from the held-apart test templates; entity- and
//!   token-level F1 per PHI type beside the paper's i2b2 F1 of 97.85.
//!
//! Each part is compared with a memorising baseline (every word gets the tag it had most often
//! in training, unknown words `O`) and the majority tag (`O` everywhere: F1 0).
//!
//! [`DeidRnnConfig`] and [`DeidRnnMetrics`] here, the run in [`run`], the report in [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};

use crate::phi::PhiConfig;
use crate::seqeval::Report;
use crate::tagger::model::NeuroNerConfig;
use crate::tagger::train::{EpochLog, TrainSettings};

/// The WNUT 2017 part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WnutPart {
    pub run: bool,
    /// Use only the first this many training / dev sentences (`None`: all).
    pub max_train: Option<usize>,
    pub max_dev: Option<usize>,
    pub train: TrainSettings,
}

impl Default for WnutPart {
    fn default() -> Self {
        WnutPart {
            run: true,
            max_train: None,
            max_dev: None,
            train: TrainSettings::default(),
        }
    }
}

/// The simulated-notes part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhiPart {
    pub notes: PhiConfig,
    /// Notes from the training templates for training and for model selection, and from the
    /// test templates for the test.
    pub train_notes: usize,
    pub dev_notes: usize,
    pub test_notes: usize,
    pub train: TrainSettings,
}

impl Default for PhiPart {
    fn default() -> Self {
        PhiPart {
            notes: PhiConfig::default(),
            train_notes: 400,
            dev_notes: 60,
            test_notes: 200,
            train: TrainSettings::default(),
        }
    }
}

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeidRnnConfig {
    /// Tagger sizes (vocabularies and labels are fitted on each part's training data).
    pub model: NeuroNerConfig,
    pub wnut: WnutPart,
    pub phi: PhiPart,
    pub seed: u64,
}

impl Default for DeidRnnConfig {
    fn default() -> Self {
        DeidRnnConfig::new(false, 0)
    }
}

impl DeidRnnConfig {
    /// The full run (NeuroNER's sizes and recipe), or the quick one (small tagger, a few
    /// epochs on a few hundred sentences).
    pub fn new(quick: bool, seed: u64) -> Self {
        let mut c = DeidRnnConfig {
            model: NeuroNerConfig::default(),
            wnut: WnutPart::default(),
            phi: PhiPart::default(),
            seed,
        };
        c.wnut.train.seed = seed;
        c.phi.train.seed = seed;
        if quick {
            c.model.char_dim = 12;
            c.model.char_hidden = 12;
            c.model.token_dim = 32;
            c.model.token_hidden = 32;
            c.model.max_word_chars = 20;
            c.wnut.max_train = Some(200);
            c.wnut.max_dev = Some(150);
            c.phi.train_notes = 45;
            c.phi.dev_notes = 8;
            c.phi.test_notes = 30;
            for t in [&mut c.wnut.train, &mut c.phi.train] {
                t.epochs = 8;
                t.batch_size = 4;
                t.lr = 0.04;
            }
            c.wnut.train.epochs = 1;
        }
        c
    }

    /// Check the values.
    pub fn validate(&self) -> crate::Result<()> {
        self.model.check()?;
        self.wnut.train.validate()?;
        self.phi.train.validate()?;
        self.phi.notes.validate()?;
        if self.phi.train_notes == 0 || self.phi.dev_notes == 0 || self.phi.test_notes == 0 {
            return Err(crate::Error::config(
                "deid-rnn: every PHI split needs notes",
            ));
        }
        Ok(())
    }
}

/// One part's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartResult {
    pub name: String,
    pub train_sentences: usize,
    pub dev_sentences: usize,
    pub test_sentences: usize,
    pub test_tokens: usize,
    /// Share of test tokens whose (normalised) word the tagger's vocabulary knows.
    pub test_word_coverage: f64,
    /// Broken BIO sequences repaired while reading the files.
    pub repaired_tags: usize,
    pub parameters: usize,
    pub epochs: Vec<EpochLog>,
    pub best_epoch: usize,
    pub train_seconds: f64,
    /// Test entity scores, seqeval default mode.
    pub test: Report,
    /// Test entity micro F1, seqeval strict IOB2 mode.
    pub test_strict_f1: f64,
    /// Test token-level scores per type.
    pub test_tokens_scores: Report,
    /// The memorising baseline's test entity scores.
    pub baseline: Report,
}

/// The goals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goals {
    /// WNUT 2017 test entity F1 ≥ 40 (absent when the part did not run).
    pub wnut_f1_ge_40: Option<bool>,
    /// Simulated-notes test entity F1 ≥ 95 on held-apart templates.
    pub phi_f1_ge_95: bool,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeidRnnMetrics {
    /// The WNUT 2017 folder read (absent when the part did not run).
    pub wnut_data: Option<String>,
    pub wnut: Option<PartResult>,
    pub phi: PartResult,
    pub goals: Goals,
    pub seed: u64,
}

/// The paper's i2b2 2014 F1 (%), NeuroNER's ANN model.
pub const PAPER_I2B2_F1: f64 = 97.85;
/// The WNUT 2017 shared task's best entity F1 (%).
pub const WNUT17_BEST_F1: f64 = 41.86;

/// The reproduction.
pub struct DeidRnn;

impl Experiment for DeidRnn {
    type Config = DeidRnnConfig;
    type Metrics = DeidRnnMetrics;

    fn id(&self) -> &'static str {
        "deid-rnn"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<DeidRnnConfig> {
        Ok(DeidRnnConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &DeidRnnConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &DeidRnnConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<DeidRnnMetrics> {
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &DeidRnnMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for p in m.wnut.iter().chain([&m.phi]) {
            rows.push(MetricRow::new(
                &p.name,
                "test",
                "entity_f1",
                p.test.micro.f1,
            ));
            rows.push(MetricRow::new(
                &p.name,
                "test",
                "entity_precision",
                p.test.micro.precision,
            ));
            rows.push(MetricRow::new(
                &p.name,
                "test",
                "entity_recall",
                p.test.micro.recall,
            ));
            rows.push(MetricRow::new(
                &p.name,
                "test",
                "entity_f1_strict",
                p.test_strict_f1,
            ));
            rows.push(MetricRow::new(
                &p.name,
                "test",
                "token_f1",
                p.test_tokens_scores.micro.f1,
            ));
            rows.push(MetricRow::new(
                format!("{}_memorising_baseline", p.name),
                "test",
                "entity_f1",
                p.baseline.micro.f1,
            ));
            for (k, s) in &p.test.per_type {
                rows.push(MetricRow::new(
                    &p.name,
                    format!("test/{k}"),
                    "entity_f1",
                    s.f1,
                ));
            }
        }
        rows
    }

    fn summary(&self, m: &DeidRnnMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.fold == "test" && (r.metric == "entity_f1" || r.metric == "token_f1"))
            .collect()
    }
}
