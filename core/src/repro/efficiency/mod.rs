//! `convnet-efficiency`: Andrew Lavin, "On the Efficiency of Convolutional Neural Networks"
//! (2024), its efficiency gap and waterline analysis applied to every model of the workspace.
//!
//! What is reproduced: the paper's accounting — latency = FLOPs / (efficiency × peak) — with a
//! cost counter ([`crate::profile`]) run over every registered model kind on its example
//! input, the machine's peak from a matrix-product probe and its memory bandwidth from a copy
//! (the roofline), the measured latency of each model, its efficiency gap (measured time over
//! the time its FLOPs need at peak) and its waterline (the sum over layers of each layer's
//! roofline bound, the least time those kernels, run one after another, could take here).
//!
//! What differs, and why: the paper measures ImageNet convnets (ConvNeXt, EfficientNet, its
//! ConvFirst) on a GPU and fuses kernels to close the gap; here the models are the workspace's
//! small ones (LeNet-5, ResNet-20, VGG, BiLSTM, GCN, …) at batch 1 on one CPU thread, and
//! nothing is fused — the point is the measurement, not the paper's kernels. Each domain
//! binary profiles its own kinds (`deepfield-<crate> profile`, domain crates cannot link
//! each other); `cargo xtask repro convnet-efficiency` runs those first into the
//! `profiles` folder this reproduction reads, then profiles core's kinds itself.

mod report;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Experiment, ReproOptions};
use crate::models::ModelRegistry;
use crate::profile::{self, Efficiency, LatencyOptions, ModelProfile, ProfileFile, Roofline};
use crate::{Error, Result};

/// The run's settings, saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EfficiencyConfig {
    /// The folder of the domain binaries' `profile` JSON files (`<crate>.json`).
    pub profiles: PathBuf,
    /// A missing or empty `profiles` folder is an error unless this is set (quick runs).
    pub allow_missing_profiles: bool,
    /// libtorch threads for the probes and the timings (the domain binaries ran with theirs).
    pub threads: usize,
    /// Seconds of timed forward passes per core model.
    pub seconds: f64,
    /// Matrix sizes of the peak probe.
    pub probe_sizes: Vec<i64>,
    /// Bytes copied by the bandwidth probe.
    pub copy_bytes: i64,
}

impl Default for EfficiencyConfig {
    fn default() -> Self {
        EfficiencyConfig {
            profiles: PathBuf::from("results/profiles"),
            allow_missing_profiles: false,
            threads: 1,
            seconds: 1.0,
            probe_sizes: vec![256, 512, 1024],
            copy_bytes: 256 << 20,
        }
    }
}

impl EfficiencyConfig {
    fn quick() -> Self {
        EfficiencyConfig {
            allow_missing_profiles: true,
            seconds: 0.05,
            probe_sizes: vec![128, 256],
            copy_bytes: 16 << 20,
            ..Default::default()
        }
    }

    fn check(&self) -> Result<()> {
        crate::ensure_config!(
            self.seconds.is_finite() && self.seconds >= 0.0,
            "seconds must be a non-negative number, got {}",
            self.seconds
        );
        crate::ensure_config!(
            !self.probe_sizes.is_empty() && self.probe_sizes.iter().all(|&n| n > 0),
            "probe_sizes must be positive matrix sizes"
        );
        crate::ensure_config!(self.copy_bytes > 0, "copy_bytes must be > 0");
        Ok(())
    }
}

/// One model's row of the results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRow {
    pub kind: String,
    /// The binary that profiled it.
    pub binary: String,
    pub input: String,
    pub params: u64,
    pub macs: u64,
    pub flops: u64,
    pub activation_bytes: u64,
    pub intensity: f64,
    pub latency_ms: f64,
    pub layers: usize,
    pub efficiency: Efficiency,
}

