//! Splits that keep each class's share: the stratified hold-out split and stratified k-fold.

use std::collections::{BTreeMap, HashMap};

use super::{check_k, folds_from_assignment, part_sizes, Fold, Part, Split};
use crate::rng::Rng;
use crate::{Error, Result};

/// Split `0..labels.len()` keeping each class's share in every part, like scikit-learn's
/// `StratifiedShuffleSplit` applied twice (test first, then validation).
///
/// Part sizes are `ceil(frac * n)`. Per class, the test and validation counts are the
/// proportional share rounded by largest remainder (ties broken by the seed), as sklearn's
/// `_approximate_mode` does; on top of that every class with at least 3 samples gets at least one
/// sample in each non-empty part, and every class keeps at least one training sample. A class
/// with a single sample cannot be stratified and is an error (as in scikit-learn); a class with
/// two samples has one in training and at most one elsewhere.
pub fn stratified_split(labels: &[i64], val_frac: f64, test_frac: f64, seed: u64) -> Result<Split> {
    const WHAT: &str = "stratified_split";
    let n = labels.len();
    if n == 0 {
        return Err(Error::input(format!("{WHAT}: no labels")));
    }
    let (n_val, n_test) = part_sizes(WHAT, "samples", n, val_frac, test_frac)?;

    let mut classes: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, &y) in labels.iter().enumerate() {
        classes.entry(y).or_default().push(i);
    }
    if let Some((label, _)) = classes.iter().find(|(_, m)| m.len() < 2) {
        return Err(Error::input(format!(
            "{WHAT}: class {label} has only 1 sample; each class needs at least 2 to be \
             stratified (merge rare classes or use random_split)"
        )));
    }
    let members: Vec<Vec<usize>> = classes.into_values().collect();
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    let big = |c: usize| c >= 3;
    let mut rng = Rng::new(seed);

    // Proportional shares of `k` samples, and the floor of ≥ 1 per big class when `k > 0`.
    let ideal = |k: usize| -> Vec<f64> {
        counts
            .iter()
            .map(|&c| c as f64 * k as f64 / n as f64)
            .collect()
    };
    let lo = |k: usize| -> Vec<usize> {
        counts
            .iter()
            .map(|&c| usize::from(big(c) && k > 0))
            .collect()
    };

    // Test counts: proportional, ≥ 1 per big class, leaving one for training (and val).
    let hi: Vec<usize> = counts
        .iter()
        .map(|&c| c - 1 - usize::from(big(c) && n_val > 0))
        .collect();
    let test_counts = allocate(&ideal(n_test), n_test, &lo(n_test), &hi, &mut rng)
        .ok_or_else(|| infeasible(WHAT, "test", n_test, &counts))?;

    // Validation counts from what is left, same rules.
    let hi: Vec<usize> = counts
        .iter()
        .zip(&test_counts)
        .map(|(&c, &t)| c - t - 1)
        .collect();
    let val_counts = allocate(&ideal(n_val), n_val, &lo(n_val), &hi, &mut rng)
        .ok_or_else(|| infeasible(WHAT, "validation", n_val, &counts))?;

    let mut parts = vec![Part::Train; n];
    for ((mut idx, t), v) in members.into_iter().zip(test_counts).zip(val_counts) {
        rng.shuffle(&mut idx);
        for &i in &idx[..t] {
            parts[i] = Part::Test;
        }
        for &i in &idx[t..t + v] {
            parts[i] = Part::Val;
        }
    }
    Ok(Split::from_parts(&parts))
}

fn infeasible(what: &str, part: &str, size: usize, counts: &[usize]) -> Error {
    let big = counts.iter().filter(|&&c| c >= 3).count();
    Error::input(format!(
        "{what}: a {part} part of {size} samples cannot hold one sample of each of the {big} \
         classes with ≥ 3 samples while keeping one of each class for training; change the \
         fractions or merge rare classes"
    ))
}

