//! # deepfield-graph
//!
//! Graph learning over libtorch: graph data with sparse features, sparse normalised adjacency,
//! GCN / GraphSAGE / GAT / GIN layers, supervised node classification, the self-supervised
//! methods of the GraphFM benchmark (Xu et al., "GraphFM: A Comprehensive Benchmark for Graph
//! Foundation Model", 2024) with their downstream evaluators, and the `graphfm` reproduction on
//! Cora.
//!
//! Reading order: [`features`] → [`graph`] → [`io`] → [`split`] → [`adjacency`] → [`sampler`]
//! → [`layers`] → [`encoder`] → [`supervised`] → [`ssl`] → [`eval`] → [`model`] and
//! [`classifier`] (graph models in the registry) → [`predict`] (a trained classifier on your
//! graph; no reproduction needed) → [`repro`].
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
/// core's tensor-in kinds and this crate's graph-input kinds ([`model::GraphModel`]:
/// `graph.node_classifier`), which `deepfield-graph eval` runs on a user's graph.
pub fn models() -> deepfield_core::Result<deepfield_core::models::ModelRegistry> {
    let mut reg = deepfield_core::models::ModelRegistry::with_core();
    reg.register::<classifier::NodeClassifierConfig>()?;
    reg.register::<potential::schnet::SchNetConfig>()?;
    reg.register::<potential::gemnet::GemNetConfig>()?;
    Ok(reg)
}

pub mod adjacency;
pub mod classifier;
pub mod encoder;
pub mod error;
pub mod explain;
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
pub mod model;
pub mod molecule;
pub mod potential;
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
