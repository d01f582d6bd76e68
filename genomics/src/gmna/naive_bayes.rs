//! Multinomial Naive Bayes on k-mer count profiles (the GMNA paper's first classifier; the model
//! of scikit-learn's `MultinomialNB`): per class a smoothed k-mer distribution
//! `θ_cj = (N_cj + α) / (N_c + α·D)` and a log prior; a genome's log posterior is
//! `log π_c + Σ_j x_j log θ_cj` up to a constant. Fitting streams over sparse profiles, so memory is
//! `classes × D` whatever the number of genomes.

use serde::{Deserialize, Serialize};

use crate::seq::SparseProfile;
use crate::{Error, Result};

/// A fitted multinomial Naive Bayes model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultinomialNb {
    /// Additive (Laplace/Lidstone) smoothing α.
    pub alpha: f64,
    /// Profile dimension D.
    pub dim: usize,
    /// `log π_c`.
    pub class_log_prior: Vec<f64>,
    /// `log θ_cj`, `classes × D`, row-major.
    pub feature_log_prob: Vec<f32>,
}

impl MultinomialNb {
    /// Fit on profiles `x` with class ids `y` in `0..n_classes`.
    pub fn fit(x: &[&SparseProfile], y: &[usize], n_classes: usize, alpha: f64) -> Result<Self> {
        if x.is_empty() || x.len() != y.len() {
            return Err(Error::input(format!(
                "naive Bayes: {} profiles and {} labels",
                x.len(),
                y.len()
            )));
        }
        if !(alpha > 0.0 && alpha.is_finite()) {
            return Err(Error::config(format!(
                "naive Bayes: alpha must be > 0, got {alpha}"
            )));
        }
        let dim = x[0].dim;
        let mut counts = vec![0f64; n_classes * dim];
        let mut class_n = vec![0usize; n_classes];
        for (p, &c) in x.iter().zip(y) {
            if c >= n_classes || p.dim != dim {
                return Err(Error::input(format!(
                    "naive Bayes: label {c} of {n_classes} classes, profile dim {} vs {dim}",
                    p.dim
                )));
            }
            class_n[c] += 1;
            let row = &mut counts[c * dim..(c + 1) * dim];
            for (&i, &v) in p.indices.iter().zip(&p.values) {
                row[i as usize] += v as f64;
            }
        }
        let n = x.len() as f64;
        let class_log_prior = class_n
            .iter()
            .map(|&c| {
                if c == 0 {
                    f64::NEG_INFINITY
                } else {
                    (c as f64 / n).ln()
                }
            })
            .collect();
        let mut feature_log_prob = vec![0f32; n_classes * dim];
        for c in 0..n_classes {
            let row = &counts[c * dim..(c + 1) * dim];
            let denom = (row.iter().sum::<f64>() + alpha * dim as f64).ln();
            for (o, &v) in feature_log_prob[c * dim..(c + 1) * dim].iter_mut().zip(row) {
                *o = ((v + alpha).ln() - denom) as f32;
            }
        }
        Ok(MultinomialNb {
            alpha,
            dim,
            class_log_prior,
            feature_log_prob,
        })
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.class_log_prior.len()
    }

    /// Joint log-likelihood `log π_c + Σ_j x_j log θ_cj` per class.
    pub fn joint_log_likelihood(&self, p: &SparseProfile) -> Result<Vec<f64>> {
        if p.dim != self.dim {
            return Err(Error::input(format!(
                "naive Bayes: profile dim {} but the model was fitted on {}",
                p.dim, self.dim
            )));
        }
        Ok((0..self.n_classes())
            .map(|c| {
                let row = &self.feature_log_prob[c * self.dim..(c + 1) * self.dim];
                self.class_log_prior[c]
                    + p.indices
                        .iter()
                        .zip(&p.values)
                        .map(|(&i, &v)| v as f64 * row[i as usize] as f64)
                        .sum::<f64>()
            })
            .collect())
    }

    /// Posterior class probabilities (softmax of the joint log-likelihood).
    pub fn predict_proba(&self, p: &SparseProfile) -> Result<Vec<f64>> {
        Ok(softmax(&self.joint_log_likelihood(p)?))
    }
}

