//! Point-wise anomaly metrics.
//!
//! **Point adjustment** (Xu et al. 2018, used by OmniAnomaly and StackVAE-G): if any point of a
//! contiguous labelled anomaly segment is flagged, every point of that segment counts as
//! detected. It rewards a single hit per event and is known to inflate F1 — even random scores
//! can score well — so both adjusted and unadjusted numbers are reported, beside a random-score
//! baseline run through the same procedure.

use serde::{Deserialize, Serialize};

use crate::{ensure_input, Result};

/// True at every timestamp inside one of the `[start, end]` windows (inclusive).
pub fn labels_from_windows(time: &[i64], windows: &[(i64, i64)]) -> Vec<bool> {
    time.iter()
        .map(|&t| windows.iter().any(|&(a, b)| a <= t && t <= b))
        .collect()
}

/// Point-adjusted predictions: whole labelled segments flagged when any of their points is.
pub fn point_adjust(pred: &[bool], labels: &[bool]) -> Vec<bool> {
    let mut out = pred.to_vec();
    let mut i = 0;
    while i < labels.len() {
        if !labels[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < labels.len() && labels[i] {
            i += 1;
        }
        if pred[start..i].iter().any(|&p| p) {
            out[start..i].iter_mut().for_each(|p| *p = true);
        }
    }
    out
}

/// Precision, recall and F1 of boolean predictions (0 where undefined).
pub fn prf(pred: &[bool], labels: &[bool]) -> (f64, f64, f64) {
    let tp = pred.iter().zip(labels).filter(|(p, l)| **p && **l).count() as f64;
    let fp = pred.iter().zip(labels).filter(|(p, l)| **p && !**l).count() as f64;
    let fn_ = pred.iter().zip(labels).filter(|(p, l)| !**p && **l).count() as f64;
    let p = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
    let r = if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// The best F1 over thresholds, with its precision, recall and threshold (`score > threshold`
/// flags a point).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BestF1 {
    pub f1: f64,
    pub precision: f64,
    pub recall: f64,
    pub threshold: f64,
}

/// Search up to `candidates` thresholds (score quantiles) for the best F1, with or without
/// point adjustment.
pub fn best_f1(scores: &[f64], labels: &[bool], adjust: bool, candidates: usize) -> Result<BestF1> {
    ensure_input!(
        !scores.is_empty() && scores.len() == labels.len(),
        "best_f1: {} scores for {} labels",
        scores.len(),
        labels.len()
    );
    ensure_input!(
        scores.iter().all(|s| s.is_finite()),
        "best_f1: scores must be finite"
    );
    ensure_input!(labels.iter().any(|&l| l), "best_f1: no labelled anomaly");
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mut best = BestF1 {
        f1: -1.0,
        precision: 0.0,
        recall: 0.0,
        threshold: f64::NAN,
    };
    let c = candidates.max(2);
    for q in 0..c {
        // Quantiles from the median up, denser towards the top.
        let frac = 0.5 + 0.5 * (1.0 - (1.0 - q as f64 / (c - 1) as f64).powi(2));
        let th = sorted[((frac * (n - 1) as f64).round() as usize).min(n - 1)];
        let mut pred: Vec<bool> = scores.iter().map(|&s| s > th).collect();
        if adjust {
            pred = point_adjust(&pred, labels);
        }
        let (p, r, f) = prf(&pred, labels);
        if f > best.f1 {
            best = BestF1 {
                f1: f,
                precision: p,
                recall: r,
                threshold: th,
            };
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_adjustment_and_f1_by_hand() {
        let labels = [false, true, true, true, false, false, true, true];
        let pred = [true, false, true, false, false, false, false, false];
        assert_eq!(
            point_adjust(&pred, &labels),
            [true, true, true, true, false, false, false, false]
        );
        let (p, r, f) = prf(&pred, &labels);
        assert_eq!((p, r), (0.5, 0.2));
        assert!((f - 2.0 * 0.5 * 0.2 / 0.7).abs() < 1e-12);
        let (p, r, _) = prf(&point_adjust(&pred, &labels), &labels);
        assert_eq!((p, r), (0.75, 0.6));
        assert_eq!(
            labels_from_windows(&[0, 5, 10, 15], &[(5, 10)]),
            [false, true, true, false]
        );
    }

    #[test]
    fn best_threshold_separates_perfect_scores() {
        let labels: Vec<bool> = (0..100).map(|i| (40..45).contains(&i)).collect();
        let scores: Vec<f64> = (0..100)
            .map(|i| {
                if labels[i] {
                    5.0 + i as f64 * 0.01
                } else {
                    (i % 7) as f64 * 0.1
                }
            })
            .collect();
        let b = best_f1(&scores, &labels, false, 200).unwrap();
        assert_eq!((b.f1, b.precision, b.recall), (1.0, 1.0, 1.0));
        assert!(best_f1(&scores, &[false; 100], false, 10).is_err());
        assert!(best_f1(&scores[..5], &labels, false, 10).is_err());
    }
}
