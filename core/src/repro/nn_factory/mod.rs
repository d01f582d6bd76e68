//! `nn-factory`: "Generative Model for Models: Rapid DNN Customization for Diverse Tasks and
//! Resource Constraints" (NN-Factory), Xu, Li, Liu, Sun, Cao, Li, Wen & Liu (arXiv:2308.15003,
//! 2023).
//!
//! **Reproduced:** the claim that a modular supernet trained once lets an assembler hand out a
//! model customised to a task (class subset) and a resource budget "within few seconds",
//! orders of magnitude faster than training, at the quality of a customised model. Per data set
//! a supernet ([`crate::automl::factory`]) is trained once; for every task and budget a model
//! is assembled (timed, no training) and the same architecture is trained from scratch on the
//! task's data (timed); both are tested on the task's test images. Issue goal: assembled within
//! 2 points of from-scratch at ≥ 100× less time.
//!
//! **Differs:** MNIST / Fashion-MNIST and a small CNN instead of ImageNet-scale ResNets and
//! MobileNets, a search over the supernet's architectures instead of the paper's trained
//! generative assembler (see [`crate::automl::factory`]).

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use super::typed::{Experiment, MetricRow};
use super::{catalog, ReproOptions};
use crate::automl::factory::{AssemblyOptions, Budget, SupernetConfig, SupernetTraining};
use crate::data::mnist::Dataset;
use crate::{ensure_config, Result};

pub use run::{Case, DatasetResult, Goal};

/// The reproduction's id.
pub const ID: &str = "nn-factory";

/// The goal: at most this many accuracy points below from-scratch training…
pub const GOAL_POINTS: f64 = 2.0;
/// … at least this many times faster.
pub const GOAL_SPEEDUP: f64 = 100.0;

/// The run's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NnFactoryConfig {
    pub datasets: Vec<Dataset>,
    /// Training images (the first of the 60,000) for the supernet and the from-scratch models.
    pub train_images: usize,
    /// Images after those, the assembler's search examples.
    pub search_images: usize,
    /// Test images (the first of the 10,000), 0 for all.
    pub test_images: usize,
    pub supernet: SupernetConfig,
    pub training: SupernetTraining,
    /// Tasks: class subsets.
    pub tasks: Vec<Vec<i64>>,
    pub budgets: Vec<Budget>,
    pub assembly: AssemblyOptions,
    /// From scratch: epochs, batch size and Adam learning rate on the task's training images.
    pub scratch_epochs: usize,
    pub scratch_batch_size: usize,
    pub scratch_lr: f64,
}

impl Default for NnFactoryConfig {
    fn default() -> Self {
        NnFactoryConfig {
            datasets: vec![Dataset::Mnist, Dataset::FashionMnist],
            train_images: 10_000,
            search_images: 1_000,
            test_images: 0,
            supernet: SupernetConfig::default(),
            training: SupernetTraining {
                epochs: 5,
                ..Default::default()
            },
            tasks: vec![vec![0, 1, 2, 3, 4], vec![5, 6, 7, 8, 9], (0..10).collect()],
            budgets: vec![
                Budget::Params(3_000),
                Budget::Params(10_000),
                Budget::Params(40_000),
                Budget::Flops(1_000_000),
            ],
            assembly: AssemblyOptions::default(),
            scratch_epochs: 4,
            scratch_batch_size: 64,
            scratch_lr: 3e-3,
        }
    }
}

impl NnFactoryConfig {
    /// The tests' run: MNIST, 2,000 training images, a 2-epoch supernet, one task, a
    /// parameter and a FLOPs budget, 2 epochs from scratch.
    pub fn quick() -> Self {
        NnFactoryConfig {
            datasets: vec![Dataset::Mnist],
            train_images: 2_000,
            search_images: 200,
            test_images: 1_000,
            training: SupernetTraining {
                epochs: 2,
                random_archs: 1,
                ..Default::default()
            },
            tasks: vec![vec![0, 1, 2, 3, 4]],
            budgets: vec![Budget::Params(6_000), Budget::Flops(600_000)],
            scratch_epochs: 2,
            ..Default::default()
        }
    }

