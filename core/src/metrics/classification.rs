//! Classification metrics with scikit-learn's semantics (checked against scikit-learn 1.9 in
//! `core/tests/metrics_sklearn.rs`).
//!
//! Labels are class indices `0..n_classes`. As in scikit-learn with `labels=range(n_classes)`
//! and `zero_division=0`: every class counts in macro averages, even one that never occurs, and
//! a ratio with a zero denominator is 0. The confusion matrix is indexed `[true][pred]`.
//! [`ClassificationMetrics`] accumulates batches of model outputs (update / compute / reset).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::tensor_to_f64;
use crate::{ensure_input, Error, Result};

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

// ---------------------------------------------------------------------------------------------
// Label-based metrics
// ---------------------------------------------------------------------------------------------

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
struct Counts {
    tp: Vec<u64>,
    pred: Vec<u64>,
    truth: Vec<u64>,
}

impl Counts {
    fn new(confusion: &[Vec<u64>]) -> Self {
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
    fn per_class(&self) -> ClassScores {
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
    fn averaged(&self, average: Average) -> (f64, f64, f64) {
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
    fn balanced_accuracy(&self) -> f64 {
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

// ---------------------------------------------------------------------------------------------
// ROC AUC
// ---------------------------------------------------------------------------------------------

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
fn is_distribution(row: &[f64]) -> bool {
    row.iter().all(|&p| p >= 0.0) && sums_to_one(row)
}

/// One-vs-rest AUC on row-major `[n, n_classes]` probabilities (validated by the callers' shape).
fn ovr_auc_flat(y_true: &[i64], probs: &[f64], n_classes: usize, average: Average) -> Result<f64> {
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

// ---------------------------------------------------------------------------------------------
// Accumulator
// ---------------------------------------------------------------------------------------------

/// Accumulates predictions batch by batch (update / compute / reset, like burn-train metrics).
///
/// [`update`](Self::update) takes model outputs and keeps both the argmax label and the class
/// probabilities (for [`roc_auc`](Self::roc_auc)); [`update_labels`](Self::update_labels)
/// takes labels only, after which AUC is unavailable until [`reset`](Self::reset).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationMetrics {
    n_classes: usize,
    y_true: Vec<i64>,
    y_pred: Vec<i64>,
    /// Row-major `[len, n_classes]` class probabilities of the samples added by `update`.
    probs: Vec<f64>,
    /// Some samples came without scores (`update_labels`).
    labels_only: bool,
}

impl ClassificationMetrics {
    /// An empty accumulator for the classes `0..n_classes`.
    pub fn new(n_classes: usize) -> Self {
        ClassificationMetrics {
            n_classes,
            y_true: Vec::new(),
            y_pred: Vec::new(),
            probs: Vec::new(),
            labels_only: false,
        }
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Number of samples accumulated.
    pub fn len(&self) -> usize {
        self.y_true.len()
    }

    /// No sample accumulated yet.
    pub fn is_empty(&self) -> bool {
        self.y_true.is_empty()
    }

    /// Add a batch of model outputs and integer targets. The predicted label is the argmax (the
    /// first one on ties). If every row is already a probability distribution (non-negative,
    /// summing to 1 within numpy's `allclose` tolerance) it is kept as the class probabilities;
    /// otherwise the rows are taken as logits and softmaxed. An empty batch is a no-op.
    ///
    /// # Shapes
    /// - `logits`: `[B, n_classes]`, any float kind and device
    /// - `targets`: `[B]` or `[B, 1]`, integer kind (or float holding whole numbers)
    pub fn update(&mut self, logits: &Tensor, targets: &Tensor) -> Result<()> {
        let what = "classification metrics";
        let c = self.n_classes;
        ensure_input!(c > 0, "{what}: n_classes must be > 0");
        let size = logits.size();
        ensure_input!(
            size.len() == 2 && size[1] == c as i64,
            "{what}: logits must be [B, n_classes={c}], got {size:?}"
        );
        let b = size[0];
        let tsize = targets.size();
        ensure_input!(
            tsize == [b] || tsize == [b, 1],
            "{what}: targets must be [B={b}] or [B, 1], got {tsize:?}"
        );
        if b == 0 {
            return Ok(());
        }
        let labels = tensor_to_labels(what, targets)?;
        check_labels(what, "targets", &labels, c)?;
        let scores = tensor_to_f64(logits)?;
        check_finite(what, "logits", &scores)?;

        let probabilities = scores.chunks(c).all(is_distribution);
        for row in scores.chunks(c) {
            let mut arg = 0;
            for (k, &v) in row.iter().enumerate() {
                if v > row[arg] {
                    arg = k;
                }
            }
            self.y_pred.push(arg as i64);
            if probabilities {
                self.probs.extend_from_slice(row);
            } else {
                // softmax in f64, shifted by the row maximum for stability
                let exp: Vec<f64> = row.iter().map(|&v| (v - row[arg]).exp()).collect();
                let sum: f64 = exp.iter().sum();
                self.probs.extend(exp.iter().map(|e| e / sum));
            }
        }
        self.y_true.extend_from_slice(&labels);
        Ok(())
    }

    /// Add a batch of true and predicted labels (no scores: disables [`roc_auc`](Self::roc_auc)).
    /// An empty batch is a no-op.
    pub fn update_labels(&mut self, y_true: &[i64], y_pred: &[i64]) -> Result<()> {
        let what = "classification metrics";
        ensure_input!(
            y_true.len() == y_pred.len(),
            "{what}: y_true has {} samples but y_pred has {}",
            y_true.len(),
            y_pred.len()
        );
        if y_true.is_empty() {
            return Ok(());
        }
        check_labels(what, "y_true", y_true, self.n_classes)?;
        check_labels(what, "y_pred", y_pred, self.n_classes)?;
        self.y_true.extend_from_slice(y_true);
        self.y_pred.extend_from_slice(y_pred);
        self.labels_only = true;
        Ok(())
    }

    /// The report over everything accumulated since the last reset.
    pub fn compute(&self) -> Result<ClassificationReport> {
        ensure_input!(
            !self.is_empty(),
            "classification metrics: no sample accumulated"
        );
        classification_report(&self.y_true, &self.y_pred, self.n_classes)
    }

    /// ROC AUC of the accumulated probabilities: for 2 classes the binary AUC of the class-1
    /// probability, for more the macro one-vs-rest AUC. Needs every batch added by `update`.
    pub fn roc_auc(&self) -> Result<f64> {
        let what = "classification metrics";
        ensure_input!(!self.is_empty(), "{what}: no sample accumulated");
        ensure_input!(
            !self.labels_only,
            "{what}: roc_auc needs scores, but some batches were added by update_labels"
        );
        match self.n_classes {
            2 => {
                let p1: Vec<f64> = self.probs.chunks(2).map(|r| r[1]).collect();
                roc_auc(&self.y_true, &p1)
            }
            c if c > 2 => ovr_auc_flat(&self.y_true, &self.probs, c, Average::Macro),
            c => Err(Error::input(format!(
                "{what}: roc_auc needs at least 2 classes, got {c}"
            ))),
        }
    }

    /// Forget every accumulated sample.
    pub fn reset(&mut self) {
        self.y_true.clear();
        self.y_pred.clear();
        self.probs.clear();
        self.labels_only = false;
    }
}

/// Integer labels of a target tensor; a float tensor must hold whole numbers.
fn tensor_to_labels(what: &str, t: &Tensor) -> Result<Vec<i64>> {
    let t = t.f_detach()?.f_reshape([-1])?;
    if t.f_is_floating_point()? {
        let v = tensor_to_f64(&t)?;
        if let Some((i, x)) = v
            .iter()
            .enumerate()
            .find(|(_, x)| x.fract() != 0.0 || !x.is_finite())
        {
            return Err(Error::input(format!(
                "{what}: targets[{i}] = {x} is not a class index"
            )));
        }
        Ok(v.iter().map(|&x| x as i64).collect())
    } else {
        Ok(Vec::<i64>::try_from(&t.f_to_kind(Kind::Int64)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn is_input_err<T: std::fmt::Debug>(r: Result<T>) -> bool {
        matches!(r, Err(Error::Input(_)))
    }

    #[test]
    fn hand_computed_three_class() {
        // scikit-learn documentation example
        let (t, p) = ([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1]);
        assert_eq!(
            confusion_matrix(&t, &p, 3).unwrap(),
            vec![vec![2, 0, 0], vec![1, 0, 1], vec![0, 2, 0]]
        );
        let s = per_class(&t, &p, 3).unwrap();
        assert_eq!(s.precision, vec![2.0 / 3.0, 0.0, 0.0]);
        assert_eq!(s.recall, vec![1.0, 0.0, 0.0]);
        assert_eq!(s.f1, vec![0.8, 0.0, 0.0]);
        assert_eq!(s.support, vec![2, 2, 2]);
        let (pm, rm, fm) = precision_recall_f1(&t, &p, 3, Average::Macro).unwrap();
        assert!((pm - 2.0 / 9.0).abs() < 1e-15 && (rm - 1.0 / 3.0).abs() < 1e-15);
        assert!((fm - 0.8 / 3.0).abs() < 1e-15);
        assert_eq!(accuracy(&t, &p).unwrap(), 1.0 / 3.0);
        assert_eq!(balanced_accuracy(&t, &p).unwrap(), 1.0 / 3.0);
    }

    #[test]
    fn unpredicted_and_absent_classes() {
        // class 2 never predicted, class 3 never occurs: macro averages over all 4 classes,
        // balanced accuracy only over the classes of y_true.
        let (t, p) = ([0, 0, 1, 2], [0, 1, 1, 3]);
        let r = classification_report(&t, &p, 4).unwrap();
        assert_eq!(r.per_class.precision, vec![1.0, 0.5, 0.0, 0.0]);
        assert_eq!(r.per_class.recall, vec![0.5, 1.0, 0.0, 0.0]);
        assert_eq!(r.recall_macro, 1.5 / 4.0);
        assert_eq!(r.balanced_accuracy, 1.5 / 3.0);
        assert_eq!(r.f1_micro, 0.5);
        assert_eq!(balanced_accuracy(&t, &p).unwrap(), 0.5);
    }

    #[test]
    fn auc_hand_and_ties() {
        assert_eq!(
            roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(),
            0.75
        );
        assert_eq!(roc_auc(&[0, 1, 0, 1], &[1.0; 4]).unwrap(), 0.5);
        // pairs (pos, neg): (0.5 vs 0.5) = 1/2, (0.5 vs 0.2) = 1, (0.9, ·) = 1 + 1 -> 3.5 / 4
        assert_eq!(
            roc_auc(&[0, 1, 0, 1], &[0.5, 0.5, 0.2, 0.9]).unwrap(),
            0.875
        );
        let probs = vec![
            vec![0.8, 0.1, 0.1],
            vec![0.1, 0.8, 0.1],
            vec![0.1, 0.1, 0.8],
            vec![0.4, 0.3, 0.3],
        ];
        // each class is separated from the rest, so macro and weighted are 1; micro pools the
        // pairs: the positive 0.3 of sample 3 loses to its own 0.4 and ties its other 0.3,
        // beating the six 0.1s: (3 * 8 + 6 + 0.5) / (4 * 8)
        let y = [0, 1, 2, 1];
        assert_eq!(roc_auc_ovr(&y, &probs, Average::Macro).unwrap(), 1.0);
        assert_eq!(roc_auc_ovr(&y, &probs, Average::Weighted).unwrap(), 1.0);
        assert_eq!(
            roc_auc_ovr(&y, &probs, Average::Micro).unwrap(),
            30.5 / 32.0
        );
    }

    #[test]
    fn average_precision_hand_and_ties() {
        // Ranked 0.9 (+), 0.8 (+), 0.4 (+, −) tied, 0.1 (−): recall steps 1/3, 1/3, 1/3 at
        // precisions 1, 1, 3/4 -> 11/12 (scikit-learn: 0.9166666666666665).
        let ap = average_precision(&[0, 1, 1, 0, 1], &[0.1, 0.9, 0.4, 0.4, 0.8]).unwrap();
        assert!((ap - 11.0 / 12.0).abs() < 1e-15, "{ap}");
        assert_eq!(
            average_precision(&[1, 0, 1], &[3.0, 1.0, 2.0]).unwrap(),
            1.0
        );
        // All tied: the precision is the positive rate.
        assert_eq!(average_precision(&[1, 0, 0, 0], &[0.5; 4]).unwrap(), 0.25);
        assert!(is_input_err(average_precision(&[0, 0], &[0.1, 0.2])));
        assert!(is_input_err(average_precision(&[0, 2], &[0.1, 0.2])));
        assert!(is_input_err(average_precision(&[1, 0], &[f64::NAN, 0.2])));
        assert!(is_input_err(average_precision(&[1], &[0.1, 0.2])));
    }

    #[test]
    fn error_cases() {
        assert!(is_input_err(accuracy(&[], &[])));
        assert!(is_input_err(accuracy(&[0, 1], &[0])));
        assert!(is_input_err(accuracy(&[0, -1], &[0, 1])));
        assert!(is_input_err(balanced_accuracy(&[], &[])));
        assert!(is_input_err(balanced_accuracy(&[0], &[0, 1])));
        assert!(is_input_err(confusion_matrix(&[0, 3], &[0, 1], 3)));
        assert!(is_input_err(confusion_matrix(&[0, 1], &[0, -1], 3)));
        assert!(is_input_err(confusion_matrix(&[0], &[0], 0)));
        assert!(is_input_err(per_class(&[], &[], 2)));
        assert!(is_input_err(precision_recall_f1(
            &[0, 2],
            &[0, 1],
            2,
            Average::Macro
        )));
        assert!(is_input_err(classification_report(&[0, 1], &[0], 2)));
        // roc_auc: empty, mismatch, non-binary labels, NaN / infinite scores, one class only
        assert!(is_input_err(roc_auc(&[], &[])));
        assert!(is_input_err(roc_auc(&[0, 1], &[0.5])));
        assert!(is_input_err(roc_auc(&[0, 2], &[0.1, 0.5])));
        assert!(is_input_err(roc_auc(&[0, 1], &[0.1, f64::NAN])));
        assert!(is_input_err(roc_auc(&[0, 1], &[f64::INFINITY, 0.5])));
        assert!(is_input_err(roc_auc(&[1, 1, 1], &[0.1, 0.2, 0.3])));
        // roc_auc_ovr: ragged rows, not probabilities, an absent class, NaN, out-of-range label
        let p = vec![
            vec![0.5, 0.25, 0.25],
            vec![0.2, 0.5, 0.3],
            vec![0.1, 0.1, 0.8],
        ];
        assert!(roc_auc_ovr(&[0, 1, 2], &p, Average::Macro).is_ok());
        let ragged = vec![vec![0.5, 0.5], vec![0.2, 0.5, 0.3], vec![0.1, 0.1, 0.8]];
        assert!(is_input_err(roc_auc_ovr(
            &[0, 1, 2],
            &ragged,
            Average::Macro
        )));
        let logits = vec![
            vec![2.0, 0.5, 0.5],
            vec![0.2, 0.5, 0.3],
            vec![0.1, 0.1, 0.8],
        ];
        assert!(is_input_err(roc_auc_ovr(
            &[0, 1, 2],
            &logits,
            Average::Macro
        )));
        assert!(is_input_err(roc_auc_ovr(&[0, 1, 1], &p, Average::Macro)));
        assert!(is_input_err(roc_auc_ovr(&[0, 1, 3], &p, Average::Macro)));
        let nan = vec![vec![f64::NAN, 0.5, 0.5], p[1].clone(), p[2].clone()];
        assert!(is_input_err(roc_auc_ovr(&[0, 1, 2], &nan, Average::Macro)));
        assert!(is_input_err(roc_auc_ovr(&[], &[], Average::Macro)));
    }

    /// Seeded logits and targets of `n` samples over `c` classes.
    fn batch(seed: u64, n: usize, c: usize) -> (Tensor, Tensor, Vec<i64>) {
        let mut rng = Rng::new(seed);
        let y: Vec<i64> = (0..n).map(|_| rng.below(c) as i64).collect();
        let logits: Vec<f64> = (0..n * c)
            .map(|i| rng.normal() + if (i % c) as i64 == y[i / c] { 1.0 } else { 0.0 })
            .collect();
        let x = Tensor::from_slice(&logits)
            .reshape([n as i64, c as i64])
            .to_kind(Kind::Float);
        (x, Tensor::from_slice(&y), y)
    }

    #[test]
    fn accumulator_three_batches_equal_one() {
        for c in [2usize, 4] {
            let (x, t, y) = batch(7 + c as u64, 40, c);
            let mut all = ClassificationMetrics::new(c);
            all.update(&x, &t).unwrap();
            let mut parts = ClassificationMetrics::new(c);
            for (start, len) in [(0, 13), (13, 20), (33, 7)] {
                parts
                    .update(&x.narrow(0, start, len), &t.narrow(0, start, len))
                    .unwrap();
            }
            assert_eq!(parts.len(), 40);
            assert_eq!(parts.compute().unwrap(), all.compute().unwrap());
            assert_eq!(parts.roc_auc().unwrap(), all.roc_auc().unwrap());

            // same as the slice functions on argmax labels and softmax probabilities
            let pred = Vec::<i64>::try_from(&x.argmax(1, false)).unwrap();
            assert_eq!(
                all.compute().unwrap(),
                classification_report(&y, &pred, c).unwrap()
            );
            let probs =
                Vec::<Vec<f64>>::try_from(&x.to_kind(Kind::Double).softmax(1, Kind::Double))
                    .unwrap();
            let expect = if c == 2 {
                roc_auc(&y, &probs.iter().map(|r| r[1]).collect::<Vec<_>>()).unwrap()
            } else {
                roc_auc_ovr(&y, &probs, Average::Macro).unwrap()
            };
            assert!((all.roc_auc().unwrap() - expect).abs() < 1e-12);

            // labels in three batches give the same report too
            let mut lab = ClassificationMetrics::new(c);
            lab.update_labels(&y[..5], &pred[..5]).unwrap();
            lab.update_labels(&y[5..30], &pred[5..30]).unwrap();
            lab.update_labels(&y[30..], &pred[30..]).unwrap();
            assert_eq!(lab.compute().unwrap(), all.compute().unwrap());
            assert!(is_input_err(lab.roc_auc()));

            parts.reset();
            assert!(parts.is_empty());
            assert!(is_input_err(parts.compute()));
            assert!(is_input_err(parts.roc_auc()));
        }
    }

    #[test]
    fn accumulator_keeps_probabilities_and_checks_input() {
        // rows that are already distributions are kept as they are (not softmaxed again)
        let p = [0.7, 0.2, 0.1, 0.2, 0.3, 0.5, 0.3, 0.4, 0.3, 0.1, 0.1, 0.8];
        let probs = Tensor::from_slice(&p).reshape([4, 3]);
        let y = [0i64, 2, 1, 2];
        let mut m = ClassificationMetrics::new(3);
        m.update(&probs, &Tensor::from_slice(&y).reshape([4, 1]))
            .unwrap();
        let rows: Vec<Vec<f64>> = p.chunks(3).map(|r| r.to_vec()).collect();
        assert_eq!(
            m.roc_auc().unwrap(),
            roc_auc_ovr(&y, &rows, Average::Macro).unwrap()
        );
        assert_eq!(
            m.compute().unwrap().confusion,
            vec![vec![1, 0, 0], vec![0, 1, 0], vec![0, 0, 2]]
        );
        // float targets holding whole numbers are accepted
        m.update(&probs, &Tensor::from_slice(&[0.0f32, 2.0, 1.0, 2.0]))
            .unwrap();
        assert_eq!(m.len(), 8);

        let t = Tensor::from_slice(&[0i64, 1, 2, 1]);
        assert!(is_input_err(m.update(
            &Tensor::zeros([4, 2], (Kind::Float, tch::Device::Cpu)),
            &t
        )));
        assert!(is_input_err(
            m.update(&probs, &Tensor::from_slice(&[0i64, 1]))
        ));
        assert!(is_input_err(
            m.update(&probs, &Tensor::from_slice(&[0i64, 1, 3, 1]))
        ));
        assert!(is_input_err(
            m.update(&probs, &Tensor::from_slice(&[0.0, 1.5, 2.0, 1.0]))
        ));
        let nan = Tensor::from_slice(&[f64::NAN; 12]).reshape([4, 3]);
        assert!(is_input_err(m.update(&nan, &t)));
        assert!(is_input_err(m.update_labels(&[0, 1], &[0])));
        assert!(is_input_err(m.update_labels(&[0, 3], &[0, 1])));
        // failed updates added nothing; empty batches are no-ops
        assert_eq!(m.len(), 8);
        m.update(
            &Tensor::zeros([0, 3], (Kind::Float, tch::Device::Cpu)),
            &Tensor::zeros([0], (Kind::Int64, tch::Device::Cpu)),
        )
        .unwrap();
        m.update_labels(&[], &[]).unwrap();
        assert_eq!(m.len(), 8);
        assert!(m.roc_auc().is_ok());
        // one class: no AUC
        let mut one = ClassificationMetrics::new(1);
        one.update_labels(&[0, 0], &[0, 0]).unwrap();
        assert_eq!(one.compute().unwrap().accuracy, 1.0);
    }

    #[test]
    fn average_serde_names() {
        assert_eq!(
            serde_json::to_string(&Average::Weighted).unwrap(),
            "\"weighted\""
        );
        let a: Average = serde_json::from_str("\"micro\"").unwrap();
        assert_eq!(a, Average::Micro);
    }

    /// Macro averages over the classes present only (scikit-learn's `labels=None`), for class
    /// indices and names alike: a model of 5 classes, 0 and 1 in the truth, 3 only predicted.
    #[test]
    fn report_over_the_classes_present() {
        let (present, r) = classification_report_present(&[0, 0, 1, 1], &[0, 3, 1, 1]).unwrap();
        assert_eq!(present, [0, 1, 3]);
        // precision [1, 1, 0], recall [0.5, 1, 0], F1 [2/3, 1, 0] over three classes, not five.
        assert!((r.precision_macro - 2.0 / 3.0).abs() < 1e-12);
        assert!((r.recall_macro - 0.5).abs() < 1e-12);
        assert!((r.f1_macro - 5.0 / 9.0).abs() < 1e-12);
        assert!((r.balanced_accuracy - 0.75).abs() < 1e-12);
        assert_eq!(r.confusion, [[1, 0, 1], [0, 2, 0], [0, 0, 0]]);
        let (names, s) =
            classification_report_present(&["b", "b", "c", "c"], &["b", "z", "c", "c"]).unwrap();
        assert_eq!(names, ["b", "c", "z"]);
        assert_eq!(s, r);
        assert!(classification_report_present::<i64>(&[], &[]).is_err());
    }
}
