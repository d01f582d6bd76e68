//! Data augmentation for speech classifiers, and the per-model recipe that selects it:
//!
//! * [`specaug`] — SpecAugment (Park et al., Interspeech 2019): time and frequency masks and an
//!   optional time warp, drawn from a seeded [`deepfield_core::rng::Rng`] and applied to padded
//!   feature batches `[B, T, F]` while training ([`Augmented`]);
//! * [`perturb`] — speed perturbation of waveforms by resampling (Ko et al., Interspeech 2015)
//!   and pitch shift by resampling plus a time-stretch of the MFCC frames back to the original
//!   duration, as extra training copies;
//! * per-speaker CMVN lives with the features ([`crate::features::speaker_cmvn`]).

pub mod perturb;
pub mod specaug;

use serde::{Deserialize, Serialize};

pub use perturb::{perturbed_features, speed_perturb, stretch_frames, PerturbConfig, PITCH_METHOD};
pub use specaug::{draw_masks, spec_augment, Augmented, SampleMasks, SpecAugmentConfig};

use crate::Result;

/// What a model is trained with beyond its plain features (every field off by default).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AugmentConfig {
    /// SpecAugment on every training batch (`None`: off).
    pub spec_augment: Option<SpecAugmentConfig>,
    /// Speed- and pitch-perturbed copies of every training clip (`None`: off).
    pub perturb: Option<PerturbConfig>,
    /// Per-speaker (per-participant) CMVN of the features, in training and at inference.
    pub speaker_cmvn: bool,
}

impl AugmentConfig {
    /// Check every part.
    pub fn validate(&self) -> Result<()> {
        if let Some(s) = &self.spec_augment {
            s.validate()?;
        }
        if let Some(p) = &self.perturb {
            p.validate()?;
        }
        Ok(())
    }

    /// Short description for tables (`none`, `SpecAugment + speed/pitch + speaker CMVN`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.spec_augment.is_some() {
            parts.push("SpecAugment");
        }
        if self.perturb.is_some() {
            parts.push("speed/pitch");
        }
        if self.speaker_cmvn {
            parts.push("speaker CMVN");
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(" + ")
        }
    }
}
