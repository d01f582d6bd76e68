//! The training configuration: epochs, batching, optimizer, schedule, clipping and early stopping.

use serde::{Deserialize, Serialize};

use super::{OptimizerConfig, Schedule};
use crate::{ensure_config, Result};

/// Early stopping on a monitored quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EarlyStopping {
    /// `val_loss`, `train_loss`, or `val_<metric>` (e.g. `val_accuracy`, `val_f1_macro`, `val_rmse`,
    /// `val_nse`). Loss-like metrics are minimised, scores maximised.
    pub monitor: String,
    /// Epochs without improvement before stopping.
    pub patience: usize,
    /// Smallest change that counts as an improvement.
    pub min_delta: f64,
    /// Put the best epoch's weights back at the end.
    pub restore_best: bool,
}

impl EarlyStopping {
    /// Stop after `patience` epochs without improvement of `monitor` (any change counts) and
    /// restore the best epoch's weights.
    pub fn new(monitor: impl Into<String>, patience: usize) -> Self {
        EarlyStopping {
            monitor: monitor.into(),
            patience,
            ..Default::default()
        }
    }
}

impl Default for EarlyStopping {
    fn default() -> Self {
        EarlyStopping {
            monitor: "val_loss".into(),
            patience: 10,
            min_delta: 0.0,
            restore_best: true,
        }
    }
}

/// Training hyper-parameters. Everything a run needs is here, so a run is reproducible from its
/// saved config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerConfig,
    pub schedule: Schedule,
    /// Clip the global gradient L2 norm to this value.
    pub grad_clip_norm: Option<f64>,
    pub early_stopping: Option<EarlyStopping>,
    /// Seed of the batch shuffling stream (weights are seeded by [`crate::seed`]).
    pub seed: u64,
    pub shuffle: bool,
    pub drop_last: bool,
    /// Draw a progress bar (only ever on an interactive terminal without `CI`).
    pub progress: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 100,
            batch_size: 32,
            optimizer: OptimizerConfig::default(),
            schedule: Schedule::Constant,
            grad_clip_norm: None,
            early_stopping: None,
            seed: 0,
            shuffle: true,
            drop_last: false,
            progress: true,
        }
    }
}

impl TrainConfig {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.epochs > 0, "train: epochs must be > 0");
        ensure_config!(self.batch_size > 0, "train: batch_size must be > 0");
        self.optimizer.validate()?;
        self.schedule.validate()?;
        if let Some(c) = self.grad_clip_norm {
            ensure_config!(
                c > 0.0 && c.is_finite(),
                "train: grad_clip_norm must be > 0"
            );
        }
        if let Some(es) = &self.early_stopping {
            ensure_config!(
                es.monitor == "train_loss" || es.monitor.starts_with("val_"),
                "train: early_stopping.monitor must be train_loss or val_<metric>, got {}",
                es.monitor
            );
        }
        Ok(())
    }
}

/// Whether larger values of a monitored quantity are better.
pub fn higher_is_better(name: &str) -> bool {
    let m = name.trim_start_matches("val_").trim_start_matches("train_");
    !matches!(m, "loss" | "mae" | "mse" | "rmse" | "mape")
}
