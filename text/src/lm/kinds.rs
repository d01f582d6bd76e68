//! The character language models as registry kinds: `text.spikegpt` (the spiking RWKV of
//! SpikeGPT) and `text.rwkv` (its non-spiking twin). The saved config holds the RWKV config and
//! the character vocabulary, so a checkpoint folder is all `deepfield-text eval lm` and
//! `eval generate` need.

use serde::{Deserialize, Serialize};
use tch::nn;

use deepfield_core::models::ModelConfig;

use crate::rwkv::{RwkvConfig, RwkvLm};
use crate::vocab::Vocab;
use crate::{Error, Result};

/// A character RWKV language model; `SPIKING` selects SpikeGPT or the twin (two kinds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CharLmConfig<const SPIKING: bool> {
    pub rwkv: RwkvConfig,
    /// The vocabulary's tokens in id order (`<pad>`, `<unk>`, then the characters).
    pub vocab: Vec<String>,
}

/// SpikeGPT over characters (`text.spikegpt`).
pub type SpikeGptConfig = CharLmConfig<true>;
/// The non-spiking RWKV twin over characters (`text.rwkv`).
pub type RwkvLmConfig = CharLmConfig<false>;

impl<const SPIKING: bool> CharLmConfig<SPIKING> {
    /// The config of `rwkv` over `vocab` (the vocabulary size and the spiking switch are set to
    /// match).
    pub fn new(mut rwkv: RwkvConfig, vocab: &Vocab) -> Self {
        rwkv.vocab_size = vocab.len() as i64;
        if !SPIKING {
            rwkv.spiking = None;
        } else if rwkv.spiking.is_none() {
            rwkv.spiking = Some(Default::default());
        }
        CharLmConfig {
            rwkv,
            vocab: vocab.tokens().to_vec(),
        }
    }

    /// The registry kind (`text.spikegpt` or `text.rwkv`).
    pub fn kind() -> &'static str {
        if SPIKING {
            "text.spikegpt"
        } else {
            "text.rwkv"
        }
    }

    /// The vocabulary.
    pub fn vocab(&self) -> Result<Vocab> {
        Vocab::from_list(self.vocab.clone(), false)
    }

    fn check(&self) -> Result<()> {
        self.rwkv.validate()?;
        if self.rwkv.spiking.is_some() != SPIKING {
            return Err(Error::config(format!(
                "{}: `rwkv.spiking` must be {}",
                Self::kind(),
                if SPIKING { "set" } else { "null" }
            )));
        }
        if self.vocab.len() as i64 != self.rwkv.vocab_size {
            return Err(Error::config(format!(
                "{}: the vocabulary has {} entries but rwkv.vocab_size is {}",
                Self::kind(),
                self.vocab.len(),
                self.rwkv.vocab_size
            )));
        }
        self.vocab()?;
        Ok(())
    }
}

macro_rules! char_lm_kind {
    ($spiking:literal, $kind:literal, $description:literal) => {
        impl ModelConfig for CharLmConfig<$spiking> {
            const KIND: &'static str = $kind;
            const DESCRIPTION: &'static str = $description;
            type Model = RwkvLm;

            fn validate(&self) -> deepfield_core::Result<()> {
                Ok(self.check()?)
            }

            fn build(&self, path: &nn::Path) -> deepfield_core::Result<RwkvLm> {
                Ok(RwkvLm::new(path, &self.rwkv)?)
            }

            /// A small model on one 32-character sequence.
            fn example() -> Option<deepfield_core::profile::Example<Self>> {
                let chars: Vec<String> = ["<pad>", "<unk>", "a", "b", "c", " "]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                let vocab = Vocab::from_list(chars, false).ok()?;
                let c = Self::new(RwkvConfig::default(), &vocab);
                let x = tch::Tensor::randint(
                    c.rwkv.vocab_size,
                    [1, 32],
                    (tch::Kind::Int64, deepfield_core::device()),
                );
                Some(deepfield_core::profile::Example::tensor(c, x))
            }
        }
    };
}

char_lm_kind!(
    true,
    "text.spikegpt",
    "SpikeGPT (Zhu et al. 2023): spiking RWKV character language model"
);
char_lm_kind!(
    false,
    "text.rwkv",
    "RWKV character language model (SpikeGPT's non-spiking twin)"
);
