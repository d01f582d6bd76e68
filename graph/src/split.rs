//! Node splits (the one given with the data, and seeded random splits of the same sizes) and
//! edge splits for link prediction (positives split train/val/test, negatives sampled among
//! non-edges without leakage, val/test edges removed from the message-passing graph).

use std::collections::HashSet;

use deepfield_core::Rng;
use serde::{Deserialize, Serialize};

use crate::{GraphError, Result};

/// Train / validation / test node indices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSplit {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
}

impl NodeSplit {
    /// Indices inside `0..n` and the three parts disjoint.
    pub fn check(&self, n: usize) -> Result<()> {
        let mut seen = HashSet::new();
        for (name, part) in [
            ("train", &self.train),
            ("val", &self.val),
            ("test", &self.test),
        ] {
            for &i in part {
                if i >= n {
                    return Err(GraphError::invalid(format!(
                        "{name} node {i} outside the {n} nodes"
                    )));
                }
                if !seen.insert(i) {
                    return Err(GraphError::invalid(format!(
                        "node {i} is in two split parts"
                    )));
                }
            }
        }
        Ok(())
    }

    /// `(train, val, test)` sizes.
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.train.len(), self.val.len(), self.test.len())
    }
}

/// A seeded Planetoid-style split: `per_class` labelled training nodes of every class, then
/// `n_val` and `n_test` nodes drawn from the remaining labelled nodes. Unlabelled nodes (`-1`)
/// are never chosen.
pub fn random_node_split(
    labels: &[i64],
    n_classes: usize,
    per_class: usize,
    n_val: usize,
    n_test: usize,
    seed: u64,
) -> Result<NodeSplit> {
    let mut rng = Rng::new(seed);
    let mut order: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] >= 0).collect();
    rng.shuffle(&mut order);
    let mut taken = vec![0usize; n_classes];
    let mut train = Vec::new();
    let mut rest = Vec::new();
    for i in order {
        let c = labels[i] as usize;
        if c < n_classes && taken[c] < per_class {
            taken[c] += 1;
            train.push(i);
        } else {
            rest.push(i);
        }
    }
    if rest.len() < n_val + n_test {
        return Err(GraphError::invalid(format!(
            "random split: {} labelled nodes left after {} training nodes, {} needed for val + test",
            rest.len(),
            train.len(),
            n_val + n_test
        )));
    }
    let val = rest[..n_val].to_vec();
    let test = rest[n_val..n_val + n_test].to_vec();
    train.sort_unstable();
    Ok(NodeSplit { train, val, test })
}

/// A random split with the sizes of `given` (training nodes spread evenly over the classes),
/// or, with no given split, 20 per class / 500 / 1000 shrunk to fit small graphs.
pub fn same_size_split(
    labels: &[i64],
    n_classes: usize,
    given: Option<&NodeSplit>,
    seed: u64,
) -> Result<NodeSplit> {
    let labelled = labels.iter().filter(|&&l| l >= 0).count();
    let (per_class, n_val, n_test) = match given {
        Some(s) => (s.train.len() / n_classes.max(1), s.val.len(), s.test.len()),
        None => {
            let per_class = 20.min(labelled / (5 * n_classes.max(1))).max(1);
            let rest = labelled.saturating_sub(per_class * n_classes);
            (per_class, 500.min(rest / 4), 1000.min(rest / 2))
        }
    };
    random_node_split(labels, n_classes, per_class, n_val, n_test, seed)
}

/// Positive and negative node pairs for link prediction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeSplit {
    /// Edges kept for message passing and training.
    pub train: Vec<(usize, usize)>,
    pub val_pos: Vec<(usize, usize)>,
    pub val_neg: Vec<(usize, usize)>,
    pub test_pos: Vec<(usize, usize)>,
    pub test_neg: Vec<(usize, usize)>,
}

/// Split undirected `edges` (`a < b`, unique) of an `n`-node graph: `val_frac` and `test_frac`
/// of them become held-out positives, removed from `train`; as many negatives are drawn
/// uniformly among node pairs that are not edges of the full graph, distinct and not self-loops.
pub fn edge_split(
    n: usize,
    edges: &[(usize, usize)],
    val_frac: f64,
    test_frac: f64,
    seed: u64,
) -> Result<EdgeSplit> {
    if !(0.0..1.0).contains(&(val_frac + test_frac)) || val_frac <= 0.0 || test_frac <= 0.0 {
        return Err(GraphError::config(format!(
            "edge split: val {val_frac} and test {test_frac} must be > 0 with a sum below 1"
        )));
    }
    let n_val = ((edges.len() as f64) * val_frac).floor() as usize;
    let n_test = ((edges.len() as f64) * test_frac).floor() as usize;
    if n_val == 0 || n_test == 0 {
        return Err(GraphError::invalid(format!(
            "edge split: {} edges are too few for val {val_frac} / test {test_frac}",
            edges.len()
        )));
    }
    let max_pairs = n * n.saturating_sub(1) / 2;
    if max_pairs < edges.len() + n_val + n_test {
        return Err(GraphError::invalid(
            "edge split: the graph is too dense to sample negatives",
        ));
    }
    let mut rng = Rng::new(seed);
    let mut perm: Vec<usize> = (0..edges.len()).collect();
    rng.shuffle(&mut perm);
    let pick = |r: std::ops::Range<usize>| -> Vec<(usize, usize)> {
        let mut v: Vec<_> = perm[r].iter().map(|&i| edges[i]).collect();
        v.sort_unstable();
        v
    };
    let val_pos = pick(0..n_val);
    let test_pos = pick(n_val..n_val + n_test);
    let train = pick(n_val + n_test..edges.len());
    let existing: HashSet<(usize, usize)> = edges.iter().copied().collect();
    let mut used = HashSet::new();
    let mut sample = |k: usize| {
        let mut out = Vec::with_capacity(k);
        while out.len() < k {
            let (a, b) = (rng.below(n), rng.below(n));
            let e = (a.min(b), a.max(b));
            if a != b && !existing.contains(&e) && used.insert(e) {
                out.push(e);
            }
        }
        out
    };
    let val_neg = sample(n_val);
    let test_neg = sample(n_test);
    Ok(EdgeSplit {
        train,
        val_pos,
        val_neg,
        test_pos,
        test_neg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_node_split_is_per_class_disjoint_and_seeded() {
        let labels: Vec<i64> = (0..300).map(|i| (i % 3) as i64).collect();
        let s = random_node_split(&labels, 3, 5, 50, 100, 1).unwrap();
        assert_eq!(s.sizes(), (15, 50, 100));
        s.check(300).unwrap();
        for c in 0..3 {
            assert_eq!(s.train.iter().filter(|&&i| labels[i] == c).count(), 5);
        }
        assert_eq!(s, random_node_split(&labels, 3, 5, 50, 100, 1).unwrap());
        assert_ne!(s, random_node_split(&labels, 3, 5, 50, 100, 2).unwrap());
        assert!(random_node_split(&labels, 3, 5, 200, 100, 1).is_err());
    }
}
