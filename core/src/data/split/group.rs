//! Splits that never divide a group: group k-fold, leave-one-group-out and the group
//! hold-out split.

use std::hash::Hash;

use super::{check_k, folds_from_assignment, group_members, part_sizes, Fold, Part, Split};
use crate::rng::Rng;
use crate::{Error, Result};

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
