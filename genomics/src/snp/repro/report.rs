//! The `deep-snp` report and plots, from the typed metrics.

use std::path::Path;

use deepfield_core::report::plots::{Axis, BarChart, RefLine};
use deepfield_core::report::{fmt_num, plots, Comparison, Report, ResultsDir};
use deepfield_core::train::History;

use super::config::DeepSnpRunConfig;
use super::data::WindowSet;
use super::metrics::{DeepSnpMetrics, Localisation};
use crate::snp::model::DeepSnp;
use crate::snp::predict::WindowPrediction;
use crate::Result;

/// A test window with a breakpoint: LRR, BAF, the attention and the truth.
pub fn plot_example(
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
        Axis::new("position in window").unit("probes"),
        "signal",
        &series,
    )?)
}

/// The reference line of window accuracy: chance when the test windows are balanced, else the
/// measured majority-class rate (`positives` of `windows` hold a breakpoint).
fn window_baseline(positives: usize, windows: usize) -> RefLine {
    if 2 * positives == windows || windows == 0 {
        return RefLine::chance(0.5);
    }
    let p = positives as f64 / windows as f64;
    RefLine::new("majority class", p.max(1.0 - p)).higher_is_better()
}

/// The training curves (validation accuracy against the window baseline), the median
/// localisation error in probes, and the window accuracy of each caller against the baseline.
pub fn write_plots(
    results: &ResultsDir,
    m: &DeepSnpMetrics,
    history: &History,
    positives: usize,
) -> Result<()> {
    let baseline = window_baseline(positives, m.windows.test);
    plots::TrainingCurves::new(&history.train_losses())
        .val_loss(&history.val_losses())
        .loss_axis("cross-entropy")
        .metric("validation accuracy", &history.val_metric("accuracy"))
        .metric_reference(baseline.clone())
        .render(&results.file("training_curves.png"))?;
    // Methods without any window to localise in (an undefined median) get no bar.
    let (names, medians): (Vec<String>, Vec<f64>) = [
        (
            "Deep SNP attention peak",
            m.deep_snp.localisation_all_positives.median,
        ),
        (
            "binary segmentation split",
            m.baseline.localisation_all_positives.median,
        ),
    ]
    .into_iter()
    .filter_map(|(n, v)| Some((n.to_string(), v?)))
    .unzip();
    if !names.is_empty() {
        BarChart::new(
            "Median localisation error on breakpoint windows (lower is better)",
            Axis::new("median error").unit("probes"),
        )
        .bars(&names, &medians)
        .reference(RefLine::new(
            "1 % of the window",
            0.01 * m.window_probes as f64,
        ))
        .render(&results.file("localisation_error.png"))?;
    }
    BarChart::new(
        &format!("Window accuracy ({} test windows)", m.windows.test),
        "accuracy",
    )
    .bars(
        &[
            "Deep SNP (validation threshold)".into(),
            "Deep SNP (p > 0.5)".into(),
            "binary segmentation".into(),
        ],
        &[
            m.deep_snp.accuracy,
            m.deep_snp.at_0_5.accuracy,
            m.baseline.accuracy,
        ],
    )
    .reference(baseline)
    .render(&results.file("window_accuracy.png"))?;
    Ok(())
}

