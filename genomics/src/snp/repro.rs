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

use std::path::{Path, PathBuf};

use deepfield_core::data::{DatasetSpec, TensorDataset};
use deepfield_core::metrics::{classification_report, roc_auc};
use deepfield_core::report::{fmt_num, plots, Comparison, Report, ResultsDir};
use deepfield_core::repro::model_dir;
use deepfield_core::train::{EarlyStopping, OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::Rng;
use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Tensor;

use super::changepoint;
use super::model::{DeepSnp, DeepSnpConfig};
use super::predict::DeepSnpDetectorConfig;
use super::signal::read_penncnv;
use super::simulate::{simulate, SimConfig};
use super::threshold::{calls, choose_f1_threshold};
use super::window::{self, WindowConfig};
use crate::{Error, Result};

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

/// Everything a run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeepSnpRunConfig {
    pub sim: SimConfig,
    pub windows: WindowConfig,
    pub model: DeepSnpConfig,
    pub train: TrainConfig,
    /// Balanced window counts (half with a breakpoint) from disjoint simulated samples.
    pub train_windows: usize,
    pub val_windows: usize,
    pub test_windows: usize,
    /// Chromosomes per simulated sample.
    pub chromosomes_per_sample: usize,
    /// Baseline: shortest segment a split may leave.
    pub baseline_min_segment: usize,
    pub seed: u64,
}

impl Default for DeepSnpRunConfig {
    fn default() -> Self {
        DeepSnpRunConfig {
            sim: SimConfig::default(),
            windows: WindowConfig::default(),
            model: DeepSnpConfig::default(),
            train: TrainConfig {
                epochs: 12,
                batch_size: 16,
                optimizer: OptimizerConfig::adam(1e-3),
                early_stopping: Some(EarlyStopping::new("val_loss", 3)),
                progress: false,
                ..Default::default()
            },
            train_windows: 800,
            val_windows: 200,
            test_windows: 300,
            chromosomes_per_sample: 4,
            baseline_min_segment: 20,
            seed: 0,
        }
    }
}

impl DeepSnpRunConfig {
    /// Quick variant for tests: 4,000-probe windows (stride 2,000) from 16,000-probe chromosomes,
    /// events of 60–3,000 probes, 240/60/120 windows, up to 12 epochs.
    pub fn quick(seed: u64) -> Self {
        let mut c = DeepSnpRunConfig {
            seed,
            train_windows: 240,
            val_windows: 60,
            test_windows: 120,
            ..Default::default()
        };
        c.sim.probes_per_chromosome = 16_000;
        c.sim.min_event_probes = 60;
        c.sim.max_event_probes = 3_000;
        c.windows = WindowConfig {
            length: 4_000,
            stride: 2_000,
            margin: 50,
        };
        c.train.epochs = 12;
        c.train.early_stopping = None;
        c
    }

    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        self.sim.validate()?;
        self.windows.validate()?;
        if self.windows.length > self.sim.probes_per_chromosome {
            return Err(Error::config(
                "windows.length must be ≤ sim.probes_per_chromosome",
            ));
        }
        if self.train_windows < 4 || self.val_windows < 2 || self.test_windows < 2 {
            return Err(Error::config(
                "need ≥ 4 training, ≥ 2 validation and ≥ 2 test windows",
            ));
        }
        Ok(())
    }
}

/// Encoded windows with their truth.
pub struct WindowSet {
    pub len: usize,
    /// `[N × 2 × len]` encodings (see [`window::encode_into`]).
    pub x: Vec<f32>,
    pub labels: Vec<u8>,
    /// Breakpoints inside each window (relative).
    pub breakpoints: Vec<Vec<usize>>,
}

impl WindowSet {
    /// Number of windows.
    pub fn n(&self) -> usize {
        self.labels.len()
    }

    /// LRR and BAF (decoded) of window `i`.
    pub fn channels(&self, i: usize) -> (Vec<f32>, Vec<f32>) {
        let o = i * 2 * self.len;
        let lrr = self.x[o..o + self.len].to_vec();
        let baf = self.x[o + self.len..o + 2 * self.len]
            .iter()
            .map(|v| v / 2.0 + 0.5)
            .collect();
        (lrr, baf)
    }

