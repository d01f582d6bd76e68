//! `die-dat`: Allein, Leeuwenberg & Moens (2020), "Binary and Multitask Classification Model for
//! Dutch Anaphora Resolution: Die/Dat Prediction" — every die/dat of a sentence is masked and
//! predicted from the sentence and the previous sentence; the binary BiLSTM model against the
//! multitask model that also predicts the masked word's part of speech, beside a majority-class
//! and a bigram language-model baseline. Anchors: 84.56 % (binary), 88.63 % die/dat and 87.73 %
//! POS accuracy (multitask), on Europarl/SoNaR sentences.
//!
//! Data here: the shared Tatoeba + NTREX Dutch sentences and the UD Alpino dev/test treebank
//! ([`crate::diedat::data`]); the UD test file and a hashed 15 % of the other documents are the
//! test part. [`DieDatReproConfig`] and [`DieDatMetrics`] here, the run in [`run`], the report in
//! [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::{EarlyStopping, OptimizerConfig, TrainConfig};

use crate::vocab::VocabConfig;

/// One model of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Key for folders and tables.
    pub key: String,
    /// Read the previous sentence.
    pub context: bool,
    /// Also predict the POS of the masked word.
    pub multitask: bool,
    /// Also predict masked de/het articles of the unlabelled training sentences (extension).
    #[serde(default)]
    pub article: bool,
}

impl Variant {
    /// A readable name.
    pub fn name(&self) -> String {
        format!(
            "{} BiLSTM{}{}",
            if self.multitask {
                "multitask"
            } else {
                "binary"
            },
            if self.context {
                ", sentence + context encoders"
            } else {
                ", sentence encoder only"
            },
            if self.article {
                " + de/het article task (ours)"
            } else {
                ""
            }
        )
    }
}

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DieDatReproConfig {
    pub embed_dim: i64,
    pub hidden: i64,
    pub layers: i64,
    pub dropout: f64,
    /// Weight of the POS loss in the multitask model.
    pub pos_weight: f64,
    /// Article-task examples mixed into each epoch of the `article` variants.
    pub aux_per_epoch: usize,
    pub variants: Vec<Variant>,
    pub vocab: VocabConfig,
    pub train: TrainConfig,
    /// Add-k constant of the bigram baseline.
    pub bigram_k: f64,
    /// Use at most this many training / test examples (quick mode); `None`: all.
    pub max_train: Option<usize>,
    pub max_test: Option<usize>,
    pub seed: u64,
}

impl Default for DieDatReproConfig {
    fn default() -> Self {
        DieDatReproConfig::new(false, 0)
    }
}

impl DieDatReproConfig {
    /// The full run, or the quick one (a subset, smaller model, few epochs).
    pub fn new(quick: bool, seed: u64) -> Self {
        let variants = [
            ("binary_sentence", false, false, false),
            ("binary", true, false, false),
            ("multitask", true, true, false),
            ("multitask_article", true, true, true),
        ]
        .into_iter()
        .filter(|v| !(quick && (v.0 == "binary_sentence" || v.0 == "multitask")))
        .map(|(key, context, multitask, article)| Variant {
            key: key.into(),
            context,
            multitask,
            article,
        })
        .collect();
        let (embed_dim, hidden, layers, epochs) = if quick {
            (48, 32, 1, 4)
        } else {
            (100, 64, 2, 20)
        };
        DieDatReproConfig {
            embed_dim,
            hidden,
            layers,
            dropout: 0.3,
            pos_weight: 0.5,
            aux_per_epoch: if quick { 1500 } else { 8000 },
            variants,
            vocab: VocabConfig {
                min_freq: 2,
                max_size: None,
                lowercase: true,
            },
            train: TrainConfig {
                epochs,
                batch_size: 32,
                optimizer: OptimizerConfig::adam(2e-3),
                grad_clip_norm: Some(5.0),
                early_stopping: Some(EarlyStopping::new(
                    "val_accuracy",
                    if quick { 4 } else { 5 },
                )),
                seed,
                progress: false,
                ..TrainConfig::default()
            },
            bigram_k: 0.05,
            max_train: quick.then_some(2500),
            max_test: quick.then_some(800),
            seed,
        }
    }

