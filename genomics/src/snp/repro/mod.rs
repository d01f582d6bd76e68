//! `deep-snp`: breakpoint detection and attention localisation in SNP-array windows.
//!
//! Paper: Eghbal-zadeh et al., "Deep SNP: An End-to-end Deep Neural Network with Attention-based
//! Localization for Break-point Detection in SNP Array Genomic data" (2018); see
//! [`crate::snp::model`]. The paper trained on private clinical (neuroblastoma) arrays; here
//! the documented simulator ([`crate::snp::simulate`]) provides training data and truth, and the
//! trained model is then run on the real PennCNV example trio (no truth labels).
//!
//! Windows of 40,000 probes (stride 20,000) in the full run; the quick run (tests) uses
//! 4,000-probe windows from 16,000-probe chromosomes so that it trains in seconds on a CPU — its
//! numbers are not the full run's. Baseline: a binary-segmentation split statistic on the same
//! windows ([`crate::snp::changepoint`]).
//!
//! Decisions: the network's breakpoint probability is cut at a threshold chosen on the
//! validation windows (F1-maximising, ties → higher; [`crate::snp::threshold`]), saved with the
//! model (a `genomics.deep_snp` model, [`DeepSnpDetectorConfig`], field `decision_threshold`) and
//! used for the test metrics, the report, the real-array calls and `predict deep-snp`
//! ([`crate::snp::predict`]). The metrics at the fixed 0.5 cut are reported too.
//!
//! Files: [`config`] (the run config) → [`data`] (simulated windows) → training here →
//! [`evaluate`] (test windows, baseline) → [`metrics`] (typed `metrics.json`, `metrics.csv`
//! rows) → [`report`].

mod config;
mod data;
mod evaluate;
mod metrics;
mod report;

use std::path::{Path, PathBuf};

use deepfield_core::data::DatasetSpec;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{model_dir, Experiment, MetricRow, ReproOptions};
use deepfield_core::train::{write_histories_csv, Task};
use tch::nn::VarStore;

use super::detector::DeepSnpDetectorConfig;
use super::signal::read_penncnv;
use crate::progress::fit_logged;
use crate::Result;

pub use config::DeepSnpRunConfig;
pub use data::{simulate_windows, WindowSet};
pub use metrics::{
    BaselineScores, CutScores, DeepSnpMetrics, DeepSnpScores, Localisation, WindowCounts,
};
// Inference lives in [`super::predict`]; re-exported for callers of the former paths.
pub use super::predict::{
    attention_peak, predict, predict_signal, predict_signal_with, predictions_csv, WindowPrediction,
};

/// The PennCNV example trio in the data directory.
pub const DATASET: DatasetSpec = DatasetSpec {
    name: "snp_array_penncnv",
    files: &["offspring.txt", "father.txt", "mother.txt"],
    source: "WGLab/PennCNV (Unlicense), example/father.txt, mother.txt, offspring.txt \
             (Illumina LRR/BAF for a trio, chromosomes 3, 11, 20, X)",
};

/// The real files the trained model runs on, in `DATASET`.
pub const REAL_FILES: [&str; 3] = ["offspring.txt", "father.txt", "mother.txt"];

/// The reproduction.
pub struct DeepSnpRepro;

impl Experiment for DeepSnpRepro {
    type Config = DeepSnpRunConfig;
    type Metrics = DeepSnpMetrics;

