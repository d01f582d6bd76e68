//! Models: neural forecasters through core's builders ([`forecaster`]), classical baselines
//! ([`baselines`]) and the StackVAE-G anomaly detector ([`stackvae_g`]).
//!
//! Saved models are registry models ([`deepfield_core::models`]), see [`crate::models()`]:
//! `timeseries.forecaster` ([`crate::forecast::ForecastPipelineConfig`]),
//! `timeseries.detector` ([`crate::detect::DetectorPipelineConfig`]) and the bare network
//! `timeseries.stackvae_g` ([`StackVaeGConfig`]). [`restore`] reads them back, and also the
//! folders written before the registry.

pub mod aamdm;
pub mod baselines;
pub mod fim_mjp;
pub mod forecaster;
pub mod stackvae_g;

pub use forecaster::{ForecastModel, Forecaster, ForecasterConfig};
pub use stackvae_g::{StackVaeG, StackVaeGConfig};

use std::path::Path;

use deepfield_core::checkpoint;
use deepfield_core::models::{restore_model, ModelConfig};
use tch::nn::VarStore;
use tch::Device;

use crate::{Error, Result};

/// Restore the `C` saved in `dir` on `device`: a folder saved through
/// [`deepfield_core::models::save_model`], or one written before the registry, whose
/// `config.json` holds `C`'s fields beside `"kind": legacy_kind` (and whose weights carry no
/// metadata).
pub fn restore<C: ModelConfig>(
    dir: &Path,
    device: Device,
    legacy_kind: &str,
) -> Result<(C, VarStore, C::Model)> {
    let json: serde_json::Value = checkpoint::load(dir)?;
    let serde_json::Value::Object(mut fields) = json else {
        return Err(Error::input(format!(
            "{}: not a JSON object",
            dir.join(checkpoint::CONFIG_FILE).display()
        )));
    };
    if fields.get("kind").and_then(|k| k.as_str()) != Some(legacy_kind) {
        return Ok(restore_model::<C>(dir, device)?);
    }
    fields.remove("kind");
    let config = serde_json::from_value::<C>(serde_json::Value::Object(fields)).map_err(|e| {
        Error::input(format!(
            "{}: not a {legacy_kind} config ({e})",
            dir.join(checkpoint::CONFIG_FILE).display()
        ))
    })?;
    Ok(deepfield_core::models::restore_with_config(
        dir, device, config,
    )?)
}

impl ModelConfig for StackVaeGConfig {
    const KIND: &'static str = "timeseries.stackvae_g";
    const DESCRIPTION: &'static str = "StackVAE-G network alone: windows [B, W, N] → \
         reconstruction (saved detectors are timeseries.detector)";
    type Model = StackVaeG;

    fn validate(&self) -> deepfield_core::Result<()> {
        StackVaeGConfig::validate(self).map_err(Error::into_core)
    }

    fn build(&self, path: &tch::nn::Path) -> deepfield_core::Result<StackVaeG> {
        self.init(path).map_err(Error::into_core)
    }
}
