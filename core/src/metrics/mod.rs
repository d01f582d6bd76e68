//! Evaluation metrics on plain slices, checked against scikit-learn
//! (`core/tests/metrics_sklearn.rs`, fixture made by `core/scripts/gen_metrics_fixture.py`).
//!
//! * [`classification`]: accuracy, balanced accuracy, confusion matrix, per-class and averaged
//!   precision/recall/F1 (labels `0..n_classes`, `zero_division = 0`), ROC AUC (binary and
//!   one-vs-rest), a [`ClassificationReport`] and the batch accumulator
//!   [`ClassificationMetrics`].
//! * [`regression`]: MAE, MSE, RMSE, MAPE, R², Nash–Sutcliffe efficiency, a
//!   [`RegressionReport`] and the batch accumulator [`RegressionMetrics`].
//!
//! Every function validates its input (empty, length mismatch, labels out of range, non-finite
//! values) and returns [`crate::Error::Input`] instead of a NaN.

pub mod classification;
pub mod regression;

pub use classification::{
    accuracy, balanced_accuracy, classification_report, confusion_matrix, per_class,
    precision_recall_f1, roc_auc, roc_auc_ovr, Average, ClassScores, ClassificationMetrics,
    ClassificationReport,
};
pub use regression::{
    mae, mape, mse, nse, r2, regression_report, rmse, RegressionMetrics, RegressionReport,
};

use tch::{Kind, Tensor};

use crate::Result;

/// All values of a tensor (any shape, kind or device) as a flat row-major `Vec<f64>`.
fn tensor_to_f64(t: &Tensor) -> Result<Vec<f64>> {
    let flat = t.f_detach()?.f_to_kind(Kind::Double)?.f_reshape([-1])?;
    Ok(Vec::<f64>::try_from(&flat)?)
}