/// `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EfficiencyMetrics {
    /// This process's roofline (each row is set against the roofline its binary measured).
    pub roofline: Roofline,
    pub models: Vec<ModelRow>,
    /// The binaries whose profiles were read.
    pub binaries: Vec<String>,
    /// Kinds without an example input.
    pub skipped: Vec<String>,
}

/// The reproduction.
pub struct ConvnetEfficiency;

impl Experiment for ConvnetEfficiency {
    type Config = EfficiencyConfig;
    type Metrics = EfficiencyMetrics;

    fn id(&self) -> &'static str {
        "convnet-efficiency"
    }

    fn description(&self) -> &'static str {
        super::catalog::describe(super::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> Result<EfficiencyConfig> {
        let cfg = if opts.quick {
            EfficiencyConfig::quick()
        } else {
            EfficiencyConfig::default()
        };
        cfg.check()?;
        Ok(cfg)
    }

    fn validate(&self, cfg: &EfficiencyConfig) -> Result<()> {
        cfg.check()
    }

    fn execute(&self, cfg: &EfficiencyConfig, opts: &ReproOptions) -> Result<EfficiencyMetrics> {
        crate::device::set_threads(cfg.threads);
        let device = crate::device();
        let roofline = profile::roofline::probe(device, &cfg.probe_sizes, cfg.copy_bytes, 5)?;
        let latency = LatencyOptions {
            budget_s: cfg.seconds,
            ..Default::default()
        };
        let (core_models, core_skipped) =
            profile::profile_all(&ModelRegistry::with_core(), &[], &latency)?;
        let mut files = vec![ProfileFile {
            binary: "deepfield-core".into(),
            roofline: roofline.clone(),
            models: core_models,
            skipped: core_skipped,
        }];
        files.extend(read_profiles(cfg)?);
        let metrics = gather(roofline, &files);
        report::write(&opts.out, cfg, &metrics, &files)?;
        Ok(metrics)
    }
}

/// The `*.json` profile files of `cfg.profiles`, sorted by name.
fn read_profiles(cfg: &EfficiencyConfig) -> Result<Vec<ProfileFile>> {
    let dir = &cfg.profiles;
    let missing = || {
        Error::input(format!(
            "{}: no profiles of the domain crates; `cargo xtask repro convnet-efficiency` writes \
             them (or run `deepfield-<crate> profile --out {}/<crate>.json` per crate)",
            dir.display(),
            dir.display()
        ))
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(_) if cfg.allow_missing_profiles => return Ok(Vec::new()),
        Err(_) => return Err(missing()),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() && !cfg.allow_missing_profiles {
        return Err(missing());
    }
    paths
        .iter()
        .map(|p| crate::fsutil::read_json::<ProfileFile>(p))
        .collect()
}

/// The rows of every profiled kind (a kind profiled by several binaries — core's kinds are in
/// every registry — is taken from the first file).
fn gather(roofline: Roofline, files: &[ProfileFile]) -> EfficiencyMetrics {
    let mut models: Vec<ModelRow> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    for f in files {
        for m in &f.models {
            if !models.iter().any(|r| r.kind == m.kind) {
                models.push(row(&f.binary, &f.roofline, m));
            }
        }
        skipped.extend(f.skipped.iter().cloned());
    }
    skipped.sort();
    skipped.dedup();
    skipped.retain(|k| !models.iter().any(|r| &r.kind == k));
    EfficiencyMetrics {
        roofline,
        binaries: files.iter().map(|f| f.binary.clone()).collect(),
        models,
        skipped,
    }
}

fn row(binary: &str, roof: &Roofline, m: &ModelProfile) -> ModelRow {
    ModelRow {
        kind: m.kind.clone(),
        binary: binary.to_string(),
        input: m.input.clone(),
        params: m.params,
        macs: m.macs,
        flops: m.flops,
        activation_bytes: m.activation_bytes,
        intensity: m.intensity,
        latency_ms: m.latency.median_s * 1e3,
        layers: m.layers.len(),
        efficiency: m.efficiency(roof),
    }
}
