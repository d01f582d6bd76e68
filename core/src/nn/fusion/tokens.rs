//! Type D: early fusion of tokenised modalities — every modality's tokens plus a learned
//! modality embedding (`fusion.modality_embedding`, `[M, d]`), concatenated into one sequence
//! for one shared Transformer encoder (`fusion.encoder.*`, [`crate::nn::transformer`]), whose
//! mean over the real tokens is the fused vector.

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use super::Tokens;
use crate::nn::transformer::{Pooling, TransformerEncoder, TransformerEncoderConfig};
use crate::{ensure_config, Result};

/// Type D settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenFusionConfig {
    /// Attention heads (must divide `d_model`).
    pub heads: i64,
    /// Encoder layers.
    pub layers: i64,
    /// Feed-forward width.
    pub feedforward: i64,
    /// Longest joint token sequence.
    pub max_len: i64,
}

impl Default for TokenFusionConfig {
    fn default() -> Self {
        TokenFusionConfig {
            heads: 4,
            layers: 1,
            feedforward: 128,
            max_len: 512,
        }
    }
}

impl TokenFusionConfig {
    /// The shared encoder's config at width `d` with dropout `p`.
    pub(super) fn encoder(&self, d: i64, p: f64) -> TransformerEncoderConfig {
        TransformerEncoderConfig {
            input: None,
            d_model: d,
            heads: self.heads,
            layers: self.layers,
            feedforward: self.feedforward,
            dropout: p,
            max_len: self.max_len,
            pooling: Pooling::Mean,
            output: None,
            ..Default::default()
        }
    }

    /// Check sizes against the model width.
    pub fn validate(&self, d_model: i64) -> Result<()> {
        ensure_config!(
            self.heads > 0 && d_model % self.heads == 0,
            "fusion type D: heads ({}) must be > 0 and divide d_model ({d_model})",
            self.heads
        );
        self.encoder(d_model, 0.0).validate()
    }
}

/// The built type-D block.
#[derive(Debug)]
pub(super) struct TokenFusion {
    modality_embedding: Tensor,
    encoder: TransformerEncoder,
}

impl TokenFusion {
    pub(super) fn new(
        path: &nn::Path,
        c: &TokenFusionConfig,
        m: i64,
        d: i64,
        p: f64,
    ) -> Result<Self> {
        let modality_embedding = path.f_var(
            "modality_embedding",
            &[m, d],
            nn::Init::Randn {
                mean: 0.0,
                stdev: 0.02,
            },
        )?;
        let encoder = c.encoder(d, p).init(&(path / "encoder"))?;
        Ok(TokenFusion {
            modality_embedding,
            encoder,
        })
    }

    pub(super) fn forward(&self, tokens: &[Tokens], train: bool) -> Result<Tensor> {
        let mut xs = Vec::with_capacity(tokens.len());
        for (m, t) in tokens.iter().enumerate() {
            let e = self
                .modality_embedding
                .f_get(m as i64)?
                .f_view([1, 1, -1])?;
            xs.push(t.x.f_add(&e)?);
        }
        let x = Tensor::f_cat(&xs, 1)?;
        let mask = if tokens.iter().any(|t| t.mask.is_some()) {
            let parts = tokens
                .iter()
                .map(|t| match &t.mask {
                    Some(m) => Ok(m.shallow_clone()),
                    None => {
                        let (b, n, _) = t.x.size3()?;
                        Ok(Tensor::f_ones([b, n], (Kind::Bool, t.x.device()))?)
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            Some(Tensor::f_cat(&parts, 1)?)
        } else {
            None
        };
        self.encoder.try_forward(&x, mask.as_ref(), train)
    }
}