    /// Some data set, task and budget; valid supernet, training, tasks and budgets.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(!self.datasets.is_empty(), "{ID}: no data set");
        ensure_config!(!self.tasks.is_empty(), "{ID}: no task");
        ensure_config!(!self.budgets.is_empty(), "{ID}: no budget");
        ensure_config!(
            self.train_images >= 100 && self.search_images >= 1,
            "{ID}: train_images must be >= 100 and search_images >= 1"
        );
        ensure_config!(
            self.train_images + self.search_images <= 60_000,
            "{ID}: train_images + search_images must fit the 60,000 training images"
        );
        ensure_config!(
            self.scratch_epochs >= 1 && self.scratch_batch_size >= 1 && self.scratch_lr > 0.0,
            "{ID}: scratch_epochs, scratch_batch_size and scratch_lr must be positive"
        );
        self.supernet.validate()?;
        self.training.validate()?;
        for t in &self.tasks {
            crate::automl::factory::supernet::check_classes(t, self.supernet.classes)?;
        }
        for b in &self.budgets {
            b.validate()?;
        }
        Ok(())
    }
}

/// `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NnFactoryMetrics {
    pub datasets: Vec<DatasetResult>,
    pub goal: Goal,
}

/// The reproduction.
pub struct NnFactory;

impl Experiment for NnFactory {
    type Config = NnFactoryConfig;
    type Metrics = NnFactoryMetrics;

    fn id(&self) -> &'static str {
        ID
    }

    fn description(&self) -> &'static str {
        catalog::describe(super::REPRODUCTIONS, ID)
    }

    fn config(&self, opts: &ReproOptions) -> Result<NnFactoryConfig> {
        let c = if opts.quick {
            NnFactoryConfig::quick()
        } else {
            NnFactoryConfig::default()
        };
        c.validate()?;
        Ok(c)
    }

    fn validate(&self, cfg: &NnFactoryConfig) -> Result<()> {
        cfg.validate()
    }

    fn execute(&self, cfg: &NnFactoryConfig, opts: &ReproOptions) -> Result<NnFactoryMetrics> {
        let data_root = match &opts.data {
            Some(d) => d.clone(),
            None => crate::data::data_dir()?,
        };
        let mut datasets = Vec::new();
        let mut provenance = Vec::new();
        for (k, &ds) in cfg.datasets.iter().enumerate() {
            provenance.push(opts.dataset(&ds.spec())?);
            datasets.push(run::run_dataset(cfg, ds, &data_root, opts, k == 0)?);
        }
        let metrics = NnFactoryMetrics {
            goal: run::goal(&datasets),
            datasets,
        };
        report::write(cfg, &metrics, &provenance, &opts.out)?;
        Ok(metrics)
    }

    fn metric_rows(&self, m: &NnFactoryMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for d in &m.datasets {
            rows.push(MetricRow::new(
                format!("{}/supernet", d.dataset),
                "",
                "train_seconds",
                d.supernet_seconds,
            ));
            rows.push(MetricRow::new(
                format!("{}/supernet", d.dataset),
                "largest",
                "accuracy_pct",
                d.largest_accuracy,
            ));
            for c in &d.cases {
                let fold = format!("{}/{}", c.task, c.budget.label());
                for (model, acc, secs) in [
                    ("assembled", c.assembled_accuracy, c.assembly_seconds),
                    ("scratch", c.scratch_accuracy, c.scratch_seconds),
                ] {
                    let model = format!("{}/{model}", d.dataset);
                    rows.push(MetricRow::new(&model, &fold, "accuracy_pct", acc));
                    rows.push(MetricRow::new(&model, &fold, "seconds", secs));
                }
                let model = format!("{}/assembled", d.dataset);
                rows.push(MetricRow::new(
                    &model,
                    &fold,
                    "params",
                    c.cost.params as f64,
                ));
                rows.push(MetricRow::new(&model, &fold, "flops", c.cost.flops as f64));
            }
        }
        rows.push(MetricRow::new("goal", "", "cases_met", m.goal.met as f64));
        rows.push(MetricRow::new("goal", "", "cases", m.goal.cases as f64));
        rows
    }
}
