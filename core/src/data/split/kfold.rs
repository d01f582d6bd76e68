//! Plain k-fold cross-validation.

use super::{check_k, folds_from_assignment, Fold};
use crate::rng::Rng;
use crate::{Error, Result};

/// `k` folds over `0..n` like scikit-learn's `KFold`: the first `n % k` folds have `n / k + 1`
/// test samples, the others `n / k` (n = 10, k = 3 → 4, 3, 3). Folds are contiguous blocks of
/// `0..n`, or of a seeded permutation of it when `shuffle_seed` is given.
pub fn kfold(n: usize, k: usize, shuffle_seed: Option<u64>) -> Result<Vec<Fold>> {
    check_k("kfold", k)?;
    if n == 0 {
        return Err(Error::input("kfold: no samples (n = 0)"));
    }
    if k > n {
        return Err(Error::input(format!(
            "kfold: k = {k} folds is more than the {n} samples"
        )));
    }
    let order: Vec<usize> = match shuffle_seed {
        Some(seed) => Rng::new(seed).permutation(n),
        None => (0..n).collect(),
    };
    let mut fold_of = vec![0; n];
    let mut start = 0;
    for f in 0..k {
        let size = n / k + usize::from(f < n % k);
        for &i in &order[start..start + size] {
            fold_of[i] = f;
        }
        start += size;
    }
    Ok(folds_from_assignment(&fold_of, k))
}
