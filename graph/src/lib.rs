//! # deepfield-graph
//!
//! Graph learning over libtorch: graph data with sparse features, sparse normalised adjacency,
//! GCN / GraphSAGE / GAT / GIN layers, supervised node classification, the self-supervised
//! methods of the GraphFM benchmark (Xu et al., "GraphFM: A Comprehensive Benchmark for Graph
//! Foundation Model", 2024) with their downstream evaluators, and the `graphfm` reproduction on
//! Cora.
//!
//! Reading order: [`features`] → [`graph`] → [`io`] → [`split`] → [`adjacency`] → [`sampler`]
//! → [`layers`] → [`encoder`] → [`supervised`] → [`ssl`] → [`eval`] → [`predict`] (a trained
//! classifier on your graph; no reproduction needed) → [`repro`].
//!
//! A whole program, `examples/cora_gcn.rs` (`cargo run -p deepfield-graph --example cora_gcn`), compiled
//! here as a doctest so the front page stays true:
//!
//! ```no_run
#![doc = include_str!("../examples/cora_gcn.rs")]
//! ```
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

/// Every model kind this crate's binary can rebuild from a checkpoint ([`deepfield_core::models`]):
/// core's kinds. The GNN node classifier needs the graph as input, so it is not a registered
/// `Forward` model; its folders carry the kind `graph.node_classifier` all the same and
/// `deepfield-graph eval` runs them (see [`predict`] for why, and what a graph-input
/// registry would need).
pub fn models() -> deepfield_core::Result<deepfield_core::models::ModelRegistry> {
    Ok(deepfield_core::models::ModelRegistry::with_core())
}

pub mod adjacency;
pub mod encoder;
pub mod error;
pub mod features;
pub mod graph;
pub mod io;
pub mod layers;
pub mod sampler;
pub mod split;

pub use deepfield_core as core;
pub use error::{GraphError, Result};
pub use graph::Graph;
pub mod bench;
pub mod eval;
pub mod memory;
pub mod predict;
pub mod repro;
pub mod ssl;
pub mod supervised;
pub mod train;

#[cfg(test)]
mod model_tests {
    /// Inference and the other library modules never name a reproduction module (the
    /// `repro/` folder may; the binary may import anything): `grep -rn` for `crate::` or
    /// `super::` followed by `repro` finds nothing outside them.
    #[test]
    fn only_reproductions_import_reproductions() {
        deepfield_core::testing::assert_only_reproductions_import_reproductions(
            env!("CARGO_MANIFEST_DIR"),
            &["repro.rs"],
        );
    }
}
