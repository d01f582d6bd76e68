//! What a `gmna` run measured (`metrics.json`), and its rows for `metrics.csv` and the
//! end-of-run summary.

use deepfield_core::metrics::ClassificationReport;
use deepfield_core::repro::MetricRow;
use serde::{Deserialize, Serialize};

use crate::gmna::corpus::CorpusSummary;
use crate::gmna::network::{Edge, NodeStrength};

/// Accuracy, balanced accuracy and macro F1 of one fold's test genomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldScores {
    /// 1-based fold.
    pub fold: usize,
    pub genomes: usize,
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub f1_macro: f64,
}

/// One classifier's out-of-fold scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScores {
    /// Over every genome that got an out-of-fold prediction.
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub f1_macro: f64,
    /// Genomes with an out-of-fold prediction.
    pub evaluated: usize,
    /// `confusion[true][predicted]`, pooled over the folds.
    pub confusion: Vec<Vec<u64>>,
    pub per_fold: Vec<FoldScores>,
}

impl ModelScores {
    /// From the pooled report and the per-fold ones.
    pub fn new(pooled: &ClassificationReport, per_fold: Vec<FoldScores>) -> Self {
        ModelScores {
            accuracy: pooled.accuracy,
            balanced_accuracy: pooled.balanced_accuracy,
            f1_macro: pooled.f1_macro,
            evaluated: pooled.n,
            confusion: pooled.confusion.clone(),
            per_fold,
        }
    }
}

/// One misclassification network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSummary {
    /// `M[true][predicted]`: mean out-of-fold probability.
    pub soft_confusion: Vec<Vec<f64>>,
    pub strengths: Vec<NodeStrength>,
    pub top_edges: Vec<Edge>,
    /// Louvain community of each label.
    pub communities: Vec<usize>,
    pub modularity: f64,
    pub edges: usize,
}

/// The networks of both classifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Networks {
    pub naive_bayes: NetworkSummary,
    pub cnn: NetworkSummary,
}

/// k-mer profiling throughput (feeds the report's scale plan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profiling {
    pub k: usize,
    pub bases: u64,
    pub seconds: f64,
    pub bases_per_second: f64,
    pub mean_distinct_kmers_per_genome: f64,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GmnaMetrics {
    pub id: String,
    pub label_column: String,
    /// Class names, most frequent first.
    pub labels: Vec<String>,
    pub genomes: usize,
    pub corpus: CorpusSummary,
    pub folds: usize,
    pub cnn_folds: usize,
    /// Accuracy of always answering the most frequent label.
    pub majority_accuracy: f64,
    pub naive_bayes: ModelScores,
    pub cnn: ModelScores,
    /// Nucleotides of each genome the CNN reads.
    pub cnn_input_length: usize,
    pub cnn_epochs: usize,
    pub networks: Networks,
    pub profiling: Profiling,
    pub seed: u64,
}

/// The rows of `metrics.csv`: `majority_class`, `naive_bayes` and `cnn` pooled out-of-fold
/// (fold empty) and per fold (`fold_1`, …), each network's modularity and edges (fold
/// `network`), and the profiling throughput.
pub fn metric_rows(m: &GmnaMetrics) -> Vec<MetricRow> {
    let mut rows = vec![MetricRow::new(
        "majority_class",
        "",
        "accuracy",
        m.majority_accuracy,
    )];
    for (name, s) in [("naive_bayes", &m.naive_bayes), ("cnn", &m.cnn)] {
        rows.push(MetricRow::new(name, "", "accuracy", s.accuracy));
        rows.push(MetricRow::new(
            name,
            "",
            "balanced_accuracy",
            s.balanced_accuracy,
        ));
        rows.push(MetricRow::new(name, "", "f1_macro", s.f1_macro));
        rows.push(MetricRow::new(
            name,
            "",
            "genomes_evaluated",
            s.evaluated as f64,
        ));
        for f in &s.per_fold {
            let fold = format!("fold_{}", f.fold);
            rows.push(MetricRow::new(name, &fold, "accuracy", f.accuracy));
            rows.push(MetricRow::new(
                name,
                &fold,
                "balanced_accuracy",
                f.balanced_accuracy,
            ));
            rows.push(MetricRow::new(name, &fold, "f1_macro", f.f1_macro));
        }
    }
    for (name, n) in [
        ("naive_bayes", &m.networks.naive_bayes),
        ("cnn", &m.networks.cnn),
    ] {
        rows.push(MetricRow::new(name, "network", "modularity", n.modularity));
        rows.push(MetricRow::new(name, "network", "edges", n.edges as f64));
    }
    rows.push(MetricRow::new(
        "kmer_profiling",
        "",
        "bases_per_second",
        m.profiling.bases_per_second,
    ));
    rows
}

/// The headline numbers printed at the end of a run: pooled out-of-fold scores and the
/// networks' modularity.
pub fn summary(m: &GmnaMetrics) -> Vec<MetricRow> {
    metric_rows(m)
        .into_iter()
        .filter(|r| {
            (r.fold.is_empty() && r.metric != "genomes_evaluated" && r.model != "kmer_profiling")
                || r.metric == "modularity"
        })
        .collect()
}
