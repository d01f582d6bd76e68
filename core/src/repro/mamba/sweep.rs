//! Cost against sequence length: wall time and peak memory of one forward + backward pass of
//! each model on random sequences of growing length, and the slopes of `log cost` against
//! `log length` (1 = linear, 2 = quadratic).
//!
//! Memory is the growth of the process's peak resident set (Linux `VmHWM`, reset before every
//! measurement through `/proc/self/clear_refs`) over the resident set before the pass: the
//! parameters, the activations kept for the backward pass and the gradients, as the allocator
//! obtained them from the system (memory it kept from earlier passes is not counted again, so
//! this is a lower bound). Not available on CUDA or without `/proc`: `None` then.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::models::ArchConfig;
use crate::{ensure_config, Result};

/// The length sweep's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepSetup {
    /// Sequence lengths, increasing.
    pub lengths: Vec<i64>,
    /// Sequences per pass.
    pub batch: i64,
    /// Timed passes per length (after one untimed pass that also measures memory).
    pub repeats: usize,
    /// A model whose pass took longer than this at one length is not run at longer ones.
    pub max_seconds: f64,
}

impl Default for SweepSetup {
    fn default() -> Self {
        SweepSetup {
            lengths: vec![256, 512, 1024, 2048, 4096, 8192],
            batch: 2,
            repeats: 2,
            max_seconds: 60.0,
        }
    }
}

impl SweepSetup {
    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.lengths.len() >= 2
                && self.lengths.windows(2).all(|w| w[0] < w[1])
                && self.lengths[0] >= 2,
            "mamba: sweep.lengths must be at least two increasing lengths >= 2, got {:?}",
            self.lengths
        );
        ensure_config!(
            self.batch >= 1 && self.repeats >= 1 && self.max_seconds > 0.0,
            "mamba: sweep.batch, repeats and max_seconds must be > 0"
        );
        Ok(())
    }
}

/// One model at one length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub model: String,
    pub length: i64,
    /// Mean seconds of one forward + backward pass.
    pub seconds: f64,
    /// Peak resident-set growth during the first pass, MiB (see the module docs).
    pub peak_mib: Option<f64>,
}

/// The fitted slopes of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slopes {
    pub model: String,
    /// Slope of log(seconds) on log(length).
    pub time: f64,
    /// Slope of log(peak MiB) on log(length), when measured.
    pub memory: Option<f64>,
    /// Longest length run.
    pub longest: i64,
}

fn status_kib(field: &str) -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse::<f64>().ok()
}

/// Reset the peak RSS; false when the system does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Least-squares slope of `ln y` on `ln x` (NaN with fewer than two points).
pub fn log_log_slope(points: &[(f64, f64)]) -> f64 {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let n = pts.len() as f64;
    if pts.len() < 2 {
        return f64::NAN;
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    sxy / sxx
}

fn pass(model: &dyn crate::nn::Forward, vs: &VarStore, x: &Tensor, y: &Tensor) -> Result<()> {
    let out = model.try_forward_t(x, None, true)?;
    let loss = out.cross_entropy_for_logits(y);
    loss.f_backward()?;
    for v in vs.trainable_variables() {
        let mut g = v.grad();
        if g.defined() {
            let _ = g.f_zero_()?;
        }
    }
    if let tch::Device::Cuda(i) = vs.device() {
        tch::Cuda::synchronize(i as i64);
    }
    Ok(())
}

/// Run the sweep for the named models (configs built for sequences of the longest length, one
/// input feature and ten classes).
pub fn run_sweep(
    setup: &SweepSetup,
    models: &[(String, ArchConfig)],
    seed: u64,
) -> Result<Vec<SweepPoint>> {
    let device = crate::device();
    let mut points = Vec::new();
    let bar = crate::progress::bar((models.len() * setup.lengths.len()) as u64, "length sweep");
    for (name, cfg) in models {
        crate::seed(seed);
        let vs = VarStore::new(device);
        let model = cfg.build(&vs)?;
        let mut too_slow = false;
        for &l in &setup.lengths {
            bar.inc(1);
            if too_slow {
                continue;
            }
            let x = Tensor::f_randn([setup.batch, l, 1], (Kind::Float, device))?;
            let y = Tensor::f_randint(10, [setup.batch], (Kind::Int64, device))?;
            let measure = !device.is_cuda() && reset_peak();
            let before = if measure { status_kib("VmRSS:") } else { None };
            pass(model.as_ref(), &vs, &x, &y)?;
            let peak_mib = match (before, measure.then(|| status_kib("VmHWM:")).flatten()) {
                (Some(b), Some(p)) => Some(((p - b).max(0.0)) / 1024.0),
                _ => None,
            };
            let start = Instant::now();
            for _ in 0..setup.repeats {
                pass(model.as_ref(), &vs, &x, &y)?;
            }
            let seconds = start.elapsed().as_secs_f64() / setup.repeats as f64;
            too_slow = seconds > setup.max_seconds;
            points.push(SweepPoint {
                model: name.clone(),
                length: l,
                seconds,
                peak_mib,
            });
        }
    }
    bar.finish_and_clear();
    Ok(points)
}

/// The slopes of every model in `points`.
pub fn slopes(points: &[SweepPoint]) -> Vec<Slopes> {
    let mut names: Vec<&str> = Vec::new();
    for p in points {
        if !names.contains(&p.model.as_str()) {
            names.push(&p.model);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let mine: Vec<&SweepPoint> = points.iter().filter(|p| p.model == name).collect();
            let time: Vec<(f64, f64)> = mine.iter().map(|p| (p.length as f64, p.seconds)).collect();
            let mem: Vec<(f64, f64)> = mine
                .iter()
                .filter_map(|p| p.peak_mib.map(|m| (p.length as f64, m)))
                .collect();
            Slopes {
                model: name.to_string(),
                time: log_log_slope(&time),
                memory: (mem.len() >= 2)
                    .then(|| log_log_slope(&mem))
                    .filter(|s| s.is_finite()),
                longest: mine.iter().map(|p| p.length).max().unwrap_or(0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_power_laws() {
        let lin: Vec<(f64, f64)> = [256.0, 512.0, 1024.0]
            .iter()
            .map(|&x| (x, 3.0 * x))
            .collect();
        let quad: Vec<(f64, f64)> = [256.0, 512.0, 1024.0]
            .iter()
            .map(|&x| (x, 0.1 * x * x))
            .collect();
        assert!((log_log_slope(&lin) - 1.0).abs() < 1e-12);
        assert!((log_log_slope(&quad) - 2.0).abs() < 1e-12);
        assert!(log_log_slope(&lin[..1]).is_nan());
    }
}
