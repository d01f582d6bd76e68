//! Classification metrics with scikit-learn's semantics (checked against scikit-learn 1.9 in
//! `core/tests/metrics_sklearn.rs`).
//!
//! Labels are class indices `0..n_classes`. As in scikit-learn with `labels=range(n_classes)`
//! and `zero_division=0`: every class counts in macro averages, even one that never occurs, and
//! a ratio with a zero denominator is 0. The confusion matrix is indexed `[true][pred]`.
//! [`ClassificationMetrics`] accumulates batches of model outputs (update / compute / reset).

mod accumulator;
mod confusion;
mod report;
mod roc;
#[cfg(test)]
mod tests;

pub use accumulator::ClassificationMetrics;
pub use confusion::{
    accuracy, balanced_accuracy, confusion_matrix, per_class, precision_recall_f1,
};
pub use report::{
    classification_report, classification_report_present, Average, ClassScores,
    ClassificationReport,
};
pub use roc::{average_precision, roc_auc, roc_auc_ovr};

use crate::{ensure_input, Error, Result};

// ---------------------------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------------------------

/// Non-empty and of equal length.
fn check_lengths(what: &str, n_true: usize, other: &str, n_other: usize) -> Result<()> {
    ensure_input!(n_true > 0, "{what}: empty input");
    ensure_input!(
        n_true == n_other,
        "{what}: y_true has {n_true} samples but {other} has {n_other}"
    );
    Ok(())
}

/// Every label is a class index `0..n_classes`.
fn check_labels(what: &str, name: &str, labels: &[i64], n_classes: usize) -> Result<()> {
    ensure_input!(n_classes > 0, "{what}: n_classes must be > 0");
    match labels
        .iter()
        .enumerate()
        .find(|(_, &l)| l < 0 || l as u64 >= n_classes as u64)
    {
        Some((i, l)) => Err(Error::input(format!(
            "{what}: {name}[{i}] = {l} is not a class index in 0..{n_classes}"
        ))),
        None => Ok(()),
    }
}

/// Every label is `>= 0` (used where the number of classes is not given).
fn check_non_negative(what: &str, name: &str, labels: &[i64]) -> Result<()> {
    match labels.iter().enumerate().find(|(_, &l)| l < 0) {
        Some((i, l)) => Err(Error::input(format!(
            "{what}: {name}[{i}] = {l} is negative; labels are class indices"
        ))),
        None => Ok(()),
    }
}

/// Every score is finite (scikit-learn rejects NaN and infinity too).
fn check_finite(what: &str, name: &str, values: &[f64]) -> Result<()> {
    match values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((i, v)) => Err(Error::input(format!(
            "{what}: {name}[{i}] = {v} is not finite"
        ))),
        None => Ok(()),
    }
}

/// `a / b`, or 0 when `b` is 0 (scikit-learn's `zero_division=0`).
fn div0(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}
