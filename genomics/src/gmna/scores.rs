//! Scores of a model's predictions against a user's labels, as scikit-learn computes them by
//! default: macro averages over the classes present (in the labels or the predictions), balanced
//! accuracy over the classes in the labels, one-vs-rest ROC AUC over the classes in the labels.
//! What cannot be computed (no labelled record; an AUC with a single class) is `None`,
//! written as "undefined".

use std::collections::BTreeSet;

use deepfield_core::metrics::{classification_report_present, roc_auc};
use deepfield_core::report::fmt_num;
use serde::{Deserialize, Serialize};

use crate::Result;

/// One model's scores on the labelled records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelScores {
    /// Labelled records scored.
    pub n: usize,
    /// Classes present in the labels or the predictions (the macro averages' classes).
    pub classes_present: usize,
    pub accuracy: Option<f64>,
    pub balanced_accuracy: Option<f64>,
    pub f1_macro: Option<f64>,
    /// Mean one-vs-rest ROC AUC over the classes in the labels (needs two of them).
    pub roc_auc_macro: Option<f64>,
}

/// A score, or `undefined`.
pub fn fmt_score(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".to_string(), fmt_num)
}

impl std::fmt::Display for LabelScores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "accuracy {}, balanced accuracy {}, macro F1 {}, macro ROC AUC {} ({} records, {} classes)",
            fmt_score(self.accuracy),
            fmt_score(self.balanced_accuracy),
            fmt_score(self.f1_macro),
            fmt_score(self.roc_auc_macro),
            self.n,
            self.classes_present
        )
    }
}

/// Score predicted classes `y_pred` (with class probabilities `probs`, one row per record over
/// the model's classes) against `y_true`.
pub fn label_scores(y_true: &[usize], y_pred: &[usize], probs: &[Vec<f64>]) -> Result<LabelScores> {
    let n = y_true.len();
    if n == 0 {
        return Ok(LabelScores::default());
    }
    let (present, rep) = classification_report_present(y_true, y_pred)?;
    let in_truth: BTreeSet<usize> = y_true.iter().copied().collect();
    let roc_auc_macro = if in_truth.len() >= 2 {
        let mut sum = 0.0;
        for &c in &in_truth {
            let y: Vec<i64> = y_true.iter().map(|&v| i64::from(v == c)).collect();
            let s: Vec<f64> = probs
                .iter()
                .map(|row| row.get(c).copied().unwrap_or(0.0))
                .collect();
            sum += roc_auc(&y, &s)?;
        }
        Some(sum / in_truth.len() as f64)
    } else {
        None
    };
    Ok(LabelScores {
        n,
        classes_present: present.len(),
        accuracy: Some(rep.accuracy),
        balanced_accuracy: Some(rep.balanced_accuracy),
        f1_macro: Some(rep.f1_macro),
        roc_auc_macro,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against scikit-learn 1.x defaults: `f1_score(average="macro")` over the labels present,
    /// `balanced_accuracy_score`, `roc_auc_score(multi_class="ovr")` by hand.
    #[test]
    fn macro_over_the_classes_present() {
        // Model of 5 classes; only 0, 1 and 3 occur (3 only as a prediction).
        let y_true = [0, 0, 1, 1];
        let y_pred = [0, 3, 1, 1];
        let probs = vec![
            vec![0.7, 0.1, 0.0, 0.2, 0.0],
            vec![0.3, 0.2, 0.0, 0.5, 0.0],
            vec![0.1, 0.8, 0.0, 0.1, 0.0],
            vec![0.2, 0.6, 0.0, 0.2, 0.0],
        ];
        let s = label_scores(&y_true, &y_pred, &probs).unwrap();
        assert_eq!((s.n, s.classes_present), (4, 3));
        assert_eq!(s.accuracy, Some(0.75));
        // F1: class 0 = 2·1·0.5/1.5 = 2/3, class 1 = 1, class 3 = 0 → mean 5/9 (sklearn: 0.5556;
        // over all 5 model classes it would be 1/3).
        assert!((s.f1_macro.unwrap() - 5.0 / 9.0).abs() < 1e-12, "{s:?}");
        // Recall over the true classes: (0.5 + 1) / 2.
        assert_eq!(s.balanced_accuracy, Some(0.75));
        // OvR AUC: class 0 scores [.7, .3 | .1, .2] → 1; class 1 [.8, .6 | .1, .2] → 1.
        assert_eq!(s.roc_auc_macro, Some(1.0));
    }

    #[test]
    fn one_labelled_record_scores_what_it_can_and_marks_the_rest_undefined() {
        let s = label_scores(&[2], &[2], &[vec![0.1, 0.2, 0.7]]).unwrap();
        assert_eq!((s.accuracy, s.f1_macro), (Some(1.0), Some(1.0)));
        assert_eq!(s.roc_auc_macro, None);
        assert!(s.to_string().contains("macro ROC AUC undefined"), "{s}");
        let none = label_scores(&[], &[], &[]).unwrap();
        assert_eq!(none.accuracy, None);
        assert!(none.to_string().starts_with("accuracy undefined"), "{none}");
    }
}
