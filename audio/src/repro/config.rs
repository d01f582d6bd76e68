//! The configuration both audio reproductions run with ([`ExperimentConfig`], saved as the
//! results folder's `config.json`), its checks, and `--config FILE` read over the built-in
//! config (fields left out of the file keep the reproduction's own values).

use std::collections::HashSet;
use std::path::Path;

use deepfield_core::train::{EarlyStopping, OptimizerConfig, TrainConfig};
use serde::{Deserialize, Serialize};

use super::recipe::Recipe;
use crate::data::LabelRule;
use crate::error::ensure_config;
use crate::features::FeatureConfig;
use crate::model::ModelConfig;
use crate::{Error, Result};

/// How clips are split into test folds, always by whole groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FoldPlan {
    /// One fold per group (core `leave_one_group_out`).
    LeaveOneGroupOut,
    /// `k` folds of whole groups balanced by size (core `group_kfold`).
    GroupKFold { k: usize },
    /// One split: `ceil(test_frac · groups)` seeded groups only in test (core `group_split`).
    GroupHoldout { test_frac: f64 },
}

/// How each training fold is split for early stopping and model selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValSplit {
    /// A stratified `val_frac` of the training clips (their speakers are also in training).
    #[default]
    Stratified,
    /// `ceil(val_frac · groups)` whole training groups (core `group_split`): training,
    /// validation and test speakers are disjoint.
    Groups,
}

/// Everything one run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    pub features: FeatureConfig,
    pub label_rule: LabelRule,
    /// The models of the results table, the paper's first. Each is saved (fold-1 weights) as
    /// `model-<key>/`, the best of them also as `model/`.
    pub models: Vec<ModelConfig>,
    /// Further rows after `models`: networks with a training recipe (augmentation, per-speaker
    /// CMVN), e.g. the CRNN ablation ([`super::recipe::crnn_ablation`]).
    #[serde(default)]
    pub recipes: Vec<Recipe>,
    pub train: TrainConfig,
    pub folds: FoldPlan,
    /// Fraction of each training fold held out for early stopping (clips or groups, see
    /// `val_split`).
    pub val_frac: f64,
    /// Whether the validation part is stratified clips or whole groups.
    #[serde(default)]
    pub val_split: ValSplit,
    /// Keep at most this many clips per (group, label) (quick runs); `None`: all.
    pub max_per_group_label: Option<usize>,
    pub seed: u64,
}

impl ExperimentConfig {
    /// The speech set-up both reproductions share: MFCC front end at `sample_rate`, the BiLSTM
    /// (the paper's model, first) with CNN and MLP baselines over `classes` classes, trained for
    /// up to `epochs` epochs ([`train_config`]), 15% of each training fold for validation.
    pub fn speech(
        sample_rate: u32,
        classes: i64,
        label_rule: LabelRule,
        epochs: usize,
        folds: FoldPlan,
        max_per_group_label: Option<usize>,
        seed: u64,
    ) -> Self {
        let features = FeatureConfig::speech(sample_rate);
        let f = features.n_features() as i64;
        ExperimentConfig {
            models: vec![
                ModelConfig::bilstm(f, classes),
                ModelConfig::cnn(f, classes),
                ModelConfig::mlp(f, classes),
            ],
            features,
            recipes: Vec::new(),
            label_rule,
            train: train_config(epochs, seed),
            folds,
            val_frac: 0.15,
            val_split: ValSplit::Stratified,
            max_per_group_label,
            seed,
        }
    }

    /// Every row of the table in order: the plain `models` (as recipes without augmentation),
    /// then `recipes`.
    pub fn entries(&self) -> Vec<Recipe> {
        self.models
            .iter()
            .cloned()
            .map(Recipe::plain)
            .chain(self.recipes.iter().cloned())
            .collect()
    }

    /// Check that front end, models, classes and splits agree, in the config file's terms.
    pub fn validate(&self) -> Result<()> {
        self.features.validate()?;
        self.train.validate()?;
        let f = self.features.n_features() as i64;
        let classes = self.label_rule.class_names().len() as i64;
        ensure_config!(!self.models.is_empty(), "models: the list is empty");
        let mut keys = HashSet::new();
        let n_models = self.models.len();
        for (i, r) in self.entries().iter().enumerate() {
            let (m, at) = if i < n_models {
                (&r.model, format!("models[{i}] ({})", r.name))
            } else {
                (&r.model, format!("recipes[{}] ({})", i - n_models, r.key))
            };
            ensure_config!(
                m.input() == f,
                "{at}: reads {} features per frame, the front end makes {f}",
                m.input()
            );
            ensure_config!(
                m.classes() == classes,
                "{at}: {} outputs, but label_rule {:?} has {classes} classes",
                m.classes(),
                self.label_rule
            );
            ensure_config!(
                !r.key.is_empty()
                    && r.key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{at}: key {:?} must be letters, digits, `-` or `_`",
                r.key
            );
            ensure_config!(
                keys.insert(r.key.clone()),
                "{at}: a second `{}` model; each key may appear once (saved as model-{})",
                r.key,
                r.key
            );
            if let Err(e) = r.augment.validate() {
                let m = match e {
                    Error::Config(m) => m,
                    other => other.to_string(),
                };
                return Err(Error::config(format!("{at}: {m}")));
            }
        }
        ensure_config!(
            self.val_frac > 0.0 && self.val_frac < 1.0,
            "val_frac must be between 0 and 1, got {}",
            self.val_frac
        );
        match self.folds {
            FoldPlan::LeaveOneGroupOut => {}
            FoldPlan::GroupKFold { k } => {
                ensure_config!(k >= 2, "folds: group_k_fold needs k >= 2, got {k}")
            }
            FoldPlan::GroupHoldout { test_frac } => ensure_config!(
                test_frac > 0.0 && test_frac < 1.0,
                "folds: group_holdout needs test_frac between 0 and 1, got {test_frac}"
            ),
        }
        ensure_config!(
            self.max_per_group_label != Some(0),
            "max_per_group_label must be at least 1 (or null for all clips)"
        );
        Ok(())
    }

