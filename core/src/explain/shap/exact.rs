//! Exact Shapley values by enumerating every coalition:
//! φᵢ = Σ_{S ⊆ N∖{i}} |S|! (M − |S| − 1)! / M! · (v(S ∪ {i}) − v(S)).

use tch::Tensor;

use super::{Masker, ScoreFn, ShapValues};
use crate::{Error, Result};

/// The largest M this enumerates (2^20 coalitions).
pub const MAX_FEATURES: usize = 20;

/// Exact Shapley values of example `x` (no batch axis).
pub fn exact(f: &ScoreFn, masker: &Masker, x: &Tensor) -> Result<ShapValues> {
    let m = masker.features();
    if m == 0 || m > MAX_FEATURES {
        return Err(Error::input(format!(
            "exact Shapley values enumerate 2^M coalitions; M = {m} is outside 1..={MAX_FEATURES} \
             (use kernel or permutation SHAP, or group features)"
        )));
    }
    let coalitions: Vec<Vec<bool>> = (0..1usize << m)
        .map(|bits| (0..m).map(|i| bits >> i & 1 == 1).collect())
        .collect();
    let v = masker.values(f, x, &coalitions)?;
    // weight[s] = s! (M − s − 1)! / M!
    let mut fact = vec![1.0f64; m + 1];
    for i in 1..=m {
        fact[i] = fact[i - 1] * i as f64;
    }
    let weight: Vec<f64> = (0..m)
        .map(|s| fact[s] * fact[m - s - 1] / fact[m])
        .collect();
    let mut values = vec![0.0; m];
    for bits in 0..1usize << m {
        let size = bits.count_ones() as usize;
        for (i, value) in values.iter_mut().enumerate() {
            if bits >> i & 1 == 0 {
                *value += weight[size] * (v[bits | 1 << i] - v[bits]);
            }
        }
    }
    Ok(ShapValues { base: v[0], values })
}
