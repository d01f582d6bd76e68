//! KernelSHAP (Lundberg & Lee 2017): Shapley values as the solution of a weighted linear
//! regression of v(S) on the coalition indicators, with the Shapley kernel
//! π(S) = (M − 1) / (C(M, |S|) · |S| · (M − |S|)) as weights, under the efficiency constraint
//! Σφ = v(all) − v(∅) (eliminated through the last feature, as shap's `KernelExplainer` does).
//!
//! Coalitions follow shap's scheme: sizes s and M − s are taken in pairs, starting from the
//! smallest; a size whose every coalition fits in the remaining budget (at its kernel share)
//! is enumerated completely, and the rest of the budget is sampled, size by kernel weight,
//! coalition uniformly, each with its complement. With a budget of 2^M − 2 or more every
//! coalition is used and the result equals the exact Shapley values. Unlike shap, no L1
//! feature selection is applied.

use std::collections::HashMap;

use tch::Tensor;

use super::{Masker, ScoreFn, ShapValues};
use crate::{Error, Result, Rng};

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// The coalitions KernelSHAP evaluates for `m` features and a budget of `samples`, with their
/// regression weights (summing to 1).
pub fn coalitions(m: usize, samples: usize, seed: u64) -> (Vec<Vec<bool>>, Vec<f64>) {
    let sizes = m.saturating_sub(1).div_ceil(2);
    let paired_sizes = m.saturating_sub(1) / 2;
    let mut kernel: Vec<f64> = (1..=sizes)
        .map(|s| {
            let w = (m - 1) as f64 / (s * (m - s)) as f64;
            if s <= paired_sizes {
                2.0 * w
            } else {
                w
            }
        })
        .collect();
    let total: f64 = kernel.iter().sum();
    kernel.iter_mut().for_each(|w| *w /= total);

    let mut out: Vec<Vec<bool>> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    let mut left = samples as f64;
    let mut complete = 0;
    let mut remaining = kernel.clone();
    for s in 1..=sizes {
        let paired = s <= paired_sizes;
        let count = binomial(m, s) * if paired { 2.0 } else { 1.0 };
        if left * remaining[s - 1] / count < 1.0 - 1e-8 {
            break;
        }
        complete = s;
        left -= count;
        let w = kernel[s - 1] / binomial(m, s) / if paired { 2.0 } else { 1.0 };
        for c in combinations(m, s) {
            let mut z = vec![false; m];
            c.iter().for_each(|&i| z[i] = true);
            if paired {
                out.push(z.iter().map(|b| !b).collect());
                weights.push(w);
            }
            out.push(z);
            weights.push(w);
        }
        if remaining[s - 1] < 1.0 {
            let rest = 1.0 - remaining[s - 1];
            remaining.iter_mut().for_each(|r| *r /= rest);
        }
    }
    let fixed_weight: f64 = weights.iter().sum();
    if complete < sizes && left >= 1.0 {
        let mut rng = Rng::new(seed);
        let dist: Vec<f64> = kernel[complete..].to_vec();
        let dist_total: f64 = dist.iter().sum();
        let mut seen: HashMap<Vec<bool>, usize> = HashMap::new();
        let start = out.len();
        let mut budget = left as usize;
        let mut tries = 0;
        while budget > 0 && tries < 4 * samples {
            tries += 1;
            let mut u = rng.uniform() * dist_total;
            let mut s = complete + 1;
            for (j, d) in dist.iter().enumerate() {
                if u < *d {
                    s = complete + 1 + j;
                    break;
                }
                u -= d;
                s = complete + 1 + j;
            }
            let order = rng.permutation(m);
            let mut z = vec![false; m];
            order[..s].iter().for_each(|&i| z[i] = true);
            let paired = s <= paired_sizes;
            let mut add = |z: Vec<bool>, out: &mut Vec<Vec<bool>>, weights: &mut Vec<f64>| {
                if let Some(&k) = seen.get(&z) {
                    weights[k] += 1.0;
                } else {
                    seen.insert(z.clone(), out.len());
                    out.push(z);
                    weights.push(1.0);
                }
            };
            add(z.clone(), &mut out, &mut weights);
            budget -= 1;
            if paired && budget > 0 {
                add(z.iter().map(|b| !b).collect(), &mut out, &mut weights);
                budget -= 1;
            }
        }
        let sampled: f64 = weights[start..].iter().sum();
        let share = 1.0 - fixed_weight;
        if sampled > 0.0 {
            weights[start..]
                .iter_mut()
                .for_each(|w| *w *= share / sampled);
        }
    }
    let total: f64 = weights.iter().sum();
    if total > 0.0 {
        weights.iter_mut().for_each(|w| *w /= total);
    }
    (out, weights)
}

