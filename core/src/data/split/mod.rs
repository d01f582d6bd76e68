//! Index splits: train/validation/test and cross-validation folds, deterministic under a seed.
//!
//! Every splitter returns sample *indices* (sorted ascending within each part) and follows the
//! scikit-learn splitter it is named after, so a split described in a paper as "sklearn's
//! `StratifiedKFold`" is reproduced here:
//!
//! | function                | scikit-learn counterpart                         |
//! |-------------------------|--------------------------------------------------|
//! | [`random_split`]        | `train_test_split` (sizes `ceil(frac * n)`)      |
//! | [`stratified_split`]    | `StratifiedShuffleSplit` (per-class proportions) |
//! | [`kfold`]               | `KFold` (first `n % k` folds one larger)         |
//! | [`stratified_kfold`]    | `StratifiedKFold` (same fold allocation)         |
//! | [`group_kfold`]         | `GroupKFold` (largest group to lightest fold)    |
//! | [`leave_one_group_out`] | `LeaveOneGroupOut`                               |
//! | [`group_split`]         | `GroupShuffleSplit` (fractions count groups)     |
//! | [`chronological_split`] | none: contiguous train → val → test in time order |
//!
//! Fractions must lie in `[0, 1)` and sum to less than 1; a fraction of `0` gives an empty part
//! (e.g. no validation set). Part sizes are `ceil(frac * n)` as in scikit-learn, and training must
//! keep at least one sample (or group). All randomness comes from [`crate::rng::Rng`], so the
//! same seed gives the same split on every platform and dependency version.

mod group;
mod holdout;
mod kfold;
mod stratified;
#[cfg(test)]
mod tests;

pub use group::{group_kfold, group_split, leave_one_group_out};
pub use holdout::{chronological_split, random_split};
pub use kfold::kfold;
pub use stratified::{stratified_kfold, stratified_split};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A train/validation/test partition of `0..n` (each part sorted ascending, parts disjoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
}

/// One cross-validation fold: `test` is held out, `train` is everything else (both sorted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// Which part of a [`Split`] a sample (or group) goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Train,
    Val,
    Test,
}

impl Split {
    /// Total number of indices over the three parts.
    pub fn len(&self) -> usize {
        self.train.len() + self.val.len() + self.test.len()
    }

    /// True when all three parts are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Build from a per-sample part assignment.
    fn from_parts(parts: &[Part]) -> Split {
        let pick =
            |p: Part| -> Vec<usize> { (0..parts.len()).filter(|&i| parts[i] == p).collect() };
        Split {
            train: pick(Part::Train),
            val: pick(Part::Val),
            test: pick(Part::Test),
        }
    }
}

/// Check a `(val_frac, test_frac)` pair: each finite in `[0, 1)`, summing to less than 1.
fn check_fractions(what: &str, val_frac: f64, test_frac: f64) -> Result<()> {
    for (name, f) in [("val_frac", val_frac), ("test_frac", test_frac)] {
        if !(f.is_finite() && (0.0..1.0).contains(&f)) {
            return Err(Error::input(format!(
                "{what}: {name} must be in [0, 1), got {f}"
            )));
        }
    }
    if val_frac + test_frac >= 1.0 {
        return Err(Error::input(format!(
            "{what}: val_frac + test_frac must be < 1 to leave a training set, got {val_frac} + {test_frac}"
        )));
    }
    Ok(())
}

/// `(n_val, n_test)` for `n` items (samples or groups), each `ceil(frac * n)` like scikit-learn,
/// with at least one item left for training.
fn part_sizes(
    what: &str,
    unit: &str,
    n: usize,
    val_frac: f64,
    test_frac: f64,
) -> Result<(usize, usize)> {
    check_fractions(what, val_frac, test_frac)?;
    let n_val = (val_frac * n as f64).ceil() as usize;
    let n_test = (test_frac * n as f64).ceil() as usize;
    if n_val + n_test >= n {
        return Err(Error::input(format!(
            "{what}: {n} {unit} are too few: val ({n_val}) + test ({n_test}) leave no {unit} for training"
        )));
    }
    Ok((n_val, n_test))
}

fn check_k(what: &str, k: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::input(format!(
            "{what}: k must be at least 2, got {k}"
        )));
    }
    Ok(())
}

/// Folds from a per-sample fold number in `0..k`.
fn folds_from_assignment(fold_of: &[usize], k: usize) -> Vec<Fold> {
    (0..k)
        .map(|f| {
            let (test, train) = (0..fold_of.len()).partition(|&i| fold_of[i] == f);
            Fold { train, test }
        })
        .collect()
}

/// Sorted unique groups and the sample indices of each (like `np.unique`).
fn group_members<G: Ord>(groups: &[G]) -> Vec<Vec<usize>> {
    let mut map: BTreeMap<&G, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        map.entry(g).or_default().push(i);
    }
    map.into_values().collect()
}
