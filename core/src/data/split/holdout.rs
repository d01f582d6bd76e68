//! Hold-out splits without classes or groups: shuffled, and chronological.

use super::{part_sizes, Part, Split};
use crate::rng::Rng;
use crate::{Error, Result};

/// Shuffle `0..n` with `seed` and cut it into test (first `ceil(test_frac * n)`), validation
/// (next `ceil(val_frac * n)`) and training (the rest), like scikit-learn's `train_test_split`.
pub fn random_split(n: usize, val_frac: f64, test_frac: f64, seed: u64) -> Result<Split> {
    if n == 0 {
        return Err(Error::input("random_split: no samples (n = 0)"));
    }
    let (n_val, n_test) = part_sizes("random_split", "samples", n, val_frac, test_frac)?;
    let mut parts = vec![Part::Train; n];
    for (pos, i) in Rng::new(seed).permutation(n).into_iter().enumerate() {
        if pos < n_test {
            parts[i] = Part::Test;
        } else if pos < n_test + n_val {
            parts[i] = Part::Val;
        }
    }
    Ok(Split::from_parts(&parts))
}

/// Contiguous split of time-ordered samples `0..n`: training first, then validation, then the
/// last `ceil(test_frac * n)` samples as test, so no model sees the future. No randomness.
pub fn chronological_split(n: usize, val_frac: f64, test_frac: f64) -> Result<Split> {
    if n == 0 {
        return Err(Error::input("chronological_split: no samples (n = 0)"));
    }
    let (n_val, n_test) = part_sizes("chronological_split", "samples", n, val_frac, test_frac)?;
    let n_train = n - n_val - n_test;
    Ok(Split {
        train: (0..n_train).collect(),
        val: (n_train..n_train + n_val).collect(),
        test: (n_train + n_val..n).collect(),
    })
}
