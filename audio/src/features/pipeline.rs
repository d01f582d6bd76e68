//! The front end every model uses: a WAV file or signal → resampled to the model rate → MFCC →
//! optional deltas and delta-deltas → optional per-utterance CMVN → at most `max_frames` frames.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::deltas::deltas;
use super::mfcc::{Mfcc, MfccConfig};
use super::norm::cmvn;
use super::FeatureMatrix;
use crate::error::ensure_config;
use crate::resample::resample;
use crate::wav::{read_wav_limited, Audio, DEFAULT_MAX_SECONDS};
use crate::{Error, Result};

/// Front-end parameters (saved with every trained model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// MFCC parameters; `mfcc.sample_rate` is the model rate every input is resampled to.
    pub mfcc: MfccConfig,
    /// 0: MFCC only; 1: + deltas; 2: + deltas and delta-deltas.
    pub delta_order: usize,
    /// Regression half-width `N` of the deltas.
    pub delta_width: usize,
    /// Per-utterance CMVN.
    pub cmvn: bool,
    /// Per-speaker CMVN ([`super::speaker_cmvn`]): every coefficient standardised over all
    /// frames of one speaker's clips. Not part of [`FrontEnd`] (it needs a set of clips): the
    /// experiment applies it per speaker, `eval`/`explain` per speaker named by the file names
    /// (the label rule), or over all files of the input when they name none.
    #[serde(default)]
    pub speaker_cmvn: bool,
    /// Keep at most this many frames (the start of longer recordings).
    pub max_frames: usize,
    /// Longest input accepted, seconds.
    pub max_seconds: f64,
}

impl FeatureConfig {
    /// The reproductions' front end: [`MfccConfig::speech`] at `sample_rate`, 13 MFCC + Δ + ΔΔ
    /// (39 features), no CMVN (a training-set scaler standardises instead), ≤ 1000 frames (10 s).
    pub fn speech(sample_rate: u32) -> Self {
        FeatureConfig {
            mfcc: MfccConfig::speech(sample_rate),
            delta_order: 2,
            delta_width: 2,
            cmvn: false,
            speaker_cmvn: false,
            max_frames: 1000,
            max_seconds: DEFAULT_MAX_SECONDS,
        }
    }

    /// Features per frame.
    pub fn n_features(&self) -> usize {
        self.mfcc.n_mfcc * (1 + self.delta_order)
    }

    /// Check every parameter.
    pub fn validate(&self) -> Result<()> {
        self.mfcc.validate()?;
        ensure_config!(
            self.delta_order <= 2,
            "features: delta_order must be 0, 1 or 2"
        );
        ensure_config!(self.delta_width >= 1, "features: delta_width must be ≥ 1");
        ensure_config!(self.max_frames >= 1, "features: max_frames must be ≥ 1");
        ensure_config!(self.max_seconds > 0.0, "features: max_seconds must be > 0");
        Ok(())
    }
}

/// A ready front end.
#[derive(Debug)]
pub struct FrontEnd {
    cfg: FeatureConfig,
    mfcc: Mfcc,
}

impl FrontEnd {
    /// Build the front end.
    pub fn new(cfg: &FeatureConfig) -> Result<Self> {
        cfg.validate()?;
        Ok(FrontEnd {
            mfcc: Mfcc::new(&cfg.mfcc)?,
            cfg: cfg.clone(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FeatureConfig {
        &self.cfg
    }

    /// Features of a recording at any rate.
    pub fn from_audio(&self, audio: &Audio) -> Result<FeatureMatrix> {
        let rate = self.cfg.mfcc.sample_rate;
        let resampled;
        let x: &[f32] = if audio.sample_rate == rate {
            &audio.samples
        } else {
            resampled = resample(&audio.samples, audio.sample_rate, rate)?;
            &resampled
        };
        self.from_signal(x)
    }

    /// Features of a signal already at the model rate.
    pub fn from_signal(&self, x: &[f32]) -> Result<FeatureMatrix> {
        self.from_signal_stretched(x, None)
    }

    /// MFCC frames (before the `max_frames` cut) of a signal at the model rate.
    pub fn static_frames(&self, x: &[f32]) -> Result<usize> {
        Ok(self.mfcc.compute(x)?.rows)
    }

    /// [`from_signal`](Self::from_signal) with the static MFCC frames linearly time-stretched to
    /// `rows` frames before the deltas (the pitch-shift augmentation,
    /// [`crate::augment::perturb`]); `None` is `from_signal`.
    pub fn from_signal_stretched(&self, x: &[f32], rows: Option<usize>) -> Result<FeatureMatrix> {
        let mut c = self.mfcc.compute(x)?;
        if let Some(rows) = rows {
            c = crate::augment::stretch_frames(&c, rows.max(1));
        }
        let mut m = match self.cfg.delta_order {
            0 => c,
            1 => {
                let d = deltas(&c, self.cfg.delta_width);
                FeatureMatrix::hstack(&[&c, &d])
            }
            _ => {
                let d = deltas(&c, self.cfg.delta_width);
                let dd = deltas(&d, self.cfg.delta_width);
                FeatureMatrix::hstack(&[&c, &d, &dd])
            }
        };
        if self.cfg.cmvn {
            m = cmvn(&m);
        }
        if m.rows > self.cfg.max_frames {
            m.rows = self.cfg.max_frames;
            m.data.truncate(m.rows * m.cols);
        }
        Ok(m)
    }

    /// Features of a WAV file; errors name the file.
    pub fn from_file(&self, path: &Path) -> Result<FeatureMatrix> {
        let (audio, _) = read_wav_limited(path, self.cfg.max_seconds)?;
        self.from_audio(&audio).map_err(|e| match e {
            Error::BadAudio { .. } => e,
            other => Error::bad_audio(path, other.to_string()),
        })
    }
}
