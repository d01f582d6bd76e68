//! `galaxy-rotinv`: the rotation-invariant CNN of Dieleman, Willett & Dambre (2015) against a
//! plain CNN of equal parameter count, each with and without random-rotation augmentation, on
//! the six Galaxy Zoo 1 classes of `galaxy_zoo1_subset`, with accuracy as a function of the
//! test-time rotation angle (0–360° in 15° steps).
//!
//! Protocol: labels.csv + images/ decoded once (centre crop of half the 423-pixel side, i.e. the
//! galaxy's neighbourhood as the paper's 207/424 crop, resized to `input × input`, cached);
//! stratified train / validation / test split; per-channel mean and standard deviation from the
//! training images; rotations only, never flips (clockwise and anticlockwise spirals are
//! mirror images: a flip turns class 1 into class 2); model selection on validation accuracy;
//! the test images rotated by every angle about their centre (the model reads the central
//! `part × part` window, which stays inside the rotated image).
//!
//! [`GalaxyConfig`] and [`GalaxyMetrics`] here, the run in [`run`], the report in [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::{EarlyStopping, OptimizerConfig, TrainConfig};

use crate::data::Preprocess;
use crate::models::rotinv::CyclicPool;

/// One model of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    /// Key used for folders and tables (`rotinv_aug`, …).
    pub key: String,
    /// Cyclic slicing + pooling (the paper's network) or the plain CNN.
    pub cyclic: bool,
    /// Random rotations (uniform 0–360°) of every training batch.
    pub augment: bool,
}

impl Variant {
    /// A readable name for plots and the report.
    pub fn name(&self) -> String {
        format!(
            "{} CNN, {}",
            if self.cyclic {
                "rotation-invariant"
            } else {
                "plain"
            },
            if self.augment {
                "rotation augmentation"
            } else {
                "no augmentation"
            }
        )
    }
}

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GalaxyConfig {
    /// Decoding: centre-crop fraction and `input × input` size (mean/std are fitted on the
    /// training images at run time).
    pub preprocess: Preprocess,
    /// Side of the central window the networks read (≤ input / √2 so rotations never bring
    /// the blank corners in).
    pub part: i64,
    pub filters: [i64; 4],
    pub hidden: i64,
    pub dropout: f64,
    pub pool: CyclicPool,
    pub variants: Vec<Variant>,
    pub train: TrainConfig,
    pub val_frac: f64,
    pub test_frac: f64,
    /// Test-time rotation step, degrees.
    pub angle_step: f64,
    pub seed: u64,
}

impl Default for GalaxyConfig {
    fn default() -> Self {
        GalaxyConfig::new(false, 0)
    }
}

impl GalaxyConfig {
    /// The full run, or the quick one (smaller images and networks, fewer epochs).
    pub fn new(quick: bool, seed: u64) -> Self {
        let (input, part, filters, hidden, epochs) = if quick {
            (30, 20, [8, 16, 32, 32], 64, 25)
        } else {
            (46, 32, [16, 32, 64, 64], 256, 60)
        };
        let variants = [(true, true), (true, false), (false, true), (false, false)]
            .into_iter()
            .map(|(cyclic, augment)| Variant {
                key: format!(
                    "{}_{}",
                    if cyclic { "rotinv" } else { "plain" },
                    if augment { "aug" } else { "noaug" }
                ),
                cyclic,
                augment,
            })
            .collect();
        GalaxyConfig {
            preprocess: Preprocess {
                channels: 3,
                crop_fraction: 0.5,
                height: input,
                width: input,
                ..Preprocess::default()
            },
            part: part as i64,
            filters,
            hidden,
            dropout: 0.5,
            pool: CyclicPool::Mean,
            variants,
            train: TrainConfig {
                epochs,
                batch_size: 32,
                optimizer: OptimizerConfig::adam(1e-3),
                early_stopping: Some(EarlyStopping::new(
                    "val_accuracy",
                    if quick { 12 } else { 15 },
                )),
                seed,
                progress: false,
                ..TrainConfig::default()
            },
            val_frac: 0.1,
            test_frac: 0.2,
            angle_step: 15.0,
            seed,
        }
    }