/// All `k`-element subsets of 0..n, in lexicographic order.
fn combinations(n: usize, k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut c: Vec<usize> = (0..k).collect();
    if k > n {
        return out;
    }
    loop {
        out.push(c.clone());
        let mut i = k;
        while i > 0 && c[i - 1] == n - k + i - 1 {
            i -= 1;
        }
        if i == 0 {
            return out;
        }
        c[i - 1] += 1;
        for j in i..k {
            c[j] = c[j - 1] + 1;
        }
    }
}

/// KernelSHAP values of example `x` (no batch axis) with a budget of `samples` coalitions
/// (shap's default is 2M + 2048), seeded.
pub fn kernel(
    f: &ScoreFn,
    masker: &Masker,
    x: &Tensor,
    samples: usize,
    seed: u64,
) -> Result<ShapValues> {
    let m = masker.features();
    if m == 0 {
        return Err(Error::input("KernelSHAP needs at least one feature"));
    }
    let (coals, w) = coalitions(m, samples, seed);
    let mut all = vec![vec![false; m], vec![true; m]];
    all.extend(coals.iter().cloned());
    let v = masker.values(f, x, &all)?;
    let (base, full) = (v[0], v[1]);
    let delta = full - base;
    if m == 1 {
        return Ok(ShapValues {
            base,
            values: vec![delta],
        });
    }
    if coals.is_empty() {
        return Err(Error::input(format!(
            "a budget of {samples} coalitions is too small for {m} features"
        )));
    }
    // φ_M = Δ − Σ_{i<M} φ_i:  y − z_M Δ = Σ_{i<M} (z_i − z_M) φ_i.

    let p = m - 1;
    let mut xtwx = vec![0.0; p * p];
    let mut xtwy = vec![0.0; p];
    for (r, z) in coals.iter().enumerate() {
        let last = if z[m - 1] { 1.0 } else { 0.0 };
        let y = v[2 + r] - base - last * delta;
        let row: Vec<f64> = (0..p)
            .map(|i| if z[i] { 1.0 } else { 0.0 } - last)
            .collect();
        for i in 0..p {
            xtwy[i] += w[r] * row[i] * y;
            for j in 0..p {
                xtwx[i * p + j] += w[r] * row[i] * row[j];
            }
        }
    }
    let a = Tensor::from_slice(&xtwx).view([p as i64, p as i64]);
    let b = Tensor::from_slice(&xtwy).view([p as i64, 1]);
    // Least squares, so that a rank-deficient sample (tiny budgets) still gives an answer.
    let (sol, _, _, _) = a.f_linalg_lstsq(&b, None, "gelsd")?;
    let mut values = Vec::<f64>::try_from(sol.view([-1]))?;
    let last = delta - values.iter().sum::<f64>();
    values.push(last);
    Ok(ShapValues { base, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumerates_every_coalition_when_the_budget_allows() {
        let (c, w) = coalitions(5, 30, 0);
        assert_eq!(c.len(), 30); // 2^5 − 2
        let mut unique = c.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 30);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Kernel weight depends on size only: sizes 1 and 4 weigh more than 2 and 3.
        let weight_of = |size: usize| {
            c.iter()
                .zip(&w)
                .find(|(z, _)| z.iter().filter(|&&b| b).count() == size)
                .map(|(_, w)| *w)
                .unwrap()
        };
        assert!((weight_of(1) - weight_of(4)).abs() < 1e-12);
        assert!(weight_of(1) > weight_of(2));
        // pi(1)/pi(2) = [4/(5·1·4)] / [4/(10·2·3)] = 3
        assert!((weight_of(1) / weight_of(2) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn samples_the_rest_of_a_small_budget() {
        let (c, w) = coalitions(12, 100, 3);
        // Sizes 1 and 11 (24 coalitions) fit completely; the rest are sampled.
        assert!(c.len() > 24 && c.len() <= 100, "{}", c.len());
        assert!(c[..24].iter().all(|z| {
            let n = z.iter().filter(|&&b| b).count();
            n == 1 || n == 11
        }));
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(combinations(4, 2).len(), 6);
    }
}