/// Numerically stable softmax.
pub fn softmax(v: &[f64]) -> Vec<f64> {
    let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = v.iter().map(|x| (x - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|x| x / s).collect()
}

/// Index of the largest value (core's, re-exported for this crate's callers).
pub use deepfield_core::metrics::argmax;

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(dense: &[f32]) -> SparseProfile {
        let mut p = SparseProfile {
            dim: dense.len(),
            ..Default::default()
        };
        for (i, &v) in dense.iter().enumerate() {
            if v != 0.0 {
                p.indices.push(i as u32);
                p.values.push(v);
            }
        }
        p
    }

    /// Reference values from scikit-learn 1.x `MultinomialNB(alpha=1.0)` on the same data
    /// (`predict_proba([[1, 0, 2]])`), generated by genomics/scripts/nb_reference.py.
    #[test]
    fn matches_sklearn_multinomial_nb() {
        let x = [
            sp(&[2.0, 1.0, 0.0]),
            sp(&[3.0, 0.0, 1.0]),
            sp(&[0.0, 1.0, 4.0]),
            sp(&[1.0, 0.0, 3.0]),
        ];
        let refs: Vec<&SparseProfile> = x.iter().collect();
        let nb = MultinomialNb::fit(&refs, &[0, 0, 1, 1], 2, 1.0).unwrap();
        let p = nb.predict_proba(&sp(&[1.0, 0.0, 2.0])).unwrap();
        // θ_0 = [6, 2, 2]/10, θ_1 = [2, 2, 8]/12; equal priors.
        let l0 = 1.0 * (0.6f64).ln() + 2.0 * (0.2f64).ln();
        let l1 = 1.0 * (2.0f64 / 12.0).ln() + 2.0 * (8.0f64 / 12.0).ln();
        let expect = 1.0 / (1.0 + (l0 - l1).exp());
        assert!((p[1] - expect).abs() < 1e-6, "{p:?} vs {expect}");
        assert!((p[1] - 0.755_287_009_063_444_1).abs() < 1e-6, "{p:?}");
        assert!(MultinomialNb::fit(&refs, &[0, 1], 2, 1.0).is_err());
        assert!(MultinomialNb::fit(&refs, &[0, 0, 1, 1], 2, 0.0).is_err());
    }

    /// Three classes with unequal priors and Lidstone α = 0.5, computed by hand:
    /// class counts N_c = [3+1+0+2, 0+4+1+1, 1+1+4+0] summed over the class's profiles.
    #[test]
    fn three_classes_unequal_priors_by_hand() {
        let x = [
            sp(&[3.0, 1.0, 0.0, 0.0]),
            sp(&[0.0, 2.0, 1.0, 1.0]),
            sp(&[0.0, 2.0, 0.0, 0.0]),
            sp(&[1.0, 1.0, 4.0, 0.0]),
        ];
        let refs: Vec<&SparseProfile> = x.iter().collect();
        // Class 0: profile 0; class 1: profiles 1, 2; class 2: profile 3.
        let nb = MultinomialNb::fit(&refs, &[0, 1, 1, 2], 3, 0.5).unwrap();
        assert_eq!(nb.n_classes(), 3);
        let prior = [0.25f64, 0.5, 0.25];
        let counts = [
            [3.0, 1.0, 0.0, 0.0],
            [0.0, 4.0, 1.0, 1.0],
            [1.0, 1.0, 4.0, 0.0],
        ];
        for c in 0..3 {
            assert!((nb.class_log_prior[c] - prior[c].ln()).abs() < 1e-12);
            let total: f64 = counts[c].iter().sum::<f64>() + 0.5 * 4.0;
            for (j, &n) in counts[c].iter().enumerate() {
                let want = ((n + 0.5) / total).ln();
                assert!((nb.feature_log_prob[c * 4 + j] as f64 - want).abs() < 1e-6);
            }
        }
        // A query with counts [0, 3, 0, 1]: log π_c + 3 log θ_c1 + log θ_c3.
        let q = sp(&[0.0, 3.0, 0.0, 1.0]);
        let jll = nb.joint_log_likelihood(&q).unwrap();
        let theta =
            |c: usize, j: usize| (counts[c][j] + 0.5) / (counts[c].iter().sum::<f64>() + 2.0);
        for (c, &got) in jll.iter().enumerate() {
            let want = prior[c].ln() + 3.0 * theta(c, 1).ln() + theta(c, 3).ln();
            assert!((got - want).abs() < 1e-5, "class {c}: {got} vs {want}");
        }
        // = [ln .25 + 3 ln(1.5/6) + ln(.5/6), ln .5 + 3 ln(4.5/8) + ln(1.5/8), ...]: class 1 wins.
        let p = nb.predict_proba(&q).unwrap();
        assert_eq!(argmax(&p), 1);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let e: Vec<f64> = jll.iter().map(|v| v.exp()).collect();
        let s: f64 = e.iter().sum();
        for c in 0..3 {
            assert!((p[c] - e[c] / s).abs() < 1e-9);
        }
        // A wrong dimension is an error, not a panic.
        assert!(nb.joint_log_likelihood(&sp(&[1.0, 0.0])).is_err());
        assert!(MultinomialNb::fit(&refs, &[0, 1, 1, 3], 3, 0.5).is_err());
    }

    #[test]
    fn a_class_without_genomes_gets_zero_probability() {
        let x = [sp(&[1.0, 0.0]), sp(&[0.0, 1.0])];
        let refs: Vec<&SparseProfile> = x.iter().collect();
        let nb = MultinomialNb::fit(&refs, &[0, 2], 3, 1.0).unwrap();
        assert_eq!(nb.class_log_prior[1], f64::NEG_INFINITY);
        let p = nb.predict_proba(&sp(&[2.0, 0.0])).unwrap();
        assert_eq!(p[1], 0.0);
        // θ_0 = [2/3, 1/3], θ_2 = [1/3, 2/3], equal priors: p_0 = 4/9 / (4/9 + 1/9) = 0.8.
        assert!((p[0] - 0.8).abs() < 1e-6, "{p:?}");
    }

    #[test]
    fn softmax_is_stable_and_shift_invariant() {
        let p = softmax(&[1000.0, 1000.0 + 2f64.ln()]);
        assert!((p[0] - 1.0 / 3.0).abs() < 1e-12 && (p[1] - 2.0 / 3.0).abs() < 1e-12);
        let q = softmax(&[0.0, 2f64.ln(), f64::NEG_INFINITY]);
        assert!((q[1] - p[1]).abs() < 1e-12 && q[2] == 0.0);
    }
}
