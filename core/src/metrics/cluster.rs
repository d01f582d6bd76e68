//! Scores of a clustering against reference labels, with scikit-learn's semantics (checked
//! against scikit-learn 1.9 in `core/tests/metrics_sklearn.rs`): normalised mutual information
//! (arithmetic normalisation, `normalized_mutual_info_score`'s default) and the adjusted Rand
//! index (`adjusted_rand_score`).
//!
//! Both take two labelings of the same samples with any label values (cluster ids need not be
//! `0..k`, the two sides need not share a type), are symmetric, and ignore how clusters are
//! numbered.

use std::collections::BTreeMap;

use crate::{ensure_input, Result};

/// Contingency table `t[i][j]` = samples with the `i`-th distinct value of `a` and the `j`-th
/// of `b`, with its row and column sums.
struct Contingency {
    table: Vec<Vec<u64>>,
    rows: Vec<u64>,
    cols: Vec<u64>,
}

fn dense_ids<T: Ord>(v: &[T]) -> (Vec<usize>, usize) {
    let mut ids: BTreeMap<&T, usize> = BTreeMap::new();
    for x in v {
        let next = ids.len();
        ids.entry(x).or_insert(next);
    }
    (v.iter().map(|x| ids[x]).collect(), ids.len())
}

fn contingency<A: Ord, B: Ord>(what: &str, a: &[A], b: &[B]) -> Result<Contingency> {
    ensure_input!(!a.is_empty(), "{what}: empty input");
    ensure_input!(
        a.len() == b.len(),
        "{what}: the labelings have {} and {} samples",
        a.len(),
        b.len()
    );
    let (ia, ka) = dense_ids(a);
    let (ib, kb) = dense_ids(b);
    let mut table = vec![vec![0u64; kb]; ka];
    for (&i, &j) in ia.iter().zip(&ib) {
        table[i][j] += 1;
    }
    let rows = table.iter().map(|r| r.iter().sum()).collect();
    let cols = (0..kb).map(|j| table.iter().map(|r| r[j]).sum()).collect();
    Ok(Contingency { table, rows, cols })
}

