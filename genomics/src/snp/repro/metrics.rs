//! What a `deep-snp` run measured (`metrics.json`), and its rows for `metrics.csv` and the
//! end-of-run summary. Numbers that cannot be computed (a localisation error without any window
//! to localise in) are `None`: `null` in JSON, empty in `metrics.csv`, "undefined" in the report.

use deepfield_core::repro::MetricRow;
use serde::{Deserialize, Serialize};

use crate::snp::predict::SkippedChromosome;

/// Localisation errors (probes between a peak and the nearest true breakpoint) over windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Localisation {
    /// Windows measured.
    pub n: usize,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub mean: Option<f64>,
    /// Share of the windows whose error is at most 1 % of the window length.
    pub within_1pct_window: Option<f64>,
    /// … at most 5 %.
    pub within_5pct_window: Option<f64>,
}

impl Localisation {
    /// The summary of `errors` in windows of `len` probes.
    pub fn of(errors: &[f64], len: usize) -> Self {
        let mut v = errors.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let n = v.len();
        let q = |p: f64| (n > 0).then(|| v[((n - 1) as f64 * p).round() as usize]);
        let within =
            |d: f64| (n > 0).then(|| v.iter().filter(|&&e| e <= d).count() as f64 / n as f64);
        Localisation {
            n,
            median: q(0.5),
            p90: q(0.9),
            mean: (n > 0).then(|| v.iter().sum::<f64>() / n as f64),
            within_1pct_window: within(len as f64 * 0.01),
            within_5pct_window: within(len as f64 * 0.05),
        }
    }
}

/// Window-level scores at one decision cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutScores {
    pub accuracy: f64,
    /// F1 of the breakpoint class.
    pub f1: f64,
    pub f1_macro: f64,
    /// Windows called breakpoint windows.
    pub called: usize,
}

/// Deep SNP on the simulated test windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepSnpScores {
    pub accuracy: f64,
    pub f1: f64,
    pub f1_macro: f64,
    pub roc_auc: f64,
    /// The decision threshold chosen on the validation windows.
    pub threshold: f64,
    pub threshold_rule: String,
    pub val_f1_at_threshold: f64,
    /// The same network cut at the fixed p > 0.5.
    pub at_0_5: CutScores,
    pub called: usize,
    pub localisation_all_positives: Localisation,
    pub localisation_true_positives: Localisation,
}

/// The binary-segmentation baseline on the simulated test windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineScores {
    pub accuracy: f64,
    pub f1: f64,
    pub f1_macro: f64,
    pub roc_auc: f64,
    /// Score threshold fitted on the training windows.
    pub threshold: f64,
    pub localisation_all_positives: Localisation,
    pub localisation_true_positives: Localisation,
}

/// Windows per split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowCounts {
    pub train: usize,
    pub val: usize,
    pub test: usize,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepSnpMetrics {
    pub id: String,
    pub window_probes: usize,
    pub stride: usize,
    pub windows: WindowCounts,
    pub deep_snp: DeepSnpScores,
    pub baseline: BaselineScores,
    pub epochs_run: usize,
    pub best_epoch: Option<usize>,
    /// Windows of the real PennCNV trio the model ran on, and those it called.
    pub real_windows: usize,
    pub real_windows_called: usize,
    /// Chromosomes of the real files too short for the network.
    pub real_skipped: Vec<SkippedChromosome>,
    pub seed: u64,
}

