//! The `gmna` run config: label column, folds, k-mer profile, Naive Bayes and CNN settings.

use serde::{Deserialize, Serialize};

use crate::gmna::cnn::CnnSettings;
use crate::seq::ProfileConfig;
use crate::{Error, Result};

/// Everything a GMNA run needs; saved as `config.json` (fields left out of a `--config` file
/// take the full run's values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GmnaConfig {
    /// Metadata column joined with the FASTA ids.
    pub id_column: String,
    /// Metadata column to classify (`region`, `country`, …).
    pub label_column: String,
    /// Labels with fewer genomes are left out (stratified CV needs one per fold).
    pub min_class_size: usize,
    /// Cross-validation folds.
    pub folds: usize,
    /// Folds on which the CNN is trained (≤ `folds`; fewer in quick mode).
    pub cnn_folds: usize,
    pub profile: ProfileConfig,
    /// Naive Bayes smoothing α.
    pub nb_alpha: f64,
    pub cnn: CnnSettings,
    /// Edges with a soft misclassification rate at or below this are not drawn.
    pub edge_threshold: f64,
    pub seed: u64,
}

impl Default for GmnaConfig {
    fn default() -> Self {
        GmnaConfig {
            id_column: "strain".into(),
            label_column: "country".into(),
            min_class_size: 5,
            folds: 5,
            cnn_folds: 5,
            profile: ProfileConfig {
                k: 8,
                canonical: false,
                hashed_bits: 20,
            },
            nb_alpha: 0.01,
            cnn: CnnSettings::default(),
            edge_threshold: 0.005,
            seed: 0,
        }
    }
}

impl GmnaConfig {
    /// The quick variant used by tests: 5-fold Naive Bayes, CNN trained on one fold for a few
    /// epochs over the first 12,000 nt of each genome (stated in the report).
    pub fn quick(seed: u64) -> Self {
        let mut c = GmnaConfig {
            cnn_folds: 1,
            seed,
            ..Default::default()
        };
        c.cnn.length = 12_000;
        c.cnn.train.epochs = 4;
        c
    }

    /// Check the settings.
    pub fn validate(&self) -> Result<()> {
        self.profile.validate()?;
        if self.folds < 2 || self.cnn_folds > self.folds {
            return Err(Error::config(format!(
                "folds must be ≥ 2 and cnn_folds ≤ folds (got {} and {})",
                self.folds, self.cnn_folds
            )));
        }
        if self.min_class_size < self.folds {
            return Err(Error::config(format!(
                "min_class_size ({}) must be ≥ folds ({})",
                self.min_class_size, self.folds
            )));
        }
        if self.cnn.length < 256 {
            return Err(Error::config("cnn.length must be ≥ 256"));
        }
        Ok(())
    }
}
