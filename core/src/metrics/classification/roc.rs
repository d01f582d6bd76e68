//! Ranking metrics: ROC AUC (binary and one-vs-rest) and average precision.

use super::{check_finite, check_labels, check_lengths, Average};
use crate::{ensure_input, Error, Result};

/// Area under the ROC curve of finite `scores` against `positive`, both classes present. It is
/// the Mann–Whitney statistic: the fraction of (positive, negative) pairs ranked correctly, a tie
/// counting 1/2 (= scikit-learn's trapezoidal area). Counts are exact integers until the division.
fn binary_auc(positive: &[bool], scores: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut neg_below, mut twice_correct) = (0u128, 0u128);
    let mut i = 0;
    while i < order.len() {
        let (mut pos_tied, mut neg_tied) = (0u128, 0u128);
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            if positive[order[j]] {
                pos_tied += 1;
            } else {
                neg_tied += 1;
            }
            j += 1;
        }
        twice_correct += 2 * neg_below * pos_tied + pos_tied * neg_tied;
        neg_below += neg_tied;
        i = j;
    }
    let n_pos = positive.iter().filter(|&&p| p).count() as u128;
    let n_neg = positive.len() as u128 - n_pos;
    twice_correct as f64 / (2 * n_pos * n_neg) as f64
}

/// Binary ROC AUC of `scores` (higher = more likely class 1) for labels 0/1; ties are counted
/// by average rank, as in scikit-learn's `roc_auc_score`. Both classes must occur.
pub fn roc_auc(y_true: &[i64], scores: &[f64]) -> Result<f64> {
    check_lengths("roc_auc", y_true.len(), "scores", scores.len())?;
    check_labels("roc_auc", "y_true", y_true, 2)?;
    check_finite("roc_auc", "scores", scores)?;
    let positive: Vec<bool> = y_true.iter().map(|&l| l == 1).collect();
    let n_pos = positive.iter().filter(|&&p| p).count();
    ensure_input!(
        n_pos > 0 && n_pos < positive.len(),
        "roc_auc: only one class present in y_true; ROC AUC is undefined"
    );
    Ok(binary_auc(&positive, scores))
}

/// Whether a row sums to 1 with numpy's `allclose(1, sum)` tolerance (the check scikit-learn
/// makes before a multiclass AUC).
fn sums_to_one(row: &[f64]) -> bool {
    let s: f64 = row.iter().sum();
    (1.0 - s).abs() <= 1e-8 + 1e-5 * s.abs()
}

/// Whether a row of class scores is a probability distribution (non-negative, sums to 1).
pub(super) fn is_distribution(row: &[f64]) -> bool {
    row.iter().all(|&p| p >= 0.0) && sums_to_one(row)
}

/// One-vs-rest AUC on row-major `[n, n_classes]` probabilities (validated by the callers' shape).
pub(super) fn ovr_auc_flat(
    y_true: &[i64],
    probs: &[f64],
    n_classes: usize,
    average: Average,
) -> Result<f64> {
    let what = "roc_auc_ovr";
    ensure_input!(
        n_classes >= 2,
        "{what}: needs at least 2 classes, got {n_classes}"
    );
    check_labels(what, "y_true", y_true, n_classes)?;
    check_finite(what, "probs", probs)?;
    if let Some(i) = probs.chunks(n_classes).position(|row| !sums_to_one(row)) {
        return Err(Error::input(format!(
            "{what}: probs[{i}] does not sum to 1; pass class probabilities (softmax), not logits"
        )));
    }
    let mut support = vec![0u64; n_classes];
    for &l in y_true {
        support[l as usize] += 1;
    }
    if let Some(k) = support.iter().position(|&s| s == 0) {
        return Err(Error::input(format!(
            "{what}: class {k} never occurs in y_true; its one-vs-rest AUC is undefined"
        )));
    }
    if average == Average::Micro {
        let positive: Vec<bool> = y_true
            .iter()
            .flat_map(|&l| (0..n_classes).map(move |k| l as usize == k))
            .collect();
        return Ok(binary_auc(&positive, probs));
    }
    let mut aucs = Vec::with_capacity(n_classes);
    for k in 0..n_classes {
        let positive: Vec<bool> = y_true.iter().map(|&l| l as usize == k).collect();
        let scores: Vec<f64> = (0..y_true.len())
            .map(|i| probs[i * n_classes + k])
            .collect();
        aucs.push(binary_auc(&positive, &scores));
    }
    Ok(match average {
        Average::Weighted => {
            let sum: f64 = aucs.iter().zip(&support).map(|(a, &s)| a * s as f64).sum();
            sum / y_true.len() as f64
        }
        _ => aucs.iter().sum::<f64>() / n_classes as f64,
    })
}

/// Multiclass one-vs-rest ROC AUC (scikit-learn's `roc_auc_score(multi_class="ovr")`):
/// `probs[i]` holds the class probabilities of sample `i` (rows must sum to 1), classes are
/// `0..probs[i].len()`, and every class must occur in `y_true`. Macro: mean of the per-class
/// AUCs; Weighted: weighted by support; Micro: one AUC over all (sample, class) pairs.
pub fn roc_auc_ovr(y_true: &[i64], probs: &[Vec<f64>], average: Average) -> Result<f64> {
    check_lengths("roc_auc_ovr", y_true.len(), "probs", probs.len())?;
    let c = probs[0].len();
    if let Some(i) = probs.iter().position(|row| row.len() != c) {
        return Err(Error::input(format!(
            "roc_auc_ovr: probs[{i}] has {} classes but probs[0] has {c}",
            probs[i].len()
        )));
    }
    let flat: Vec<f64> = probs.iter().flatten().copied().collect();
    ovr_auc_flat(y_true, &flat, c, average)
}

// ---------------------------------------------------------------------------------------------
// Average precision
// ---------------------------------------------------------------------------------------------

/// Average precision of `scores` (higher = more likely class 1) for labels 0/1: the area under
/// the precision–recall curve as the step sum `Σ_k (R_k − R_{k−1}) P_k` over the thresholds at
/// every distinct score, tied scores entering together (scikit-learn's
/// `average_precision_score`). Class 1 must occur; scores must be finite.
pub fn average_precision(y_true: &[i64], scores: &[f64]) -> Result<f64> {
    let what = "average_precision";
    check_lengths(what, y_true.len(), "scores", scores.len())?;
    check_labels(what, "y_true", y_true, 2)?;
    check_finite(what, "scores", scores)?;
    let positives = y_true.iter().filter(|&&y| y == 1).count() as u64;
    ensure_input!(
        positives > 0,
        "{what}: no positive sample in y_true; recall is undefined"
    );
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    // Exact counts; Σ Δtp·precision, divided by the positives once at the end.
    let (mut tp, mut fp, mut sum) = (0u64, 0u64, 0.0);
    let mut i = 0;
    while i < order.len() {
        let tp_before = tp;
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            if y_true[order[i]] == 1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        sum += (tp - tp_before) as f64 * tp as f64 / (tp + fp) as f64;
    }
    Ok(sum / positives as f64)
}