    /// Checks the values.
    pub fn validate(&self) -> crate::Result<()> {
        self.train.validate()?;
        self.vocab.validate()?;
        if self.variants.is_empty() {
            return Err(crate::Error::config("die-dat: no variants"));
        }
        if self.bigram_k.is_nan() || self.bigram_k <= 0.0 || self.pos_weight < 0.0 {
            return Err(crate::Error::config(
                "die-dat: bigram_k must be > 0 and pos_weight ≥ 0",
            ));
        }
        Ok(())
    }
}

/// One model's results on the test part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub key: String,
    pub name: String,
    pub parameters: usize,
    pub epochs_run: usize,
    pub train_seconds: f64,
    pub accuracy: f64,
    pub f1_macro: f64,
    /// `confusion[true][predicted]`, die = 0, dat = 1.
    pub confusion: Vec<Vec<u64>>,
    /// Accuracy per source (`tatoeba`, `ntrex`, `alpino`).
    pub accuracy_by_source: Vec<(String, f64)>,
    /// POS accuracy on the test examples with a treebank POS (multitask only).
    pub pos_accuracy: Option<f64>,
    /// Validation accuracy per epoch.
    pub val_accuracy: Vec<f64>,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DieDatMetrics {
    pub data: Vec<String>,
    pub sentences: usize,
    /// Examples per part.
    pub train: usize,
    pub validation: usize,
    pub test: usize,
    /// Test examples per source.
    pub test_by_source: Vec<(String, usize)>,
    /// Share of `dat` among training and test examples.
    pub train_dat_share: f64,
    pub test_dat_share: f64,
    /// Test examples with a POS label.
    pub test_with_pos: usize,
    pub vocab_size: usize,
    /// Vocabulary of the article-task variants (training examples + auxiliary sentences).
    pub vocab_size_article: usize,
    /// Auxiliary de/het examples available to the article-task variants.
    pub article_examples: usize,
    /// Always answering the training majority class.
    pub majority_rate: f64,
    /// The bigram language model.
    pub bigram_accuracy: f64,
    pub variants: Vec<VariantResult>,
    pub paper_binary: f64,
    pub paper_multitask: f64,
    pub paper_multitask_pos: f64,
    pub quick: bool,
    pub seed: u64,
}

impl DieDatMetrics {
    /// A variant by key.
    pub fn get(&self, key: &str) -> Option<&VariantResult> {
        self.variants.iter().find(|v| v.key == key)
    }
}

/// The reproduction.
pub struct DieDatRepro;

impl Experiment for DieDatRepro {
    type Config = DieDatReproConfig;
    type Metrics = DieDatMetrics;

    fn id(&self) -> &'static str {
        "die-dat"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<DieDatReproConfig> {
        Ok(DieDatReproConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &DieDatReproConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &DieDatReproConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<DieDatMetrics> {
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &DieDatMetrics) -> Vec<MetricRow> {
        let mut rows = vec![
            MetricRow::new("majority", "test", "accuracy", m.majority_rate),
            MetricRow::new("bigram_lm", "test", "accuracy", m.bigram_accuracy),
        ];
        for v in &m.variants {
            rows.push(MetricRow::new(&v.key, "test", "accuracy", v.accuracy));
            rows.push(MetricRow::new(&v.key, "test", "f1_macro", v.f1_macro));
            if let Some(p) = v.pos_accuracy {
                rows.push(MetricRow::new(&v.key, "test", "pos_accuracy", p));
            }
            for (s, a) in &v.accuracy_by_source {
                rows.push(MetricRow::new(&v.key, format!("test/{s}"), "accuracy", *a));
            }
        }
        rows
    }

    fn summary(&self, m: &DieDatMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.fold == "test")
            .collect()
    }
}