/// Integer counts close to `ideal` (largest remainder), within `[lo, hi]`, summing to `total`.
/// Ties are broken by a random class order. `None` when the bounds make `total` unreachable.
fn allocate(
    ideal: &[f64],
    total: usize,
    lo: &[usize],
    hi: &[usize],
    rng: &mut Rng,
) -> Option<Vec<usize>> {
    if lo.iter().sum::<usize>() > total || hi.iter().sum::<usize>() < total {
        return None;
    }
    let mut a: Vec<usize> = (0..ideal.len())
        .map(|k| (ideal[k].floor() as usize).clamp(lo[k], hi[k]))
        .collect();
    let order = rng.permutation(ideal.len());
    let mut sum: usize = a.iter().sum();
    while sum < total {
        // The class furthest below its ideal share gets one more.
        let k = order
            .iter()
            .copied()
            .filter(|&k| a[k] < hi[k])
            .max_by(|&i, &j| (ideal[i] - a[i] as f64).total_cmp(&(ideal[j] - a[j] as f64)))?;
        a[k] += 1;
        sum += 1;
    }
    while sum > total {
        // The class furthest above its ideal share gives one back.
        let k = order
            .iter()
            .copied()
            .filter(|&k| a[k] > lo[k])
            .max_by(|&i, &j| (a[i] as f64 - ideal[i]).total_cmp(&(a[j] as f64 - ideal[j])))?;
        a[k] -= 1;
        sum -= 1;
    }
    Some(a)
}

/// `k` folds that keep each class's share, with scikit-learn's `StratifiedKFold` allocation:
/// classes are numbered by first appearance, the sorted class sequence is dealt round-robin to
/// the folds, and each class's samples take their fold numbers in order. With `seed` the fold
/// numbers within each class are shuffled (`shuffle=True`); without it the folds equal
/// scikit-learn's unshuffled ones exactly.
///
/// It is an error when every class has fewer than `k` samples (as in scikit-learn); a class
/// smaller than `k` is simply missing from some folds.
pub fn stratified_kfold(labels: &[i64], k: usize, seed: Option<u64>) -> Result<Vec<Fold>> {
    check_k("stratified_kfold", k)?;
    let n = labels.len();
    if n == 0 {
        return Err(Error::input("stratified_kfold: no labels"));
    }
    if k > n {
        return Err(Error::input(format!(
            "stratified_kfold: k = {k} folds is more than the {n} samples"
        )));
    }
    // Encode classes by order of first appearance.
    let mut code: HashMap<i64, usize> = HashMap::new();
    let encoded: Vec<usize> = labels
        .iter()
        .map(|y| {
            let next = code.len();
            *code.entry(*y).or_insert(next)
        })
        .collect();
    let n_classes = code.len();
    let mut counts = vec![0usize; n_classes];
    for &c in &encoded {
        counts[c] += 1;
    }
    let largest = counts.iter().copied().max().unwrap_or(0);
    if largest < k {
        return Err(Error::input(format!(
            "stratified_kfold: k = {k} is more than the samples of every class (largest has {largest})"
        )));
    }
    // allocation[c][f]: test samples of class c in fold f (round robin over the sorted classes).
    let mut allocation = vec![vec![0usize; k]; n_classes];
    let mut pos = 0;
    for (c, &count) in counts.iter().enumerate() {
        for _ in 0..count {
            allocation[c][pos % k] += 1;
            pos += 1;
        }
    }
    let mut rng = seed.map(Rng::new);
    let mut fold_of = vec![0; n];
    for (c, per_fold) in allocation.iter().enumerate() {
        let mut folds_for_class: Vec<usize> = per_fold
            .iter()
            .enumerate()
            .flat_map(|(f, &m)| std::iter::repeat_n(f, m))
            .collect();
        if let Some(rng) = rng.as_mut() {
            rng.shuffle(&mut folds_for_class);
        }
        let members = (0..n).filter(|&i| encoded[i] == c);
        for (i, f) in members.zip(folds_for_class) {
            fold_of[i] = f;
        }
    }
    Ok(folds_from_assignment(&fold_of, k))
}