/// Write `report.md` from the run's typed metrics.
pub fn write_report(
    cfg: &DeepSnpRunConfig,
    m: &DeepSnpMetrics,
    real: &[WindowPrediction],
    data_dir: &Path,
    results: &ResultsDir,
) -> Result<()> {
    let f = fmt_num;
    let fo = |v: Option<f64>| v.map_or_else(|| "undefined".to_string(), fmt_num);
    let mut r = Report::new(
        "deep-snp — breakpoint detection and attention localisation in SNP-array windows",
    );
    r.para(
        "Reproduces the setting of Eghbal-zadeh et al., *Deep SNP: An End-to-end Deep Neural Network with Attention-based \
         Localization for Break-point Detection in SNP Array Genomic data* (2018): a CNN over log R ratio and B allele \
         frequency of a window of SNP-array probes predicts whether it holds a genomic breakpoint; an attention unit over \
         the CNN positions, trained without breakpoint coordinates, localises it.",
    );
    let min_probes = crate::snp::predict::min_window(&cfg.model)?;
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
            cfg.chromosomes_per_sample, cfg.sim.probes_per_chromosome, m.windows.train, m.windows.val, m.windows.test
        ),
        format!(
            "Model: core ConvStack ({} blocks, BN, ReLU, max-pool) → core AttentionPooling (hidden {}) → linear; Adam lr {}, batch {}, {} epochs run (best {}).",
            cfg.model.cnn.blocks.len(),
            cfg.model.attention_hidden,
            cfg.train.optimizer.lr(),
            cfg.train.batch_size,
            m.epochs_run,
            m.best_epoch.map_or_else(|| "—".to_string(), |e| e.to_string())
        ),
        format!(
            "Decision threshold: Deep SNP calls a window a breakpoint window when p(breakpoint) ≥ {} — the F1-maximising cut on the \
             validation windows (ties → the higher cut; validation F1 {}), saved in the model's config.json and used for every call \
             below and by `predict deep-snp`. The fixed 0.5 cut is reported beside it.",
            f(m.deep_snp.threshold),
            f(m.deep_snp.val_f1_at_threshold)
        ),
        format!(
            "Baseline: one binary-segmentation split on LRR and |BAF − 0.5| (robustly standardised), threshold fitted on the training windows ({}).",
            f(m.baseline.threshold)
        ),
    ]);
    r.provenance(data_dir);
    r.heading(2, "Results on simulated test windows");
    let row = |name: &str, s: [f64; 3], all: &Localisation, tp: &Localisation| {
        vec![
            name.to_string(),
            f(s[0]),
            f(s[1]),
            f(s[2]),
            fo(all.median),
            fo(all.p90),
            fo(tp.median),
            fo(all.within_1pct_window),
        ]
    };
    let (d, b) = (&m.deep_snp, &m.baseline);
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
                [d.accuracy, d.f1, d.roc_auc],
                &d.localisation_all_positives,
                &d.localisation_true_positives,
            ),
            row(
                "binary segmentation",
                [b.accuracy, b.f1, b.roc_auc],
                &b.localisation_all_positives,
                &b.localisation_true_positives,
            ),
        ],
    );
    let h = &d.at_0_5;
    r.para(&format!(
        "Deep SNP at the fixed cut p > 0.5 (uncalibrated, for transparency): accuracy {}, F1 {}, macro F1 {}, {} of {} test windows called \
         (validation threshold {}: {} called). ROC AUC does not depend on the cut.",
        f(h.accuracy),
        f(h.f1),
        f(h.f1_macro),
        h.called,
        m.windows.test,
        f(d.threshold),
        d.called
    ));
    r.comparison(&[
        Comparison::new("window accuracy", d.accuracy)
            .with_note("paper: private clinical arrays, not comparable; claim reproduced = accurate detection plus attention localisation without coordinates"),
        Comparison::new("median localisation error (probes)", d.localisation_all_positives.median.unwrap_or(f64::NAN))
            .with_note(&format!("one attention position covers {} probes", cfg.windows.length / attention_positions(cfg).max(1))),
    ]);
    r.heading(2, "Real arrays: PennCNV example trio (no truth)");
    r.para(&format!("The trained model on every window of the real files `offspring.txt`, `father.txt` and `mother.txt` (a chromosome shorter than a window forms one window of its own length when it has at least the {} probes the network takes; shorter ones are skipped and listed below). Windows called at the validation threshold (p ≥ {}): {} of {}.",
        min_probes,
        f(d.threshold),
        m.real_windows_called,
        m.real_windows
    ));
    if !m.real_skipped.is_empty() {
        let skipped: Vec<String> = m.real_skipped.iter().map(|s| s.to_string()).collect();
        r.bullet(&skipped);
    }
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
            (
                "training curves (dashed: chance on the balanced test windows)",
                "training_curves.png",
            ),
            ("example window with attention", "example_window.png"),
            (
                "median localisation error (probes); dashed: 1 % of the window",
                "localisation_error.png",
            ),
            ("window accuracy; dashed: chance", "window_accuracy.png"),
        ],
    );
    deepfield_core::domain::usage(
        &mut r,
        "Use the model on your data",
        "cargo run --release -p deepfield-genomics --bin deepfield-genomics -- \\\n  eval deep-snp --model results/deep-snp/model your_penncnv_signal.txt --out windows.csv",
        Some(&format!("The file needs the PennCNV signal columns `Name`, `Chr`, `Position`, `*Log R Ratio`, `*B Allele Freq` (TAB-separated). Chromosomes with fewer than {min_probes} probes are skipped and named on stderr.")),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_windows_get_chance_and_unbalanced_the_majority_rate() {
        assert_eq!(window_baseline(50, 100), RefLine::chance(0.5));
        let r = window_baseline(30, 100);
        assert_eq!(r.label, "majority class");
        assert!((r.y - 0.7).abs() < 1e-12, "{r:?}");
        assert!(r.beats(0.69) && !r.beats(0.71));
    }
}
