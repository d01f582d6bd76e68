//! `cond-gan`: the label-conditional GAN family of the text-to-image GAN survey (Frolov et al.
//! 2021, "Adversarial Text-to-Image Synthesis: A Review", §3 — conditional GANs, AC-GAN), done on
//! class labels instead of sentences: a conditional DCGAN and an auxiliary-classifier GAN
//! ([`crate::models::gan`]) on MNIST and Fashion-MNIST.
//!
//! Protocol: the training images minus `held_apart` of them (chosen by the seed) train the
//! GANs and, separately, a LeNet-5 judge. Each generator then draws `eval_per_class` images of
//! every class; the judge's accuracy on them (did the generator draw the class it was asked
//! for?) and the Fréchet distance between the judge's penultimate-layer features (`fc2`, 84
//! units, [`deepfield_core::metrics::frechet`]) of the generated images and of the real test
//! images are reported, beside the same two numbers for the held-apart real images — the floor
//! a perfect generator would reach with that many images.
//!
//! [`CondGanConfig`] and [`CondGanMetrics`] here; the GAN loop in [`train`], the judge and the
//! scores in [`evaluate`], the run in [`run`], plots and `report.md` in [`report`].

pub mod evaluate;
pub mod report;
pub mod run;
pub mod train;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::{OptimizerConfig, TrainConfig};

use crate::data::mnist::Dataset;
use crate::models::gan::Conditioning;
use crate::{Error, Result};

/// DCGAN's optimiser (Radford et al. 2016, §4): Adam, lr 2e-4, β₁ 0.5.
pub fn dcgan_adam() -> OptimizerConfig {
    OptimizerConfig::Adam {
        lr: 2e-4,
        beta1: 0.5,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.0,
    }
}

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CondGanConfig {
    pub datasets: Vec<Dataset>,
    /// `concat` (conditional DCGAN) and/or `auxiliary` (AC-GAN).
    pub variants: Vec<Conditioning>,
    pub z_dim: i64,
    pub embed_dim: i64,
    /// Generator width (its dense layer gives 2·width maps of 7×7).
    pub g_width: i64,
    /// Discriminator width (width, then 2·width maps).
    pub d_width: i64,
    pub g_optimizer: OptimizerConfig,
    pub d_optimizer: OptimizerConfig,
    pub batch_size: usize,
    /// Passes over the GAN training images.
    pub epochs: usize,
    /// Train the GANs on only the first this many training images (after the held-apart ones
    /// are removed; the judge always uses all of them).
    pub max_train: Option<usize>,
    /// Weight of AC-GAN's class loss.
    pub aux_weight: f64,
    /// Real training images kept out of every training (the Fréchet floor's real set).
    pub held_apart: usize,
    /// Generated images per class for the scores (as many in total as held apart).
    pub eval_per_class: usize,
    /// Images per class in the sample grid.
    pub grid_per_class: usize,
    /// Steps averaged into one point of the loss curves.
    pub log_every: usize,
    /// The LeNet-5 judge's training (on the same training images).
    pub judge: TrainConfig,
    pub seed: u64,
}

impl Default for CondGanConfig {
    fn default() -> Self {
        CondGanConfig::new(false, 0)
    }
}

impl CondGanConfig {
    /// The full run, or the quick one (MNIST, AC-GAN only, small networks, 300 steps).
    pub fn new(quick: bool, seed: u64) -> Self {
        let judge = TrainConfig {
            epochs: if quick { 1 } else { 3 },
            batch_size: 64,
            optimizer: OptimizerConfig::adam(1e-3),
            seed,
            progress: false,
            ..TrainConfig::default()
        };
        CondGanConfig {
            datasets: if quick {
                vec![Dataset::Mnist]
            } else {
                vec![Dataset::Mnist, Dataset::FashionMnist]
            },
            // Quick: AC-GAN only (it learns the classes in the fewest steps).
            variants: if quick {
                vec![Conditioning::Auxiliary]
            } else {
                vec![Conditioning::Auxiliary, Conditioning::Concat]
            },
            z_dim: if quick { 32 } else { 100 },
            embed_dim: 10,
            g_width: if quick { 16 } else { 32 },
            d_width: if quick { 16 } else { 32 },
            g_optimizer: dcgan_adam(),
            d_optimizer: dcgan_adam(),
            batch_size: 64,
            epochs: if quick { 3 } else { 4 },
            max_train: if quick { Some(6400) } else { None },
            aux_weight: 1.0,
            held_apart: if quick { 1000 } else { 10_000 },
            eval_per_class: if quick { 100 } else { 1000 },
            grid_per_class: 10,
            log_every: if quick { 10 } else { 50 },
            judge,
            seed,
        }
    }

