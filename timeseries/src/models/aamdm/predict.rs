//! Forecast a user's observed tracks (`frame, ped, x, y` in metres) with a saved AAMDM model.

use std::path::Path;

use deepfield_core::models::restore_model;
use tch::Tensor;

use super::{AamdmConfig, Sampler};
use crate::traj::window::tracks;
use crate::traj::{frame_step, read_tracks};
use crate::{Error, Result};

/// What [`predict_file`] did.
#[derive(Debug)]
pub struct PredictSummary {
    /// Pedestrians forecast, in output order.
    pub forecast: Vec<i64>,
    /// Pedestrians left out, with the reason.
    pub skipped: Vec<(i64, String)>,
    /// The annotation step in frames.
    pub frame_step: i64,
    /// Sampled futures `[P, K, pred_len, 2]` (metres).
    pub futures: Tensor,
}

/// Sample `samples` futures for every pedestrian of `input` whose last `obs_len` annotated
/// frames are consecutive, with the model in `model_dir` (`sampler`: the saved one when `None`);
/// write them to `out` when given as `ped,sample,step,frame,x,y` rows.
pub fn predict_file(
    model_dir: &Path,
    input: &Path,
    samples: usize,
    sampler: Option<Sampler>,
    seed: u64,
    out: Option<&Path>,
) -> Result<PredictSummary> {
    if samples == 0 {
        return Err(Error::input("--samples must be at least 1"));
    }
    let device = deepfield_core::device::device();
    let (cfg, _vs, model) = restore_model::<AamdmConfig>(model_dir, device)?;
    let rows = read_tracks(input)?;
    let step = frame_step(&rows).ok_or_else(|| {
        Error::data(input, "no pedestrian has two annotated frames; each track to forecast needs its last 8 frames")
    })?;
    let n = cfg.obs_len as usize;
    let (mut forecast, mut skipped, mut obs) = (Vec::new(), Vec::new(), Vec::new());
    for (ped, t) in tracks(&rows) {
        if t.len() < n {
            skipped.push((ped, format!("{} annotated frames, {n} needed", t.len())));
            continue;
        }
        let last = &t[t.len() - n..];
        if last.windows(2).any(|w| w[1].frame - w[0].frame != step) {
            skipped.push((
                ped,
                format!("its last {n} frames are not {step} frames apart"),
            ));
            continue;
        }
        forecast.push((ped, last[n - 1].frame));
        obs.extend(last.iter().flat_map(|o| [o.x as f32, o.y as f32]));
    }
    if forecast.is_empty() {
        return Err(Error::data(
            input,
            format!("no pedestrian has {n} consecutive annotated frames ({step} frames apart) at the end of its track"),
        ));
    }
    deepfield_core::device::seed(seed);
    let obs = Tensor::from_slice(&obs)
        .view([forecast.len() as i64, cfg.obs_len, 2])
        .to_device(device);
    let futures = model
        .sample(sampler.unwrap_or(cfg.sampler), &obs, samples as i64)?
        .to_device(tch::Device::Cpu);
    if let Some(out) = out {
        let v = Vec::<f64>::try_from(futures.to_kind(tch::Kind::Double).flatten(0, -1))?;
        let t = cfg.pred_len as usize;
        let mut lines = Vec::with_capacity(v.len() / 2);
        for (p, (ped, frame)) in forecast.iter().enumerate() {
            for s in 0..samples {
                for j in 0..t {
                    let o = ((p * samples + s) * t + j) * 2;
                    lines.push([
                        ped.to_string(),
                        s.to_string(),
                        (j + 1).to_string(),
                        (frame + step * (j as i64 + 1)).to_string(),
                        format!("{:.4}", v[o]),
                        format!("{:.4}", v[o + 1]),
                    ]);
                }
            }
        }
        deepfield_core::fsutil::write_csv(
            out,
            ["ped", "sample", "step", "frame", "x", "y"],
            lines,
        )?;
    }
    Ok(PredictSummary {
        forecast: forecast.into_iter().map(|(p, _)| p).collect(),
        skipped,
        frame_step: step,
        futures,
    })
}