/// Shannon entropy (natural log) of a distribution given by counts summing to `n`.
fn entropy(counts: &[u64], n: f64) -> f64 {
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

/// Normalised mutual information `MI(a, b) / ((H(a) + H(b)) / 2)` (natural logarithms; the
/// normalisation cancels the base). As in scikit-learn: 1 when both labelings have a single
/// cluster, 0 when the mutual information is 0 otherwise. Errors on empty input or different
/// lengths.
pub fn nmi<A: Ord, B: Ord>(a: &[A], b: &[B]) -> Result<f64> {
    let c = contingency("nmi", a, b)?;
    if c.rows.len() == 1 && c.cols.len() == 1 {
        return Ok(1.0);
    }
    let n = a.len() as f64;
    let mut mi = 0.0;
    for (i, row) in c.table.iter().enumerate() {
        for (j, &nij) in row.iter().enumerate() {
            if nij > 0 {
                let nij = nij as f64;
                mi += nij / n * (nij * n / (c.rows[i] as f64 * c.cols[j] as f64)).ln();
            }
        }
    }
    let mi = mi.max(0.0);
    if mi == 0.0 {
        return Ok(0.0);
    }
    let norm = (entropy(&c.rows, n) + entropy(&c.cols, n)) / 2.0;
    Ok(mi / norm)
}

/// Adjusted Rand index: the Rand index corrected for chance, 1 for identical partitions (up to
/// renumbering), about 0 for random ones, negative below chance. Computed from the pair
/// confusion matrix with exact integer counts, like scikit-learn; 1 when there is no pair on
/// which the labelings disagree (e.g. both put everything in one cluster). Errors on empty input
/// or different lengths.
pub fn ari<A: Ord, B: Ord>(a: &[A], b: &[B]) -> Result<f64> {
    let c = contingency("ari", a, b)?;
    let n = a.len() as i128;
    let sq = |v: u64| (v as i128) * (v as i128);
    let sum_squares: i128 = c.table.iter().flatten().map(|&v| sq(v)).sum();
    let rows_sq: i128 = c.rows.iter().map(|&v| sq(v)).sum();
    let cols_sq: i128 = c.cols.iter().map(|&v| sq(v)).sum();
    // Ordered pairs (twice the unordered counts), as scikit-learn's pair_confusion_matrix.
    let tp = sum_squares - n;
    let fp = cols_sq - sum_squares; // same cluster in b, different in a
    let fn_ = rows_sq - sum_squares; // same cluster in a, different in b
    let tn = n * n - fp - fn_ - sum_squares;
    if fn_ == 0 && fp == 0 {
        return Ok(1.0);
    }
    let num = 2.0 * ((tp * tn - fn_ * fp) as f64);
    let den = ((tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn)) as f64;
    Ok(num / den)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn hand_computed_values() {
        // a = [0,0,1,1], b = [0,0,0,1]: table [[2,0],[1,1]], rows [2,2], columns [3,1];
        // MI = Σ n_ij/n ln(n_ij n / (r_i c_j)), H(a) = ln 2, H(b) = −(3/4 ln 3/4 + 1/4 ln 1/4).
        let mi = 0.5 * (4.0f64 / 3.0).ln() + 0.25 * (2.0f64 / 3.0).ln() + 0.25 * 2f64.ln();
        let hb = -(0.75 * 0.75f64.ln() + 0.25 * 0.25f64.ln());
        let want = mi / ((2f64.ln() + hb) / 2.0);
        assert!((nmi(&[0, 0, 1, 1], &[0, 0, 0, 1]).unwrap() - want).abs() < 1e-15);
        // sklearn: adjusted_rand_score([0,0,1,1], [0,0,0,1]) = 0.0
        assert_eq!(ari(&[0, 0, 1, 1], &[0, 0, 0, 1]).unwrap(), 0.0);
        // sklearn: adjusted_rand_score([0,0,1,2], [0,0,1,1]) = 0.5714285714285715 (4/7)
        assert!((ari(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap() - 4.0 / 7.0).abs() < 1e-15);
        // sklearn: adjusted_rand_score([0,0,1,1], [0,1,0,1]) = -0.5
        assert_eq!(ari(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(), -0.5);
    }

    #[test]
    fn renumbering_special_cases_and_errors() {
        // Perfect clusterings score 1 whatever the cluster ids and types.
        assert_eq!(ari(&[0, 0, 1, 1], &[1usize, 1, 0, 0]).unwrap(), 1.0);
        assert!((nmi(&[0, 0, 1, 1], &[5i64, 5, -2, -2]).unwrap() - 1.0).abs() < 1e-12);
        assert!((nmi(&["x", "y", "y"], &[7, 3, 3]).unwrap() - 1.0).abs() < 1e-12);
        // Both single-cluster: 1 (scikit-learn); one single-cluster: NMI 0, ARI 0.
        assert_eq!(nmi(&[3, 3, 3], &[1, 1, 1]).unwrap(), 1.0);
        assert_eq!(ari(&[3, 3, 3], &[1, 1, 1]).unwrap(), 1.0);
        assert_eq!(nmi(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap(), 0.0);
        assert_eq!(ari(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap(), 0.0);
        // Symmetric.
        let (a, b) = ([0, 1, 1, 2, 2, 2, 0], [1, 1, 0, 2, 2, 0, 0]);
        assert_eq!(nmi(&a, &b).unwrap(), nmi(&b, &a).unwrap());
        assert_eq!(ari(&a, &b).unwrap(), ari(&b, &a).unwrap());
        for r in [
            nmi(&[0], &[0, 1]),
            ari(&[0], &[0, 1]),
            nmi::<i32, i32>(&[], &[]),
        ] {
            assert!(matches!(r, Err(Error::Input(_))), "{r:?}");
        }
    }
}
