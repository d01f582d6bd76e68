//! `mamba`: "Mamba: Linear-Time Sequence Modeling with Selective State Spaces", Gu & Dao (2023),
//! arXiv:2312.00752 — the selective state-space layer that MeshMamba (Yoshiyasu et al. 2025)
//! builds its mesh models from.
//!
//! **Reproduced:** the S6 layer and the Mamba block ([`crate::nn::ssm`]) against recurrent and
//! attention baselines on long sequences: pixel-sequential MNIST (784 steps, one pixel per step)
//! and permuted-pixel MNIST (one fixed permutation from the seed), one-step-ahead forecasting of
//! long NAB series (`nab_subset`, windows of 512 steps), all at (approximately) equal parameter
//! counts; accuracy / RMSE, training time per epoch, and the time and memory of a forward +
//! backward pass as the length grows from 256 to 8192 (log-log slopes: linear for Mamba,
//! quadratic for attention).
//!
//! **Differs:** the Mamba paper has no sequential-MNIST experiment (its tasks are language,
//! DNA, audio and synthetic copying); the sequential image tasks are the standard long-range
//! benchmarks of its S4 predecessors. Everything runs on a CPU: models of ~5 k parameters
//! (`d_state` 8 instead of 16) trained for a few epochs on MNIST subsets, not 60,000 images for 100+ epochs, so accuracies
//! are far below the literature's. The scan is tensor ops, not the paper's fused CUDA kernel.
//! MeshMamba's own tasks (articulated 3D mesh generation and reconstruction) need mesh data
//! (e.g. AMASS/SMPL-X bodies) that is not available here; they are not run.

pub mod data;
pub mod models;
mod report;
mod run;
pub mod sweep;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::typed::{Experiment, MetricRow};
use super::{catalog, ReproOptions};
use crate::train::History;
use crate::Result;
pub use data::{MnistSetup, NabSetup};
pub use models::{Arch, ModelSizes};
pub use sweep::{Slopes, SweepPoint, SweepSetup};

/// The reproduction's id.
pub const ID: &str = "mamba";

/// The run's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MambaReproConfig {
    /// The compared architectures (Mamba first: the others are sized to it).
    pub models: Vec<Arch>,
    pub sizes: ModelSizes,
    pub mnist: MnistSetup,
    /// Also run the permuted-pixel variant.
    pub permuted: bool,
    pub nab: NabSetup,
    pub sweep: SweepSetup,
    /// Gradient-norm clipping in every training.
    pub grad_clip: f64,
}

impl Default for MambaReproConfig {
    fn default() -> Self {
        MambaReproConfig {
            models: Arch::ALL.to_vec(),
            sizes: ModelSizes::default(),
            mnist: MnistSetup::default(),
            permuted: true,
            nab: NabSetup::default(),
            sweep: SweepSetup::default(),
            grad_clip: 1.0,
        }
    }
}

impl MambaReproConfig {
    /// The tests' run (< 1 min): 196-step sequences (2×2-pooled MNIST, quick mode only), 400
    /// training and 200 test images, 2 epochs, NAB windows of 128 steps, a sweep over
    /// 128 … 1024.
    pub fn quick() -> Self {
        MambaReproConfig {
            mnist: MnistSetup {
                train: 400,
                test: 200,
                pool: 2,
                epochs: 2,
                batch_size: 16,
                lr: 4e-3,
            },
            nab: NabSetup {
                window: 128,
                train_windows: 300,
                test_windows: 150,
                epochs: 2,
                batch_size: 16,
                lr: 4e-3,
                ..NabSetup::default()
            },
            sweep: SweepSetup {
                lengths: vec![128, 256, 512, 1024],
                batch: 1,
                repeats: 1,
                max_seconds: 20.0,
            },
            ..MambaReproConfig::default()
        }
    }