    /// The inputs `[N, 2, len]` and labels.
    pub fn dataset(&self) -> Result<TensorDataset> {
        let x = Tensor::from_slice(&self.x).view([self.n() as i64, 2, self.len as i64]);
        let y = Tensor::from_slice(&self.labels.iter().map(|&l| l as i64).collect::<Vec<_>>());
        Ok(TensorDataset::new(x, y)?)
    }
}

/// Simulate samples until `n` balanced, unambiguous windows are collected.
pub fn simulate_windows(
    cfg: &DeepSnpRunConfig,
    n: usize,
    rng: &mut Rng,
    tag: &str,
) -> Result<WindowSet> {
    let len = cfg.windows.length;
    let (want_pos, want_neg) = (n / 2, n - n / 2);
    let mut set = WindowSet {
        len,
        x: Vec::with_capacity(n * 2 * len),
        labels: Vec::new(),
        breakpoints: Vec::new(),
    };
    let (mut pos, mut neg) = (0, 0);
    for s in 0..10_000 {
        if pos >= want_pos && neg >= want_neg {
            break;
        }
        let sample = simulate(
            &cfg.sim,
            cfg.chromosomes_per_sample,
            &format!("{tag}{s}"),
            rng,
        )?;
        let ws = window::windows(
            &sample.signal,
            &cfg.windows,
            Some(&sample.breakpoints),
            false,
        )?;
        for w in ws {
            let take = match w.label {
                Some(1) if pos < want_pos => {
                    pos += 1;
                    true
                }
                Some(0) if neg < want_neg => {
                    neg += 1;
                    true
                }
                _ => false,
            };
            if take {
                window::encode_into(&sample.signal, &w, &mut set.x);
                set.labels.push(w.label.unwrap_or(0));
                set.breakpoints.push(w.breakpoints.clone());
            }
        }
    }
    if pos < want_pos || neg < want_neg {
        return Err(Error::config(
            "the simulator settings give too few windows of one class",
        ));
    }
    Ok(set)
}

/// The reproduction.
pub struct DeepSnpRepro;

deepfield_core::reproduction!(DeepSnpRepro, "deep-snp", crate::REPRODUCTIONS, |opts| {
    let mut cfg = if opts.quick {
        DeepSnpRunConfig::quick(opts.seed)
    } else {
        DeepSnpRunConfig {
            seed: opts.seed,
            ..Default::default()
        }
    };
    cfg.train.seed = opts.seed;
    let dir = opts.dataset(&DATASET)?;
    Ok(run(&cfg, &dir, &opts.out)?)
});

/// Localisation errors (probes) of peaks against the nearest true breakpoint.
fn loc_errors(peaks: &[usize], bps: &[Vec<usize>], which: &[usize]) -> Vec<f64> {
    which
        .iter()
        .filter_map(|&i| {
            bps[i]
                .iter()
                .map(|&b| (b as f64 - peaks[i] as f64).abs())
                .min_by(|a, b| a.total_cmp(b))
        })
        .collect()
}

fn summary(errs: &[f64], len: usize) -> serde_json::Value {
    let mut v = errs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| {
        if v.is_empty() {
            f64::NAN
        } else {
            v[((v.len() - 1) as f64 * p).round() as usize]
        }
    };
    let within = |d: f64| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().filter(|&&e| e <= d).count() as f64 / v.len() as f64
        }
    };
    serde_json::json!({
        "n": v.len(),
        "median": q(0.5), "p90": q(0.9),
        "mean": if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 },
        "within_1pct_window": within(len as f64 * 0.01),
        "within_5pct_window": within(len as f64 * 0.05),
    })
}

/// Scores and split positions of the baseline on every window of a set.
fn baseline_scores(set: &WindowSet, min_seg: usize) -> (Vec<f64>, Vec<usize>) {
    (0..set.n())
        .map(|i| {
            let (l, b) = set.channels(i);
            changepoint::best_split(&l, &b, min_seg)
        })
        .unzip()
}

