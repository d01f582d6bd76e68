//! Permutation sampling of Shapley values (Štrumbelj & Kononenko 2014), antithetic as shap's
//! `PermutationExplainer`: each sampled order is walked forwards and backwards, adding one
//! feature at a time; a feature's value is the mean of its marginal contributions.

use tch::Tensor;

use super::{Masker, ScoreFn, ShapValues};
use crate::{Error, Result, Rng};

/// Permutation SHAP of example `x` with `permutations` sampled orders (each used forwards and
/// backwards, so 2·permutations·M + 1 coalition values), seeded.
pub fn permutation(
    f: &ScoreFn,
    masker: &Masker,
    x: &Tensor,
    permutations: usize,
    seed: u64,
) -> Result<ShapValues> {
    let m = masker.features();
    if m == 0 || permutations == 0 {
        return Err(Error::input(format!(
            "permutation SHAP needs ≥ 1 feature and ≥ 1 permutation, got {m} and {permutations}"
        )));
    }
    let mut rng = Rng::new(seed);
    let mut coalitions = Vec::with_capacity(permutations * 2 * m + 1);
    let mut orders = Vec::with_capacity(permutations * 2);
    coalitions.push(vec![false; m]);
    for _ in 0..permutations {
        let order = rng.permutation(m);
        let mut reverse = order.clone();
        reverse.reverse();
        for o in [order, reverse] {
            let mut s = vec![false; m];
            for &i in &o {
                s[i] = true;
                coalitions.push(s.clone());
            }
            orders.push(o);
        }
    }
    let v = masker.values(f, x, &coalitions)?;
    let mut values = vec![0.0; m];
    for (k, order) in orders.iter().enumerate() {
        let mut prev = v[0];
        for (j, &i) in order.iter().enumerate() {
            let cur = v[1 + k * m + j];
            values[i] += cur - prev;
            prev = cur;
        }
    }
    let n = orders.len() as f64;
    for value in &mut values {
        *value /= n;
    }
    Ok(ShapValues { base: v[0], values })
}
