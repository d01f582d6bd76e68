//! The reproductions of deepfield-graph.

pub mod gemnet;
pub mod graphfm;

use deepfield_core::repro::{Reproduction, Typed};

/// Every reproduction of this crate.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![
        Box::new(Typed(graphfm::GraphFm::default())),
        Box::new(Typed(gemnet::GemNetOc)),
    ]
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        deepfield_core::repro::catalog::check(crate::REPRODUCTIONS, &super::all()).unwrap();
    }
}
