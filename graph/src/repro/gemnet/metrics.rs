//! The typed `metrics.json` of `gemnet-oc` and its `metrics.csv` rows.

use std::collections::BTreeMap;

use deepfield_core::repro::MetricRow;
use serde::{Deserialize, Serialize};

use crate::potential::fit::Errors;

/// One trained model (or the baseline) on one molecule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    /// `schnet`, `gemnet` or `mean-force baseline`.
    pub model: String,
    /// Trainable parameters.
    pub parameters: i64,
    /// The epoch whose weights were kept (lowest validation loss).
    pub best_epoch: Option<usize>,
    /// Epochs trained.
    pub epochs: usize,
    /// Training wall time (s).
    pub seconds: f64,
    /// Errors per test set.
    pub tests: BTreeMap<String, Errors>,
}

/// One molecule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoleculeResult {
    /// `ethanol` or `acac`.
    pub molecule: String,
    /// Data files, relative to the dataset folder.
    pub files: Vec<String>,
    pub train_frames: usize,
    pub val_frames: usize,
    /// Frames per test set.
    pub test_frames: BTreeMap<String, usize>,
    /// Mean atomisation energy per atom of the training frames (eV).
    pub energy_shift_ev_per_atom: f64,
    /// RMS training force component (eV/Å), the output scale.
    pub energy_scale_ev: f64,
    pub models: Vec<ModelResult>,
}

/// Everything the run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GemNetOcMetrics {
    pub molecules: Vec<MoleculeResult>,
    /// SchNet force MAE / directional-model force MAE on each molecule's first test set.
    pub force_ratio_schnet_over_gemnet: BTreeMap<String, f64>,
    pub device: String,
    pub threads: usize,
}

impl GemNetOcMetrics {
    /// The errors of `model` on `molecule`'s test set `set`.
    pub fn errors(&self, molecule: &str, model: &str, set: &str) -> Option<Errors> {
        self.molecules
            .iter()
            .find(|m| m.molecule == molecule)?
            .models
            .iter()
            .find(|r| r.model == model)?
            .tests
            .get(set)
            .copied()
    }
}

/// One row per molecule, model, test set and metric.
pub fn rows(m: &GemNetOcMetrics) -> Vec<MetricRow> {
    let mut out = Vec::new();
    for mol in &m.molecules {
        for r in &mol.models {
            for (set, e) in &r.tests {
                let model = format!("{}/{}", mol.molecule, r.model);
                out.push(MetricRow::new(
                    &model,
                    set,
                    "energy_mae_mev",
                    e.energy_mae_mev,
                ));
                out.push(MetricRow::new(
                    &model,
                    set,
                    "force_mae_mev_per_a",
                    e.force_mae_mev_per_a,
                ));
                out.push(MetricRow::new(
                    &model,
                    set,
                    "energy_rmse_mev",
                    e.energy_rmse_mev,
                ));
                out.push(MetricRow::new(
                    &model,
                    set,
                    "force_rmse_mev_per_a",
                    e.force_rmse_mev_per_a,
                ));
            }
        }
    }
    out
}

/// The headline rows: MAEs only.
pub fn summary(m: &GemNetOcMetrics) -> Vec<MetricRow> {
    rows(m)
        .into_iter()
        .filter(|r| r.metric.ends_with("mae_mev") || r.metric.ends_with("mae_mev_per_a"))
        .collect()
}