    /// `base` with the JSON config of `file` laid over it: objects merge key by key, anything
    /// else (numbers, lists, a tagged object of another `kind`) replaces; then validated. A
    /// results folder's `config.json` (with its `run` record) reads back as it was run.
    pub fn from_file_over(base: &ExperimentConfig, file: &Path) -> Result<ExperimentConfig> {
        let text = std::fs::read_to_string(file).map_err(|e| deepfield_core::Error::io(file, e))?;
        let overlay: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::config(format!("--config {}: not JSON ({e})", file.display())))?;
        if !overlay.is_object() {
            return Err(Error::config(format!(
                "--config {}: expected a JSON object of config fields",
                file.display()
            )));
        }
        let mut merged =
            serde_json::to_value(base).map_err(|source| deepfield_core::Error::Json {
                context: "the built-in config".into(),
                source,
            })?;
        merge(&mut merged, overlay);
        if let Some(m) = merged.as_object_mut() {
            m.remove("run");
        }
        let cfg: ExperimentConfig = serde_json::from_value(merged).map_err(|e| {
            Error::config(format!(
                "--config {}: not an audio reproduction config ({e})",
                file.display()
            ))
        })?;
        cfg.validate().map_err(|e| match e {
            Error::Config(m) => Error::config(format!("--config {}: {m}", file.display())),
            other => other,
        })?;
        Ok(cfg)
    }
}

/// Lay `overlay` over `base` (see [`ExperimentConfig::from_file_over`]).
fn merge(base: &mut serde_json::Value, overlay: serde_json::Value) {
    use serde_json::Value;
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            let other_kind = matches!((b.get("kind"), o.get("kind")), (Some(x), Some(y)) if x != y);
            if other_kind {
                *b = o;
                return;
            }
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// The training set-up shared by the reproductions: Adam 1e-3, batch 32, gradient clipping 5,
/// up to `epochs` epochs with early stopping on the validation loss (patience 8, best weights).
pub fn train_config(epochs: usize, seed: u64) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 32,
        optimizer: OptimizerConfig::adam(1e-3),
        grad_clip_norm: Some(5.0),
        early_stopping: Some(EarlyStopping::new("val_loss", 8)),
        seed,
        progress: false,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ExperimentConfig {
        ExperimentConfig::speech(
            16_000,
            3,
            LabelRule::CoughEtiquette,
            60,
            FoldPlan::LeaveOneGroupOut,
            None,
            0,
        )
    }

    #[test]
    fn a_partial_config_file_keeps_the_rest_and_bad_values_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("cfg.json");
        std::fs::write(
            &f,
            r#"{"train": {"epochs": 3}, "folds": {"kind": "group_k_fold", "k": 4},
                "run": {"quick": true}}"#,
        )
        .unwrap();
        let c = ExperimentConfig::from_file_over(&base(), &f).unwrap();
        assert_eq!(c.train.epochs, 3);
        assert_eq!(
            c.train.batch_size, 32,
            "untouched fields keep the built-in value"
        );
        assert_eq!(c.folds, FoldPlan::GroupKFold { k: 4 });
        assert_eq!(c.models, base().models);
        // A saved config.json reads back as it was.
        std::fs::write(&f, serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(ExperimentConfig::from_file_over(&base(), &f).unwrap(), c);

        let bad = |json: &str| {
            std::fs::write(&f, json).unwrap();
            ExperimentConfig::from_file_over(&base(), &f)
                .unwrap_err()
                .to_string()
        };
        let e = bad(r#"{"val_frac": 1.5}"#);
        assert!(e.contains("cfg.json") && e.contains("val_frac"), "{e}");
        let e = bad(r#"{"folds": {"kind": "group_k_fold", "k": 1}}"#);
        assert!(e.contains("k >= 2"), "{e}");
        let e = bad(r#"{"label_rule": "fsdd_digit"}"#);
        assert!(
            e.contains("10 classes") && e.contains("models[0] (BiLSTM)"),
            "{e}"
        );
        let e = bad(r#"{"features": {"delta_order": 1}}"#);
        assert!(e.contains("features per frame"), "{e}");
        let e = bad("[1, 2]");
        assert!(e.contains("JSON object"), "{e}");
        let e = bad(r#"{"models": []}"#);
        assert!(e.contains("models: the list is empty"), "{e}");
    }
}
