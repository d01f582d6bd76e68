//! The reproductions of this crate (shared CLI: [`deepfield_core::repro::cli`]), both typed
//! ([`deepfield_core::repro::Experiment`], run through [`deepfield_core::repro::Typed`]).
//!
//! Reading order: [`config`] (what a run is configured with) → [`experiment`] (folds × models,
//! with [`progress`]) → [`metrics`] (the typed `metrics.json` and `metrics.csv` rows) →
//! [`save`] (one model folder per model, `history.csv`), [`plots`], [`report`] → [`speech`]
//! (the shared `Experiment`) → [`cough`], [`digits`].

pub mod affect;
pub mod asr;
pub mod config;
pub mod cough;
pub mod digits;
pub mod experiment;
pub mod metrics;
pub mod plots;
pub mod progress;
pub mod recipe;
pub mod report;
pub mod save;
pub mod speech;

use deepfield_core::repro::{Reproduction, Typed};

/// Every reproduction of deepfield-audio.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![
        Box::new(Typed(cough::CoughBilstm)),
        Box::new(Typed(digits::SpokenDigits)),
        Box::new(Typed(affect::MovieAffect)),
        Box::new(Typed(asr::SubwordAsr)),
    ]
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        deepfield_core::repro::catalog::check(crate::REPRODUCTIONS, &super::all()).unwrap();
    }
}
