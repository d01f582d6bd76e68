//! Zero-shot inference with a pretrained FIM-MJP model: observations in, rates and initial
//! distribution out, no training.
//!
//! A process with more paths than the model was trained with is read in groups of that many
//! paths and the groups' outputs are averaged. Observations spanning more than the model's time
//! unit (its prior's horizon) are rescaled onto it and the rates scaled back, which is exact for
//! a Markov jump process (rates are per unit time).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Device;

use deepfield_core::models::restore_model;
use deepfield_core::Forward;

use super::features::{chunks, decode, encode_batch, rows};
use super::rates::RateMatrix;
use super::simulate::{ObservedPath, ObservedProcess};
use super::MAX_STATES;
use crate::models::fim_mjp::{FimMjp, FimMjpConfig};
use crate::Result;

/// What the model inferred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inferred {
    pub rates: RateMatrix,
    /// The predicted standard deviation of each rate (row-major `k × k`, 0 on the diagonal).
    pub rate_std: Vec<f64>,
    pub init: Vec<f64>,
    /// Factor the observation times were multiplied by before the model read them.
    pub time_scale: f64,
    /// Groups of paths the model read.
    pub groups: usize,
}

/// Load a saved FIM-MJP model (`results/fim-mjp/model`).
pub fn load(dir: &Path, device: Device) -> Result<(FimMjpConfig, VarStore, FimMjp)> {
    Ok(restore_model::<FimMjpConfig>(dir, device)?)
}

/// Infer the rates and initial distribution of `obs` with `model`, whose parameters are on
/// `device` (its VarStore's).
pub fn infer(model: &FimMjp, device: Device, obs: &ObservedProcess) -> Result<Inferred> {
    let mut v = infer_many(model, device, &[obs])?;
    Ok(v.remove(0))
}

/// [`infer`] for several processes at once (one forward pass per group of 64 path groups).
pub fn infer_many(
    model: &FimMjp,
    device: Device,
    items: &[&ObservedProcess],
) -> Result<Vec<Inferred>> {
    let cfg = model.config();
    let mut out = Vec::with_capacity(items.len());
    for obs in items {
        obs.validate()?;
        let span = obs.span();
        let scale = if span > cfg.time_unit {
            cfg.time_unit / span
        } else {
            1.0
        };
        let scaled = ObservedProcess {
            k: obs.k,
            paths: obs
                .paths
                .iter()
                .map(|p| ObservedPath {
                    times: p.times.iter().map(|t| t * scale).collect(),
                    states: p.states.clone(),
                })
                .collect(),
        };
        let groups = chunks(&scaled, cfg.paths);
        let mut sum = vec![0.0; super::features::TARGET];
        for batch in groups.chunks(64) {
            let refs: Vec<&ObservedProcess> = batch.iter().collect();
            let x = encode_batch(&refs, cfg.paths, cfg.time_unit)?.to_device(device);
            let y = tch::no_grad(|| model.try_forward_t(&x, None, false))?;
            for r in rows(&y.to_device(Device::Cpu))? {
                for (s, v) in sum.iter_mut().zip(r) {
                    *s += v;
                }
            }
        }
        let n = groups.len() as f64;
        let mean: Vec<f64> = sum.iter().map(|v| v / n).collect();
        let (rates, init) = decode(&mean, obs.k);
        let k = obs.k;
        let m = MAX_STATES;
        let rate_std = (0..k * k)
            .map(|ij| {
                let (i, j) = (ij / k, ij % k);
                if i == j {
                    0.0
                } else {
                    (mean[m * m + i * m + j] / 2.0).exp() * scale
                }
            })
            .collect();
        out.push(Inferred {
            rates: RateMatrix::new(k, rates.iter().map(|q| q * scale).collect())?,
            rate_std,
            init,
            time_scale: scale,
            groups: groups.len(),
        });
    }
    Ok(out)
}

/// Read a user's observations (`path,time,state` CSV, [`super::csv`]), infer their rates with
/// the FIM model saved in `model_dir`, and write the result as JSON to `out` if given.
pub fn infer_csv(
    model_dir: &Path,
    input: &Path,
    states: Option<usize>,
    out: Option<&Path>,
) -> Result<(ObservedProcess, Inferred)> {
    let obs = super::csv::read_observations(input, states)?;
    let (_, vs, model) = load(model_dir, deepfield_core::device::device())?;
    let inferred = infer(&model, vs.device(), &obs)?;
    if let Some(out) = out {
        let text = serde_json::to_string_pretty(&inferred).map_err(|e| {
            crate::Error::input(format!("cannot serialise the inferred rates: {e}"))
        })?;
        deepfield_core::fsutil::write_atomic(out, text.as_bytes())?;
    }
    Ok((obs, inferred))
}
