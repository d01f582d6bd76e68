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

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::rng::Rng;
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

/// `k` folds in which no group is split, like scikit-learn's `GroupKFold` (unshuffled): groups
/// are taken largest first (ties: the later group in sorted order first) and each goes to the
/// fold with the fewest samples so far, so folds are balanced by size. Deterministic.
pub fn group_kfold<G: Hash + Eq + Clone + Ord>(groups: &[G], k: usize) -> Result<Vec<Fold>> {
    check_k("group_kfold", k)?;
    if groups.is_empty() {
        return Err(Error::input("group_kfold: no samples"));
    }
    let members = group_members(groups);
    if k > members.len() {
        return Err(Error::input(format!(
            "group_kfold: k = {k} folds is more than the {} groups",
            members.len()
        )));
    }
    // np.argsort(sizes, kind="stable")[::-1]
    let mut by_size: Vec<usize> = (0..members.len()).collect();
    by_size.sort_by_key(|&g| members[g].len());
    by_size.reverse();

    let mut weight = vec![0usize; k];
    let mut fold_of = vec![0; groups.len()];
    for g in by_size {
        let lightest = (0..k).min_by_key(|&f| weight[f]).unwrap_or(0);
        weight[lightest] += members[g].len();
        for &i in &members[g] {
            fold_of[i] = lightest;
        }
    }
    Ok(folds_from_assignment(&fold_of, k))
}

/// One fold per group (in sorted group order), holding that group out, like scikit-learn's
/// `LeaveOneGroupOut`. Needs at least two groups.
pub fn leave_one_group_out<G: Hash + Eq + Clone + Ord>(groups: &[G]) -> Result<Vec<Fold>> {
    let members = group_members(groups);
    if members.len() < 2 {
        return Err(Error::input(format!(
            "leave_one_group_out: needs at least 2 groups, got {}",
            members.len()
        )));
    }
    let mut fold_of = vec![0; groups.len()];
    for (f, m) in members.iter().enumerate() {
        for &i in m {
            fold_of[i] = f;
        }
    }
    Ok(folds_from_assignment(&fold_of, members.len()))
}

