//! Reproductions: the shared runner interface and core's own reproductions.
//!
//! Every domain crate implements [`Reproduction`] for its papers and exposes them through its
//! binary (`deepfield-<crate> repro <id>`), which `cargo xtask repro <id>` calls. A reproduction
//! writes `results/<id>/`: `metrics.json`, `report.md`, PNG plots, `config.json` and the trained
//! model (`model/` with safetensors weights).

pub mod catalog;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(all(feature = "tables", feature = "plots"))]
pub mod concrete;
#[cfg(feature = "plots")]
pub mod consensus;
#[cfg(feature = "plots")]
pub mod continual;
#[cfg(feature = "plots")]
pub mod efficiency;
#[cfg(feature = "plots")]
pub mod evo_design;
#[cfg(feature = "plots")]
pub mod gradual;
#[cfg(feature = "plots")]
pub mod hlop;
#[cfg(feature = "plots")]
pub mod know2vec;
#[cfg(feature = "plots")]
pub mod lemur;
#[cfg(feature = "plots")]
pub mod lsa;
#[cfg(feature = "plots")]
pub mod mamba;
#[cfg(feature = "plots")]
pub mod nn_factory;
#[cfg(all(feature = "tables", feature = "plots"))]
pub mod pile;
#[cfg(feature = "cli")]
pub mod tool_args;
pub mod typed;
#[cfg(test)]
mod typed_tests;

pub use typed::{flatten_metrics, Experiment, MetricRow, RunInfo, Typed};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::{dir, DatasetSpec};
use crate::Result;

/// How a reproduction is run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReproOptions {
    /// A short run for tests and smoke checks (fewer epochs/folds); numbers are not the paper's.
    pub quick: bool,
    /// Seed for weights, splits and shuffling.
    pub seed: u64,
    /// Output folder (default `results/<id>`).
    pub out: PathBuf,
    /// Data directory override (default: [`crate::data::data_dir`]).
    pub data: Option<PathBuf>,
    /// libtorch threads (0: libtorch's default).
    pub threads: usize,
    /// A config file to run with instead of the built-in one (`--config`).
    #[serde(default)]
    pub config: Option<PathBuf>,
    /// Let a quick run replace a full run's results in `out`.
    #[serde(default)]
    pub force: bool,
}

impl ReproOptions {
    /// Defaults for `id`: full run, seed 0, `results/<id>`.
    pub fn new(id: &str) -> Self {
        ReproOptions {
            quick: false,
            seed: 0,
            out: PathBuf::from("results").join(id),
            data: None,
            threads: 0,
            force: false,
            config: None,
        }
    }

    /// A quick run of `id` writing into `out` (seed 0): the options of a reproduction's smoke
    /// test, `ReproOptions::quick("amd-kinetic", tmp.path().join("amd"))`.
    pub fn quick(id: &str, out: impl Into<PathBuf>) -> Self {
        ReproOptions {
            quick: true,
            out: out.into(),
            ..ReproOptions::new(id)
        }
    }

    /// Locate a dataset under the data directory (or the override).
    pub fn dataset(&self, spec: &DatasetSpec) -> Result<PathBuf> {
        match &self.data {
            Some(root) => dir::dataset_in(root, spec),
            None => dir::dataset(spec),
        }
    }
}

/// One paper's reproduction.
pub trait Reproduction {
    /// Stable id, e.g. `concrete-mlp`.
    fn id(&self) -> &'static str;
    /// One line for `list`.
    fn description(&self) -> &'static str;
    /// Run it, writing everything into `opts.out`; returns the headline metrics.
    fn run(&self, opts: &ReproOptions) -> Result<serde_json::Value>;
    /// The numbers printed when the run ends (by default the first of the flattened metrics).
    fn summary(&self, metrics: &serde_json::Value) -> Vec<typed::MetricRow> {
        typed::flatten_metrics(metrics)
            .into_iter()
            .take(20)
            .collect()
    }
}

/// The catalog of core's reproductions ([`catalog`]).
pub const REPRODUCTIONS: &str = include_str!("../../reproductions.tsv");

/// Every reproduction that lives in deepfield-core.
/// (concrete-mlp needs the `tables` and `plots` features, convnet-efficiency `plots`.)
#[allow(clippy::vec_init_then_push)]
pub fn all() -> Vec<Box<dyn Reproduction>> {
    #[allow(unused_mut)]
    let mut all: Vec<Box<dyn Reproduction>> = Vec::new();
    #[cfg(all(feature = "tables", feature = "plots"))]
    all.push(Box::new(Typed(concrete::ConcreteMlp)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(efficiency::ConvnetEfficiency)));
    #[cfg(all(feature = "tables", feature = "plots"))]
    all.push(Box::new(Typed(pile::PileXai)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(crate::quant::repro::Quantization)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(gradual::GradualPruning)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(lsa::Lsa)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(hlop::mnist::SpikingMnist)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(hlop::HlopRepro)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(continual::Continual)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(consensus::ConsensusSubnet)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(lemur::Lemur)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(evo_design::EvoDesign)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(nn_factory::NnFactory)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(know2vec::Know2VecRepro)));
    #[cfg(feature = "plots")]
    all.push(Box::new(Typed(mamba::MambaRepro)));
    all
}

/// Find a reproduction by id.
pub fn find<'a>(repros: &'a [Box<dyn Reproduction>], id: &str) -> Option<&'a dyn Reproduction> {
    repros.iter().find(|r| r.id() == id).map(|r| r.as_ref())
}

/// The model folder of a results directory.
pub fn model_dir(out: &Path) -> PathBuf {
    out.join("model")
}

/// Where one of several trained models of a run is saved: the headline model in
/// [`model_dir`] (what `eval` commands read), every other one in `models/<key>/`.
pub fn variant_dir(out: &Path, key: &str, headline: bool) -> PathBuf {
    if headline {
        model_dir(out)
    } else {
        others_dir(out, key)
    }
}

/// `models/<key>/` under the results folder `out`: where a run's other models go.
pub fn others_dir(out: &Path, key: &str) -> PathBuf {
    out.join("models").join(key)
}
