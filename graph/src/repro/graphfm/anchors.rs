//! Published node-classification accuracies (%, standard public split) and when they apply: only
//! to the data they were measured on — Cora, CiteSeer or PubMed with their standard split,
//! recognised by size (nodes, features, classes) and split sizes, whatever the folder is called.

use crate::graph::GraphStats;
use crate::split::NodeSplit;

/// A standard benchmark graph as the published numbers used it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Benchmark {
    pub name: &'static str,
    pub nodes: usize,
    pub features: usize,
    pub classes: usize,
    /// Train / validation / test nodes of the public (Planetoid) split.
    pub split: (usize, usize, usize),
}

/// Cora, CiteSeer and PubMed (Planetoid versions).
pub const BENCHMARKS: [Benchmark; 3] = [
    Benchmark {
        name: "cora",
        nodes: 2708,
        features: 1433,
        classes: 7,
        split: (140, 500, 1000),
    },
    Benchmark {
        name: "citeseer",
        nodes: 3327,
        features: 3703,
        classes: 6,
        split: (120, 500, 1000),
    },
    Benchmark {
        name: "pubmed",
        nodes: 19717,
        features: 500,
        classes: 3,
        split: (60, 500, 1000),
    },
];

/// The methods with published numbers on every benchmark, and the paper each number is from.
pub const SOURCES: [(&str, &str); 5] = [
    ("gcn", "Kipf & Welling 2017"),
    ("gat", "Veličković et al. 2018"),
    ("graphmae", "Hou et al. 2022"),
    ("cca-ssg", "Zhang et al. 2021"),
    ("dgi", "Veličković et al. 2019"),
];

/// `(benchmark, accuracy % of each method of` [`SOURCES`] `in its order)`.
pub const PUBLISHED: [(&str, [f64; 5]); 3] = [
    ("cora", [81.5, 83.0, 84.2, 84.0, 82.3]),
    ("citeseer", [70.3, 72.5, 73.4, 73.1, 71.8]),
    ("pubmed", [79.0, 79.0, 81.1, 81.0, 76.8]),
];

/// Numbers that a paper did not report itself, with where they are quoted from:
/// `(benchmark, method, source)`.
const QUOTED: [(&str, &str, &str); 1] = [(
    "pubmed",
    "cca-ssg",
    "Zhang et al. 2021 (as quoted by Hou et al. 2022)",
)];

/// The benchmark a run's data is, when it is one: the same size as a standard graph and
/// evaluated on its standard split (`split` is the split the run used: the given one, when
/// `given_split`).
pub fn benchmark_of(
    stats: &GraphStats,
    split: Option<&NodeSplit>,
    given_split: bool,
) -> Option<&'static Benchmark> {
    let s = split.filter(|_| given_split)?;
    let sizes = (s.train.len(), s.val.len(), s.test.len());
    BENCHMARKS.iter().find(|b| {
        b.nodes == stats.nodes
            && b.features == stats.features
            && b.classes == stats.classes
            && b.split == sizes
    })
}

/// The published numbers of `benchmark`: `(method, accuracy %, source)`.
pub fn published(benchmark: &str) -> impl Iterator<Item = (&'static str, f64, &'static str)> + '_ {
    PUBLISHED
        .iter()
        .filter(move |(b, _)| *b == benchmark)
        .flat_map(|(b, values)| {
            SOURCES.iter().zip(values).map(move |(&(m, src), &v)| {
                let quoted = QUOTED.iter().find(|q| q.0 == *b && q.1 == m);
                (m, v, quoted.map_or(src, |q| q.2))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_numbers_by_benchmark() {
        let all: Vec<_> = ["cora", "citeseer", "pubmed"]
            .iter()
            .flat_map(|b| published(b).map(move |r| (*b, r)))
            .collect();
        assert_eq!(all.len(), 15);
        let find = |b: &str, m: &str| {
            all.iter()
                .find(|(bb, r)| *bb == b && r.0 == m)
                .map(|(_, r)| (r.1, r.2))
                .unwrap()
        };
        assert_eq!(find("cora", "gat"), (83.0, "Veličković et al. 2018"));
        assert_eq!(find("citeseer", "dgi"), (71.8, "Veličković et al. 2019"));
        assert_eq!(find("pubmed", "graphmae"), (81.1, "Hou et al. 2022"));
        assert_eq!(
            find("pubmed", "cca-ssg"),
            (81.0, "Zhang et al. 2021 (as quoted by Hou et al. 2022)")
        );
        assert_eq!(find("cora", "cca-ssg"), (84.0, "Zhang et al. 2021"));
        assert_eq!(published("ogbn-arxiv").count(), 0);
    }
}
