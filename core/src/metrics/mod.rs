//! Evaluation metrics on plain slices, checked against scikit-learn
//! (`core/tests/metrics_sklearn.rs`, fixture made by `core/scripts/gen_metrics_fixture.py`).
//!
//! * [`classification`]: accuracy, balanced accuracy, confusion matrix, per-class and averaged
//!   precision/recall/F1 (labels `0..n_classes`, `zero_division = 0`), ROC AUC (binary and
//!   one-vs-rest), a [`ClassificationReport`] and the batch accumulator
//!   [`ClassificationMetrics`]; average precision of a ranking.
//! * [`cluster`]: scores of a clustering against labels, NMI and ARI.
//! * [`frechet`]: the Fréchet distance between two feature sets' Gaussians (FID-style).
//! * [`regression`]: MAE, MSE, RMSE, MAPE, R², Nash–Sutcliffe efficiency, a
//!   [`RegressionReport`] and the batch accumulator [`RegressionMetrics`].
//!
//! Every function validates its input (empty, length mismatch, labels out of range, non-finite
//! values) and returns [`crate::Error::Input`] instead of a NaN.

pub mod classification;
pub mod cluster;
pub mod frechet;
pub mod regression;

pub use classification::{
    accuracy, average_precision, balanced_accuracy, classification_report,
    classification_report_present, confusion_matrix, per_class, precision_recall_f1, roc_auc,
    roc_auc_ovr, Average, ClassScores, ClassificationMetrics, ClassificationReport,
};
pub use cluster::{ari, nmi};
pub use frechet::{frechet_distance, frechet_distance_stats, GaussianStats};
pub use regression::{
    mae, mape, mse, nse, r2, regression_report, rmse, RegressionMetrics, RegressionReport,
};

use tch::{Kind, Tensor};

use crate::Result;

/// A metric's value for people: 4 decimals, or `undefined` where it cannot be computed (NaN
/// or infinite) — never `NaN` printed as a number.
pub fn show(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "undefined".to_string()
    }
}

/// [`show`] of a metric that may be missing: `None` is `undefined` too.
pub fn show_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".to_string(), show)
}

/// Mean and sample standard deviation (`n − 1` in the denominator, as `numpy.std(ddof=1)`) of
/// per-seed or per-fold results; the deviation is 0 for fewer than two values and both are 0
/// for none. For "mean ± std over seeds" tables.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Index of the largest value: the first one on ties; NaNs are skipped; 0 for an empty slice
/// or one of NaNs only. The predicted class of a row of scores or probabilities.
pub fn argmax(v: &[f64]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f64::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv {
                (i, x)
            } else {
                (bi, bv)
            }
        })
        .0
}

/// All values of a tensor (any shape, kind or device) as a flat row-major `Vec<f64>`.
fn tensor_to_f64(t: &Tensor) -> Result<Vec<f64>> {
    let flat = t.f_detach()?.f_to_kind(Kind::Double)?.f_reshape([-1])?;
    Ok(Vec::<f64>::try_from(&flat)?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn mean_std_is_the_sample_deviation() {
        // numpy: np.std([2, 4, 4, 4, 5, 5, 7, 9], ddof=1) = 2.138089935299395
        let (m, s) = super::mean_std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m, 5.0);
        assert!((s - 2.138089935299395).abs() < 1e-12);
        assert_eq!(super::mean_std(&[3.5]), (3.5, 0.0));
        assert_eq!(super::mean_std(&[]), (0.0, 0.0));
    }

    #[test]
    fn argmax_takes_the_first_maximum_and_skips_nan() {
        use super::argmax;
        assert_eq!(argmax(&[0.1, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[2.0, 5.0, 5.0]), 1);
        assert_eq!(argmax(&[f64::NAN, -3.0, -4.0]), 1);
        assert_eq!(argmax(&[-1.0, f64::INFINITY]), 1);
        assert_eq!(argmax(&[]), 0);
        assert_eq!(argmax(&[f64::NAN]), 0);
    }

    #[test]
    fn metrics_show_four_decimals_or_undefined() {
        use super::{show, show_opt};
        assert_eq!(show(0.123456), "0.1235");
        assert_eq!(show(f64::NAN), "undefined");
        assert_eq!(show(f64::INFINITY), "undefined");
        assert_eq!(show_opt(Some(1.0)), "1.0000");
        assert_eq!(show_opt(Some(f64::NAN)), "undefined");
        assert_eq!(show_opt(None), "undefined");
    }
}
