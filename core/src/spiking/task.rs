//! The spiking MNIST / Fashion-MNIST check: train a [`SpikingMlp`] with core's [`Trainer`] and
//! report test accuracy, spike rates and the energy proxy.
//!
//! The goal: ≥ 97.5 % on MNIST with T ≤ 25 and two hidden layers (snntorch's tutorial
//! network reaches ~93–94 % after one epoch with rate coding; BPTT-trained two-hidden-layer
//! SNNs with direct coding reach ~98 %, e.g. HLOP's multitask PMNIST baseline at T = 6).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Device;

use super::mlp::{SpikingMlp, SpikingMlpConfig};
use super::stats::SpikeStats;
use crate::data::mnist::{self, Dataset, Split};
use crate::data::TensorDataset;
use crate::train::{History, OptimizerConfig, Task, TrainConfig, Trainer};
use crate::{ensure_config, ensure_input, Result};

/// The check's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MnistCheckConfig {
    pub dataset: Dataset,
    pub model: SpikingMlpConfig,
    pub train: TrainConfig,
    /// Training images used (0: all 60,000).
    pub train_images: usize,
    /// Test images used (0: all 10,000).
    pub test_images: usize,
    pub seed: u64,
}

impl Default for MnistCheckConfig {
    /// 784-500-500-10, T = 8, direct encoding, β 0.95, soft reset, fast sigmoid; Adam 1e-3,
    /// batch 128, cosine schedule over 8 epochs.
    fn default() -> Self {
        MnistCheckConfig {
            dataset: Dataset::Mnist,
            model: SpikingMlpConfig::new(784, [500, 500], 10, 8),
            train: TrainConfig {
                epochs: 8,
                batch_size: 128,
                optimizer: OptimizerConfig::adam(1e-3),
                schedule: crate::train::Schedule::Cosine {
                    t_max: 8,
                    eta_min: 0.0,
                },
                progress: false,
                ..Default::default()
            },
            train_images: 0,
            test_images: 0,
            seed: 0,
        }
    }
}

impl MnistCheckConfig {
    /// A small run for tests: 2,000 training and 500 test images, 3 epochs, T = 6.
    pub fn quick() -> Self {
        let mut c = MnistCheckConfig {
            train_images: 2000,
            test_images: 500,
            ..Default::default()
        };
        c.model.hidden = vec![200, 200];
        c.model.steps = 6;
        c.train.epochs = 3;
        c.train.schedule = crate::train::Schedule::Constant;
        c.train.batch_size = 64;
        c
    }

    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        self.train.validate()?;
        ensure_config!(
            self.model.input == 784 && self.model.output == 10,
            "spiking mnist: the model must map 784 pixels to 10 classes, got {} → {}",
            self.model.input,
            self.model.output
        );
        Ok(())
    }
}

/// What the check measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MnistCheckResult {
    pub test_accuracy: f64,
    pub train_images: usize,
    pub test_images: usize,
    pub stats: SpikeStats,
    pub history: History,
    pub seconds: f64,
}

/// Train and test splits of `dataset` from its folder `dir` (holding the four IDX files),
/// limited to the first `train`/`test` images (0: all).
pub fn mnist_splits(
    dir: &Path,
    train: usize,
    test: usize,
) -> Result<(TensorDataset, TensorDataset)> {
    let take = |split: Split, n: usize| -> Result<TensorDataset> {
        let (images, labels) = mnist::files(dir, split);
        let d = mnist::load_files(&images, &labels)?;
        let n = if n == 0 { d.len() } else { n.min(d.len()) } as i64;
        TensorDataset::new(d.images.narrow(0, 0, n), d.labels.narrow(0, 0, n))
    };
    Ok((take(Split::Train, train)?, take(Split::Test, test)?))
}

/// Spike statistics of `model` over all of `ds` (batches of `batch_size`).
pub fn dataset_stats(
    model: &SpikingMlp,
    ds: &TensorDataset,
    batch_size: usize,
) -> Result<SpikeStats> {
    let mut acc: Option<SpikeStats> = None;
    for b in ds.batches(batch_size.max(1), None) {
        let (_, s) = model.forward_stats(&b.x)?;
        acc = Some(match acc {
            Some(a) => a.merge(&s),
            None => s,
        });
    }
    acc.ok_or_else(|| crate::Error::input("spiking stats: empty dataset"))
}

/// Train the configured spiking MLP on the dataset in `dir` and test it.
pub fn run_mnist_check(
    cfg: &MnistCheckConfig,
    dir: &Path,
    device: Device,
) -> Result<(MnistCheckResult, VarStore, SpikingMlp)> {
    cfg.validate()?;
    let start = std::time::Instant::now();
    let (train, test) = mnist_splits(dir, cfg.train_images, cfg.test_images)?;
    ensure_input!(
        !train.is_empty() && !test.is_empty(),
        "spiking mnist: no images in {}",
        dir.display()
    );
    crate::device::seed(cfg.seed);
    let mut vs = VarStore::new(device);
    let model = cfg.model.init(&vs.root())?;
    let mut tc = cfg.train.clone();
    tc.seed = cfg.seed;
    let trainer = Trainer::new(tc, Task::classification(10))?;
    let history = trainer.fit(&model, &mut vs, &train, Some(&test))?;
    let test_dev = test.to_device(device);
    let eval = trainer.evaluate(&model, &vs, &test_dev)?;
    let test_accuracy = eval.metrics.get("accuracy").copied().unwrap_or(f64::NAN);
    let stats = dataset_stats(&model, &test_dev, 500)?;
    Ok((
        MnistCheckResult {
            test_accuracy,
            train_images: train.len(),
            test_images: test.len(),
            stats,
            history,
            seconds: start.elapsed().as_secs_f64(),
        },
        vs,
        model,
    ))
}
