//! The `deep-snp` run config: simulator, windows, network, training and the split sizes.

use deepfield_core::train::{EarlyStopping, OptimizerConfig, TrainConfig};
use serde::{Deserialize, Serialize};

use crate::snp::model::DeepSnpConfig;
use crate::snp::simulate::SimConfig;
use crate::snp::window::WindowConfig;
use crate::{Error, Result};

/// Everything a run needs; saved as `config.json` (fields left out of a `--config` file take
/// the full run's values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeepSnpRunConfig {
    pub sim: SimConfig,
    pub windows: WindowConfig,
    pub model: DeepSnpConfig,
    pub train: TrainConfig,
    /// Balanced window counts (half with a breakpoint) from disjoint simulated samples.
    pub train_windows: usize,
    pub val_windows: usize,
    pub test_windows: usize,
    /// Chromosomes per simulated sample.
    pub chromosomes_per_sample: usize,
    /// Baseline: shortest segment a split may leave.
    pub baseline_min_segment: usize,
    pub seed: u64,
}

impl Default for DeepSnpRunConfig {
    fn default() -> Self {
        DeepSnpRunConfig {
            sim: SimConfig::default(),
            windows: WindowConfig::default(),
            model: DeepSnpConfig::default(),
            train: TrainConfig {
                epochs: 12,
                batch_size: 16,
                optimizer: OptimizerConfig::adam(1e-3),
                early_stopping: Some(EarlyStopping::new("val_loss", 3)),
                progress: false,
                ..Default::default()
            },
            train_windows: 800,
            val_windows: 200,
            test_windows: 300,
            chromosomes_per_sample: 4,
            baseline_min_segment: 20,
            seed: 0,
        }
    }
}

impl DeepSnpRunConfig {
    /// Quick variant for tests: 4,000-probe windows (stride 2,000) from 16,000-probe chromosomes,
    /// events of 60–3,000 probes, 240/60/120 windows, up to 12 epochs.
    pub fn quick(seed: u64) -> Self {
        let mut c = DeepSnpRunConfig {
            seed,
            train_windows: 240,
            val_windows: 60,
            test_windows: 120,
            ..Default::default()
        };
        c.sim.probes_per_chromosome = 16_000;
        c.sim.min_event_probes = 60;
        c.sim.max_event_probes = 3_000;
        c.windows = WindowConfig {
            length: 4_000,
            stride: 2_000,
            margin: 50,
        };
        c.train.epochs = 12;
        c.train.early_stopping = None;
        c
    }

    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        self.sim.validate()?;
        self.windows.validate()?;
        if self.windows.length > self.sim.probes_per_chromosome {
            return Err(Error::config(
                "windows.length must be ≤ sim.probes_per_chromosome",
            ));
        }
        self.model.cnn.validate()?;
        let min = self.model.min_probes()?;
        if self.windows.length < min {
            return Err(Error::config(format!(
                "windows.length ({}) must be ≥ the {min} probes the network takes",
                self.windows.length
            )));
        }
        if self.train_windows < 4 || self.val_windows < 2 || self.test_windows < 2 {
            return Err(Error::config(
                "need ≥ 4 training, ≥ 2 validation and ≥ 2 test windows",
            ));
        }
        Ok(())
    }
}