    /// Check every part.
    pub fn validate(&self) -> Result<()> {
        crate::ensure_config!(
            self.models.first() == Some(&Arch::Mamba),
            "{ID}: models must start with mamba (the baselines are sized to it), got {:?}",
            self.models
        );
        self.sizes.validate()?;
        self.mnist.validate()?;
        self.nab.validate()?;
        self.sweep.validate()?;
        crate::ensure_config!(
            self.grad_clip > 0.0 && self.grad_clip.is_finite(),
            "{ID}: grad_clip must be > 0"
        );
        Ok(())
    }
}

/// One trained model on one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// `smnist`, `psmnist` or `nab`.
    pub task: String,
    pub model: String,
    pub params: i64,
    /// Test accuracy (MNIST tasks).
    pub accuracy: Option<f64>,
    /// Test RMSE in standardised units (NAB).
    pub rmse: Option<f64>,
    /// Mean training seconds per epoch (training only, no evaluation).
    pub seconds_per_epoch: f64,
    pub final_train_loss: f64,
}

/// Which goals were met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goals {
    /// Mamba's sMNIST accuracy ≥ the GRU's.
    pub mamba_ge_gru_smnist: Option<bool>,
    /// Mamba's psMNIST accuracy ≥ the GRU's.
    pub mamba_ge_gru_psmnist: Option<bool>,
    /// Mamba's time slope ≤ 1.3 (about linear) and below the Transformer's.
    pub mamba_linear_transformer_steeper: Option<bool>,
}

/// `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MambaMetrics {
    pub sequence_length: i64,
    pub params: BTreeMap<String, i64>,
    pub results: Vec<TaskResult>,
    /// RMSE of the persistence forecast (the window's last value) on the NAB test windows.
    pub nab_persistence_rmse: f64,
    pub sweep: Vec<SweepPoint>,
    pub slopes: Vec<Slopes>,
    pub goals: Goals,
    #[serde(skip)]
    pub histories: Vec<(String, History)>,
    pub seconds: f64,
}

impl MambaMetrics {
    /// The result of `model` on `task`.
    pub fn result(&self, task: &str, model: &str) -> Option<&TaskResult> {
        self.results
            .iter()
            .find(|r| r.task == task && r.model == model)
    }

    /// The slopes of `model`.
    pub fn slope(&self, model: &str) -> Option<&Slopes> {
        self.slopes.iter().find(|s| s.model == model)
    }
}

/// The reproduction.
pub struct MambaRepro;

impl Experiment for MambaRepro {
    type Config = MambaReproConfig;
    type Metrics = MambaMetrics;

    fn id(&self) -> &'static str {
        ID
    }

    fn description(&self) -> &'static str {
        catalog::describe(super::REPRODUCTIONS, ID)
    }

    fn config(&self, opts: &ReproOptions) -> Result<MambaReproConfig> {
        let c = if opts.quick {
            MambaReproConfig::quick()
        } else {
            MambaReproConfig::default()
        };
        c.validate()?;
        Ok(c)
    }

    fn validate(&self, cfg: &MambaReproConfig) -> Result<()> {
        cfg.validate()
    }

    fn execute(&self, cfg: &MambaReproConfig, opts: &ReproOptions) -> Result<MambaMetrics> {
        run::run(cfg, opts)
    }

    fn metric_rows(&self, m: &MambaMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for r in &m.results {
            if let Some(a) = r.accuracy {
                rows.push(MetricRow::new(&r.model, &r.task, "accuracy", a));
            }
            if let Some(e) = r.rmse {
                rows.push(MetricRow::new(&r.model, &r.task, "rmse", e));
            }
            rows.push(MetricRow::new(
                &r.model,
                &r.task,
                "seconds_per_epoch",
                r.seconds_per_epoch,
            ));
            rows.push(MetricRow::new(&r.model, &r.task, "params", r.params as f64));
        }
        rows.push(MetricRow::new(
            "persistence",
            "nab",
            "rmse",
            m.nab_persistence_rmse,
        ));
        for s in &m.slopes {
            rows.push(MetricRow::new(&s.model, "sweep", "time_slope", s.time));
            if let Some(ms) = s.memory {
                rows.push(MetricRow::new(&s.model, "sweep", "memory_slope", ms));
            }
        }
        rows
    }
}