/// Run the whole reproduction: simulate, train, evaluate against the baseline, run on the real
/// trio in `data_dir`, write `out`.
pub fn run(cfg: &DeepSnpRunConfig, data_dir: &Path, out: &Path) -> Result<serde_json::Value> {
    cfg.validate()?;
    let results = ResultsDir::at(out)?;
    let mut rng = Rng::new(cfg.seed ^ 0xD5_5A);
    let train = simulate_windows(cfg, cfg.train_windows, &mut rng, "train")?;
    let val = simulate_windows(cfg, cfg.val_windows, &mut rng, "val")?;
    let test = simulate_windows(cfg, cfg.test_windows, &mut rng, "test")?;

    deepfield_core::seed(cfg.seed);
    let mut vs = VarStore::new(deepfield_core::device());
    let model = cfg.model.init(&vs.root())?;
    let mut tc = cfg.train.clone();
    tc.seed = cfg.seed;
    let history = Trainer::new(tc, Task::classification(2))?.fit(
        &model,
        &mut vs,
        &train.dataset()?,
        Some(&val.dataset()?),
    )?;

    // Decision threshold on the validation windows (never the test windows).
    let (val_probs, _) = predict(&model, &val.dataset()?.x, 32)?;
    let chosen = choose_f1_threshold(&val_probs, &val.labels)?;

    // Test windows.
    let tds = test.dataset()?;
    let (probs, atts) = predict(&model, &tds.x, 32)?;
    let y: Vec<i64> = test.labels.iter().map(|&l| l as i64).collect();
    let pred = calls(&probs, chosen.threshold);
    let rep = classification_report(&y, &pred, 2)?;
    // For transparency: the uncalibrated rule `p > 0.5`.
    let pred_half: Vec<i64> = probs.iter().map(|&p| i64::from(p > 0.5)).collect();
    let rep_half = classification_report(&y, &pred_half, 2)?;
    let auc = roc_auc(&y, &probs)?;
    let peaks: Vec<usize> = atts.iter().map(|a| attention_peak(a, test.len)).collect();
    let positives: Vec<usize> = (0..test.n()).filter(|&i| test.labels[i] == 1).collect();
    let true_pos: Vec<usize> = positives
        .iter()
        .copied()
        .filter(|&i| pred[i] == 1)
        .collect();
    let deep_loc_all = summary(&loc_errors(&peaks, &test.breakpoints, &positives), test.len);
    let deep_loc_tp = summary(&loc_errors(&peaks, &test.breakpoints, &true_pos), test.len);

    // Baseline.
    let (train_scores, _) = baseline_scores(&train, cfg.baseline_min_segment);
    let thr = changepoint::fit_threshold(&train_scores, &train.labels);
    let (scores, splits) = baseline_scores(&test, cfg.baseline_min_segment);
    let bpred: Vec<i64> = scores.iter().map(|&s| i64::from(s > thr)).collect();
    let brep = classification_report(&y, &bpred, 2)?;
    let bauc = roc_auc(&y, &scores)?;
    let base_tp: Vec<usize> = positives
        .iter()
        .copied()
        .filter(|&i| bpred[i] == 1)
        .collect();
    let base_loc_all = summary(
        &loc_errors(&splits, &test.breakpoints, &positives),
        test.len,
    );
    let base_loc_tp = summary(&loc_errors(&splits, &test.breakpoints, &base_tp), test.len);

    // The model as saved: the network and what its predictions depend on.
    let detector = DeepSnpDetectorConfig {
        model: cfg.model.clone(),
        windows: cfg.windows.clone(),
        decision_threshold: chosen.threshold,
        baseline_min_segment: cfg.baseline_min_segment,
        baseline_threshold: thr,
    };

    // Real arrays (no truth).
    let mut real = Vec::new();
    for f in ["offspring.txt", "father.txt", "mother.txt"] {
        let s = read_penncnv(&data_dir.join(f))?;
        real.extend(predict_signal_with(&model, &detector, &s)?);
    }
    deepfield_core::fsutil::write_atomic(
        &results.file("real_predictions.csv"),
        predictions_csv(&real)?.as_bytes(),
    )?;

    let metrics = serde_json::json!({
        "id": "deep-snp",
        "window_probes": cfg.windows.length,
        "stride": cfg.windows.stride,
        "windows": {"train": train.n(), "val": val.n(), "test": test.n()},
        "deep_snp": {"accuracy": rep.accuracy, "f1": rep.per_class.f1.get(1).copied().unwrap_or(f64::NAN),
                     "f1_macro": rep.f1_macro, "roc_auc": auc,
                     "threshold": chosen.threshold, "threshold_rule": "F1-maximising on validation windows, p >= t",
                     "val_f1_at_threshold": chosen.f1,
                     "at_0_5": {"accuracy": rep_half.accuracy,
                                "f1": rep_half.per_class.f1.get(1).copied().unwrap_or(f64::NAN),
                                "f1_macro": rep_half.f1_macro,
                                "called": pred_half.iter().sum::<i64>()},
                     "called": pred.iter().sum::<i64>(),
                     "localisation_all_positives": deep_loc_all, "localisation_true_positives": deep_loc_tp},
        "baseline": {"accuracy": brep.accuracy, "f1": brep.per_class.f1.get(1).copied().unwrap_or(f64::NAN),
                     "f1_macro": brep.f1_macro, "roc_auc": bauc, "threshold": thr,
                     "localisation_all_positives": base_loc_all, "localisation_true_positives": base_loc_tp},
        "epochs_run": history.epochs.len(),
        "best_epoch": history.best_epoch,
        "real_windows": real.len(),
        "real_windows_called": real.iter().filter(|p| p.breakpoint_call).count(),
        "seed": cfg.seed,
    });

    super::predict::save(&model_dir(out), &vs, &detector, Some(&metrics))?;
    deepfield_core::fsutil::write_json(&results.file("config.json"), cfg)?;
    deepfield_core::fsutil::write_json(&results.file("metrics.json"), &metrics)?;

    // Plots.
    plots::training_curves(
        &results.file("training_curves.png"),
        &history.train_losses(),
        Some(&history.val_losses()),
        Some(("accuracy", &history.val_metric("accuracy"))),
    )?;
    plot_example(
        &results.file("example_window.png"),
        &test,
        &atts,
        &positives,
    )?;
    let g = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    plots::bar_chart(
        &results.file("localisation_error.png"),
        "Median localisation error on breakpoint windows (probes)",
        &[
            "Deep SNP attention peak".into(),
            "binary segmentation split".into(),
        ],
        &[g(&deep_loc_all["median"]), g(&base_loc_all["median"])],
        "probes",
    )?;
    plots::bar_chart(
        &results.file("window_accuracy.png"),
        "Window accuracy (test, balanced)",
        &[
            "Deep SNP (validation threshold)".into(),
            "Deep SNP (p > 0.5)".into(),
            "binary segmentation".into(),
        ],
        &[rep.accuracy, rep_half.accuracy, brep.accuracy],
        "accuracy",
    )?;
    write_report(cfg, &metrics, &real, data_dir, &results)?;
    Ok(metrics)
}

