//! The reproductions of this crate (shared CLI: [`deepfield_core::repro::cli`]).

pub mod cough;
pub mod digits;
pub mod experiment;
pub mod report;

use std::path::Path;

use deepfield_core::data::DatasetSpec;
use deepfield_core::repro::{ReproOptions, Reproduction};

use crate::data::Clip;
use experiment::ExperimentConfig;
use report::{Anchors, ReportText};

/// Every reproduction of deepfield-audio.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![Box::new(cough::CoughBilstm), Box::new(digits::SpokenDigits)]
}

/// One audio reproduction: the dataset's clips through the experiment of `config(quick, seed)`
/// and into its report; this crate's errors as core's ([`crate::Error::into_core`]).
pub(crate) fn reproduce(
    opts: &ReproOptions,
    dataset: &DatasetSpec,
    config: fn(bool, u64) -> ExperimentConfig,
    clips: fn(&Path) -> crate::Result<Vec<Clip>>,
    anchors: &Anchors,
    text: &ReportText,
) -> deepfield_core::Result<serde_json::Value> {
    let run = || -> crate::Result<serde_json::Value> {
        let dir = opts.dataset(dataset)?;
        let cfg = config(opts.quick, opts.seed);
        let clips = clips(&dir)?;
        let out = experiment::run(&cfg, &clips)?;
        report::write(&cfg, &out, anchors, text, &dir, &opts.out)
    };
    run().map_err(crate::Error::into_core)
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        deepfield_core::repro::catalog::check(crate::REPRODUCTIONS, &super::all()).unwrap();
    }
}
