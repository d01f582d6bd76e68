//! The batch accumulator of model outputs.

use tch::{Kind, Tensor};

use super::super::tensor_to_f64;
use super::roc::{is_distribution, ovr_auc_flat};
use super::{
    check_finite, check_labels, classification_report, roc_auc, Average, ClassificationReport,
};
use crate::{ensure_input, Error, Result};

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
