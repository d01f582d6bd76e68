//! `smooth-gradcam`: "Smooth Grad-CAM++: An Enhanced Inference Level Visualization Technique
//! for Deep Convolutional Neural Network Models" (Omeiza, Speakman, Cintas & Weldemariam,
//! 2019), evaluated quantitatively: CAM, Grad-CAM, Grad-CAM++, Smooth Grad-CAM++ and Score-CAM
//! maps of one trained CNN, scored by the pointing game and deletion/insertion AUC on images
//! whose object position is known — MNIST digits pasted at random places on a 64 × 64 canvas
//! with fragments of other digits as clutter ([`crate::data::clutter`]).
//!
//! The seed paper shows maps qualitatively (and for chosen layers, feature maps and neurons);
//! its claim is sharper, better-localised maps than Grad-CAM++. Here the claim is tested: the
//! goal is Smooth Grad-CAM++ ≥ Grad-CAM++ on the pointing game, reported plainly either way.
//! The model is core's 2-D `CnnClassifier` (conv blocks, global average pooling, one linear
//! layer — the architecture CAM needs), trained on cluttered canvases; maps come from
//! `deepfield_core::explain::cam`, which agrees with torchcam 0.5.
//!
//! [`SmoothGradCamConfig`] and [`SmoothGradCamMetrics`] here, the run in [`run`], the report
//! in [`report`].

pub mod report;
pub mod run;
pub mod views;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::{OptimizerConfig, TrainConfig};

use crate::data::clutter::ClutterConfig;

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmoothGradCamConfig {
    pub clutter: ClutterConfig,
    /// Cluttered training and validation canvases (made from MNIST training digits).
    pub train_images: usize,
    pub val_images: usize,
    /// Test canvases (from MNIST test digits) for accuracy; the first `explained` are explained.
    pub test_images: usize,
    pub explained: usize,
    /// Output channels of the conv blocks (3×3, ReLU, 2×2 max pool after all but the last).
    pub channels: Vec<i64>,
    /// The layer the gradient methods explain (a tap name of the model). Not the last block:
    /// there, under global average pooling and one linear layer, ∂y/∂A does not depend on the
    /// input, so Smooth Grad-CAM++ would equal Grad-CAM++. CAM always uses the last block, the
    /// only map its weights apply to.
    pub layer: String,
    pub train: TrainConfig,
    /// Smooth Grad-CAM++: noisy copies and σ of the Gaussian noise (input in [0, 1]).
    pub smooth_samples: usize,
    pub smooth_std: f64,
    /// Pointing-game tolerance in pixels around the digit's ink box.
    pub tolerance: i64,
    /// Deletion/insertion steps.
    pub steps: usize,
    /// Gallery rows.
    pub gallery: usize,
    pub seed: u64,
}

impl Default for SmoothGradCamConfig {
    fn default() -> Self {
        Self::new(false, 0)
    }
}

impl SmoothGradCamConfig {
    /// The full run, or the quick one (fewer images and epochs).
    pub fn new(quick: bool, seed: u64) -> Self {
        let (train_images, val_images, test_images, explained, epochs, batch) = if quick {
            (3000, 300, 300, 40, 4, 32)
        } else {
            (30000, 3000, 5000, 1000, 12, 64)
        };
        Self {
            clutter: ClutterConfig::default(),
            train_images,
            val_images,
            test_images,
            explained,
            channels: vec![16, 32, 64],
            layer: "blocks.1".into(),
            train: TrainConfig {
                epochs,
                batch_size: batch,
                optimizer: OptimizerConfig::adam(1e-3),
                seed,
                progress: !quick,
                ..TrainConfig::default()
            },
            smooth_samples: if quick { 8 } else { 16 },
            smooth_std: 0.2,
            tolerance: 2,
            steps: 16,
            gallery: 6,
            seed,
        }
    }

    /// Check the values.
    pub fn validate(&self) -> crate::Result<()> {
        self.clutter.validate(28)?;
        self.train.validate()?;
        let bad = |m: &str| Err(crate::Error::config(format!("smooth-gradcam: {m}")));
        if self.train_images == 0 || self.val_images == 0 || self.test_images == 0 {
            return bad("image counts must be positive");
        }
        if self.explained == 0 || self.explained > self.test_images {
            return bad("explained must be in 1..=test_images");
        }
        if self.channels.is_empty() || self.channels.iter().any(|&c| c < 1) {
            return bad("channels must be a non-empty list of positive counts");
        }
        if self.smooth_samples == 0 || !(self.smooth_std >= 0.0 && self.smooth_std.is_finite()) {
            return bad("smooth_samples ≥ 1 and a finite smooth_std ≥ 0 are needed");
        }
        if self.steps == 0 || self.tolerance < 0 {
            return bad("steps ≥ 1 and tolerance ≥ 0 are needed");
        }
        Ok(())
    }
}

/// One method's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    pub key: String,
    pub name: String,
    /// Fraction of explained images whose map peaks on the digit.
    pub pointing: f64,
    /// Mean areas under the deletion (lower is better) and insertion (higher) curves.
    pub deletion_auc: f64,
    pub insertion_auc: f64,
    /// Mean curves, `steps + 1` points.
    pub deletion_curve: Vec<f64>,
    pub insertion_curve: Vec<f64>,
    pub seconds_per_image: f64,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmoothGradCamMetrics {
    pub data: String,
    pub parameters: usize,
    pub epochs_run: usize,
    pub test_accuracy: f64,
    /// Pointing-game rate of a map that peaks at a uniformly random pixel (expected), and of
    /// one that always peaks at the canvas centre (measured): the floors.
    pub pointing_random: f64,
    pub pointing_centre: f64,
    pub explained: usize,
    pub methods: Vec<MethodResult>,
    /// The goal: Smooth Grad-CAM++ ≥ Grad-CAM++ on the pointing game.
    pub smooth_ge_gradcampp: bool,
    pub seed: u64,
}

impl SmoothGradCamMetrics {
    /// A method's scores by key.
    pub fn get(&self, key: &str) -> Option<&MethodResult> {
        self.methods.iter().find(|m| m.key == key)
    }
}

/// The reproduction.
pub struct SmoothGradCam;

impl Experiment for SmoothGradCam {
    type Config = SmoothGradCamConfig;
    type Metrics = SmoothGradCamMetrics;

    fn id(&self) -> &'static str {
        "smooth-gradcam"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<SmoothGradCamConfig> {
        Ok(SmoothGradCamConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &SmoothGradCamConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &SmoothGradCamConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<SmoothGradCamMetrics> {
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &SmoothGradCamMetrics) -> Vec<MetricRow> {
        let mut rows = vec![
            MetricRow::new("cnn", "test", "accuracy", m.test_accuracy),
            MetricRow::new("random", "explained", "pointing", m.pointing_random),
            MetricRow::new("centre", "explained", "pointing", m.pointing_centre),
        ];
        for r in &m.methods {
            for (k, v) in [
                ("pointing", r.pointing),
                ("deletion_auc", r.deletion_auc),
                ("insertion_auc", r.insertion_auc),
            ] {
                rows.push(MetricRow::new(&r.key, "explained", k, v));
            }
        }
        rows
    }
}