    /// Check the values.
    pub fn validate(&self) -> crate::Result<()> {
        self.preprocess.validate()?;
        self.train.validate()?;
        let input = self.preprocess.height as f64;
        if self.preprocess.height != self.preprocess.width || self.preprocess.pad != 0 {
            return Err(crate::Error::config(
                "galaxy-rotinv: preprocess must give square images without padding",
            ));
        }
        if self.part < 8 || self.part as f64 > input / std::f64::consts::SQRT_2 + 0.5 {
            return Err(crate::Error::config(format!(
                "galaxy-rotinv: part must be in 8..=input/√2 ({:.0}), got {}",
                input / std::f64::consts::SQRT_2,
                self.part
            )));
        }
        if self.variants.is_empty() {
            return Err(crate::Error::config("galaxy-rotinv: no variants"));
        }
        if !(self.angle_step > 0.0 && self.angle_step <= 360.0) {
            return Err(crate::Error::config(
                "galaxy-rotinv: angle_step must be in (0, 360]",
            ));
        }
        Ok(())
    }
}

/// One model's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantResult {
    pub key: String,
    pub name: String,
    pub cyclic: bool,
    pub augment: bool,
    pub parameters: usize,
    pub epochs_run: usize,
    pub train_seconds: f64,
    /// Test accuracy and macro-F1 at 0°.
    pub accuracy: f64,
    pub f1_macro: f64,
    pub balanced_accuracy: f64,
    /// `confusion[true][predicted]` at 0°.
    pub confusion: Vec<Vec<u64>>,
    /// Test accuracy at each of [`GalaxyMetrics::angles`].
    pub accuracy_by_angle: Vec<f64>,
    /// Mean, minimum and maximum over the angles; spread = max − min; drop = accuracy at 0° −
    /// minimum.
    pub angle_mean: f64,
    pub angle_min: f64,
    pub angle_max: f64,
    pub angle_spread: f64,
    pub angle_drop: f64,
}

/// The three goals, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goals {
    /// The rotation-invariant model (with augmentation) varies by ≤ 1 point across angles.
    pub rotinv_spread_le_1pt: bool,
    /// The plain CNN without augmentation drops by ≥ 10 points at some angle.
    pub plain_drop_ge_10pt: bool,
    /// A rotation-invariant model is the most accurate (mean over angles).
    pub rotinv_most_accurate: bool,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GalaxyMetrics {
    pub data: String,
    pub images: usize,
    pub bad_files: usize,
    pub classes: Vec<String>,
    pub class_counts: Vec<usize>,
    pub train: usize,
    pub validation: usize,
    pub test: usize,
    /// Accuracy of always answering the largest training class, on the test split.
    pub majority_rate: f64,
    pub angles: Vec<f64>,
    pub variants: Vec<VariantResult>,
    pub goals: Goals,
    pub seed: u64,
}

impl GalaxyMetrics {
    /// A variant's results by key.
    pub fn get(&self, key: &str) -> Option<&VariantResult> {
        self.variants.iter().find(|v| v.key == key)
    }
}

/// The reproduction.
pub struct GalaxyRotinv;

impl Experiment for GalaxyRotinv {
    type Config = GalaxyConfig;
    type Metrics = GalaxyMetrics;

    fn id(&self) -> &'static str {
        "galaxy-rotinv"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<GalaxyConfig> {
        Ok(GalaxyConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &GalaxyConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &GalaxyConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<GalaxyMetrics> {
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &GalaxyMetrics) -> Vec<MetricRow> {
        let mut rows = vec![MetricRow::new(
            "majority",
            "test",
            "accuracy",
            m.majority_rate,
        )];
        for v in &m.variants {
            for (k, x) in [
                ("accuracy", v.accuracy),
                ("f1_macro", v.f1_macro),
                ("balanced_accuracy", v.balanced_accuracy),
                ("angle_mean_accuracy", v.angle_mean),
                ("angle_spread", v.angle_spread),
                ("angle_drop", v.angle_drop),
            ] {
                rows.push(MetricRow::new(&v.key, "test", k, x));
            }
            for (a, x) in m.angles.iter().zip(&v.accuracy_by_angle) {
                rows.push(MetricRow::new(
                    &v.key,
                    format!("test/rotated_{a:.0}"),
                    "accuracy",
                    *x,
                ));
            }
        }
        rows
    }

    fn summary(&self, m: &GalaxyMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.fold == "test" && r.metric != "balanced_accuracy")
            .collect()
    }
}
