//! # deepfield-genomics
//!
//! Genomics over [`deepfield_core`]: sequences and SNP arrays in, reproductions out.
//!
//! Reading order, top-down:
//! 1. [`seq`] — streaming FASTA/FASTQ (gzip, multi-line, IUPAC policy), 2-bit k-mers with a rolling
//!    update and canonical form, a fast k-mer counter, k-mer profiles, one-hot encoding, metadata.
//! 2. [`gmna`] — Naive Bayes and CNN location classifiers → misclassification networks
//!    (`gmna` reproduction).
//! 3. [`snp`] — PennCNV signal files, a SNP-array simulator with known breakpoints, 40,000-probe
//!    windows, the Deep SNP CNN + attention model and a change-point baseline (`deep-snp`).
//! 4. [`bench`] — k-mer counting throughput against `jellyfish count`.
//!
//! Inference with a trained model ([`snp::predict`], [`gmna::predict`]) never depends on a
//! reproduction: the reproductions train and save through it, and `deepfield-genomics eval`
//! (alias `predict`) calls it. [`progress`] prints the reproductions' training progress.
//!
//! Example: `cargo run -p deepfield-genomics --example top_kmers` counts the canonical 21-mers
//! of the SARS-CoV-2 example genomes and prints the most frequent.
//!
//! It depends on `deepfield-core` only, never on another domain crate.
//!
//! A whole program, `examples/top_kmers.rs` (`cargo run -p deepfield-genomics --example top_kmers`), compiled
//! here as a doctest so the front page stays true:
//!
//! ```no_run
#![doc = include_str!("../examples/top_kmers.rs")]
//! ```
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

/// Every model kind this crate's binary can rebuild from a checkpoint: core's kinds plus this
/// crate's own ([`deepfield_core::models`]): `genomics.deep_snp`
/// ([`snp::DeepSnpDetectorConfig`]) and `genomics.gmna_cnn` ([`gmna::GmnaCnnConfig`]; the
/// Naive Bayes of a GMNA model folder is not a torch model and is saved beside it, see
/// [`gmna::predict`]).
pub fn models() -> deepfield_core::Result<deepfield_core::models::ModelRegistry> {
    let mut reg = deepfield_core::models::ModelRegistry::with_core();
    reg.register::<snp::DeepSnpDetectorConfig>()?;
    reg.register::<gmna::GmnaCnnConfig>()?;
    Ok(reg)
}

pub mod bench;
pub mod error;
pub mod gmna;
mod older;
pub mod progress;
pub mod seq;
pub mod snp;

pub use deepfield_core as core;
pub use error::{Error, Result};

/// Every reproduction of this crate.
pub fn reproductions() -> Vec<Box<dyn deepfield_core::repro::Reproduction>> {
    use deepfield_core::repro::Typed;
    vec![
        Box::new(Typed(gmna::Gmna)),
        Box::new(Typed(snp::DeepSnpRepro)),
    ]
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        use crate::{reproductions, REPRODUCTIONS};
        deepfield_core::repro::catalog::check(REPRODUCTIONS, &reproductions()).unwrap();
    }
}

#[cfg(test)]
mod model_tests {
    #[test]
    fn models_holds_core_and_genomics_kinds() {
        let reg = crate::models().unwrap();
        for kind in ["genomics.deep_snp", "genomics.gmna_cnn", "mlp", "cnn"] {
            assert!(reg.contains(kind), "{kind}");
        }
    }
}

// Inference and the other library modules never name a reproduction module (the `repro`
// folders may name each other; the binary may import anything).
deepfield_core::layering_test!("repro.rs");
