//! The classification report: every label-based metric at once, over all classes or over
//! the classes present.

use serde::{Deserialize, Serialize};

use super::confusion::Counts;
use super::confusion_matrix;
use crate::Result;

/// How per-class scores are averaged (scikit-learn's `average=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Average {
    /// Unweighted mean over the classes `0..n_classes`.
    Macro,
    /// From the counts summed over classes (for single-label data: precision = recall =
    /// F1 = accuracy; for AUC: one binary AUC over all (sample, class) pairs).
    Micro,
    /// Mean over classes weighted by their support (number of true samples).
    Weighted,
}

/// Per-class scores, indexed by class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    pub precision: Vec<f64>,
    pub recall: Vec<f64>,
    pub f1: Vec<f64>,
    /// Number of samples of each class in `y_true`.
    pub support: Vec<u64>,
}

/// Every label-based metric of a classification at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Number of samples.
    pub n: usize,
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub precision_macro: f64,
    pub recall_macro: f64,
    pub f1_macro: f64,
    pub f1_micro: f64,
    pub f1_weighted: f64,
    pub per_class: ClassScores,
    /// `confusion[true][pred]`.
    pub confusion: Vec<Vec<u64>>,
}

/// All label-based metrics of [`ClassificationReport`] at once.
pub fn classification_report(
    y_true: &[i64],
    y_pred: &[i64],
    n_classes: usize,
) -> Result<ClassificationReport> {
    let confusion = confusion_matrix(y_true, y_pred, n_classes)?;
    let counts = Counts::new(&confusion);
    let (precision_macro, recall_macro, f1_macro) = counts.averaged(Average::Macro);
    let hits: u64 = counts.tp.iter().sum();
    Ok(ClassificationReport {
        n: y_true.len(),
        accuracy: hits as f64 / y_true.len() as f64,
        balanced_accuracy: counts.balanced_accuracy(),
        precision_macro,
        recall_macro,
        f1_macro,
        f1_micro: counts.averaged(Average::Micro).2,
        f1_weighted: counts.averaged(Average::Weighted).2,
        per_class: counts.per_class(),
        confusion,
    })
}

/// The classes that occur in `y_true` or `y_pred` (ascending), and the report over those alone:
/// scikit-learn's default (`labels=None`), where macro averages cover the classes present
/// rather than every class a model knows. Labels may be of any ordered type (class indices,
/// class names); the report's class `k` is `present[k]`.
pub fn classification_report_present<T: Ord + Clone>(
    y_true: &[T],
    y_pred: &[T],
) -> Result<(Vec<T>, ClassificationReport)> {
    let present: Vec<T> = y_true
        .iter()
        .chain(y_pred)
        .cloned()
        .collect::<std::collections::BTreeSet<T>>()
        .into_iter()
        .collect();
    let index = |c: &T| present.binary_search(c).map_or(0, |k| k as i64);
    let t: Vec<i64> = y_true.iter().map(index).collect();
    let p: Vec<i64> = y_pred.iter().map(index).collect();
    let report = classification_report(&t, &p, present.len())?;
    Ok((present, report))
}
