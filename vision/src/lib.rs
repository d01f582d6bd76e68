//! # deepfield-vision
//!
//! Domain crate of deepfield for vision. It does its own preprocessing and then calls the shared
//! builders, Trainer, metrics and reports of [`deepfield_core`]. It depends on `deepfield-core`
//! only, never on another domain crate.
//!
//! Planned here (see the project roadmap): the vision reproductions. This crate is a documented empty
//! library until its issue lands.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

pub use deepfield_core as core;
