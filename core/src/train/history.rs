//! Per-epoch training history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What happened in one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's samples.
    pub train_loss: f64,
    /// Validation loss, when a validation set was given.
    pub val_loss: Option<f64>,
    /// Validation metrics by name (`accuracy`, `f1_macro`, `rmse`, `nse`, …).
    pub val_metrics: BTreeMap<String, f64>,
    /// Learning rate used in this epoch.
    pub lr: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
}

/// The whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub epochs: Vec<EpochRecord>,
    /// 1-based epoch whose weights the model holds at the end (the best one under early stopping).
    pub best_epoch: Option<usize>,
    /// The monitored value at `best_epoch`.
    pub best_value: Option<f64>,
    /// True when early stopping ended the run before `epochs`.
    pub stopped_early: bool,
}

impl History {
    /// Training losses in epoch order.
    pub fn train_losses(&self) -> Vec<f64> {
        self.epochs.iter().map(|e| e.train_loss).collect()
    }

    /// Validation losses in epoch order (empty when there was no validation set).
    pub fn val_losses(&self) -> Vec<f64> {
        self.epochs.iter().filter_map(|e| e.val_loss).collect()
    }

    /// One validation metric in epoch order.
    pub fn val_metric(&self, name: &str) -> Vec<f64> {
        self.epochs
            .iter()
            .filter_map(|e| e.val_metrics.get(name).copied())
            .collect()
    }

    /// The last epoch's record.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }
}
