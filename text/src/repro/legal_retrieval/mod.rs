//! `legal-retrieval`: BM25 (tantivy) as the first stage, the attentive neural ranker of Nguyen
//! et al. ("Attentive Deep Neural Networks for Legal Document Retrieval", AI & Law 2022/2024)
//! re-scoring every statute, and the two mixed, on AILA 2019's statute retrieval task
//! (`legal_retrieval_aila2019`: 40 queries, 197 statutes).
//!
//! Protocol: k-fold cross-validation over queries (default 5 folds of 8, queries shuffled with
//! the seed; no query is ever in both a fold's training and test part). Inside each fold the
//! training queries are split again: `1 − val_fraction` train the ranker, the rest choose the
//! kept weights (best validation MAP of the ranker) and the mixing weight (best validation
//! MAP of the mix). BM25 needs no training. Every query is tested exactly once; the test runs
//! of all folds are pooled and scored with trec_eval's measures plus COLIEE's F2
//! ([`crate::retrieval::metrics`]).
//!
//! [`LegalRetrievalConfig`] and [`LegalRetrievalMetrics`] here, the run in [`run`], the report
//! in [`report`], the data in [`data`].

pub mod data;
pub mod report;
#[cfg(feature = "search")]
pub mod run;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};

use crate::retrieval::metrics::Measures;
use crate::retrieval::ranker::AttentiveRankerConfig;
use crate::retrieval::train::{RankerTrainConfig, TrainPoint};

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LegalRetrievalConfig {
    /// Folds over the queries.
    pub folds: usize,
    /// How many of the folds to run (all in the full run; the quick run stops early and its
    /// pooled numbers cover only the tested queries).
    pub run_folds: usize,
    /// Share of a fold's training queries held out to choose weights and the mixing weight.
    pub val_fraction: f64,
    /// The ranker (`vocab_size` and `bm25_weight` are set per fold at run time).
    pub ranker: AttentiveRankerConfig,
    pub train: RankerTrainConfig,
    /// Vocabulary: words seen at least this often in the statutes and training queries.
    pub vocab_min_freq: usize,
    pub vocab_max: usize,
    /// Mixing weights tried: 0, 1/mix_grid, …, 1.
    pub mix_grid: usize,
    /// Cut-offs of P, recall, nDCG and F2.
    pub ks: Vec<usize>,
    /// Depth of the recall@k curve.
    pub curve_depth: usize,
    pub seed: u64,
}

impl Default for LegalRetrievalConfig {
    fn default() -> Self {
        LegalRetrievalConfig::new(false, 0)
    }
}

impl LegalRetrievalConfig {
    /// The full run, or the quick one (2 folds, a smaller ranker, fewer steps).
    pub fn new(quick: bool, seed: u64) -> Self {
        let mut ranker = AttentiveRankerConfig::default();
        let mut train = RankerTrainConfig {
            seed,
            ..RankerTrainConfig::default()
        };
        // one CPU thread: 16 sentences × 32 words per text and 300 steps keep a fold at a few
        // minutes (the ranker's own defaults read 24 × 40)
        ranker.max_sentences = 16;
        ranker.max_words = 32;
        train.steps = 300;
        if quick {
            ranker.embed_dim = 32;
            ranker.hidden = 16;
            ranker.attention = 16;
            ranker.mlp_hidden = 16;
            ranker.max_sentences = 12;
            ranker.max_words = 30;
            train.steps = 60;
            train.eval_every = 20;
        }
        LegalRetrievalConfig {
            folds: 5,
            run_folds: if quick { 2 } else { 5 },
            val_fraction: 0.25,
            ranker,
            train,
            vocab_min_freq: 2,
            vocab_max: 20_000,
            mix_grid: 20,
            ks: vec![5, 10, 20],
            curve_depth: 30,
            seed,
        }
    }

