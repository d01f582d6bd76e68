//! `quantum-creep`: "Let the Quantum Creep In: Designing Quantum Neural Network Models by
//! Gradually Swapping Out Classical Components" (Wang, Myers, Hollenberg, Parampalli, 2024;
//! arXiv 2409.17583). The three-layer network at replacement levels 0 (classical), 1 (quantum
//! convolutions) and 2 (quantum convolutions and a data re-uploading quantum head), trained on
//! MNIST and Fashion-MNIST with Adam (lr 5·10⁻⁴, batch 200, 50 epochs, 5 seeds) as in the
//! authors' repository, whose mean test accuracies are the anchors
//! ([`REPOSITORY_ACCURACY`]). The network and its layers are [`crate::quantum`].
//!
//! [`config`](QuantumCreepRunConfig) and [`metrics`](QuantumCreepMetrics) here, the training in
//! [`run`], the report in [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};

use crate::data::mnist::Dataset;

/// The repository's mean test accuracy (%, 5 seeds, 50 epochs) per dataset and level 0/1/2.
pub const REPOSITORY_ACCURACY: [(Dataset, [f64; 3]); 2] = [
    (Dataset::Mnist, [92.3, 92.3, 96.9]),
    (Dataset::FashionMnist, [83.6, 83.4, 86.6]),
];

/// The repository's mean for `dataset` at `level`.
pub fn repository_accuracy(dataset: Dataset, level: u8) -> Option<f64> {
    REPOSITORY_ACCURACY
        .iter()
        .find(|(d, _)| *d == dataset)
        .and_then(|(_, v)| v.get(level as usize).copied())
}

/// Everything the run needs; saved as `config.json` (fields left out of a `--config` file take
/// the full run's values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuantumCreepRunConfig {
    pub datasets: Vec<Dataset>,
    pub levels: Vec<u8>,
    /// Seeds of the repeated runs (weights and batch order).
    pub seeds: Vec<u64>,
    pub epochs: usize,
    /// Epochs for level 2 when set (its 128 × 128 complex matrix exponentials per image make it
    /// by far the slowest level); `None`: `epochs`.
    pub epochs_level2: Option<usize>,
    /// Level 2 runs only the first `seeds_level2` seeds when set; `None`: all of `seeds`.
    pub seeds_level2: Option<usize>,
    pub batch_size: usize,
    pub lr: f64,
    /// Train on the first `train_limit` training images (`None`: all 60,000).
    pub train_limit: Option<usize>,
    /// Test on the first `test_limit` test images (`None`: all 10,000).
    pub test_limit: Option<usize>,
}

impl Default for QuantumCreepRunConfig {
    fn default() -> Self {
        QuantumCreepRunConfig::new(false, 0)
    }
}

impl QuantumCreepRunConfig {
    /// The full run (the repository's protocol), or the quick one: MNIST levels 0 and 1 on
    /// 10,000 training and 2,000 test images, 3 epochs, one seed.
    pub fn new(quick: bool, seed: u64) -> Self {
        if quick {
            QuantumCreepRunConfig {
                datasets: vec![Dataset::Mnist],
                levels: vec![0, 1],
                seeds: vec![seed],
                epochs: 3,
                epochs_level2: None,
                seeds_level2: None,
                batch_size: 200,
                lr: 5e-4,
                train_limit: Some(10_000),
                test_limit: Some(2000),
            }
        } else {
            QuantumCreepRunConfig {
                datasets: vec![Dataset::Mnist, Dataset::FashionMnist],
                levels: vec![0, 1, 2],
                seeds: (0..5).map(|k| seed + k).collect(),
                epochs: 50,
                epochs_level2: None,
                seeds_level2: None,
                batch_size: 200,
                lr: 5e-4,
                train_limit: None,
                test_limit: None,
            }
        }
    }

    /// Epochs of `level`.
    pub fn epochs_of(&self, level: u8) -> usize {
        match (level, self.epochs_level2) {
            (2, Some(e)) => e,
            _ => self.epochs,
        }
    }

    /// The seeds `level` runs.
    pub fn seeds_of(&self, level: u8) -> &[u64] {
        match (level, self.seeds_level2) {
            (2, Some(k)) => &self.seeds[..k.min(self.seeds.len())],
            _ => &self.seeds,
        }
    }

