//! A trained recogniser on disk and its use on a user's WAV files.
//!
//! A model folder (core's checkpoint, [`deepfield_core::models::save_model`]) holds the
//! weights and an [`AsrModelConfig`] — front end, frame scaler, unit list, network shape and
//! the decoding settings chosen on validation — plus `lm.json`, the n-gram LM over the units
//! (beam search runs without it when it is absent).

use std::path::{Path, PathBuf};

use deepfield_core::models::{self, restore_model};
use deepfield_core::tch::{nn, Device};
use serde::{Deserialize, Serialize};

use super::decode::{beam_search, greedy, BeamConfig};
use super::lm::NGram;
use super::logmel::{LogMel, LogMelConfig};
use super::model::{AcousticConfig, AcousticModel};
use super::text::Language;
use super::train::{items, posteriors};
use super::units::{join, UnitKind};
use crate::features::FrameScaler;
use crate::resample::resample;
use crate::wav::read_wav_limited;
use crate::{Error, Result};

/// The LM file of a model folder.
pub const LM_FILE: &str = "lm.json";
/// Longest recording `transcribe` accepts, seconds.
pub const MAX_SECONDS: f64 = 120.0;

/// Everything needed to rebuild and run a recogniser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsrModelConfig {
    /// The reproduction that trained it.
    pub id: String,
    pub language: Language,
    pub unit_kind: UnitKind,
    /// The units, in class order (class `i + 1`; 0 is the CTC blank).
    pub units: Vec<String>,
    pub logmel: LogMelConfig,
    /// Training-set statistics of the log-mel bands.
    pub scaler: FrameScaler,
    pub net: AcousticConfig,
    /// Beam width, LM weight and insertion bonus chosen on validation.
    pub beam: BeamConfig,
}

impl models::ModelConfig for AsrModelConfig {
    const KIND: &'static str = "audio.ctc_asr";
    const DESCRIPTION: &'static str = "log-mel → CNN + BiLSTM → CTC over words/characters/subwords \
         (subword-asr); input scaled log-mel frames [B, T, 40], output log-probs [B, T/2, 1 + units]";
    type Model = AcousticModel;

    fn validate(&self) -> deepfield_core::Result<()> {
        let run = || -> Result<()> {
            self.logmel.validate()?;
            self.net.validate()?;
            if self.units.len() as i64 + 1 != self.net.n_classes {
                return Err(Error::Config(format!(
                    "asr model: {} units but {} output classes (expected units + 1)",
                    self.units.len(),
                    self.net.n_classes
                )));
            }
            if self.scaler.mean.len() != self.logmel.n_mels
                || self.net.n_mels as usize != self.logmel.n_mels
            {
                return Err(Error::Config(
                    "asr model: scaler, front end and network disagree on n_mels".into(),
                ));
            }
            Ok(())
        };
        run().map_err(Error::into_core)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<AcousticModel> {
        self.net.init(path).map_err(Error::into_core)
    }
}

/// A restored recogniser.
pub struct Transcriber {
    pub config: AsrModelConfig,
    pub model: AcousticModel,
    pub lm: Option<NGram>,
    /// The folder it came from.
    pub dir: PathBuf,
    logmel: LogMel,
    device: Device,
    _vs: nn::VarStore,
}

/// `dir`, or `dir/model` when `dir` is a results folder.
fn model_folder(dir: &Path) -> PathBuf {
    let inner = deepfield_core::repro::model_dir(dir);
    if inner.is_dir() {
        inner
    } else {
        dir.to_path_buf()
    }
}

impl Transcriber {
    /// Restore the model of `dir` (a model folder, or a results folder with `model/`).
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::input(format!(
                "{}: no such model folder (train one with `deepfield-audio run subword-asr`, then pass \
                 results/subword-asr/model or results/subword-asr/model-<language>-<unit>)",
                dir.display()
            )));
        }
        let dir = model_folder(dir);
        let device = deepfield_core::device();
        let (config, vs, model) = restore_model::<AsrModelConfig>(&dir, device)?;
        let lm_path = dir.join(LM_FILE);
        let lm = if lm_path.is_file() {
            let text = std::fs::read_to_string(&lm_path)
                .map_err(|e| Error::input(format!("{}: {e}", lm_path.display())))?;
            let mut lm: NGram = serde_json::from_str(&text).map_err(|e| {
                Error::input(format!("{}: not an n-gram LM file: {e}", lm_path.display()))
            })?;
            if lm.vocab != config.units.len() {
                return Err(Error::input(format!(
                    "{}: LM over {} units, model has {}",
                    lm_path.display(),
                    lm.vocab,
                    config.units.len()
                )));
            }
            lm.reindex();
            Some(lm)
        } else {
            None
        };
        Ok(Transcriber {
            logmel: LogMel::new(&config.logmel)?,
            config,
            model,
            lm,
            dir,
            device,
            _vs: vs,
        })
    }

    /// The text of one WAV file (any rate, mono or downmixed); `beam` uses the beam search
    /// with the LM, else greedy decoding. Errors name the file.
    pub fn transcribe(&self, path: &Path, beam: bool) -> Result<String> {
        let (audio, _) = read_wav_limited(path, MAX_SECONDS)?;
        let bad = |e: Error| match e {
            Error::BadAudio { .. } => e,
            other => Error::bad_audio(path, other.to_string()),
        };
        let rate = self.config.logmel.sample_rate;
        let x = resample(&audio.samples, audio.sample_rate, rate).map_err(bad)?;
        let feats = self.logmel.compute(&x).map_err(bad)?;
        let it = items(&[&feats], &[""], &self.config.scaler, None).map_err(bad)?;
        let post = posteriors(&self.model, &it, 1, self.device)?;
        let p = post.first().map(Vec::as_slice).unwrap_or_default();
        let ids = if beam {
            beam_search(p, self.lm.as_ref(), &self.config.beam)
        } else {
            greedy(p)
        };
        Ok(join(ids.iter().filter_map(|&i| {
            self.config.units.get(i).map(String::as_str)
        })))
    }
}
