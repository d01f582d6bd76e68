use super::*;
use std::collections::HashSet;
use std::hash::Hash;

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
