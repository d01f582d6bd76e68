//! # deepfield-vision
//!
//! Domain crate of deepfield for images. It reads images ([`data`]: IDX files as MNIST ships
//! them, image folders and lists through the `image` crate), augments batches on the device
//! ([`augment`]: rotations, flips, affine maps through `affine_grid`/`grid_sample`), builds the
//! vision models ([`models`]: LeNet-5, a small ResNet, a VGG-style CNN, the papers' networks) and
//! hybrid quantum layers simulated as complex state vectors ([`quantum`]), and runs the vision
//! reproductions ([`reproductions`]). It depends on `deepfield-core` only, never on another
//! domain crate.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

pub mod augment;
pub mod bench;
pub mod bench_cam;
pub mod data;
pub mod error;
pub mod eval;
pub mod generate;
pub mod models;
pub mod quantum;
pub mod repro;
pub mod sheets;

pub use deepfield_core as core;
pub use error::{Error, Result};

/// Every model kind this crate's binary can rebuild from a checkpoint: core's kinds plus this
/// crate's own ([`deepfield_core::models`]).
pub fn models() -> deepfield_core::Result<deepfield_core::models::ModelRegistry> {
    #[allow(unused_mut)]
    let mut reg = deepfield_core::models::ModelRegistry::with_core();
    models::register(&mut reg)?;
    Ok(reg)
}

/// Every reproduction of this crate.
pub fn reproductions() -> Vec<Box<dyn deepfield_core::repro::Reproduction>> {
    repro::all()
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        use crate::{reproductions, REPRODUCTIONS};
        deepfield_core::repro::catalog::check(REPRODUCTIONS, &reproductions()).unwrap();
    }

    /// Inference and the other library modules never name a reproduction module.
    #[test]
    fn only_reproductions_import_reproductions() {
        deepfield_core::testing::assert_only_reproductions_import_reproductions(
            env!("CARGO_MANIFEST_DIR"),
            &[],
        );
    }
}
