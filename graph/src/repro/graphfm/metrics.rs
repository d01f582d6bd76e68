//! What a run measured: one [`RunRecord`] per (method, seed, mode), summarised per method and
//! mode into [`GraphFmMetrics`] (`metrics.json`), and the rows of `metrics.csv`.

use std::collections::BTreeMap;

use deepfield_core::repro::MetricRow;
use serde::{Deserialize, Serialize};

use crate::graph::GraphStats;
use crate::train::TrainStats;

/// One (method, seed, mode) outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub method: String,
    pub seed: u64,
    /// `full-batch` or `mini-batch`.
    pub mode: String,
    /// Test accuracy: the supervised model's, or the linear probe's on the embeddings.
    pub accuracy: f64,
    pub nmi: Option<f64>,
    pub ari: Option<f64>,
    pub link_auc: Option<f64>,
    pub link_ap: Option<f64>,
    pub stats: TrainStats,
}

/// Mean, standard deviation and number of seeds of one number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stat {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl Stat {
    /// Over `values` (None when empty).
    pub fn of(values: &[f64]) -> Option<Stat> {
        (!values.is_empty()).then(|| {
            let (mean, std) = deepfield_core::metrics::mean_std(values);
            Stat {
                mean,
                std,
                n: values.len(),
            }
        })
    }
}

/// A method's numbers in one mode, over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModeMetrics {
    pub accuracy: Stat,
    pub nmi: Option<Stat>,
    pub ari: Option<Stat>,
    pub link_auc: Option<Stat>,
    pub link_ap: Option<Stat>,
    pub seconds: Stat,
    pub nodes_per_s: Stat,
    pub peak_mib: Option<Stat>,
}

/// A method's numbers, full-batch (every seed) and mini-batch (first seed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodMetrics {
    #[serde(
        rename = "full-batch",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub full_batch: Option<ModeMetrics>,
    #[serde(
        rename = "mini-batch",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mini_batch: Option<ModeMetrics>,
}

impl MethodMetrics {
    /// The numbers of `mode` (`full-batch` or `mini-batch`).
    pub fn mode(&self, mode: &str) -> Option<&ModeMetrics> {
        match mode {
            "full-batch" => self.full_batch.as_ref(),
            _ => self.mini_batch.as_ref(),
        }
    }
}

/// `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraphFmMetrics {
    /// The graph's name (its folder or node file).
    pub graph: String,
    pub graph_stats: GraphStats,
    /// The standard benchmark the data is (`cora`, `citeseer`, `pubmed` with its public split),
    /// when it is one: only then are published numbers compared.
    pub benchmark: Option<String>,
    /// The dataset preset the methods ran with.
    pub preset: Option<String>,
    pub seeds: usize,
    pub seed: u64,
    pub device: String,
    pub threads: usize,
    /// By method name.
    pub methods: BTreeMap<String, MethodMetrics>,
    /// Every run.
    pub runs: Vec<RunRecord>,
}

fn mode_metrics(runs: &[&RunRecord]) -> Option<ModeMetrics> {
    let get = |f: &dyn Fn(&RunRecord) -> Option<f64>| {
        Stat::of(&runs.iter().filter_map(|r| f(r)).collect::<Vec<_>>())
    };
    Some(ModeMetrics {
        accuracy: get(&|r| Some(r.accuracy))?,
        nmi: get(&|r| r.nmi),
        ari: get(&|r| r.ari),
        link_auc: get(&|r| r.link_auc),
        link_ap: get(&|r| r.link_ap),
        seconds: get(&|r| Some(r.stats.seconds))?,
        nodes_per_s: get(&|r| Some(r.stats.nodes_per_s))?,
        peak_mib: get(&|r| r.stats.peak_mib),
    })
}

/// Every method's numbers over `runs`.
pub fn by_method(methods: &[String], runs: &[RunRecord]) -> BTreeMap<String, MethodMetrics> {
    methods
        .iter()
        .map(|m| {
            let of = |mode: &str| {
                let rs: Vec<&RunRecord> = runs
                    .iter()
                    .filter(|r| &r.method == m && r.mode == mode)
                    .collect();
                mode_metrics(&rs)
            };
            (
                m.clone(),
                MethodMetrics {
                    full_batch: of("full-batch"),
                    mini_batch: of("mini-batch"),
                },
            )
        })
        .collect()
}

/// The task and metric names of a run's numbers.
fn run_numbers(r: &RunRecord) -> Vec<(&'static str, &'static str, Option<f64>)> {
    vec![
        ("node-classification", "accuracy", Some(r.accuracy)),
        ("link-prediction", "auc", r.link_auc),
        ("link-prediction", "ap", r.link_ap),
        ("clustering", "nmi", r.nmi),
        ("clustering", "ari", r.ari),
        ("training", "seconds", Some(r.stats.seconds)),
        ("training", "nodes_per_s", Some(r.stats.nodes_per_s)),
        ("training", "peak_mib", r.stats.peak_mib),
    ]
}

/// The mean rows of one method and mode (`<mode>/mean/<task>`).
fn mean_rows(method: &str, mode: &str, m: &ModeMetrics) -> Vec<MetricRow> {
    let all = [
        ("node-classification", "accuracy", Some(m.accuracy)),
        ("link-prediction", "auc", m.link_auc),
        ("link-prediction", "ap", m.link_ap),
        ("clustering", "nmi", m.nmi),
        ("clustering", "ari", m.ari),
        ("training", "seconds", Some(m.seconds)),
        ("training", "nodes_per_s", Some(m.nodes_per_s)),
        ("training", "peak_mib", m.peak_mib),
    ];
    let mut rows = Vec::new();
    for (task, metric, s) in all {
        if let Some(s) = s {
            let fold = format!("{mode}/mean/{task}");
            rows.push(MetricRow::new(method, &fold, metric, s.mean));
            rows.push(MetricRow::new(
                method,
                &fold,
                format!("{metric}_std"),
                s.std,
            ));
        }
    }
    rows
}

/// `metrics.csv`: per method the means over seeds (`full-batch/mean/node-classification,
/// accuracy`), then every run (`full-batch/seed 0/link-prediction, auc`).
pub fn rows(m: &GraphFmMetrics) -> Vec<MetricRow> {
    let mut out = Vec::new();
    for (method, mm) in &m.methods {
        for mode in ["full-batch", "mini-batch"] {
            if let Some(x) = mm.mode(mode) {
                out.extend(mean_rows(method, mode, x));
            }
        }
    }
    for r in &m.runs {
        for (task, metric, v) in run_numbers(r) {
            if let Some(v) = v {
                let fold = format!("{}/seed {}/{task}", r.mode, r.seed);
                out.push(MetricRow::new(&r.method, fold, metric, v));
            }
        }
    }
    out
}

/// The end-of-run table: each method's full-batch test accuracy, link AUC and clustering NMI
/// (means over seeds).
pub fn summary(m: &GraphFmMetrics) -> Vec<MetricRow> {
    let mut out = Vec::new();
    for (method, mm) in &m.methods {
        let Some(f) = &mm.full_batch else { continue };
        let fold = |task: &str| format!("full-batch/mean/{task}");
        out.push(MetricRow::new(
            method,
            fold("node-classification"),
            "accuracy",
            f.accuracy.mean,
        ));
        if let Some(s) = f.link_auc {
            out.push(MetricRow::new(
                method,
                fold("link-prediction"),
                "auc",
                s.mean,
            ));
        }
        if let Some(s) = f.nmi {
            out.push(MetricRow::new(method, fold("clustering"), "nmi", s.mean));
        }
    }
    out
}
