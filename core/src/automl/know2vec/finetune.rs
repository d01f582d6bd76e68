//! The oracle's measurement: fine-tune a restored zoo model (all its parameters) on a query
//! task's training examples for a fixed small budget and score it on the task's test set.

use serde::{Deserialize, Serialize};

use super::probe::{accuracy, outputs, reshape_for};
use super::zoo::ZooEntry;
use crate::data::TensorDataset;
use crate::models::Restored;
use crate::train::{OptimizerConfig, Task, TrainConfig, Trainer};
use crate::{ensure_config, Error, Result};

/// The fine-tuning budget, the same for every zoo model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FineTune {
    pub epochs: usize,
    pub batch_size: usize,
    /// Adam learning rate.
    pub lr: f64,
    /// Seed of the batch order.
    pub seed: u64,
}

impl Default for FineTune {
    fn default() -> Self {
        FineTune {
            epochs: 2,
            batch_size: 32,
            lr: 1e-3,
            seed: 0,
        }
    }
}

impl FineTune {
    /// At least one epoch and example per batch, a positive learning rate.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.epochs >= 1 && self.batch_size >= 1,
            "fine-tune: epochs and batch_size must be >= 1"
        );
        ensure_config!(
            self.lr > 0.0 && self.lr.is_finite(),
            "fine-tune: lr must be > 0, got {}",
            self.lr
        );
        Ok(())
    }
}

/// Fine-tune `model` (restored from the zoo) on `train` and return its test accuracy (%) on
/// `test`. Labels must fit the model's outputs.
pub fn fine_tune(
    mut model: Restored,
    entry: &ZooEntry,
    train: &TensorDataset,
    test: &TensorDataset,
    ft: &FineTune,
) -> Result<f64> {
    ft.validate()?;
    let max_label = train.y.f_max()?.f_int64_value(&[])?;
    if max_label >= entry.outputs {
        return Err(Error::input(format!(
            "zoo model {} has {} outputs; the task has label {max_label}",
            entry.id, entry.outputs
        )));
    }
    let data = TensorDataset::new(reshape_for(entry, &train.x)?, train.y.shallow_clone())?;
    let cfg = TrainConfig {
        epochs: ft.epochs,
        batch_size: ft.batch_size,
        seed: ft.seed,
        progress: false,
        optimizer: OptimizerConfig::adam(ft.lr),
        ..Default::default()
    };
    let trainer = Trainer::new(cfg, Task::classification(entry.outputs as usize))?;
    trainer.fit(&*model.model, &mut model.vs, &data, None)?;
    let logits = outputs(&*model.model, entry, &test.x)?;
    accuracy(&logits, &test.y)
}