/// `Some(x)` as `x`, `None` as NaN (an empty, undefined field of `metrics.csv`).
fn or_nan(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

fn localisation_rows(model: &str, l: &Localisation, tp: &Localisation, out: &mut Vec<MetricRow>) {
    let mut push = |metric: &str, v: Option<f64>| {
        out.push(MetricRow::new(model, "test", metric, or_nan(v)));
    };
    push("median_loc_error_probes", l.median);
    push("p90_loc_error_probes", l.p90);
    push("median_loc_error_true_positives_probes", tp.median);
    push("within_1pct_window", l.within_1pct_window);
}

/// The rows of `metrics.csv`: `deep_snp` (validation threshold), `deep_snp_cut_0.5` and
/// `binary_segmentation` on the simulated `test` windows, the trained network's epochs, and the
/// real trio (`penncnv_trio`).
pub fn metric_rows(m: &DeepSnpMetrics) -> Vec<MetricRow> {
    let mut rows = Vec::new();
    let d = &m.deep_snp;
    for (metric, v) in [
        ("accuracy", d.accuracy),
        ("f1", d.f1),
        ("f1_macro", d.f1_macro),
        ("roc_auc", d.roc_auc),
        ("threshold", d.threshold),
        ("val_f1_at_threshold", d.val_f1_at_threshold),
        ("windows_called", d.called as f64),
    ] {
        rows.push(MetricRow::new("deep_snp", "test", metric, v));
    }
    localisation_rows(
        "deep_snp",
        &d.localisation_all_positives,
        &d.localisation_true_positives,
        &mut rows,
    );
    let h = &d.at_0_5;
    for (metric, v) in [
        ("accuracy", h.accuracy),
        ("f1", h.f1),
        ("f1_macro", h.f1_macro),
        ("windows_called", h.called as f64),
    ] {
        rows.push(MetricRow::new("deep_snp_cut_0.5", "test", metric, v));
    }
    let b = &m.baseline;
    for (metric, v) in [
        ("accuracy", b.accuracy),
        ("f1", b.f1),
        ("f1_macro", b.f1_macro),
        ("roc_auc", b.roc_auc),
        ("threshold", b.threshold),
    ] {
        rows.push(MetricRow::new("binary_segmentation", "test", metric, v));
    }
    localisation_rows(
        "binary_segmentation",
        &b.localisation_all_positives,
        &b.localisation_true_positives,
        &mut rows,
    );
    rows.push(MetricRow::new(
        "deep_snp",
        "training",
        "epochs_run",
        m.epochs_run as f64,
    ));
    rows.push(MetricRow::new(
        "deep_snp",
        "training",
        "best_epoch",
        m.best_epoch.map_or(f64::NAN, |e| e as f64),
    ));
    for (metric, v) in [
        ("windows", m.real_windows),
        ("windows_called", m.real_windows_called),
        ("chromosomes_skipped", m.real_skipped.len()),
    ] {
        rows.push(MetricRow::new("deep_snp", "penncnv_trio", metric, v as f64));
    }
    rows
}

/// The headline numbers printed at the end of a run.
pub fn summary(m: &DeepSnpMetrics) -> Vec<MetricRow> {
    const SHOWN: [&str; 5] = [
        "accuracy",
        "f1",
        "roc_auc",
        "threshold",
        "median_loc_error_true_positives_probes",
    ];
    metric_rows(m)
        .into_iter()
        .filter(|r| {
            (r.fold == "test"
                && (r.model == "deep_snp" || r.model == "binary_segmentation")
                && SHOWN.contains(&r.metric.as_str()))
                || (r.fold == "penncnv_trio" && r.metric == "windows_called")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localisation_of_no_windows_is_undefined() {
        let l = Localisation::of(&[], 4000);
        assert_eq!((l.n, l.median, l.within_1pct_window), (0, None, None));
        let l = Localisation::of(&[10.0, 30.0, 50.0, 1000.0], 4000);
        assert_eq!(l.median, Some(50.0));
        assert_eq!(l.within_1pct_window, Some(0.5));
        assert_eq!(l.mean, Some(272.5));
        // Undefined numbers survive metrics.json: null, read back as None.
        let back: Localisation =
            serde_json::from_str(&serde_json::to_string(&Localisation::of(&[], 10)).unwrap())
                .unwrap();
        assert_eq!(back.median, None);
    }
}