    /// Check every field.
    pub fn check(&self) -> deepfield_core::Result<()> {
        let ok = !self.datasets.is_empty()
            && !self.levels.is_empty()
            && self.levels.iter().all(|&l| l <= 2)
            && !self.seeds.is_empty()
            && self.epochs > 0
            && self.epochs_level2 != Some(0)
            && self.seeds_level2 != Some(0)
            && self.batch_size > 0
            && self.lr > 0.0
            && self.lr.is_finite()
            && self.train_limit != Some(0)
            && self.test_limit != Some(0);
        if !ok {
            return Err(deepfield_core::Error::config(
                "quantum-creep: give at least one dataset, levels in 0..=2, at least one seed, \
                 epochs, batch_size, lr and limits > 0",
            ));
        }
        Ok(())
    }
}

/// One trained network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub dataset: Dataset,
    pub level: u8,
    pub seed: u64,
    /// Test accuracy after the last epoch, %.
    pub test_accuracy: f64,
    /// Test accuracy after each epoch, %.
    pub test_accuracy_per_epoch: Vec<f64>,
    /// Mean training loss per epoch.
    pub train_loss_per_epoch: Vec<f64>,
    /// Mean wall-clock seconds per epoch (training and testing).
    pub seconds_per_epoch: f64,
    pub parameters: i64,
}

/// One dataset × level over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelSummary {
    pub dataset: Dataset,
    pub level: u8,
    pub seeds: usize,
    pub epochs: usize,
    /// Mean and sample standard deviation of the final test accuracy over seeds, %.
    pub mean_accuracy: f64,
    pub std_accuracy: f64,
    /// The repository's mean, %.
    pub repository_accuracy: Option<f64>,
    /// `mean_accuracy − repository_accuracy`, points.
    pub difference: Option<f64>,
    /// Whether |difference| ≤ 1 point (the goal).
    pub within_one_point: Option<bool>,
    pub parameters: i64,
    pub seconds_per_epoch: f64,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantumCreepMetrics {
    pub summaries: Vec<LevelSummary>,
    pub runs: Vec<RunResult>,
    pub train_images: usize,
    pub test_images: usize,
    pub threads: usize,
}

impl QuantumCreepMetrics {
    /// The summary of `dataset` at `level`.
    pub fn summary(&self, dataset: Dataset, level: u8) -> Option<&LevelSummary> {
        self.summaries
            .iter()
            .find(|s| s.dataset == dataset && s.level == level)
    }
}

/// The dataset's short name in tables and file names.
pub fn dataset_name(d: Dataset) -> &'static str {
    match d {
        Dataset::Mnist => "mnist",
        Dataset::FashionMnist => "fashion_mnist",
    }
}

/// The reproduction.
pub struct QuantumCreep;

impl Experiment for QuantumCreep {
    type Config = QuantumCreepRunConfig;
    type Metrics = QuantumCreepMetrics;

    fn id(&self) -> &'static str {
        "quantum-creep"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<QuantumCreepRunConfig> {
        Ok(QuantumCreepRunConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &QuantumCreepRunConfig) -> deepfield_core::Result<()> {
        cfg.check()
    }

    fn execute(
        &self,
        cfg: &QuantumCreepRunConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<QuantumCreepMetrics> {
        cfg.check()?;
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &QuantumCreepMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for s in &m.summaries {
            let model = format!("level{}", s.level);
            let fold = dataset_name(s.dataset);
            rows.push(MetricRow::new(
                &model,
                fold,
                "test_accuracy_mean",
                s.mean_accuracy,
            ));
            rows.push(MetricRow::new(
                &model,
                fold,
                "test_accuracy_std",
                s.std_accuracy,
            ));
            if let Some(r) = s.repository_accuracy {
                rows.push(MetricRow::new(&model, fold, "repository_accuracy", r));
            }
        }
        for r in &m.runs {
            let fold = format!("{}/seed{}", dataset_name(r.dataset), r.seed);
            rows.push(MetricRow::new(
                format!("level{}", r.level),
                fold,
                "test_accuracy",
                r.test_accuracy,
            ));
        }
        rows
    }

    fn summary(&self, m: &QuantumCreepMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.metric == "test_accuracy_mean" || r.metric == "repository_accuracy")
            .collect()
    }
}
