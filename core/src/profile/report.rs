//! A model's profile — its layers' costs from one recorded forward pass, the totals, the
//! measured latency — and its efficiency against a measured [`Roofline`]: the efficiency gap
//! (measured time over the time its FLOPs need at peak) and the waterline (the sum over layers
//! of each layer's roofline bound, the least time the model's layers could take here).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tch::nn::VarStore;
use tch::Tensor;

use super::counter::LayerCost;
use super::latency::{self, Latency, LatencyOptions};
use super::recorder::Recorder;
use super::roofline::Roofline;
use super::Example;
use crate::models::ModelConfig;
use crate::{Forward, Result};

/// One model's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelProfile {
    /// The registry kind (or any name).
    pub kind: String,
    /// The example input, in words.
    pub input: String,
    /// The config profiled.
    pub config: Value,
    /// Trainable parameters of the whole model (its variable store).
    pub params: u64,
    /// Parameters of the recorded layers (below `params` when a layer did not report).
    pub layer_params: u64,
    pub macs: u64,
    pub flops: u64,
    /// Bytes the layers wrote: the activation memory of one forward pass.
    pub activation_bytes: u64,
    /// Bytes read and written by the layers.
    pub bytes: u64,
    /// `flops / bytes`.
    pub intensity: f64,
    pub latency: Latency,
    pub layers: Vec<LayerCost>,
}

/// A profile set against a roofline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Efficiency {
    /// `flops / peak`: the time at the machine's peak.
    pub time_at_peak_s: f64,
    /// Σ over layers of max(flops/peak, bytes/bandwidth).
    pub waterline_s: f64,
    /// Measured median latency / time at peak (≥ 1 in principle).
    pub gap: f64,
    /// Measured median latency / waterline.
    pub waterline_gap: f64,
    /// Achieved FLOP/s (flops / median latency).
    pub achieved_flops: f64,
    /// Share of the waterline spent in memory-bound layers.
    pub memory_bound_share: f64,
}

impl ModelProfile {
    /// Efficiency against `roof`.
    pub fn efficiency(&self, roof: &Roofline) -> Efficiency {
        let (mut waterline, mut memory) = (0.0, 0.0);
        for l in &self.layers {
            let bytes = (l.bytes_read + l.bytes_written) as f64;
            let t = roof.bound_s(l.flops as f64, bytes);
            waterline += t;
            if bytes / roof.bandwidth > l.flops as f64 / roof.peak_flops {
                memory += t;
            }
        }
        let time_at_peak = self.flops as f64 / roof.peak_flops;
        let lat = self.latency.median_s;
        let ratio = |d: f64| if d > 0.0 { lat / d } else { f64::NAN };
        Efficiency {
            time_at_peak_s: time_at_peak,
            waterline_s: waterline,
            gap: ratio(time_at_peak),
            waterline_gap: ratio(waterline),
            achieved_flops: self.flops as f64 / lat.max(1e-12),
            memory_bound_share: if waterline > 0.0 {
                memory / waterline
            } else {
                0.0
            },
        }
    }
}

/// What one binary's `profile` command writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileFile {
    /// The binary that profiled (`deepfield-vision`).
    pub binary: String,
    pub roofline: Roofline,
    pub models: Vec<ModelProfile>,
    /// Registered kinds without an example.
    pub skipped: Vec<String>,
}

/// Trainable parameters of `vs`.
pub fn trainable_params(vs: &VarStore) -> u64 {
    vs.trainable_variables()
        .iter()
        .map(super::counter::numel)
        .sum()
}

/// Profile one forward pass `f` (without gradients): record its layers once, then time it.
pub fn profile_with(
    kind: &str,
    input: &str,
    config: Value,
    params: u64,
    opts: &LatencyOptions,
    mut f: impl FnMut() -> Result<Tensor>,
) -> Result<ModelProfile> {
    let _guard = tch::no_grad_guard();
    let rec = Recorder::new();
    let y = rec.run(&mut f)?;
    let device = y.device();
    let layers = rec.layers();
    let latency = latency::measure(opts, || {
        let _ = f()?;
        if let tch::Device::Cuda(i) = device {
            tch::Cuda::synchronize(i as i64);
        }
        Ok(())
    })?;
    let sum = |g: fn(&LayerCost) -> u64| layers.iter().map(g).sum::<u64>();
    let (flops, bytes) = (sum(|l| l.flops), sum(|l| l.bytes_read + l.bytes_written));
    Ok(ModelProfile {
        kind: kind.to_string(),
        input: input.to_string(),
        config,
        params,
        layer_params: sum(|l| l.params),
        macs: sum(|l| l.macs),
        flops,
        activation_bytes: sum(|l| l.bytes_written),
        bytes,
        intensity: if bytes > 0 {
            flops as f64 / bytes as f64
        } else {
            0.0
        },
        latency,
        layers,
    })
}

/// Profile a tensor-in model (as the registry hands it out) on the batch `x`.
pub fn profile_forward(
    kind: &str,
    model: &dyn Forward,
    vs: &VarStore,
    x: &Tensor,
    opts: &LatencyOptions,
) -> Result<ModelProfile> {
    let input = format!("{:?} {:?}", x.size(), x.kind());
    profile_with(
        kind,
        &input,
        Value::Null,
        trainable_params(vs),
        opts,
        || model.try_forward_t(x, None, false),
    )
}

/// Profile the registered kind `C` on its [`ModelConfig::example`] (`None`: it has none),
/// with fresh weights on the current device.
pub fn profile_config<C: ModelConfig>(opts: &LatencyOptions) -> Option<Result<ModelProfile>> {
    C::example().map(|ex| profile_example(ex, opts))
}

fn profile_example<C: ModelConfig>(ex: Example<C>, opts: &LatencyOptions) -> Result<ModelProfile> {
    ex.config.validate()?;
    let vs = VarStore::new(crate::device());
    let model = ex.config.build(&vs.root())?;
    let config = serde_json::to_value(&ex.config).unwrap_or(Value::Null);
    profile_with(
        C::KIND,
        &ex.input,
        config,
        trainable_params(&vs),
        opts,
        || (ex.run)(&model),
    )
}

/// Profile every kind of `reg` (or only `kinds`, when given) that has an example; returns the
/// profiles and the kinds without an example. A named kind that is not registered, or a
/// kind whose example fails, is an error naming it.
pub fn profile_all(
    reg: &crate::models::ModelRegistry,
    kinds: &[String],
    opts: &LatencyOptions,
) -> Result<(Vec<ModelProfile>, Vec<String>)> {
    let all: Vec<String> = reg.kinds().iter().map(|(k, _)| k.to_string()).collect();
    let wanted: Vec<String> = if kinds.is_empty() {
        all
    } else {
        for k in kinds {
            if !reg.contains(k) {
                return Err(crate::Error::config(format!(
                    "profile: no model kind `{k}` here (known kinds: {})",
                    all.join(", ")
                )));
            }
        }
        kinds.to_vec()
    };
    let (mut profiles, mut skipped) = (Vec::new(), Vec::new());
    for kind in wanted {
        match reg.profile(&kind, opts) {
            Some(p) => profiles.push(p.map_err(|e| {
                crate::Error::config(format!("profiling model kind `{kind}`: {e}"))
            })?),
            None => skipped.push(kind),
        }
    }
    Ok((profiles, skipped))
}
