//! `gmna`: genome misclassification network analysis on SARS-CoV-2 genomes.
//!
//! Paper: Wan He, Tina Eliassi-Rad, Samuel V. Scarpino, "A Misclassification Network-Based Method
//! for Comparative Genomic Analysis" (arXiv 2412.07051). GMNA trains sampling-location
//! classifiers on genomes (multinomial Naive Bayes on k-mer counts, and CNNs), turns their soft
//! misclassifications into a weighted network between locations, and analyses the network; on
//! > 500,000 SARS-CoV-2 genomes its edges tracked human mobility.
//!
//! Here: the 418 Nextstrain example genomes (2019-12 → 2020-05), label = `region` by default
//! (`country` selectable), stratified k-fold cross-validation, out-of-fold probabilities of both
//! models → soft confusion → `petgraph` network → strengths, top edges, Louvain communities,
//! DOT/GraphML/PNG. Differences from the paper: a 418-genome corpus instead of 500,000, so the
//! network has few nodes and no mobility data to correlate with; a small CNN; no LOCO training.
//!
//! Files: [`config`] → [`folds`] (out-of-fold Naive Bayes and CNN) → [`networks`] →
//! [`metrics`] (typed `metrics.json`, `metrics.csv` rows) → [`report`].

mod config;
mod folds;
mod metrics;
mod networks;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use deepfield_core::data::split::stratified_kfold;
use deepfield_core::data::DatasetSpec;
use deepfield_core::report::{plots, ResultsDir};
use deepfield_core::repro::{model_dir, Experiment, MetricRow, ReproOptions};
use deepfield_core::train::write_histories_csv;

use super::cnn::{self, GmnaCnnConfig};
use super::corpus;
use super::folder::{self, GmnaNaiveBayes};
use super::naive_bayes::MultinomialNb;
use crate::seq::SparseProfile;
use crate::Result;

pub use config::GmnaConfig;
pub use metrics::{FoldScores, GmnaMetrics, ModelScores, NetworkSummary, Networks, Profiling};
// Inference lives in [`super::predict`]; re-exported for callers of the former paths.
pub use super::predict::{evaluate_fasta, GmnaEval, LabelsSpec, NB_FILE};

/// The Nextstrain example genomes in the data directory.
pub const DATASET: DatasetSpec = DatasetSpec {
    name: "sarscov2_nextstrain_example",
    files: &["example_sequences.fasta.gz", "example_metadata.tsv"],
    source: "nextstrain/ncov (MIT), data/example_sequences.fasta.gz and data/example_metadata.tsv \
             (418 GenBank SARS-CoV-2 genomes with sampling-location metadata)",
};

/// The reproduction.
pub struct Gmna;

impl Experiment for Gmna {
    type Config = GmnaConfig;
    type Metrics = GmnaMetrics;

    fn id(&self) -> &'static str {
        "gmna"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<GmnaConfig> {
        let cfg = if opts.quick {
            GmnaConfig::quick(opts.seed)
        } else {
            GmnaConfig {
                seed: opts.seed,
                ..Default::default()
            }
        };
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self, cfg: &GmnaConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &GmnaConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<GmnaMetrics> {
        let dir = opts.dataset(&DATASET)?;
        Ok(run(
            cfg,
            &dir.join("example_sequences.fasta.gz"),
            &dir.join("example_metadata.tsv"),
            &dir,
            &opts.out,
        )?)
    }

    fn metric_rows(&self, m: &GmnaMetrics) -> Vec<MetricRow> {
        metrics::metric_rows(m)
    }

    fn summary(&self, m: &GmnaMetrics) -> Vec<MetricRow> {
        metrics::summary(m)
    }
}

/// Run GMNA on a FASTA + metadata pair, writing plots, networks, `history.csv`, the model and
/// the report into `out` (`config.json` and `metrics.json` are the runner's,
/// [`deepfield_core::repro::Typed`]).
pub fn run(
    cfg: &GmnaConfig,
    fasta: &Path,
    metadata: &Path,
    data_dir: &Path,
    out: &Path,
) -> Result<GmnaMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(out)?;
    let corpus = corpus::load(
        fasta,
        metadata,
        &cfg.id_column,
        &cfg.label_column,
        cfg.min_class_size,
    )?;
    let n = corpus.records.len();
    let n_classes = corpus.labels.len();
    eprintln!(
        "gmna: {n} genomes, {n_classes} classes of `{}`; profiling {}-mers",
        cfg.label_column, cfg.profile.k
    );