    /// Check the values.
    pub fn validate(&self) -> Result<()> {
        self.g_optimizer.validate()?;
        self.d_optimizer.validate()?;
        self.judge.validate()?;
        let bad = |m: String| Err(Error::config(format!("cond-gan: {m}")));
        if self.datasets.is_empty() || self.variants.is_empty() {
            return bad("needs at least one dataset and one variant".into());
        }
        if self.z_dim < 1 || self.embed_dim < 1 || self.g_width < 1 || self.d_width < 1 {
            return bad("z_dim, embed_dim and the widths must be >= 1".into());
        }
        if self.batch_size < 2 || self.epochs < 1 || self.log_every < 1 {
            return bad("batch_size >= 2, epochs >= 1 and log_every >= 1 please".into());
        }
        if self.held_apart < 20 || self.held_apart > 30_000 {
            return bad(format!(
                "held_apart must be in 20..=30000, got {}",
                self.held_apart
            ));
        }
        if self.eval_per_class < 2 || self.grid_per_class < 1 || self.grid_per_class > 64 {
            return bad("eval_per_class >= 2 and grid_per_class in 1..=64 please".into());
        }
        if self.max_train.is_some_and(|m| m < self.batch_size) {
            return bad("max_train must hold at least one batch".into());
        }
        if !(self.aux_weight >= 0.0 && self.aux_weight.is_finite()) {
            return bad("aux_weight must be finite and >= 0".into());
        }
        Ok(())
    }
}

/// Short key of a dataset for folders and tables.
pub fn dataset_key(d: Dataset) -> &'static str {
    match d {
        Dataset::Mnist => "mnist",
        Dataset::FashionMnist => "fashion_mnist",
    }
}

/// Short key and name of a variant.
pub fn variant_key(c: Conditioning) -> (&'static str, &'static str) {
    match c {
        Conditioning::Concat => ("cdcgan", "conditional DCGAN"),
        Conditioning::Auxiliary => ("acgan", "AC-GAN"),
    }
}

/// The judge's scores of a set of images asked to be of given classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Fraction classified as the requested class.
    pub accuracy: f64,
    /// The same per requested class (0 for a class not requested).
    pub per_class_accuracy: Vec<f64>,
    /// Fréchet distance to the real test images in the judge's `fc2` feature space.
    pub frechet: f64,
    pub images: usize,
}

/// One GAN's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GanResult {
    pub key: String,
    pub dataset: String,
    pub variant: String,
    pub g_parameters: usize,
    pub d_parameters: usize,
    pub steps: usize,
    pub train_seconds: f64,
    /// Mean losses over the last logged interval.
    pub final_d_loss: f64,
    pub final_g_loss: f64,
    pub generated: Scores,
}

/// One dataset's judge and floor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetResult {
    pub dataset: String,
    pub classes: Vec<String>,
    /// Training images of the GANs.
    pub train_images: usize,
    /// Training images of the judge (every one not held apart).
    pub judge_train_images: usize,
    pub test_images: usize,
    /// The judge's accuracy on the real test images.
    pub judge_test_accuracy: f64,
    /// The judge's scores of the held-apart real images (accuracy and Fréchet floor).
    pub real_held_apart: Scores,
    pub gans: Vec<GanResult>,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CondGanMetrics {
    pub datasets: Vec<DatasetResult>,
    /// The goal: every MNIST generator's images are classified as asked ≥ 95 %.
    pub mnist_goal_95: Option<bool>,
    pub quick: bool,
    pub seed: u64,
}

/// The reproduction.
pub struct CondGan;

impl Experiment for CondGan {
    type Config = CondGanConfig;
    type Metrics = CondGanMetrics;

    fn id(&self) -> &'static str {
        "cond-gan"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<CondGanConfig> {
        Ok(CondGanConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &CondGanConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &CondGanConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<CondGanMetrics> {
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &CondGanMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for d in &m.datasets {
            let judge = format!("{}_judge", d.dataset);
            rows.push(MetricRow::new(
                &judge,
                "test",
                "accuracy",
                d.judge_test_accuracy,
            ));
            let real = format!("{}_real_held_apart", d.dataset);
            rows.push(MetricRow::new(
                &real,
                "held_apart",
                "accuracy",
                d.real_held_apart.accuracy,
            ));
            rows.push(MetricRow::new(
                &real,
                "held_apart",
                "frechet",
                d.real_held_apart.frechet,
            ));
            for g in &d.gans {
                rows.push(MetricRow::new(
                    &g.key,
                    "generated",
                    "accuracy",
                    g.generated.accuracy,
                ));
                rows.push(MetricRow::new(
                    &g.key,
                    "generated",
                    "frechet",
                    g.generated.frechet,
                ));
                for (c, a) in g.generated.per_class_accuracy.iter().enumerate() {
                    rows.push(MetricRow::new(
                        &g.key,
                        format!("generated/class_{c}"),
                        "accuracy",
                        *a,
                    ));
                }
            }
        }
        rows
    }

    fn summary(&self, m: &CondGanMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| !r.fold.contains('/'))
            .collect()
    }
}
