//! Knowledge consistency between a query task and a model, from black-box probes.
//!
//! The joint space: a task is embedded as the centred, unit-norm Gram matrix of its probe
//! labels (one-hot), "which probe samples belong together"; a model as the centred, unit-norm
//! Gram matrix of its outputs on the same probes, "which samples it treats alike". Their cosine
//! is linear CKA ([`cka`]). Besides it the scorer reads three more black-box features (CKA of
//! log-probabilities, LEEP, leave-one-out nearest-centroid accuracy in the output space),
//! standardised across the zoo for the query, and weighs them with weights fitted on labelled
//! tasks by a pairwise ranking loss ([`Scorer::fit`]) — the supervised alignment step of
//! Know2Vec, reduced to a linear map.

use serde::{Deserialize, Serialize};

use crate::{ensure_config, Result};

/// The feature names, in the order of [`Features::values`].
pub const FEATURES: [&str; 4] = ["cka_prob", "cka_logprob", "leep", "ncc_loo"];

/// The black-box features of one model on one query's probe set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Features {
    pub cka_prob: f64,
    pub cka_logprob: f64,
    pub leep: f64,
    pub ncc_loo: f64,
}

impl Features {
    /// The values in the order of [`FEATURES`].
    pub fn values(&self) -> [f64; 4] {
        [self.cka_prob, self.cka_logprob, self.leep, self.ncc_loo]
    }
}

