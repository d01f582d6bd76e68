//! # deepfield-timeseries
//!
//! Forecasting and anomaly detection on time series over [`deepfield_core`]. Reading order:
//!
//! 1. [`data`] — polars CSV loading with timestamps, missing values, resampling, outlier removal,
//!    sliding windows, chronological and walk-forward splits, scalers fitted on training rows.
//! 2. [`sim`] — the AMD kinetic-test simulator (the paper's data is private).
//! 3. [`models`] — forecasters through core's builders (MLP, LSTM, encoder–decoder LSTM,
//!    CNN-LSTM), baselines (persistence, seasonal naive, linear autoregression), and StackVAE-G.
//! 4. [`anomaly`] — labels from windows, point-adjusted precision/recall/F1.
//! 5. [`forecast`] / [`detect`] — the training and evaluation pipelines, saved models (registry
//!    kinds `timeseries.forecaster`, `timeseries.detector`) and their use on a user's CSV.
//! 6. [`wfdb`] / [`biosignal`] — PhysioNet WFDB records (formats 212 and 16, MIT annotations),
//!    ECG beat windows with AAMI classes, a residual 1-D CNN encoder pretrained contrastively
//!    (InfoNCE + KoLeo), linear probes, beat classification of a user's record.
//! 7. [`mjp`] — Markov jump processes: the FIM-MJP prior, Gillespie simulation, EM maximum
//!    likelihood, a per-process neural baseline and zero-shot inference with FIM-MJP
//!    ([`models::fim_mjp`]).
//! 8. [`traj`] — pedestrian trajectories (ETH/UCY): loading, windows, folds, best-of-K ADE/FDE,
//!    diversity and collisions; the AAMDM sampler is [`models::aamdm`] (registry kind
//!    `timeseries.aamdm`).
//! 9. [`repro`] — `amd-kinetic`, `stock-cnn-lstm`, `stackvae-g`, `biosignal-ssl`, `fim-mjp`,
//!    `aamdm`.
//!
//! It depends on `deepfield-core` only, never on another domain crate.
//!
//! A whole program, `examples/apple_forecast.rs` (`cargo run -p deepfield-timeseries --example apple_forecast`), compiled
//! here as a doctest so the front page stays true:
//!
//! ```no_run
#![doc = include_str!("../examples/apple_forecast.rs")]
//! ```
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

/// Every model kind this crate's binary can rebuild from a checkpoint: core's kinds plus this
/// crate's own ([`deepfield_core::models`]): `timeseries.forecaster`
/// ([`forecast::ForecastPipelineConfig`], saved by `amd-kinetic` and `stock-cnn-lstm`),
/// `timeseries.detector` ([`detect::DetectorPipelineConfig`], saved by `stackvae-g`),
/// `timeseries.stackvae_g` (the bare [`models::StackVaeGConfig`] network) and
/// `timeseries.fim_mjp` ([`models::fim_mjp::FimMjpConfig`], saved by `fim-mjp`).
pub fn models() -> deepfield_core::Result<deepfield_core::models::ModelRegistry> {
    let mut reg = deepfield_core::models::ModelRegistry::with_core();
    reg.register::<forecast::ForecastPipelineConfig>()?;
    reg.register::<detect::DetectorPipelineConfig>()?;
    reg.register::<models::StackVaeGConfig>()?;
    reg.register::<biosignal::EcgEncoderConfig>()?;
    reg.register::<biosignal::BeatClassifierConfig>()?;
    reg.register::<models::fim_mjp::FimMjpConfig>()?;
    reg.register::<models::aamdm::AamdmConfig>()?;
    Ok(reg)
}

pub mod error;

pub mod anomaly;
pub mod biosignal;
pub mod data;
pub mod detect;
pub mod forecast;
pub mod mjp;
pub mod models;
pub mod repro;
pub mod sim;
pub mod traj;
pub mod wfdb;

pub use deepfield_core as core;
pub use error::{Error, Result};

// Inference (`forecast`, `detect`, `models`, …) never names a reproduction.
deepfield_core::layering_test!();
