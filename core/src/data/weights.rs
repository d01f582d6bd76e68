//! Class weights for imbalanced classification (weighted cross-entropy, weighted sampling).
//!
//! [`ClassWeightMode::Balanced`] is scikit-learn's `compute_class_weight("balanced")`:
//! `w_c = n / (k * count_c)`, so rare classes weigh more and the mean weight per *sample* is 1.
//! Labels are class indices `0..n_classes`, computed from the **training split only**.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{Error, Result};

/// How to weight classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeightMode {
    /// Every class weighs 1 (plain, unweighted loss); the default, as in scikit-learn.
    #[default]
    None,
    /// `n / (k * count_c)` (scikit-learn's "balanced").
    Balanced,
    /// `∝ 1 / sqrt(count_c)`, a milder reweighting, scaled so the mean weight per sample is 1
    /// (`w_c = n / (Σ_j sqrt(count_j) · sqrt(count_c))`).
    InverseSqrt,
}

/// Count samples per class, checking every label is in `0..n_classes`.
fn class_counts(labels: &[i64], n_classes: usize) -> Result<Vec<usize>> {
    if n_classes == 0 {
        return Err(Error::input("class weights: n_classes must be at least 1"));
    }
    let mut counts = vec![0usize; n_classes];
    for (i, &y) in labels.iter().enumerate() {
        match usize::try_from(y).ok().filter(|&c| c < n_classes) {
            Some(c) => counts[c] += 1,
            None => {
                return Err(Error::input(format!(
                    "class weights: label {y} at index {i} is outside 0..{n_classes}"
                )))
            }
        }
    }
    Ok(counts)
}

/// One weight per class `0..n_classes` from integer `labels` (training split).
///
/// A class with **zero samples gets weight 0** under `Balanced` and `InverseSqrt` (there is
/// nothing to weight; scikit-learn would refuse such a class). `k` in the balanced formula is
/// the number of classes actually present, which equals `n_classes` whenever every class occurs
/// (scikit-learn's case) and keeps the mean sample weight at 1 otherwise. `None` gives all ones.
pub fn class_weights(labels: &[i64], n_classes: usize, mode: ClassWeightMode) -> Result<Vec<f64>> {
    let counts = class_counts(labels, n_classes)?;
    if labels.is_empty() {
        return Err(Error::input("class weights: no labels"));
    }
    let n = labels.len() as f64;
    Ok(match mode {
        ClassWeightMode::None => vec![1.0; n_classes],
        ClassWeightMode::Balanced => {
            let present = counts.iter().filter(|&&c| c > 0).count() as f64;
            per_present_class(&counts, |c| n / (present * c))
        }
        ClassWeightMode::InverseSqrt => {
            let norm: f64 = counts.iter().map(|&c| (c as f64).sqrt()).sum();
            per_present_class(&counts, |c| n / (norm * c.sqrt()))
        }
    })
}

/// `weight(count)` for each class that occurs, 0 for a class with no samples.
fn per_present_class(counts: &[usize], weight: impl Fn(f64) -> f64) -> Vec<f64> {
    counts
        .iter()
        .map(|&c| if c == 0 { 0.0 } else { weight(c as f64) })
        .collect()
}

/// The weight of each sample: `class_weights[labels[i]]` (e.g. for a weighted sampler).
pub fn sample_weights(labels: &[i64], class_weights: &[f64]) -> Result<Vec<f64>> {
    labels
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            usize::try_from(y)
                .ok()
                .and_then(|c| class_weights.get(c).copied())
                .ok_or_else(|| {
                    Error::input(format!(
                        "sample_weights: label {y} at index {i} has no weight ({} classes)",
                        class_weights.len()
                    ))
                })
        })
        .collect()
}

/// Weights as a 1-D `f32` CPU tensor (e.g. `weight` of a cross-entropy loss); move it with
/// `.to_device(..)` next to the logits.
pub fn as_tensor(weights: &[f64]) -> Tensor {
    Tensor::from_slice(weights).to_kind(Kind::Float)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn assert_close(a: &[f64], b: &[f64]) {
        crate::testing::assert_close_slice(a, b, 1e-9);
    }

    #[test]
    fn balanced_matches_sklearn() {
        // sklearn compute_class_weight("balanced", classes=[0, 1, 2], y=[0, 0, 0, 1, 2, 2])
        // = [6/(3*3), 6/(3*1), 6/(3*2)] = [0.6667, 2, 1].
        let y = [0, 0, 0, 1, 2, 2];
        let w = class_weights(&y, 3, ClassWeightMode::Balanced).unwrap();
        assert_close(&w, &[2.0 / 3.0, 2.0, 1.0]);
        let s = sample_weights(&y, &w).unwrap();
        assert_close(&s, &[2.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0, 2.0, 1.0, 1.0]);
        assert!((s.iter().sum::<f64>() - 6.0).abs() < 1e-9);
        let t = as_tensor(&w);
        assert_eq!((t.kind(), t.size()), (Kind::Float, vec![3]));
        assert!((t.double_value(&[1]) - 2.0).abs() < 1e-6);
    }

    #[test]
    fn inverse_sqrt_none_and_empty_class() {
        // counts [4, 1, 0]: Σ sqrt = 3, n = 5 → [5/(3*2), 5/3, 0].
        let y = [0, 0, 0, 0, 1];
        let w = class_weights(&y, 3, ClassWeightMode::InverseSqrt).unwrap();
        assert_close(&w, &[5.0 / 6.0, 5.0 / 3.0, 0.0]);
        let mean: f64 = sample_weights(&y, &w).unwrap().iter().sum::<f64>() / 5.0;
        assert!((mean - 1.0).abs() < 1e-9);
        // Balanced with an empty class: k = 2 present classes → [5/8, 5/2, 0].
        let w = class_weights(&y, 3, ClassWeightMode::Balanced).unwrap();
        assert_close(&w, &[0.625, 2.5, 0.0]);
        let w = class_weights(&y, 3, ClassWeightMode::None).unwrap();
        assert_close(&w, &[1.0, 1.0, 1.0]);
    }

    #[test]
    fn bad_labels_are_errors() {
        let err = class_weights(&[0, 3], 3, ClassWeightMode::Balanced).unwrap_err();
        assert!(err.to_string().contains("label 3 at index 1"), "{err}");
        assert!(class_weights(&[-1], 3, ClassWeightMode::None).is_err());
        assert!(class_weights(&[], 3, ClassWeightMode::Balanced).is_err());
        assert!(class_weights(&[0], 0, ClassWeightMode::Balanced).is_err());
        assert!(sample_weights(&[0, 2], &[1.0, 1.0]).is_err());
        let mode: ClassWeightMode = serde_json::from_str(r#""inverse_sqrt""#).unwrap();
        assert_eq!(mode, ClassWeightMode::InverseSqrt);
    }
}