    // k-mer profiles (timed: the throughput feeds the scale plan).
    let t0 = Instant::now();
    let bar = deepfield_core::progress::bar(n as u64, "k-mer profiles");
    let profiles: Vec<SparseProfile> = corpus
        .records
        .iter()
        .map(|r| {
            bar.inc(1);
            cfg.profile.sparse(&r.seq)
        })
        .collect::<Result<_>>()?;
    bar.finish_and_clear();
    let profile_secs = t0.elapsed().as_secs_f64();
    let bases: u64 = corpus.records.iter().map(|r| r.seq.len() as u64).sum();
    let mean_nnz = profiles.iter().map(|p| p.nnz()).sum::<usize>() as f64 / n as f64;

    let y_i64: Vec<i64> = corpus.y.iter().map(|&c| c as i64).collect();
    let folds = stratified_kfold(&y_i64, cfg.folds, Some(cfg.seed))?;

    let nb = folds::naive_bayes(cfg, &profiles, &corpus.y, n_classes, &folds)?;
    let refs: Vec<&crate::seq::Record> = corpus.records.iter().collect();
    let x_all = cnn::one_hot_tensor(&refs, cfg.cnn.length);
    let mut cnn_model_cfg = cfg.cnn.model.clone();
    cnn_model_cfg.output = n_classes as i64;
    let cnn_run = folds::cnn_folds(cfg, &cnn_model_cfg, &x_all, &y_i64, n_classes, &folds)?;
    let runs: Vec<(String, &deepfield_core::train::History)> = cnn_run
        .histories
        .iter()
        .enumerate()
        .map(|(k, h)| (format!("cnn/fold_{}", k + 1), h))
        .collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;

    let (nb_rep, nb_scores) = nb.scores(&y_i64, n_classes)?;
    let (cnn_rep, cnn_scores) = cnn_run.out.scores(&y_i64, n_classes)?;
    let majority = corpus.summary.genomes_per_label[0].1 as f64 / n as f64;

    let network = |name: &str, o: &folds::OutOfFold| {
        networks::network(
            name,
            o,
            &corpus,
            &cfg.label_column,
            cfg.edge_threshold,
            &results,
        )
    };
    let networks = Networks {
        naive_bayes: network("naive_bayes", &nb)?,
        cnn: network("cnn", &cnn_run.out)?,
    };
    plots::confusion_matrix(
        &results.file("confusion_naive_bayes.png"),
        &nb_rep.confusion,
        &corpus.labels,
        "Naive Bayes (out-of-fold)",
    )?;
    plots::confusion_matrix(
        &results.file("confusion_cnn.png"),
        &cnn_rep.confusion,
        &corpus.labels,
        "CNN (out-of-fold)",
    )?;
    if let Some(h) = cnn_run.histories.first() {
        plots::training_curves(
            &results.file("cnn_training_curves.png"),
            &h.train_losses(),
            None,
            None,
        )?;
    }

    let metrics = GmnaMetrics {
        id: "gmna".into(),
        label_column: cfg.label_column.clone(),
        labels: corpus.labels.clone(),
        genomes: n,
        corpus: corpus.summary.clone(),
        folds: cfg.folds,
        cnn_folds: cfg.cnn_folds,
        majority_accuracy: majority,
        naive_bayes: nb_scores,
        cnn: cnn_scores,
        cnn_input_length: cfg.cnn.length,
        cnn_epochs: cfg.cnn.train.epochs,
        networks,
        profiling: Profiling {
            k: cfg.profile.k,
            bases,
            seconds: profile_secs,
            bases_per_second: bases as f64 / profile_secs.max(1e-9),
            mean_distinct_kmers_per_genome: mean_nnz,
        },
        seed: cfg.seed,
    };

    // Model: Naive Bayes refitted on every genome + the fold-1 CNN.
    let all: Vec<&SparseProfile> = profiles.iter().collect();
    let nb_all = MultinomialNb::fit(&all, &corpus.y, n_classes, cfg.nb_alpha)?;
    let cnn_saved = GmnaCnnConfig {
        length: cfg.cnn.length,
        label_column: cfg.label_column.clone(),
        labels: corpus.labels.clone(),
        network: cnn_model_cfg,
    };
    let nb_saved = GmnaNaiveBayes {
        profile: cfg.profile.clone(),
        labels: corpus.labels.clone(),
        model: nb_all,
    };
    folder::save(
        &model_dir(out),
        &cnn_run.first,
        &cnn_saved,
        &nb_saved,
        Some(&metrics),
    )?;
    report::write_report(cfg, &corpus, &metrics, data_dir, &results)?;
    Ok(metrics)
}

/// Default output folder.
pub fn default_out() -> PathBuf {
    PathBuf::from("results/gmna")
}
