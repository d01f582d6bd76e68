//! The reproductions of deepfield-graph.

pub mod graphfm;

use deepfield_core::repro::Reproduction;

/// Every reproduction of this crate.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![Box::new(graphfm::GraphFm)]
}
