//! # deepfield-graph
//!
//! Graph learning over libtorch: graph data with sparse features, sparse normalised adjacency,
//! GCN / GraphSAGE / GAT / GIN layers, supervised node classification, the self-supervised
//! methods of the GraphFM benchmark (Xu et al., "GraphFM: A Comprehensive Benchmark for Graph
//! Foundation Model", 2024) with their downstream evaluators, and the `graphfm` reproduction on
//! Cora.
//!
//! Reading order: [`features`] → [`graph`] → [`io`] → [`split`] → [`adjacency`] → [`sampler`]
//! → [`layers`] → [`encoder`] → [`supervised`] → [`ssl`] → [`eval`] → [`repro`].

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

/// Every model kind this crate's binary can rebuild from a checkpoint: core's kinds plus this
/// crate's own ([`deepfield_core::models`]).
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
