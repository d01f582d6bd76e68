//! # deepfield-audio
//!
//! WAV → MFCC → BiLSTM classification of coughs and spoken digits, over [`deepfield_core`].
//!
//! Reading order, top-down:
//! 1. [`wav`] — reading WAV files (all PCM widths and float, downmix, clear errors per file);
//! 2. [`resample`] — band-limited windowed-sinc resampling to the model rate;
//! 3. [`features`] — pre-emphasis, frames, windows, mel filterbanks (HTK/Slaney), log, DCT-II,
//!    MFCC (librosa and python_speech_features presets), deltas, CMVN, the front end;
//! 4. [`segment`] — splitting a recording into cough or word epochs by energy with hysteresis;
//! 5. [`data`] — the two real datasets (cough_etiquette, fsdd) and padded, masked batches;
//! 6. [`model`] — the BiLSTM of the cough paper (core's masked `SequenceClassifier`), a 1-D CNN
//!    and an MLP over pooled features;
//! 7. [`combine`] — subject-level decisions from epoch probabilities;
//! 8. [`predict`] — a saved classifier restored ([`predict::load`]) and run on a user's WAV
//!    file or folder (searched recursively), with metrics where labels are known (`eval`);
//! 9. [`avmnist`] — AV-MNIST (spoken digits paired with MNIST images) for multimodal fusion;
//! 10. [`repro`] — the typed reproductions `cough-bilstm`, `spoken-digits` and `movie-affect`.
//!
//! A whole program, `examples/classify_wav.rs` (`cargo run -p deepfield-audio --example classify_wav`), compiled
//! here as a doctest so the front page stays true:
//!
//! ```no_run
#![doc = include_str!("../examples/classify_wav.rs")]
//! ```
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// The catalog of this crate's reproductions, `id<TAB>description` per line
/// ([`deepfield_core::repro::catalog`]; `cargo xtask list` reads the same file).
pub const REPRODUCTIONS: &str = include_str!("../reproductions.tsv");

/// Every model kind this crate's binary can rebuild from a checkpoint: core's kinds plus this
/// crate's own ([`deepfield_core::models`]): `audio.mfcc_classifier`
/// ([`model::MfccClassifierConfig`], the saved model of `cough-bilstm` and `spoken-digits`).
pub fn models() -> deepfield_core::Result<deepfield_core::models::ModelRegistry> {
    let mut reg = deepfield_core::models::ModelRegistry::with_core();
    reg.register::<model::MfccClassifierConfig>()?;
    reg.register::<asr::AsrModelConfig>()?;
    Ok(reg)
}

pub mod asr;
pub mod augment;
pub mod avmnist;
pub mod combine;
pub mod crnn;
pub mod data;
pub mod error;
pub mod features;
pub mod model;
pub mod predict;
pub mod repro;
pub mod resample;
pub mod segment;
pub mod wav;

pub use deepfield_core as core;
pub use error::{Error, Result};

// Inference (`predict`, `model`, `features`, …) never names a reproduction.
deepfield_core::layering_test!();