    fn id(&self) -> &'static str {
        "deep-snp"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<DeepSnpRunConfig> {
        let mut cfg = if opts.quick {
            DeepSnpRunConfig::quick(opts.seed)
        } else {
            DeepSnpRunConfig {
                seed: opts.seed,
                ..Default::default()
            }
        };
        cfg.train.seed = opts.seed;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self, cfg: &DeepSnpRunConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &DeepSnpRunConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<DeepSnpMetrics> {
        let dir = opts.dataset(&DATASET)?;
        Ok(run(cfg, &dir, &opts.out)?)
    }

    fn metric_rows(&self, m: &DeepSnpMetrics) -> Vec<MetricRow> {
        metrics::metric_rows(m)
    }

    fn summary(&self, m: &DeepSnpMetrics) -> Vec<MetricRow> {
        metrics::summary(m)
    }
}

/// Run the whole reproduction: simulate, train, evaluate against the baseline, run on the real
/// trio in `data_dir`, write plots, `history.csv`, the model and the report into `out`
/// (`config.json` and `metrics.json` are the runner's, [`deepfield_core::repro::Typed`]).
pub fn run(cfg: &DeepSnpRunConfig, data_dir: &Path, out: &Path) -> Result<DeepSnpMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(out)?;
    let mut rng = deepfield_core::Rng::new(cfg.seed ^ 0xD5_5A);
    eprintln!(
        "deep-snp: simulating {}/{}/{} train/val/test windows of {} probes",
        cfg.train_windows, cfg.val_windows, cfg.test_windows, cfg.windows.length
    );
    let train = simulate_windows(cfg, cfg.train_windows, &mut rng, "train")?;
    let val = simulate_windows(cfg, cfg.val_windows, &mut rng, "val")?;
    let test = simulate_windows(cfg, cfg.test_windows, &mut rng, "test")?;

    deepfield_core::seed(cfg.seed);
    let mut vs = VarStore::new(deepfield_core::device());
    let model = cfg.model.init(&vs.root())?;
    let mut tc = cfg.train.clone();
    tc.seed = cfg.seed;
    let history = fit_logged(
        "deep-snp",
        tc,
        Task::classification(2),
        &model,
        &mut vs,
        &train.dataset()?,
        Some(&val.dataset()?),
    )?;
    write_histories_csv(
        &results.file("history.csv"),
        &[("deep_snp".to_string(), &history)],
    )?;

    let ev = evaluate::evaluate(cfg, &model, &train, &val, &test)?;

    // The model as saved: the network and what its predictions depend on.
    let detector = DeepSnpDetectorConfig {
        model: cfg.model.clone(),
        windows: cfg.windows.clone(),
        decision_threshold: ev.deep_snp.threshold,
        baseline_min_segment: cfg.baseline_min_segment,
        baseline_threshold: ev.baseline.threshold,
    };

    // Real arrays (no truth).
    let mut real = Vec::new();
    let mut skipped = Vec::new();
    for f in REAL_FILES {
        let path = data_dir.join(f);
        let p = predict_signal_with(&model, &detector, &read_penncnv(&path)?, &path)?;
        eprintln!("deep-snp: {f}: {} windows", p.windows.len());
        for s in &p.skipped {
            eprintln!("deep-snp: {s}");
        }
        real.extend(p.windows);
        skipped.extend(p.skipped);
    }
    deepfield_core::fsutil::write_atomic(
        &results.file("real_predictions.csv"),
        predictions_csv(&real)?.as_bytes(),
    )?;

    let metrics = DeepSnpMetrics {
        id: "deep-snp".into(),
        window_probes: cfg.windows.length,
        stride: cfg.windows.stride,
        windows: WindowCounts {
            train: train.n(),
            val: val.n(),
            test: test.n(),
        },
        deep_snp: ev.deep_snp.clone(),
        baseline: ev.baseline.clone(),
        epochs_run: history.epochs.len(),
        best_epoch: history.best_epoch,
        real_windows: real.len(),
        real_windows_called: real.iter().filter(|p| p.breakpoint_call).count(),
        real_skipped: skipped,
        seed: cfg.seed,
    };
    super::predict::save(&model_dir(out), &vs, &detector, Some(&metrics))?;

    report::write_plots(&results, &metrics, &history, ev.positives.len())?;
    report::plot_example(
        &results.file("example_window.png"),
        &test,
        &ev.attention,
        &ev.positives,
    )?;
    report::write_report(cfg, &metrics, &real, data_dir, &results)?;
    Ok(metrics)
}

/// Default output folder.
pub fn default_out() -> PathBuf {
    PathBuf::from("results/deep-snp")
}
