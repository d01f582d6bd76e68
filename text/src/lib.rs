//! # deepfield-text
//!
//! Domain crate of deepfield for text. It does its own preprocessing and then calls the shared
//! builders, Trainer, metrics and reports of [`deepfield_core`]. It depends on `deepfield-core`
//! only, never on another domain crate.
//!
//! Modules: [`vocab`] (word and character vocabularies, batch padding); readers, tokenisers,
//! taggers and the text reproductions build on it.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

pub mod bench;
#[cfg(feature = "tokenizers")]
pub mod bench_tokenize;
pub mod deid;
pub mod diedat;
pub mod embed;
pub mod error;
pub mod lm;
pub mod models;
pub mod phi;
pub mod read;
pub mod repro;
pub mod retrieval;
pub mod rwkv;
#[cfg(feature = "search")]
pub mod search;
pub mod seqeval;
pub mod tagged;
pub mod tagger;
#[cfg(feature = "tokenizers")]
pub mod tokenize;
pub mod vocab;

pub use deepfield_core as core;
pub use error::{Error, Result};

/// Every model kind this crate's binary can rebuild from a checkpoint: core's kinds plus this
/// crate's own ([`deepfield_core::models`]).
pub fn models() -> deepfield_core::Result<deepfield_core::models::ModelRegistry> {
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
