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
//! It depends on `deepfield-core` only, never on another domain crate.

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

/// Every model kind this crate's binary can rebuild from a checkpoint: core's kinds plus this
/// crate's own ([`deepfield_core::models`]).
pub fn models() -> deepfield_core::Result<deepfield_core::models::ModelRegistry> {
    Ok(deepfield_core::models::ModelRegistry::with_core())
}

pub mod bench;
pub mod error;
pub mod gmna;
pub mod seq;
pub mod snp;

pub use deepfield_core as core;
pub use error::{Error, Result};

/// Every reproduction of this crate.
pub fn reproductions() -> Vec<Box<dyn deepfield_core::repro::Reproduction>> {
    vec![Box::new(gmna::Gmna), Box::new(snp::DeepSnpRepro)]
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        deepfield_core::repro::catalog::check(crate::REPRODUCTIONS, &crate::reproductions())
            .unwrap();
    }
}
