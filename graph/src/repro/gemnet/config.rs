//! The settings of the `gemnet-oc` reproduction: the two models, the training, and the splits.

use serde::{Deserialize, Serialize};

use crate::potential::fit::FitConfig;
use crate::potential::gemnet::GemNetConfig;
use crate::potential::schnet::SchNetConfig;

/// Frames drawn (seeded shuffle) from one file for training, validation and test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SplitSizes {
    pub train: usize,
    pub val: usize,
    pub test: usize,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GemNetOcConfig {
    /// Seed of weights, splits and batch order.
    pub seed: u64,
    /// Radius-graph cut-off of both models (Å; SchNetPack and GemNet use 5 Å on MD17).
    pub cutoff: f64,
    /// Which models to train: `schnet`, `gemnet`.
    pub models: Vec<String>,
    /// SchNet's architecture (its `setup` is filled from the training frames).
    pub schnet: SchNetConfig,
    /// The directional model's architecture (its `setup` likewise).
    pub gemnet: GemNetConfig,
    /// Training of every model.
    pub fit: FitConfig,
    /// rMD17 ethanol: split of the 1,000 frames (`None`: skip).
    pub ethanol: Option<SplitSizes>,
    /// Acetylacetone: split of the 500 frames at 300 K (all 600 K frames are a second test set;
    /// `None`: skip).
    pub acac: Option<SplitSizes>,
    /// Test on at most this many 600 K frames (`None`: all 500).
    pub acac_600k_limit: Option<usize>,
}

impl Default for GemNetOcConfig {
    /// The full run: the splits of the task; model sizes and epochs cut to what two shared CPU
    /// cores train in about half an hour (GemNet-T trains 128/128/64 embeddings for days on a
    /// GPU). SchNet keeps its paper size (64 features, 3 interactions); the directional model
    /// runs 32/32/16 with 3 blocks, so it has fewer parameters than SchNet.
    fn default() -> Self {
        let mut c = GemNetOcConfig {
            seed: 0,
            cutoff: 5.0,
            models: vec!["schnet".into(), "gemnet".into()],
            schnet: SchNetConfig::default(),
            gemnet: GemNetConfig::default(),
            fit: FitConfig::default(),
            ethanol: Some(SplitSizes {
                train: 800,
                val: 100,
                test: 100,
            }),
            acac: Some(SplitSizes {
                train: 400,
                val: 50,
                test: 50,
            }),
            acac_600k_limit: None,
        };
        c.gemnet.atom_features = 32;
        c.gemnet.edge_features = 32;
        c.gemnet.triplet_features = 16;
        c.fit.epochs = 30;
        c.fit.lr = 2e-3;
        c
    }
}

impl GemNetOcConfig {
    /// A short run for tests: 100 ethanol and 30 acetylacetone training frames, 10 epochs,
    /// smaller models.
    pub fn quick(seed: u64) -> Self {
        let mut c = GemNetOcConfig {
            seed,
            ethanol: Some(SplitSizes {
                train: 100,
                val: 20,
                test: 40,
            }),
            acac: Some(SplitSizes {
                train: 30,
                val: 8,
                test: 16,
            }),
            acac_600k_limit: Some(20),
            ..Default::default()
        };
        c.fit.epochs = 10;
        c.fit.batch_size = 8;
        c.fit.seed = seed;
        c.schnet.features = 32;
        c.schnet.interactions = 2;
        c.gemnet.blocks = 2;
        c
    }

    /// Check every field.
    pub fn validate(&self) -> deepfield_core::Result<()> {
        use deepfield_core::models::ModelConfig;
        deepfield_core::ensure_config!(
            self.cutoff > 0.0 && self.cutoff.is_finite(),
            "gemnet-oc: cutoff must be > 0"
        );
        deepfield_core::ensure_config!(!self.models.is_empty(), "gemnet-oc: no models");
        for m in &self.models {
            deepfield_core::ensure_config!(
                m == "schnet" || m == "gemnet",
                "gemnet-oc: unknown model `{m}` (schnet, gemnet)"
            );
        }
        deepfield_core::ensure_config!(
            self.ethanol.is_some() || self.acac.is_some(),
            "gemnet-oc: neither ethanol nor acac is selected"
        );
        for (name, s, total) in [("ethanol", self.ethanol, 1000), ("acac", self.acac, 500)] {
            if let Some(s) = s {
                deepfield_core::ensure_config!(
                    s.train >= 1 && s.val >= 1 && s.test >= 1 && s.train + s.val + s.test <= total,
                    "gemnet-oc: {name} split {}/{}/{} must be >= 1 each and fit in {total} frames",
                    s.train,
                    s.val,
                    s.test
                );
            }
        }
        self.schnet.validate()?;
        self.gemnet.validate()?;
        self.fit.validate()
    }
}
