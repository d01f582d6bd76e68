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

/// `(benchmark, method, accuracy %, source)`.
pub const PUBLISHED: [(&str, &str, f64, &str); 15] = [
    ("cora", "gcn", 81.5, "Kipf & Welling 2017"),
    ("cora", "gat", 83.0, "Veličković et al. 2018"),
    ("cora", "graphmae", 84.2, "Hou et al. 2022"),
    ("cora", "cca-ssg", 84.0, "Zhang et al. 2021"),
    ("cora", "dgi", 82.3, "Veličković et al. 2019"),
    ("citeseer", "gcn", 70.3, "Kipf & Welling 2017"),
    ("citeseer", "gat", 72.5, "Veličković et al. 2018"),
    ("citeseer", "graphmae", 73.4, "Hou et al. 2022"),
    ("citeseer", "cca-ssg", 73.1, "Zhang et al. 2021"),
    ("citeseer", "dgi", 71.8, "Veličković et al. 2019"),
    ("pubmed", "gcn", 79.0, "Kipf & Welling 2017"),
    ("pubmed", "gat", 79.0, "Veličković et al. 2018"),
    ("pubmed", "graphmae", 81.1, "Hou et al. 2022"),
    (
        "pubmed",
        "cca-ssg",
        81.0,
        "Zhang et al. 2021 (as quoted by Hou et al. 2022)",
    ),
    ("pubmed", "dgi", 76.8, "Veličković et al. 2019"),
];

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

/// The published numbers of `benchmark`.
pub fn published(benchmark: &str) -> impl Iterator<Item = (&'static str, f64, &'static str)> + '_ {
    PUBLISHED
        .iter()
        .filter(move |(b, ..)| *b == benchmark)
        .map(|&(_, m, v, s)| (m, v, s))
}