fn softmax(row: &[f64]) -> Vec<f64> {
    let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = row.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

fn centred(x: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = x.len().max(1) as f64;
    let p = x.first().map_or(0, Vec::len);
    let mean: Vec<f64> = (0..p)
        .map(|j| x.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    x.iter()
        .map(|r| r.iter().zip(&mean).map(|(v, m)| v - m).collect())
        .collect()
}

/// `‖XᵀY‖²_F` of centred `x`, `y` (same rows).
fn hsic(x: &[Vec<f64>], y: &[Vec<f64>]) -> f64 {
    let (p, q) = (x.first().map_or(0, Vec::len), y.first().map_or(0, Vec::len));
    let mut s = 0.0;
    for a in 0..p {
        for b in 0..q {
            let c: f64 = x.iter().zip(y).map(|(r, t)| r[a] * t[b]).sum();
            s += c * c;
        }
    }
    s
}

/// Linear CKA of two representations of the same samples (rows): the cosine of their centred
/// Gram matrices, in `[0, 1]` (0 when either is constant).
pub fn cka(x: &[Vec<f64>], y: &[Vec<f64>]) -> f64 {
    let (xc, yc) = (centred(x), centred(y));
    let d = (hsic(&xc, &xc) * hsic(&yc, &yc)).sqrt();
    if d <= 1e-300 {
        0.0
    } else {
        hsic(&xc, &yc) / d
    }
}

/// One-hot rows of `labels` over `k` classes.
pub fn one_hot(labels: &[i64], k: usize) -> Vec<Vec<f64>> {
    labels
        .iter()
        .map(|&l| (0..k).map(|c| f64::from(u8::from(c as i64 == l))).collect())
        .collect()
}

/// LEEP (Nguyen et al. 2020): the log expected empirical prediction of the labels through the
/// model's source-class probabilities `probs`.
pub fn leep(probs: &[Vec<f64>], labels: &[i64], k: usize) -> f64 {
    let n = probs.len().max(1) as f64;
    let z = probs.first().map_or(0, Vec::len);
    let mut joint = vec![vec![0.0; z]; k];
    for (p, &l) in probs.iter().zip(labels) {
        for (j, v) in p.iter().enumerate() {
            joint[l as usize][j] += v / n;
        }
    }
    let marg: Vec<f64> = (0..z).map(|j| (0..k).map(|y| joint[y][j]).sum()).collect();
    let mut s = 0.0;
    for (p, &l) in probs.iter().zip(labels) {
        let e: f64 = (0..z)
            .map(|j| joint[l as usize][j] / marg[j].max(1e-12) * p[j])
            .sum();
        s += e.max(1e-12).ln();
    }
    s / n
}

/// Leave-one-out nearest-class-mean accuracy (fraction) of `x` rows for `labels`.
pub fn ncc_loo(x: &[Vec<f64>], labels: &[i64], k: usize) -> f64 {
    let p = x.first().map_or(0, Vec::len);
    let mut sums = vec![vec![0.0; p]; k];
    let mut counts = vec![0usize; k];
    for (r, &l) in x.iter().zip(labels) {
        counts[l as usize] += 1;
        for (s, v) in sums[l as usize].iter_mut().zip(r) {
            *s += v;
        }
    }
    let mut hits = 0usize;
    for (r, &l) in x.iter().zip(labels) {
        let mut best = (f64::INFINITY, usize::MAX);
        for c in 0..k {
            let own = c == l as usize;
            let cnt = counts[c] as f64 - if own { 1.0 } else { 0.0 };
            if cnt < 1.0 {
                continue;
            }
            let d: f64 = (0..p)
                .map(|j| {
                    let m = (sums[c][j] - if own { r[j] } else { 0.0 }) / cnt;
                    (r[j] - m) * (r[j] - m)
                })
                .sum();
            if d < best.0 {
                best = (d, c);
            }
        }
        hits += usize::from(best.1 == l as usize);
    }
    hits as f64 / x.len().max(1) as f64
}

/// The features of a model whose outputs on the probes are `logits` (rows), for probe labels
/// `labels` in `0..k`.
pub fn features(logits: &[Vec<f64>], labels: &[i64], k: usize) -> Features {
    let probs: Vec<Vec<f64>> = logits.iter().map(|r| softmax(r)).collect();
    let logp: Vec<Vec<f64>> = probs
        .iter()
        .map(|r| r.iter().map(|v| v.max(1e-12).ln()).collect())
        .collect();
    let y = one_hot(labels, k);
    Features {
        cka_prob: cka(&probs, &y),
        cka_logprob: cka(&logp, &y),
        leep: leep(&probs, labels, k),
        ncc_loo: ncc_loo(&logp, labels, k),
    }
}

/// A linear score over the standardised features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorer {
    /// Names of the features the weights belong to ([`FEATURES`]).
    pub features: Vec<String>,
    pub weights: Vec<f64>,
}

impl Default for Scorer {
    /// The joint-space similarity alone (CKA of the probabilities), before any fitting.
    fn default() -> Self {
        Scorer {
            features: FEATURES.iter().map(|s| s.to_string()).collect(),
            weights: vec![1.0, 0.0, 0.0, 0.0],
        }
    }
}

/// Each feature standardised across the models of one query (mean 0, std 1; 0 when constant).
pub fn standardise(f: &[Features]) -> Vec<[f64; 4]> {
    let n = f.len().max(1) as f64;
    let mut out: Vec<[f64; 4]> = f.iter().map(Features::values).collect();
    for j in 0..4 {
        let mean = out.iter().map(|v| v[j]).sum::<f64>() / n;
        let var = out.iter().map(|v| (v[j] - mean).powi(2)).sum::<f64>() / n;
        let sd = var.sqrt();
        for v in &mut out {
            v[j] = if sd > 1e-12 { (v[j] - mean) / sd } else { 0.0 };
        }
    }
    out
}

impl Scorer {
    /// Feature names as [`FEATURES`], finite weights.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.features == FEATURES.map(String::from).to_vec()
                && self.weights.len() == FEATURES.len()
                && self.weights.iter().all(|w| w.is_finite()),
            "scorer: features must be {FEATURES:?} with one finite weight each, got {:?} / {:?}",
            self.features,
            self.weights
        );
        Ok(())
    }

    /// Scores of the zoo's models for one query (higher is better).
    pub fn scores(&self, f: &[Features]) -> Vec<f64> {
        standardise(f)
            .iter()
            .map(|v| v.iter().zip(&self.weights).map(|(a, w)| a * w).sum())
            .collect()
    }

    /// Fit the weights on labelled tasks: each `(features per model, fine-tuned accuracy per
    /// model)`; pairwise logistic ranking loss over the model pairs whose accuracies differ by
    /// more than `margin` points, L2 penalty `l2`, full-batch gradient descent from the
    /// default weights (deterministic).
    pub fn fit(tasks: &[(Vec<Features>, Vec<f64>)], margin: f64, l2: f64) -> Scorer {
        let mut w = Scorer::default().weights;
        let data: Vec<(Vec<[f64; 4]>, &Vec<f64>)> =
            tasks.iter().map(|(f, a)| (standardise(f), a)).collect();
        let lr = 0.5;
        for _ in 0..400 {
            let mut g = [0.0; 4];
            let mut pairs = 0usize;
            for (x, acc) in &data {
                for a in 0..x.len() {
                    for b in 0..x.len() {
                        if acc[a] <= acc[b] + margin {
                            continue;
                        }
                        let d: Vec<f64> = (0..4).map(|j| x[a][j] - x[b][j]).collect();
                        let s: f64 = d.iter().zip(&w).map(|(u, v)| u * v).sum();
                        let coef = -1.0 / (1.0 + s.exp());
                        for (gj, dj) in g.iter_mut().zip(&d) {
                            *gj += coef * dj;
                        }
                        pairs += 1;
                    }
                }
            }
            let p = pairs.max(1) as f64;
            for (wj, gj) in w.iter_mut().zip(&g) {
                *wj -= lr * (gj / p + l2 * *wj);
            }
        }
        Scorer {
            weights: w,
            ..Scorer::default()
        }
    }
}

/// Ranks (0 = best) of `scores`, highest first; ties broken by index.
pub fn order(scores: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    idx
}
