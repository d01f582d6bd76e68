//! `trsa`: "The Topology and Geometry of Neural Representations" (Lin & Kriegeskorte, PNAS 2024)
//! in miniature — can a layer of a trained network be identified from a noisy measurement of its
//! representation, by RSA (geometry), topological RSA (geo-topological transform) or pure
//! topology (a binarised neighbourhood graph), as the measurement noise grows?
//!
//! The paper identifies layers of deep networks (and brain regions) from simulated noisy
//! fMRI-like data; here the "brain" is LeNet-5 trained on MNIST, its five layers' responses to
//! a stimulus set of test digits are the model representations, and each measurement is a
//! layer's response plus Gaussian noise (two independent repetitions, so the measured RDM is a
//! crossnobis RDM, unbiased by the noise). A layer is identified when its clean RDM is the most
//! similar (whitened cosine) to the measured one after the same transform. The RDMs, comparators
//! and transforms are `deepfield_core::explain::rsa` (checked against rsatoolbox).

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::{OptimizerConfig, TrainConfig};

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrsaConfig {
    /// Training digits for LeNet-5.
    pub train_images: usize,
    pub train: TrainConfig,
    /// Stimuli: this many test digits of each class.
    pub per_class: usize,
    /// The identified layers (LeNet-5's tap names).
    pub layers: Vec<String>,
    /// Noise σ as multiples of each layer's response standard deviation.
    pub noise_levels: Vec<f64>,
    /// Noisy measurements per layer and level.
    pub trials: usize,
    /// Geo-topological quantiles (tRSA).
    pub gt_low: f64,
    pub gt_up: f64,
    /// Binarising quantile (pure topology).
    pub topology_quantile: f64,
    pub seed: u64,
}

impl Default for TrsaConfig {
    fn default() -> Self {
        Self::new(false, 0)
    }
}

impl TrsaConfig {
    /// The full run, or the quick one.
    pub fn new(quick: bool, seed: u64) -> Self {
        Self {
            train_images: if quick { 6000 } else { 60000 },
            train: TrainConfig {
                epochs: if quick { 2 } else { 5 },
                batch_size: 64,
                optimizer: OptimizerConfig::adam(1e-3),
                seed,
                progress: !quick,
                ..TrainConfig::default()
            },
            per_class: if quick { 4 } else { 8 },
            layers: ["conv1", "conv2", "fc1", "fc2", "fc3"]
                .map(String::from)
                .to_vec(),
            noise_levels: vec![0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0],
            trials: if quick { 4 } else { 20 },
            gt_low: 0.1,
            gt_up: 0.5,
            topology_quantile: 0.3,
            seed,
        }
    }

    /// Check the values.
    pub fn validate(&self) -> crate::Result<()> {
        self.train.validate()?;
        let bad = |m: &str| Err(crate::Error::config(format!("trsa: {m}")));
        if self.train_images == 0 || self.per_class == 0 || self.trials == 0 {
            return bad("train_images, per_class and trials must be positive");
        }
        if self.layers.len() < 2 {
            return bad("at least two layers are needed to identify one");
        }
        if self.noise_levels.is_empty() || self.noise_levels.iter().any(|s| s.is_nan() || *s < 0.0)
        {
            return bad("noise levels must be a non-empty list of values ≥ 0");
        }
        if !(0.0 <= self.gt_low && self.gt_low < self.gt_up && self.gt_up <= 1.0) {
            return bad("0 ≤ gt_low < gt_up ≤ 1 is needed");
        }
        if !(0.0..=1.0).contains(&self.topology_quantile) {
            return bad("topology_quantile must be in [0, 1]");
        }
        Ok(())
    }
}

/// Identification accuracy of one method at every noise level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodCurve {
    pub key: String,
    pub name: String,
    pub accuracy: Vec<f64>,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrsaMetrics {
    pub test_accuracy: f64,
    pub stimuli: usize,
    pub layers: Vec<String>,
    pub noise_levels: Vec<f64>,
    /// Chance: one layer in `layers.len()`.
    pub chance: f64,
    pub methods: Vec<MethodCurve>,
    /// Whitened cosine between the clean RDMs of every pair of layers (geometry).
    pub layer_similarity: Vec<Vec<f64>>,
    pub seed: u64,
}

impl TrsaMetrics {
    /// A method's curve by key.
    pub fn get(&self, key: &str) -> Option<&MethodCurve> {
        self.methods.iter().find(|m| m.key == key)
    }
}

/// The reproduction.
pub struct Trsa;

impl Experiment for Trsa {
    type Config = TrsaConfig;
    type Metrics = TrsaMetrics;

    fn id(&self) -> &'static str {
        "trsa"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<TrsaConfig> {
        Ok(TrsaConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &TrsaConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &TrsaConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<TrsaMetrics> {
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &TrsaMetrics) -> Vec<MetricRow> {
        let mut rows = vec![MetricRow::new(
            "lenet5",
            "test",
            "accuracy",
            m.test_accuracy,
        )];
        for c in &m.methods {
            for (s, a) in m.noise_levels.iter().zip(&c.accuracy) {
                rows.push(MetricRow::new(
                    &c.key,
                    format!("noise_{s}"),
                    "identification_accuracy",
                    *a,
                ));
            }
        }
        rows
    }
}