fn plot_example(
    path: &Path,
    test: &WindowSet,
    atts: &[Vec<f64>],
    positives: &[usize],
) -> Result<()> {
    let Some(&i) = positives.first() else {
        return Ok(());
    };
    let (lrr, baf) = test.channels(i);
    let step = (test.len / 2000).max(1);
    let lrr_s: Vec<(f64, f64)> = (0..test.len)
        .step_by(step)
        .map(|j| (j as f64, lrr[j] as f64))
        .collect();
    let baf_s: Vec<(f64, f64)> = (0..test.len)
        .step_by(step)
        .map(|j| (j as f64, baf[j] as f64 + 1.5))
        .collect();
    let a = &atts[i];
    let amax = a.iter().copied().fold(1e-12, f64::max);
    let att_s: Vec<(f64, f64)> = a
        .iter()
        .enumerate()
        .map(|(t, &w)| {
            (
                DeepSnp::position_to_probe(t, a.len(), test.len) as f64,
                -2.0 + 1.5 * w / amax,
            )
        })
        .collect();
    let mut series = vec![
        plots::Series::new("LRR", lrr_s),
        plots::Series::new("BAF + 1.5", baf_s),
        plots::Series::new("attention (scaled, −2 … −0.5)", att_s),
    ];
    for (k, &b) in test.breakpoints[i].iter().enumerate() {
        series.push(plots::Series::new(
            if k == 0 { "true breakpoint" } else { "" },
            vec![(b as f64, -2.2), (b as f64, 2.6)],
        ));
    }
    Ok(plots::line_plot(
        path,
        "A simulated test window with a breakpoint",
        "probe in window",
        "signal",
        &series,
    )?)
}