    /// Check the values.
    pub fn validate(&self) -> crate::Result<()> {
        self.ranker.validate()?;
        self.train.validate()?;
        if self.folds < 2 || self.run_folds == 0 || self.run_folds > self.folds {
            return Err(crate::Error::config(format!(
                "legal-retrieval: need folds ≥ 2 and 1 ≤ run_folds ≤ folds, got {} / {}",
                self.folds, self.run_folds
            )));
        }
        if !(self.val_fraction > 0.0 && self.val_fraction < 1.0) {
            return Err(crate::Error::config(
                "legal-retrieval: val_fraction must be in (0, 1)",
            ));
        }
        if !self.ks.contains(&10) || !self.ks.contains(&20) || self.curve_depth == 0 {
            return Err(crate::Error::config(
                "legal-retrieval: ks must include 10 and 20 (P@10, Recall@10/@20) and \
                 curve_depth must be ≥ 1",
            ));
        }
        Ok(())
    }
}

/// One method's pooled test results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    /// `bm25`, `prior` (query-blind statute frequency), `ranker` or `mix`.
    pub key: String,
    pub name: String,
    /// Mean over the tested queries of every measure (`map`, `P_10`, `recall_10`, …).
    pub mean: Measures,
    /// Test MAP of each fold run.
    pub fold_map: Vec<f64>,
    /// Mean recall at k = 1 … curve_depth.
    pub recall_curve: Vec<f64>,
}

/// One fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    pub fold: usize,
    pub train_queries: usize,
    pub val_queries: usize,
    pub test_queries: Vec<String>,
    pub vocab_size: usize,
    /// Mixing weight of BM25 chosen on the validation queries.
    pub bm25_weight: f64,
    pub val_map_bm25: f64,
    pub val_map_ranker: f64,
    pub val_map_mix: f64,
    pub history: Vec<TrainPoint>,
    pub train_seconds: f64,
}

/// A published AILA 2019 run for comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    pub run: String,
    pub measures: BTreeMap<String, f64>,
    pub source: String,
    /// False when the numbers could not be checked against the overview paper here.
    pub verified: bool,
}

/// The goals, checked on the pooled test runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goals {
    pub mix_beats_bm25_map: bool,
    pub mix_beats_bm25_recall_10: bool,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalRetrievalMetrics {
    pub data: String,
    pub queries: usize,
    pub statutes: usize,
    pub relevant_pairs: usize,
    /// Queries tested (pooled over the folds run).
    pub tested_queries: usize,
    pub methods: Vec<MethodResult>,
    pub folds: Vec<FoldResult>,
    pub anchors: Vec<Anchor>,
    pub goals: Goals,
    pub seed: u64,
}

impl LegalRetrievalMetrics {
    /// A method's results by key.
    pub fn get(&self, key: &str) -> Option<&MethodResult> {
        self.methods.iter().find(|m| m.key == key)
    }
}

/// The measures shown in tables and metric rows.
pub const HEADLINE: [&str; 7] = [
    "map",
    "P_10",
    "recall_10",
    "recall_20",
    "bpref",
    "F2_5",
    "ndcg_cut_10",
];

/// The reproduction.
pub struct LegalRetrieval;

impl Experiment for LegalRetrieval {
    type Config = LegalRetrievalConfig;
    type Metrics = LegalRetrievalMetrics;

    fn id(&self) -> &'static str {
        "legal-retrieval"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<LegalRetrievalConfig> {
        let c = LegalRetrievalConfig::new(opts.quick, opts.seed);
        c.validate()?;
        Ok(c)
    }

    fn validate(&self, cfg: &LegalRetrievalConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &LegalRetrievalConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<LegalRetrievalMetrics> {
        #[cfg(feature = "search")]
        return Ok(run::run(cfg, opts)?);
        #[cfg(not(feature = "search"))]
        {
            let _ = (cfg, opts);
            Err(crate::Error::config(
                "legal-retrieval needs BM25: build deepfield-text with its `search` feature (on by default)",
            )
            .into())
        }
    }

    fn metric_rows(&self, m: &LegalRetrievalMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for method in &m.methods {
            for k in HEADLINE {
                if let Some(v) = method.mean.get(k) {
                    rows.push(MetricRow::new(&method.key, "test", k, *v));
                }
            }
            for (i, v) in method.fold_map.iter().enumerate() {
                rows.push(MetricRow::new(&method.key, format!("fold{i}"), "map", *v));
            }
        }
        rows
    }

    fn summary(&self, m: &LegalRetrievalMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.fold == "test")
            .collect()
    }
}
