//! # deepfield-core
//!
//! The shared core of deepfield over libtorch (through `tch`): device and seeding, data sets and
//! splits, layer and model builders from serde configs, one [`train::Trainer`], metrics,
//! safetensors checkpoints and result reports. Domain crates (`deepfield-audio`,
//! `deepfield-graph`, …) do their own preprocessing and call these builders.
//!
//! Reading order: [`data`] → [`nn`] → [`train`] → [`metrics`] → [`checkpoint`] → [`report`] →
//! [`repro`]. Tests of every crate share the helpers of [`testing`].
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod allocator;
pub mod checkpoint;
pub mod data;
pub mod device;
pub mod domain;
pub mod error;
pub mod fsutil;
pub mod metrics;
pub mod models;
pub mod nn;
pub mod overrides;
pub mod progress;
pub mod python;
pub mod report;
pub mod repro;
pub mod rng;
pub mod testing;
pub mod train;

pub use device::{device, seed};
pub use error::{Error, Result};
pub use nn::Forward;
pub use rng::Rng;

/// Re-export of `tch`, so domain crates use the very same version.
pub use tch;