fn write_report(
    cfg: &DeepSnpRunConfig,
    m: &serde_json::Value,
    real: &[WindowPrediction],
    data_dir: &Path,
    results: &ResultsDir,
) -> Result<()> {
    let f = |v: &serde_json::Value| fmt_num(v.as_f64().unwrap_or(f64::NAN));
    let mut r = Report::new(
        "deep-snp — breakpoint detection and attention localisation in SNP-array windows",
    );
    r.para(
        "Reproduces the setting of Eghbal-zadeh et al., *Deep SNP: An End-to-end Deep Neural Network with Attention-based \
         Localization for Break-point Detection in SNP Array Genomic data* (2018): a CNN over log R ratio and B allele \
         frequency of a window of SNP-array probes predicts whether it holds a genomic breakpoint; an attention unit over \
         the CNN positions, trained without breakpoint coordinates, localises it.",
    );
    r.heading(2, "What ran");
    let quick = cfg.windows.length < 40_000;
    r.bullet(&[
        format!(
            "Windows of {} probes, stride {}, margin {}{}.",
            cfg.windows.length,
            cfg.windows.stride,
            cfg.windows.margin,
            if quick { " — quick mode: shorter windows than the paper's 40,000 so the test trains in seconds; numbers are not the full run's" } else { " (the paper's window size)" }
        ),
        format!(
            "Data: the documented simulator (PennCNV HMM LRR means, mosaic events, GC wave, noise), {} chromosomes of {} probes per sample; \
             balanced train/val/test windows {}/{}/{} from disjoint samples.",
            cfg.chromosomes_per_sample, cfg.sim.probes_per_chromosome, m["windows"]["train"], m["windows"]["val"], m["windows"]["test"]
        ),
        format!(
            "Model: core ConvStack ({} blocks, BN, ReLU, max-pool) → core AttentionPooling (hidden {}) → linear; Adam lr {}, batch {}, {} epochs run (best {}).",
            cfg.model.cnn.blocks.len(),
            cfg.model.attention_hidden,
            cfg.train.optimizer.lr(),
            cfg.train.batch_size,
            m["epochs_run"],
            m["best_epoch"]
        ),
        format!(
            "Decision threshold: Deep SNP calls a window a breakpoint window when p(breakpoint) ≥ {} — the F1-maximising cut on the \
             validation windows (ties → the higher cut; validation F1 {}), saved in the model's config.json and used for every call \
             below and by `predict deep-snp`. The fixed 0.5 cut is reported beside it.",
            f(&m["deep_snp"]["threshold"]),
            f(&m["deep_snp"]["val_f1_at_threshold"])
        ),
        format!(
            "Baseline: one binary-segmentation split on LRR and |BAF − 0.5| (robustly standardised), threshold fitted on the training windows ({}).",
            f(&m["baseline"]["threshold"])
        ),
    ]);
    r.provenance(data_dir);
    r.heading(2, "Results on simulated test windows");
    let row = |name: &str, k: &str| {
        vec![
            name.to_string(),
            f(&m[k]["accuracy"]),
            f(&m[k]["f1"]),
            f(&m[k]["roc_auc"]),
            f(&m[k]["localisation_all_positives"]["median"]),
            f(&m[k]["localisation_all_positives"]["p90"]),
            f(&m[k]["localisation_true_positives"]["median"]),
            f(&m[k]["localisation_all_positives"]["within_1pct_window"]),
        ]
    };
    r.table(
        &[
            "method",
            "accuracy",
            "F1 (breakpoint)",
            "ROC AUC",
            "median loc. error (all positives, probes)",
            "p90 loc. error",
            "median loc. error (true positives)",
            "share within 1 % of window",
        ],
        &[
            row(
                "Deep SNP (attention peak), validation threshold",
                "deep_snp",
            ),
            row("binary segmentation", "baseline"),
        ],
    );
    let h = &m["deep_snp"]["at_0_5"];
    r.para(&format!(
        "Deep SNP at the fixed cut p > 0.5 (uncalibrated, for transparency): accuracy {}, F1 {}, macro F1 {}, {} of {} test windows called \
         (validation threshold {}: {} called). ROC AUC does not depend on the cut.",
        f(&h["accuracy"]),
        f(&h["f1"]),
        f(&h["f1_macro"]),
        h["called"],
        m["windows"]["test"],
        f(&m["deep_snp"]["threshold"]),
        m["deep_snp"]["called"]
    ));
    r.comparison(&[
        Comparison::new("window accuracy", m["deep_snp"]["accuracy"].as_f64().unwrap_or(f64::NAN))
            .with_note("paper: private clinical arrays, not comparable; claim reproduced = accurate detection plus attention localisation without coordinates"),
        Comparison::new("median localisation error (probes)", m["deep_snp"]["localisation_all_positives"]["median"].as_f64().unwrap_or(f64::NAN))
            .with_note(&format!("one attention position covers {} probes", cfg.windows.length / attention_positions(cfg).max(1))),
    ]);
    r.heading(2, "Real arrays: PennCNV example trio (no truth)");
    r.para(&format!("The trained model on every window of the real files (chromosomes shorter than a window form one window of their own length: the CNN + attention is length-agnostic). Windows called at the validation threshold (p ≥ {}): {} of {}.",
        f(&m["deep_snp"]["threshold"]),
        m["real_windows_called"],
        m["real_windows"]
    ));
    let rows: Vec<Vec<String>> = real
        .iter()
        .map(|p| {
            vec![
                p.sample.clone(),
                p.chrom.clone(),
                format!("{}–{}", p.start_bp, p.end_bp),
                p.probes.to_string(),
                fmt_num(p.p_breakpoint),
                if p.breakpoint_call { "yes" } else { "no" }.to_string(),
                p.attention_peak_bp.to_string(),
                format!(
                    "{} ({})",
                    if p.baseline_call { "yes" } else { "no" },
                    fmt_num(p.baseline_score)
                ),
            ]
        })
        .collect();
    r.table(
        &[
            "sample",
            "chr",
            "window (bp)",
            "probes",
            "p(breakpoint)",
            "called",
            "attention peak (bp)",
            "baseline call (score)",
        ],
        &rows,
    );
    r.para("All windows: `real_predictions.csv`. Without truth these are observations, not accuracy; the simulator's noise model differs from this array's, so calibrations (and the baseline threshold) may not transfer.");
    deepfield_core::domain::plots(
        &mut r,
        &[
            ("training curves", "training_curves.png"),
            ("example window with attention", "example_window.png"),
            ("localisation error", "localisation_error.png"),
            ("window accuracy", "window_accuracy.png"),
        ],
    );
    deepfield_core::domain::usage(
        &mut r,
        "Use the model on your data",
        "cargo run --release -p deepfield-genomics --bin deepfield-genomics -- \\\n  predict deep-snp --model results/deep-snp/model --signal your_penncnv_signal.txt --out windows.csv",
        Some("The file needs the PennCNV signal columns `Name`, `Chr`, `Position`, `*Log R Ratio`, `*B Allele Freq` (TAB-separated)."),
    );
    Ok(r.write(&results.file("report.md"))?)
}

/// Attention positions of a window of the configured length.
fn attention_positions(cfg: &DeepSnpRunConfig) -> usize {
    cfg.model
        .cnn
        .output_shape(&[cfg.windows.length as i64])
        .map(|s| s.get(1).copied().unwrap_or(1) as usize)
        .unwrap_or(1)
}

/// Default output folder.
pub fn default_out() -> PathBuf {
    PathBuf::from("results/deep-snp")
}
