//! What a `subword-asr` run is configured with (`config.json`).

use deepfield_core::train::{EarlyStopping, OptimizerConfig, TrainConfig};
use serde::{Deserialize, Serialize};

use crate::asr::corpus::CorpusConfig;
use crate::asr::decode::BeamConfig;
use crate::asr::logmel::LogMelConfig;
use crate::asr::model::AcousticConfig;
use crate::asr::text::Language;
use crate::asr::units::UnitKind;
use crate::error::ensure_config;
use crate::Result;

/// The full configuration of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubwordAsrConfig {
    pub seed: u64,
    pub languages: Vec<Language>,
    /// Unit kinds compared (words first: the baseline).
    pub units: Vec<UnitKind>,
    pub corpus: CorpusConfig,
    pub logmel: LogMelConfig,
    /// Network shape (`n_classes` is set per unit inventory).
    pub net: AcousticConfig,
    pub train: TrainConfig,
    /// Target vocabulary of the BPE and Unigram tokenisers.
    pub subword_vocab: usize,
    /// n-gram order of the unit LMs.
    pub lm_order: usize,
    /// Beam width and candidates per frame (weight and bonus are chosen on validation).
    pub beam: BeamConfig,
    /// LM weights tried on validation.
    pub lm_weights: Vec<f64>,
    /// Insertion bonuses tried on validation.
    pub bonuses: Vec<f64>,
}

impl Default for SubwordAsrConfig {
    fn default() -> Self {
        SubwordAsrConfig::full(0)
    }
}

impl SubwordAsrConfig {
    /// The full run: every phrase of both languages, two renditions of each training phrase,
    /// up to 30 epochs with early stopping (patience 4) on the validation CTC loss.
    pub fn full(seed: u64) -> Self {
        SubwordAsrConfig {
            seed,
            languages: Language::ALL.to_vec(),
            units: UnitKind::ALL.to_vec(),
            corpus: CorpusConfig::default(),
            logmel: LogMelConfig::default(),
            net: AcousticConfig::default(),
            train: TrainConfig {
                epochs: 30,
                batch_size: 16,
                optimizer: OptimizerConfig::adam(1e-3),
                grad_clip_norm: Some(5.0),
                early_stopping: Some(EarlyStopping::new("val_loss", 4)),
                seed,
                ..Default::default()
            },
            subword_vocab: 500,
            lm_order: 3,
            beam: BeamConfig::default(),
            lm_weights: vec![0.0, 0.3, 0.6, 1.0],
            bonuses: vec![0.0, 1.0, 2.0],
        }
    }

    /// The quick run (tests, smoke checks): Tamil only, words vs knowledge-driven subwords vs
    /// characters, 600 training phrases spoken once, a smaller network, 8 epochs.
    pub fn quick(seed: u64) -> Self {
        let mut c = Self::full(seed);
        c.languages = vec![Language::Tamil];
        c.units = vec![UnitKind::Word, UnitKind::Morph, UnitKind::Char];
        c.corpus.max_phrases = [Some(600), Some(60), Some(80)];
        c.corpus.train_renditions = 1;
        c.net.channels = 16;
        c.net.hidden = 96;
        c.net.layers = 1;
        c.train.epochs = 8;
        c.train.early_stopping = None;
        c.subword_vocab = 200;
        c.lm_weights = vec![0.0, 0.5];
        c.bonuses = vec![0.0, 1.0];
        c
    }

    /// Check every part.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(!self.languages.is_empty(), "subword-asr: no language");
        ensure_config!(
            self.units.contains(&UnitKind::Word) && self.units.len() >= 2,
            "subword-asr: the word baseline and at least one other unit kind are needed"
        );
        self.corpus.validate()?;
        self.logmel.validate()?;
        self.net.validate()?;
        self.train.validate()?;
        ensure_config!(self.lm_order >= 1, "subword-asr: lm_order must be ≥ 1");
        ensure_config!(
            !self.lm_weights.is_empty() && !self.bonuses.is_empty(),
            "subword-asr: lm_weights and bonuses must not be empty"
        );
        ensure_config!(
            self.net.n_mels as usize == self.logmel.n_mels,
            "subword-asr: net.n_mels must equal logmel.n_mels"
        );
        Ok(())
    }
}