/// Train/validation/test split by whole groups (speaker, subject, patient, …), so no group is in
/// two parts. As in scikit-learn's `GroupShuffleSplit`, the fractions count *groups*: the sorted
/// unique groups are shuffled with `seed`, the first `ceil(test_frac * n_groups)` go to test, the
/// next `ceil(val_frac * n_groups)` to validation, the rest to training.
pub fn group_split<G: Hash + Eq + Clone + Ord>(
    groups: &[G],
    val_frac: f64,
    test_frac: f64,
    seed: u64,
) -> Result<Split> {
    if groups.is_empty() {
        return Err(Error::input("group_split: no samples"));
    }
    let members = group_members(groups);
    let n_groups = members.len();
    let (n_val, n_test) = part_sizes("group_split", "groups", n_groups, val_frac, test_frac)?;
    let mut parts = vec![Part::Train; groups.len()];
    for (pos, g) in Rng::new(seed).permutation(n_groups).into_iter().enumerate() {
        let part = if pos < n_test {
            Part::Test
        } else if pos < n_test + n_val {
            Part::Val
        } else {
            Part::Train
        };
        for &i in &members[g] {
            parts[i] = part;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Parts are disjoint, sorted, and cover `0..n` exactly.
    fn assert_partition(parts: &[&[usize]], n: usize) {
        let mut all: Vec<usize> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        for p in parts {
            assert!(p.windows(2).all(|w| w[0] < w[1]), "not sorted: {p:?}");
        }
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>());
    }

    fn assert_split(s: &Split, n: usize) {
        assert_partition(&[&s.train, &s.val, &s.test], n);
    }

    fn assert_folds(folds: &[Fold], n: usize) {
        let tests: Vec<&[usize]> = folds.iter().map(|f| f.test.as_slice()).collect();
        assert_partition(&tests, n);
        for f in folds {
            assert_partition(&[&f.train, &f.test], n);
        }
    }

    fn count(labels: &[i64], idx: &[usize], class: i64) -> usize {
        idx.iter().filter(|&&i| labels[i] == class).count()
    }

    /// No group appears on both sides of any split or fold.
    fn assert_no_group_leak<G: Eq + Hash + std::fmt::Debug>(groups: &[G], sides: &[&[usize]]) {
        let sets: Vec<HashSet<&G>> = sides
            .iter()
            .map(|s| s.iter().map(|&i| &groups[i]).collect())
            .collect();
        for a in 0..sets.len() {
            for b in a + 1..sets.len() {
                let shared: Vec<_> = sets[a].intersection(&sets[b]).collect();
                assert!(shared.is_empty(), "groups {shared:?} in parts {a} and {b}");
            }
        }
    }

    #[test]
    fn random_split_sizes_partition_and_determinism() {
        let s = random_split(103, 0.15, 0.2, 7).unwrap();
        assert_split(&s, 103);
        // ceil(0.2 * 103) = 21, ceil(0.15 * 103) = 16.
        assert_eq!((s.train.len(), s.val.len(), s.test.len()), (66, 16, 21));
        assert_eq!(s, random_split(103, 0.15, 0.2, 7).unwrap());
        assert_ne!(s, random_split(103, 0.15, 0.2, 8).unwrap());
        let no_val = random_split(10, 0.0, 0.3, 1).unwrap();
        assert_eq!(
            (no_val.train.len(), no_val.val.len(), no_val.test.len()),
            (7, 0, 3)
        );
    }

    #[test]
    fn split_errors() {
        let msg = |r: Result<Split>| r.unwrap_err().to_string();
        assert!(msg(random_split(0, 0.1, 0.1, 0)).contains("no samples"));
        assert!(msg(random_split(10, -0.1, 0.1, 0)).contains("val_frac"));
        assert!(msg(random_split(10, 0.1, 1.0, 0)).contains("test_frac"));
        assert!(msg(random_split(10, 0.1, f64::NAN, 0)).contains("test_frac"));
        assert!(msg(random_split(10, 0.5, 0.5, 0)).contains("< 1"));
        assert!(msg(random_split(2, 0.4, 0.4, 0)).contains("no samples for training"));
        assert!(msg(chronological_split(0, 0.1, 0.1)).contains("no samples"));
        assert!(msg(stratified_split(&[], 0.1, 0.1, 0)).contains("no labels"));
        assert!(msg(group_split::<u8>(&[], 0.1, 0.1, 0)).contains("no samples"));
    }

    #[test]
    fn stratified_split_keeps_imbalanced_proportions() {
        // 90 samples of class 0 and 10 of class 1, interleaved.
        let labels: Vec<i64> = (0..100).map(|i| i64::from(i % 10 == 3)).collect();
        let s = stratified_split(&labels, 0.2, 0.2, 3).unwrap();
        assert_split(&s, 100);
        let counts = |idx: &[usize]| (count(&labels, idx, 0), count(&labels, idx, 1));
        assert_eq!(counts(&s.test), (18, 2));
        assert_eq!(counts(&s.val), (18, 2));
        assert_eq!(counts(&s.train), (54, 6));
        assert_eq!(s, stratified_split(&labels, 0.2, 0.2, 3).unwrap());
        assert_ne!(s, stratified_split(&labels, 0.2, 0.2, 4).unwrap());
    }

    #[test]
    fn stratified_split_gives_every_part_each_class_of_three() {
        // Class 2 has 3 of 100 samples: its proportional share of a 10-sample part is 0.3.
        let labels: Vec<i64> = (0..100).map(|i| if i < 3 { 2 } else { 0 }).collect();
        let s = stratified_split(&labels, 0.1, 0.1, 0).unwrap();
        assert_split(&s, 100);
        assert_eq!((s.val.len(), s.test.len()), (10, 10));
        for part in [&s.train, &s.val, &s.test] {
            assert_eq!(count(&labels, part, 2), 1);
        }
        let err = stratified_split(&[0, 0, 0, 5], 0.2, 0.2, 0).unwrap_err();
        assert!(
            err.to_string().contains("class 5 has only 1 sample"),
            "{err}"
        );
    }

    #[test]
    fn kfold_matches_sklearn_fold_sizes() {
        let folds = kfold(10, 3, None).unwrap();
        assert_folds(&folds, 10);
        let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
        assert_eq!(sizes, [4, 3, 3]);
        assert_eq!(folds[0].test, [0, 1, 2, 3]);
        assert_eq!(folds[1].train, [0, 1, 2, 3, 7, 8, 9]);

        let shuffled = kfold(10, 3, Some(5)).unwrap();
        assert_folds(&shuffled, 10);
        let sizes: Vec<usize> = shuffled.iter().map(|f| f.test.len()).collect();
        assert_eq!(sizes, [4, 3, 3]);
        assert_eq!(shuffled, kfold(10, 3, Some(5)).unwrap());
        assert_ne!(shuffled, folds);

        assert!(kfold(10, 1, None)
            .unwrap_err()
            .to_string()
            .contains("at least 2"));
        assert!(kfold(3, 4, None)
            .unwrap_err()
            .to_string()
            .contains("more than"));
        assert!(kfold(0, 2, None).is_err());
    }

    #[test]
    fn stratified_kfold_matches_sklearn() {
        // sklearn: StratifiedKFold(3).split(y, y) test indices and per-fold class counts.
        let y = [2, 0, 0, 1, 0, 2, 0, 1, 0, 2, 0, 1, 2, 0, 2];
        let folds = stratified_kfold(&y, 3, None).unwrap();
        assert_folds(&folds, y.len());
        let tests: Vec<&[usize]> = folds.iter().map(|f| f.test.as_slice()).collect();
        assert_eq!(
            tests,
            [
                &[0, 1, 2, 3, 5][..],
                &[4, 6, 7, 9, 12][..],
                &[8, 10, 11, 13, 14][..]
            ]
        );
        let class_counts = |f: &Fold| [0, 1, 2].map(|c| count(&y, &f.test, c));
        let expected = [[2, 1, 2], [2, 1, 2], [3, 1, 1]];
        for (f, e) in folds.iter().zip(expected) {
            assert_eq!(class_counts(f), e);
        }
        // Shuffling moves samples but keeps the per-fold class counts.
        let shuffled = stratified_kfold(&y, 3, Some(9)).unwrap();
        assert_folds(&shuffled, y.len());
        for (f, e) in shuffled.iter().zip(expected) {
            assert_eq!(class_counts(f), e);
        }
        assert_eq!(shuffled, stratified_kfold(&y, 3, Some(9)).unwrap());
        assert_ne!(shuffled, folds);

        let err = stratified_kfold(&[0, 0, 1, 1, 2], 3, None).unwrap_err();
        assert!(err.to_string().contains("largest has 2"), "{err}");
    }

    #[test]
    fn group_kfold_matches_sklearn_and_never_splits_a_group() {
        let g = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4, 5, 5];
        let folds = group_kfold(&g, 3).unwrap();
        assert_folds(&folds, g.len());
        // sklearn GroupKFold(3): test groups per fold.
        let test_groups: Vec<Vec<i32>> = folds
            .iter()
            .map(|f| {
                let mut gs: Vec<i32> = f.test.iter().map(|&i| g[i]).collect();
                gs.dedup();
                gs
            })
            .collect();
        assert_eq!(test_groups, [vec![2, 3], vec![0, 4], vec![1, 5]]);
        for f in &folds {
            assert_no_group_leak(&g, &[&f.train, &f.test]);
        }
        assert!(group_kfold(&g, 7)
            .unwrap_err()
            .to_string()
            .contains("6 groups"));
        assert!(group_kfold(&g, 1).is_err());
        assert!(group_kfold::<i32>(&[], 2).is_err());
    }

    #[test]
    fn leave_one_group_out_holds_out_each_group() {
        let g = ["b", "a", "b", "c"];
        let folds = leave_one_group_out(&g).unwrap();
        assert_folds(&folds, 4);
        let tests: Vec<&[usize]> = folds.iter().map(|f| f.test.as_slice()).collect();
        assert_eq!(tests, [&[1][..], &[0, 2][..], &[3][..]]);
        for f in &folds {
            assert_no_group_leak(&g, &[&f.train, &f.test]);
        }
        assert!(leave_one_group_out(&["a", "a"])
            .unwrap_err()
            .to_string()
            .contains("at least 2 groups"));
    }

    #[test]
    fn group_split_keeps_groups_whole() {
        // 20 speakers with 1..=5 utterances each.
        let groups: Vec<String> = (0..20)
            .flat_map(|s| std::iter::repeat_n(format!("spk{s}"), 1 + s % 5))
            .collect();
        let s = group_split(&groups, 0.2, 0.1, 11).unwrap();
        assert_split(&s, groups.len());
        assert_no_group_leak(&groups, &[&s.train, &s.val, &s.test]);
        let n_groups = |idx: &[usize]| {
            idx.iter()
                .map(|&i| &groups[i])
                .collect::<HashSet<_>>()
                .len()
        };
        assert_eq!(
            (n_groups(&s.train), n_groups(&s.val), n_groups(&s.test)),
            (14, 4, 2)
        );
        assert_eq!(s, group_split(&groups, 0.2, 0.1, 11).unwrap());
        assert_ne!(s, group_split(&groups, 0.2, 0.1, 12).unwrap());

        let err = group_split(&[1, 1, 2], 0.2, 0.2, 0).unwrap_err();
        assert!(err.to_string().contains("no groups for training"), "{err}");
    }

    #[test]
    fn chronological_split_is_contiguous() {
        let s = chronological_split(10, 0.2, 0.1).unwrap();
        assert_eq!(s.train, (0..7).collect::<Vec<_>>());
        assert_eq!(s.val, [7, 8]);
        assert_eq!(s.test, [9]);
        assert_eq!(s.len(), 10);
    }
}
