//! A trained Deep SNP detector as saved in a model folder: one registered model
//! ([`deepfield_core::models`]) of kind [`DeepSnpDetectorConfig::KIND`] (`genomics.deep_snp`):
//! `model.safetensors` (weights, with the kind and the config in its metadata), `config.json`
//! (`{"kind", "config"}`) and `metrics.json`. The config is everything prediction needs besides
//! the weights: the network, the window size, the decision threshold chosen on the validation
//! windows, and the change-point baseline's settings. `deepfield-genomics inspect DIR` describes
//! such a folder; [`crate::models`] restores it behind `Box<dyn Forward>` (logits of `[B, 2, L]`
//! windows).
//!
//! Folders written before the registry (`config.json` holding the whole run config, the
//! thresholds beside it, no kind) still load through [`load`].

use std::path::Path;

use deepfield_core::models::{self, ModelConfig};
use serde::{Deserialize, Serialize};
use tch::nn::{self, VarStore};
use tch::Device;

use super::model::{DeepSnp, DeepSnpConfig};
use super::window::WindowConfig;
use crate::Result;

/// A trained Deep SNP breakpoint detector as saved: the network's config and the settings its
/// predictions depend on. Registered as `genomics.deep_snp`; [`build`](ModelConfig::build) makes
/// the network ([`DeepSnpConfig::init`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepSnpDetectorConfig {
    /// The network.
    pub model: DeepSnpConfig,
    /// How a signal is cut into windows (the window length the model was trained on).
    pub windows: WindowConfig,
    /// A breakpoint is called when `p(breakpoint) ≥ decision_threshold`, the F1-maximising cut on
    /// the validation windows ([`super::threshold::choose_f1_threshold`]).
    pub decision_threshold: f64,
    /// Change-point baseline: shortest segment a split may leave.
    pub baseline_min_segment: usize,
    /// Change-point baseline: score threshold fitted on the training windows.
    pub baseline_threshold: f64,
}

impl ModelConfig for DeepSnpDetectorConfig {
    /// The default network on one default-length window of LRR and BAF.
    fn example() -> Option<deepfield_core::profile::Example<Self>> {
        let windows = WindowConfig::default();
        let x = tch::Tensor::randn(
            [1, 2, windows.length as i64],
            (tch::Kind::Float, deepfield_core::device()),
        );
        let config = DeepSnpDetectorConfig {
            model: DeepSnpConfig::default(),
            windows,
            decision_threshold: 0.5,
            baseline_min_segment: 20,
            baseline_threshold: 0.0,
        };
        Some(deepfield_core::profile::Example::tensor(config, x))
    }

    const KIND: &'static str = "genomics.deep_snp";
    const DESCRIPTION: &'static str =
        "Deep SNP: CNN + attention over LRR/BAF windows [B, 2, L] -> breakpoint logits [B, 2]";
    type Model = DeepSnp;

    fn validate(&self) -> deepfield_core::Result<()> {
        self.windows.validate()?;
        if !(0.0..=1.0).contains(&self.decision_threshold) {
            return Err(deepfield_core::Error::config(format!(
                "decision_threshold must be in [0, 1], got {}",
                self.decision_threshold
            )));
        }
        if !self.baseline_threshold.is_finite() {
            return Err(deepfield_core::Error::config(
                "baseline_threshold must be finite",
            ));
        }
        let min = self.model.min_probes()?;
        if self.windows.length < min {
            return Err(deepfield_core::Error::config(format!(
                "windows.length {} is shorter than the {min} probes the network takes",
                self.windows.length
            )));
        }
        Ok(())
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<DeepSnp> {
        Ok(self.model.init(path)?)
    }
}

/// Save a trained detector into the model folder `dir` (see the [module docs](self)).
pub fn save<M: Serialize>(
    dir: &Path,
    vs: &VarStore,
    config: &DeepSnpDetectorConfig,
    metrics: Option<&M>,
) -> Result<()> {
    Ok(models::save_model(dir, vs, config, metrics)?)
}

/// Load the model folder `dir` on `device`: its config, parameters and network. Reads folders
/// written by [`save`] and older ones.
pub fn load(dir: &Path, device: Device) -> Result<(DeepSnpDetectorConfig, VarStore, DeepSnp)> {
    let Some(older) = crate::older::older_config::<OlderFolder>(dir)? else {
        return Ok(models::restore_model::<DeepSnpDetectorConfig>(dir, device)?);
    };
    Ok(models::restore_with_config(
        dir,
        device,
        older.into_config(),
    )?)
}

/// `config.json` of a folder saved before the registry: the `deep-snp` run config (of which
/// prediction needs the network, the windows and the baseline's segment length) and the
/// thresholds.
#[derive(Deserialize)]
struct OlderFolder {
    config: OlderRun,
    baseline_threshold: f64,
    /// Models saved before the validation threshold existed cut at 0.5.
    #[serde(default = "one_half")]
    decision_threshold: f64,
}

/// The fields of the run config that prediction reads (defaults: the run config's).
#[derive(Deserialize)]
#[serde(default)]
struct OlderRun {
    model: DeepSnpConfig,
    windows: WindowConfig,
    baseline_min_segment: usize,
}

impl Default for OlderRun {
    fn default() -> Self {
        OlderRun {
            model: DeepSnpConfig::default(),
            windows: WindowConfig::default(),
            baseline_min_segment: 20,
        }
    }
}

fn one_half() -> f64 {
    0.5
}

impl OlderFolder {
    fn into_config(self) -> DeepSnpDetectorConfig {
        DeepSnpDetectorConfig {
            model: self.config.model,
            windows: self.config.windows,
            decision_threshold: self.decision_threshold,
            baseline_min_segment: self.config.baseline_min_segment,
            baseline_threshold: self.baseline_threshold,
        }
    }
}
