//! `lemur`: "LEMUR Neural Network Dataset: Towards Seamless AutoML", Goodarzi et al. (2025).
//!
//! **Reproduced:** LEMUR's pipeline — hyper-parameter studies (Optuna TPE with pruning in the
//! paper) over several models and data sets, run by parallel workers against one storage, whose
//! trials form a "dataset of models" (config, hyper-parameters, accuracy per epoch, duration,
//! trained weights) queried through an API for statistics: the best model per task, the accuracy
//! distribution, which hyper-parameters matter.
//!
//! **Differs:** LEMUR tunes torchvision-style architectures on CIFAR, MNIST, COCO… for many GPU
//! hours; here core's own model kinds (`mlp`, `cnn`) are tuned on MNIST and Fashion-MNIST subsets
//! for minutes on a CPU with core::hpo's TPE (Optuna 5 defaults) and median pruner; workers are
//! threads of one process sharing one storage (processes when the registry storage is used, see
//! `report.md`). Importance is |Spearman ρ| / correlation ratio, not fANOVA.

pub mod run;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::typed::{Experiment, MetricRow};
use super::{catalog, ReproOptions};
use crate::hpo::stats::StudyStats;
use crate::hpo::Space;
use crate::{ensure_config, Result};

/// The reproduction's id.
pub const ID: &str = "lemur";

/// One study: a model kind on a data set with its base config and search space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LemurStudy {
    pub name: String,
    /// `mlp` or `cnn`.
    pub kind: String,
    /// `{"model": …, "train": …, "data": …}` ([`crate::hpo::objective::TrialConfig`]).
    pub base: Value,
    pub space: Space,
}

/// The run's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LemurConfig {
    pub studies: Vec<LemurStudy>,
    /// Trials per study (all workers together).
    pub trials: usize,
    /// Parallel workers per study.
    pub workers: usize,
    pub sampler: String,
    pub pruner: String,
    /// Training and validation images per trial.
    pub train_images: usize,
    pub val_images: usize,
    pub epochs: usize,
}

fn study(name: &str, kind: &str, set: &str, model: Value, space: Value) -> LemurStudy {
    LemurStudy {
        name: name.into(),
        kind: kind.into(),
        base: serde_json::json!({
            "model": model,
            "train": {"epochs": 5, "batch_size": 64, "optimizer": {"name": "adam", "lr": 0.001}},
            "data": {"set": set, "train": 5000, "val": 2000, "seed": 0}
        }),
        space: serde_json::from_value(space).unwrap_or_default(),
    }
}

fn mlp_space() -> Value {
    serde_json::json!({"params": [
        {"name": "train.optimizer.lr", "type": "float", "low": 1e-4, "high": 3e-2, "log": true},
        {"name": "model.hidden.0", "type": "int", "low": 16, "high": 256, "log": true},
        {"name": "model.dropout", "type": "float", "low": 0.0, "high": 0.5},
        {"name": "train.batch_size", "type": "categorical", "choices": [32, 64, 128]}
    ]})
}

fn cnn_space() -> Value {
    serde_json::json!({"params": [
        {"name": "train.optimizer.lr", "type": "float", "low": 1e-4, "high": 3e-2, "log": true},
        {"name": "model.stack.blocks.0.out_channels", "type": "int", "low": 4, "high": 32, "log": true},
        {"name": "model.stack.blocks.1.out_channels", "type": "int", "low": 8, "high": 64, "log": true},
        {"name": "model.dropout", "type": "float", "low": 0.0, "high": 0.5}
    ]})
}

fn mlp_model() -> Value {
    serde_json::json!({"input": 784, "hidden": [128], "output": 10})
}

fn cnn_model() -> Value {
    serde_json::json!({
        "stack": {"dims": 2, "input": 1, "blocks": [
            {"out_channels": 8, "kernel": 3, "pool": {"kind": "max", "size": 2}},
            {"out_channels": 16, "kernel": 3, "pool": {"kind": "max", "size": 2}}
        ]},
        "output": 10
    })
}

impl Default for LemurConfig {
    fn default() -> Self {
        LemurConfig {
            studies: vec![
                study("mnist-mlp", "mlp", "mnist", mlp_model(), mlp_space()),
                study("mnist-cnn", "cnn", "mnist", cnn_model(), cnn_space()),
                study("fashion-mlp", "mlp", "fashion", mlp_model(), mlp_space()),
                study("fashion-cnn", "cnn", "fashion", cnn_model(), cnn_space()),
            ],
            trials: 30,
            workers: 2,
            sampler: "tpe".into(),
            pruner: "median".into(),
            train_images: 5000,
            val_images: 2000,
            epochs: 5,
        }
    }
}

impl LemurConfig {
    /// The tests' run: two MNIST studies of 4 trials, 1,000 images, 3 epochs.
    pub fn quick() -> Self {
        let d = LemurConfig::default();
        LemurConfig {
            studies: d.studies.into_iter().take(2).collect(),
            trials: 4,
            train_images: 1000,
            val_images: 300,
            epochs: 3,
            ..LemurConfig::default()
        }
    }

    pub fn validate(&self) -> Result<()> {
        ensure_config!(!self.studies.is_empty(), "{ID}: no studies");
        ensure_config!(
            self.trials >= 1 && self.workers >= 1,
            "{ID}: trials and workers must be ≥ 1"
        );
        ensure_config!(
            self.epochs >= 1 && self.train_images >= 1 && self.val_images >= 1,
            "{ID}: epochs and image counts must be ≥ 1"
        );
        crate::hpo::sampler_by_name(&self.sampler)?;
        crate::hpo::pruner_by_name(&self.pruner)?;
        for s in &self.studies {
            ensure_config!(
                s.kind == "mlp" || s.kind == "cnn",
                "{ID}: study `{}`: kind must be mlp or cnn, got `{}`",
                s.name,
                s.kind
            );
            s.space.validate()?;
        }
        Ok(())
    }
}

/// `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LemurMetrics {
    pub studies: Vec<StudyStats>,
    /// Models in the dataset (complete trials over all studies).
    pub models: usize,
    pub workers: usize,
    pub seconds: f64,
}

/// The reproduction.
pub struct Lemur;

impl Experiment for Lemur {
    type Config = LemurConfig;
    type Metrics = LemurMetrics;

    fn id(&self) -> &'static str {
        ID
    }

    fn description(&self) -> &'static str {
        catalog::describe(super::REPRODUCTIONS, ID)
    }

    fn config(&self, opts: &ReproOptions) -> Result<LemurConfig> {
        let c = if opts.quick {
            LemurConfig::quick()
        } else {
            LemurConfig::default()
        };
        c.validate()?;
        Ok(c)
    }

    fn validate(&self, cfg: &LemurConfig) -> Result<()> {
        cfg.validate()
    }

    fn execute(&self, cfg: &LemurConfig, opts: &ReproOptions) -> Result<LemurMetrics> {
        run::run(cfg, opts)
    }

    fn metric_rows(&self, m: &LemurMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for s in &m.studies {
            rows.push(MetricRow::new(
                &s.study,
                "best",
                "val_accuracy",
                s.best_value.unwrap_or(f64::NAN),
            ));
            rows.push(MetricRow::new(
                &s.study,
                "median",
                "val_accuracy",
                s.quantiles[2],
            ));
            rows.push(MetricRow::new(
                &s.study,
                "all",
                "complete",
                s.complete as f64,
            ));
            rows.push(MetricRow::new(&s.study, "all", "pruned", s.pruned as f64));
        }
        rows
    }
}
