//! The confusion matrix and the label-based scores read off it (accuracy, balanced accuracy,
//! per-class and averaged precision, recall and F1).

use std::collections::BTreeMap;

use super::{check_labels, check_lengths, check_non_negative, div0, Average, ClassScores};
use crate::Result;

/// Fraction of samples whose prediction equals the truth.
pub fn accuracy(y_true: &[i64], y_pred: &[i64]) -> Result<f64> {
    check_lengths("accuracy", y_true.len(), "y_pred", y_pred.len())?;
    check_non_negative("accuracy", "y_true", y_true)?;
    check_non_negative("accuracy", "y_pred", y_pred)?;
    let hits = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(hits as f64 / y_true.len() as f64)
}

/// Mean recall over the classes present in `y_true` (scikit-learn's `balanced_accuracy_score`,
/// `adjusted=False`): a class that is only predicted does not count.
pub fn balanced_accuracy(y_true: &[i64], y_pred: &[i64]) -> Result<f64> {
    check_lengths("balanced_accuracy", y_true.len(), "y_pred", y_pred.len())?;
    check_non_negative("balanced_accuracy", "y_true", y_true)?;
    check_non_negative("balanced_accuracy", "y_pred", y_pred)?;
    // class -> (support, correct), in label order like scikit-learn's confusion matrix
    let mut counts: BTreeMap<i64, (u64, u64)> = BTreeMap::new();
    for (&t, &p) in y_true.iter().zip(y_pred) {
        let c = counts.entry(t).or_default();
        c.0 += 1;
        c.1 += u64::from(t == p);
    }
    let sum: f64 = counts.values().map(|&(s, c)| c as f64 / s as f64).sum();
    Ok(sum / counts.len() as f64)
}

/// Confusion matrix `m[true][pred]` over the classes `0..n_classes`.
pub fn confusion_matrix(y_true: &[i64], y_pred: &[i64], n_classes: usize) -> Result<Vec<Vec<u64>>> {
    check_lengths("confusion_matrix", y_true.len(), "y_pred", y_pred.len())?;
    check_labels("confusion_matrix", "y_true", y_true, n_classes)?;
    check_labels("confusion_matrix", "y_pred", y_pred, n_classes)?;
    let mut m = vec![vec![0u64; n_classes]; n_classes];
    for (&t, &p) in y_true.iter().zip(y_pred) {
        m[t as usize][p as usize] += 1;
    }
    Ok(m)
}

/// Per-class true positives, predicted counts and true counts, read off a confusion matrix.
pub(super) struct Counts {
    pub(super) tp: Vec<u64>,
    pred: Vec<u64>,
    truth: Vec<u64>,
}

impl Counts {
    pub(super) fn new(confusion: &[Vec<u64>]) -> Self {
        let c = confusion.len();
        Counts {
            tp: (0..c).map(|k| confusion[k][k]).collect(),
            pred: (0..c)
                .map(|k| confusion.iter().map(|row| row[k]).sum())
                .collect(),
            truth: confusion.iter().map(|row| row.iter().sum()).collect(),
        }
    }

    /// Precision, recall and F1 (= 2 tp / (true + pred), as scikit-learn computes it) of each class.
    pub(super) fn per_class(&self) -> ClassScores {
        let zip = || self.tp.iter().zip(&self.pred).zip(&self.truth);
        ClassScores {
            precision: zip()
                .map(|((&tp, &p), _)| div0(tp as f64, p as f64))
                .collect(),
            recall: zip()
                .map(|((&tp, _), &t)| div0(tp as f64, t as f64))
                .collect(),
            f1: zip()
                .map(|((&tp, &p), &t)| div0(2.0 * tp as f64, (t + p) as f64))
                .collect(),
            support: self.truth.clone(),
        }
    }

    /// (precision, recall, f1) averaged as scikit-learn's `precision_recall_fscore_support`.
    pub(super) fn averaged(&self, average: Average) -> (f64, f64, f64) {
        match average {
            Average::Micro => {
                let tp = self.tp.iter().sum::<u64>() as f64;
                let pred = self.pred.iter().sum::<u64>() as f64;
                let truth = self.truth.iter().sum::<u64>() as f64;
                (
                    div0(tp, pred),
                    div0(tp, truth),
                    div0(2.0 * tp, truth + pred),
                )
            }
            Average::Macro | Average::Weighted => {
                let s = self.per_class();
                let mean = |v: &[f64]| match average {
                    Average::Weighted => {
                        let total = self.truth.iter().sum::<u64>() as f64;
                        let sum: f64 = v.iter().zip(&self.truth).map(|(x, &w)| x * w as f64).sum();
                        div0(sum, total)
                    }
                    _ => v.iter().sum::<f64>() / v.len() as f64,
                };
                (mean(&s.precision), mean(&s.recall), mean(&s.f1))
            }
        }
    }

    /// Mean recall over the classes with support.
    pub(super) fn balanced_accuracy(&self) -> f64 {
        let recalls: Vec<f64> = self
            .tp
            .iter()
            .zip(&self.truth)
            .filter(|(_, &t)| t > 0)
            .map(|(&tp, &t)| tp as f64 / t as f64)
            .collect();
        recalls.iter().sum::<f64>() / recalls.len() as f64
    }
}

/// Precision, recall, F1 and support of each class `0..n_classes` (`zero_division=0`).
pub fn per_class(y_true: &[i64], y_pred: &[i64], n_classes: usize) -> Result<ClassScores> {
    Ok(Counts::new(&confusion_matrix(y_true, y_pred, n_classes)?).per_class())
}

/// Averaged (precision, recall, F1) over the classes `0..n_classes` (`zero_division=0`). The
/// macro F1 is the mean of the per-class F1s, as in scikit-learn.
pub fn precision_recall_f1(
    y_true: &[i64],
    y_pred: &[i64],
    n_classes: usize,
    average: Average,
) -> Result<(f64, f64, f64)> {
    Ok(Counts::new(&confusion_matrix(y_true, y_pred, n_classes)?).averaged(average))
}
