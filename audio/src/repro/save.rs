//! The trained models and training histories of a results folder:
//!
//! * `model-<key>/` for every model of the table (`model-bilstm/`, `model-cnn/`, `model-mlp/`):
//!   its fold-1 weights, the front end and the training-frame scaler;
//! * `model/`: the same for the default model ([`AudioMetrics::default_model`], the best
//!   out-of-fold epoch accuracy) — what `eval --model results/<id>/model` runs;
//! * `history.csv`: per-epoch losses and validation metrics of every model and fold
//!   (`run` = `<key>/fold_<k>`).

use std::path::{Path, PathBuf};

use deepfield_core::models::save_model;
use deepfield_core::train::{write_histories_csv, History};

use super::config::ExperimentConfig;
use super::experiment::ExperimentOutput;
use super::metrics::AudioMetrics;
use crate::model::MfccClassifierConfig;
use crate::Result;

/// The folder of the model `key` in the results folder `dir`.
pub fn model_folder(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("model-{key}"))
}

/// Save every fold-1 model as `model-<key>/` and the default one also as `model/`.
pub fn save_models(
    id: &str,
    cfg: &ExperimentConfig,
    out: &ExperimentOutput,
    metrics: &AudioMetrics,
    dir: &Path,
) -> Result<()> {
    let class_names = cfg.label_rule.class_names();
    for t in &out.fold1 {
        let mut features = cfg.features.clone();
        features.speaker_cmvn = t.speaker_cmvn;
        let saved = MfccClassifierConfig {
            id: id.into(),
            features,
            label_rule: cfg.label_rule,
            class_names: class_names.clone(),
            scaler: t.scaler.clone(),
            model: t.model.clone(),
        };
        let own = metrics.models.iter().find(|m| m.key == t.key);
        save_model(&model_folder(dir, &t.key), &t.vs, &saved, own)?;
        if t.key == metrics.default_model {
            save_model(&deepfield_core::repro::model_dir(dir), &t.vs, &saved, own)?;
        }
    }
    Ok(())
}

/// Write `history.csv` with every training of the run.
pub fn save_histories(out: &ExperimentOutput, dir: &Path) -> Result<()> {
    let runs: Vec<(String, &History)> = out
        .histories
        .iter()
        .map(|(name, h)| (name.clone(), h))
        .collect();
    write_histories_csv(&dir.join("history.csv"), &runs)?;
    Ok(())
}
