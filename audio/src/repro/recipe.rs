//! Rows of the results table beyond the plain `models`: a network with its training recipe
//! (augmentation and normalisation, [`AugmentConfig`]), so one run can hold an ablation — the
//! same CRNN without augmentation, + SpecAugment, + speed/pitch perturbation, + per-speaker
//! CMVN — beside the paper's BiLSTM.

use serde::{Deserialize, Serialize};

use crate::augment::{AugmentConfig, PerturbConfig, SpecAugmentConfig};
use crate::model::ModelConfig;

/// A network and how it is trained; saved as `model-<key>/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// Folder and table key (letters, digits, `-`, `_`), unique within a run.
    pub key: String,
    /// Display name.
    pub name: String,
    pub model: ModelConfig,
    #[serde(default)]
    pub augment: AugmentConfig,
}

impl Recipe {
    /// A plain model (no augmentation) under its own key and name.
    pub fn plain(model: ModelConfig) -> Self {
        Recipe {
            key: model.key().into(),
            name: model.name().into(),
            model,
            augment: AugmentConfig::default(),
        }
    }
}

/// Which parts of [`AugmentConfig`] a step of the ablation switches on.
#[derive(Debug, Clone, Copy)]
struct Step {
    spec_augment: bool,
    perturb: bool,
    speaker_cmvn: bool,
}

/// The cumulative ablation of the CRNN: none → + SpecAugment → + speed/pitch → + speaker CMVN
/// (keys `crnn`, `crnn-sa`, `crnn-sa-sp`, `crnn-sa-sp-cmvn`), every step with the default
/// policies ([`SpecAugmentConfig::default`], [`PerturbConfig::default`]).
pub fn crnn_ablation(features: i64, classes: i64) -> Vec<Recipe> {
    let steps = [
        (
            "crnn",
            "CRNN",
            Step {
                spec_augment: false,
                perturb: false,
                speaker_cmvn: false,
            },
        ),
        (
            "crnn-sa",
            "CRNN + SpecAugment",
            Step {
                spec_augment: true,
                perturb: false,
                speaker_cmvn: false,
            },
        ),
        (
            "crnn-sa-sp",
            "CRNN + SpecAugment + speed/pitch",
            Step {
                spec_augment: true,
                perturb: true,
                speaker_cmvn: false,
            },
        ),
        (
            "crnn-sa-sp-cmvn",
            "CRNN + SpecAugment + speed/pitch + speaker CMVN",
            Step {
                spec_augment: true,
                perturb: true,
                speaker_cmvn: true,
            },
        ),
    ];
    steps
        .into_iter()
        .map(|(key, name, s)| Recipe {
            key: key.into(),
            name: name.into(),
            model: ModelConfig::crnn(features, classes),
            augment: AugmentConfig {
                spec_augment: s.spec_augment.then(SpecAugmentConfig::default),
                perturb: s.perturb.then(PerturbConfig::default),
                speaker_cmvn: s.speaker_cmvn,
            },
        })
        .collect()
}
