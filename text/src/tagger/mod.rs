//! Sequence taggers: the NeuroNER BiLSTM-CRF ([`model`]), its input encoding ([`encode`]),
//! training with early stopping on dev entity F1 ([`train`]), and [`Tagger`], a trained model
//! with its encoder that tags token sequences and is saved and restored through core's
//! checkpoint/registry (kind `text.neuroner`).

pub mod apply;
pub mod encode;
pub mod model;
pub mod train;

use std::path::Path;

use deepfield_core::models::{restore_model, save_model};
use deepfield_core::nn::crf::TagScheme;
use serde::Serialize;
use tch::nn::VarStore;
use tch::Device;

use crate::tagged::Tagged;
use crate::Result;
use encode::Encoder;
use model::{NeuroNer, NeuroNerConfig};

/// A tagger ready to use: model, weights and encoder.
pub struct Tagger {
    pub config: NeuroNerConfig,
    pub vs: VarStore,
    pub model: NeuroNer,
    pub encoder: Encoder,
}

/// Sentences per inference batch.
const BATCH: usize = 64;

impl Tagger {
    /// A fresh (untrained) tagger of `config` on `device`.
    pub fn new(config: NeuroNerConfig, device: Device) -> Result<Self> {
        let vs = VarStore::new(device);
        let model = NeuroNer::new(&vs.root(), &config)?;
        let encoder = Encoder::new(&config)?;
        Ok(Tagger {
            config,
            vs,
            model,
            encoder,
        })
    }

    /// Restore a tagger saved with [`Tagger::save`] (or any `text.neuroner` checkpoint).
    pub fn load(dir: &Path, device: Device) -> Result<Self> {
        let (config, vs, model) = restore_model::<NeuroNerConfig>(dir, device)?;
        let encoder = Encoder::new(&config)?;
        Ok(Tagger {
            config,
            vs,
            model,
            encoder,
        })
    }

    /// Save into the checkpoint folder `dir` with `metrics`.
    pub fn save<M: Serialize>(&self, dir: &Path, metrics: Option<&M>) -> Result<()> {
        Ok(save_model(dir, &self.vs, &self.config, metrics)?)
    }

    /// Tag token sequences; the tags come back in `scheme` (empty sentences get no tags).
    pub fn tag<S: AsRef<str>>(
        &self,
        sentences: &[Vec<S>],
        scheme: TagScheme,
    ) -> Result<Vec<Vec<String>>> {
        let mut out = Vec::with_capacity(sentences.len());
        let device = self.vs.device();
        for chunk in sentences.chunks(BATCH) {
            let real: Vec<&[S]> = chunk
                .iter()
                .map(Vec::as_slice)
                .filter(|s| !s.is_empty())
                .collect();
            let mut paths = if real.is_empty() {
                Vec::new()
            } else {
                let (xs, mask) = self.encoder.inputs(&real, None)?;
                self.model
                    .decode(&xs.to_device(device), &mask.to_device(device))?
            }
            .into_iter();
            for s in chunk {
                if s.is_empty() {
                    out.push(Vec::new());
                } else {
                    let path = paths.next().unwrap_or_default();
                    out.push(self.encoder.labels(&path, scheme));
                }
            }
        }
        Ok(out)
    }

    /// Tag sentences, keeping their tokens.
    pub fn tag_sentences(&self, sentences: &[Tagged], scheme: TagScheme) -> Result<Vec<Tagged>> {
        let tokens: Vec<Vec<&str>> = sentences
            .iter()
            .map(|s| s.tokens.iter().map(String::as_str).collect())
            .collect();
        let tags = self.tag(&tokens, scheme)?;
        Ok(sentences
            .iter()
            .zip(tags)
            .map(|(s, tags)| Tagged {
                tokens: s.tokens.clone(),
                tags,
            })
            .collect())
    }
}
