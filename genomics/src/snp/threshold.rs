//! Decision threshold for the Deep SNP breakpoint probability, chosen on validation windows.
//!
//! A network can rank windows well (high ROC AUC) while its probabilities are shifted, so the
//! fixed cut `p > 0.5` calls almost every window (or none) a breakpoint. The reproduction
//! therefore chooses the cut on the validation windows — never on the test windows — and stores
//! it in the saved model so that every later decision (test metrics, report, `predict deep-snp`)
//! uses the same rule.
//!
//! Rule: a window is called a breakpoint window when `p ≥ t`. The candidates for `t` are the
//! distinct validation scores; the chosen `t` maximises the F1 of the breakpoint class on the
//! validation windows, and among equally good candidates the highest one is taken (fewer calls
//! for the same F1).

use crate::{Error, Result};

/// The chosen threshold and its F1 on the windows it was chosen on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChosenThreshold {
    /// Call a breakpoint when `p ≥ threshold`.
    pub threshold: f64,
    /// F1 of the breakpoint class at `threshold` on the fitting windows.
    pub f1: f64,
}

/// The F1-maximising threshold on `scores` with binary `labels` (1 = breakpoint); ties → the
/// higher threshold. Errors on empty or mismatched inputs, non-finite scores, labels other than
/// 0/1, or no positive window (F1 is undefined there).
pub fn choose_f1_threshold(scores: &[f64], labels: &[u8]) -> Result<ChosenThreshold> {
    if scores.is_empty() || scores.len() != labels.len() {
        return Err(Error::input(format!(
            "threshold: need equally many scores and labels, got {} and {}",
            scores.len(),
            labels.len()
        )));
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(Error::input("threshold: scores must be finite"));
    }
    if labels.iter().any(|&l| l > 1) {
        return Err(Error::input("threshold: labels must be 0 or 1"));
    }
    let positives = labels.iter().filter(|&&l| l == 1).count();
    if positives == 0 {
        return Err(Error::input(
            "threshold: no positive (breakpoint) window to fit the threshold on",
        ));
    }
    let mut pairs: Vec<(f64, u8)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    // Descending scores: lowering the threshold past each distinct value adds its windows.
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut best: Option<ChosenThreshold> = None;
    let mut i = 0;
    while i < pairs.len() {
        let t = pairs[i].0;
        while i < pairs.len() && pairs[i].0 == t {
            if pairs[i].1 == 1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        let f1 = 2.0 * tp as f64 / (tp + fp + positives) as f64;
        // Strictly better only: the first (highest) threshold wins ties.
        if best.is_none_or(|b| f1 > b.f1) {
            best = Some(ChosenThreshold { threshold: t, f1 });
        }
    }
    best.ok_or_else(|| Error::input("threshold: no scores"))
}

/// Calls (`1` = breakpoint) of `scores` at `threshold` (`p ≥ threshold`).
pub fn calls(scores: &[f64], threshold: f64) -> Vec<i64> {
    scores.iter().map(|&p| i64::from(p >= threshold)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_f1_maximising_cut() {
        // Sorted: 0.9(1) 0.8(1) 0.7(0) 0.6(1) 0.4(0) 0.3(1) 0.2(0) 0.1(0); 4 positives.
        // F1 at t = 0.9: 2/5 = .4; 0.8: 4/6 = .667; 0.7: 4/7; 0.6: 6/8 = .75 (best);
        // 0.4: 6/9; 0.3: 8/10 = .8 (better); 0.2: 8/11; 0.1: 8/12.
        let s = [0.3, 0.9, 0.1, 0.6, 0.8, 0.2, 0.7, 0.4];
        let l = [1, 1, 0, 1, 1, 0, 0, 0];
        let c = choose_f1_threshold(&s, &l).unwrap();
        assert_eq!(c.threshold, 0.3);
        assert!((c.f1 - 0.8).abs() < 1e-12);
        assert_eq!(calls(&s, c.threshold), vec![1, 1, 0, 1, 1, 0, 1, 1]);
    }

    #[test]
    fn shifted_scores_get_a_cut_far_above_one_half() {
        // Every score > 0.5 (a 0.5 cut calls all windows), but the ranking is perfect.
        let s = [0.97, 0.95, 0.93, 0.91, 0.7, 0.65, 0.6, 0.55];
        let l = [1, 1, 1, 1, 0, 0, 0, 0];
        let c = choose_f1_threshold(&s, &l).unwrap();
        assert_eq!(c.threshold, 0.91);
        assert_eq!(c.f1, 1.0);
    }

    #[test]
    fn ties_go_to_the_higher_threshold_and_equal_scores_move_together() {
        // Scores 0.95(1) 0.9(0) 0.85(0) 0.8(1), 2 positives: F1 at 0.95 = 2/3, at 0.9 = 2/4,
        // at 0.85 = 2/5, at 0.8 = 4/6 = 2/3 — a tie between 0.95 and 0.8; the higher one wins.
        let c = choose_f1_threshold(&[0.8, 0.95, 0.85, 0.9], &[1, 1, 0, 0]).unwrap();
        assert_eq!(c.threshold, 0.95);
        assert!((c.f1 - 2.0 / 3.0).abs() < 1e-12);
        // Equal scores enter together: t = 0.8 → 2/4; t = 0.5 (three windows) → 4/7;
        // t = 0.2 → 6/8.
        let c = choose_f1_threshold(&[0.8, 0.5, 0.5, 0.5, 0.2], &[1, 1, 0, 0, 1]).unwrap();
        assert_eq!(c.threshold, 0.2);
        let c = choose_f1_threshold(&[0.8, 0.5, 0.5, 0.2], &[1, 1, 1, 0]).unwrap();
        assert_eq!(c.threshold, 0.5);
        assert_eq!(c.f1, 1.0);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(choose_f1_threshold(&[], &[]).is_err());
        assert!(choose_f1_threshold(&[0.1, 0.2], &[1]).is_err());
        assert!(choose_f1_threshold(&[0.1, f64::NAN], &[1, 0]).is_err());
        assert!(choose_f1_threshold(&[0.1, 0.2], &[0, 0]).is_err());
        assert!(choose_f1_threshold(&[0.1, 0.2], &[2, 0]).is_err());
    }
}
