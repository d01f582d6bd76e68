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

/// Write the per-epoch histories of one or more trainings (`(name, history)`, e.g. a model and
/// fold) as one tidy CSV: `run,epoch,train_loss,val_loss,lr,seconds` and one column per
/// validation metric seen in any of them (empty where a run did not record it).
pub fn write_histories_csv(
    path: &std::path::Path,
    runs: &[(String, &History)],
) -> crate::Result<()> {
    let metrics: std::collections::BTreeSet<&String> = runs
        .iter()
        .flat_map(|(_, h)| h.epochs.iter().flat_map(|e| e.val_metrics.keys()))
        .collect();
    let header: Vec<String> = ["run", "epoch", "train_loss", "val_loss", "lr", "seconds"]
        .iter()
        .map(|s| s.to_string())
        .chain(metrics.iter().map(|m| format!("val_{m}")))
        .collect();
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let rows: Vec<Vec<String>> = runs
        .iter()
        .flat_map(|(name, h)| {
            h.epochs.iter().map(|e| {
                [
                    name.clone(),
                    e.epoch.to_string(),
                    e.train_loss.to_string(),
                    opt(e.val_loss),
                    e.lr.to_string(),
                    e.seconds.to_string(),
                ]
                .into_iter()
                .chain(metrics.iter().map(|m| opt(e.val_metrics.get(*m).copied())))
                .collect()
            })
        })
        .collect();
    crate::fsutil::write_csv(path, &header, &rows)
}
