//! The encoder's configuration, pooling choice and parameter creation.

use serde::{Deserialize, Serialize};
use tch::nn;
use tch::nn::Init;

use super::super::capture::{child, name_of};
use super::super::{check_dropout, Activation};
use super::layer::{layer_norm, torch_linear, EncoderLayer};
use super::{PositionalEncoding, TransformerEncoder};
use crate::{ensure_config, Result};

/// How the encoder's per-step outputs become one vector per sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// Mean over the real (unmasked) steps.
    #[default]
    Mean,
    /// A learned `[CLS]` token (parameter `cls_token`, `[1, 1, d_model]`) is prepended to the
    /// sequence (Devlin et al. 2019, BERT); its output is the summary. It takes position 0 of
    /// the positional encoding, so sequences may be at most `max_len - 1` long.
    Cls,
    /// The output at the first real step (step 0 unless the mask says otherwise).
    First,
    /// No pooling: one output per step.
    None,
}

/// Transformer encoder configuration.
///
/// Defaults: the paper's choices where they suit a small model — post-LN, ReLU, dropout 0.1,
/// `feedforward = 4 * d_model` (the paper's 2048 / 512) — scaled down from the paper's base
/// model (`d_model` 512, 8 heads, 6 layers) to `d_model` 64, 4 heads, 2 layers.
///
/// Parameters (PyTorch names; `layers.{i}.*` is exactly `nn.TransformerEncoder`'s state dict):
/// `input_proj.weight|bias`, `cls_token` (pooling `cls`),
/// `layers.{i}.self_attn.in_proj_weight|in_proj_bias`, `layers.{i}.self_attn.out_proj.weight|bias`,
/// `layers.{i}.linear1.*`, `layers.{i}.linear2.*`, `layers.{i}.norm1.*`, `layers.{i}.norm2.*`,
/// `norm.weight|bias` (final layer norm, only with `norm_first`), `head.weight|bias`.
///
/// Capture points ([`crate::nn::capture`]): each encoder layer's output `[B, T, d_model]` under
/// `layers.{i}`, its attention weights `[B, heads, T, T]` (after the mask, before dropout)
/// under `layers.{i}.self_attn.weights` — computed only while a session asks for them, beside
/// the fused attention kernel, so they carry no gradient —, the pooled vector under `pool`
/// and the head's output under `head`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransformerEncoderConfig {
    /// Input features, linearly projected to `d_model` (`input_proj`); `None` (or 0) = no
    /// projection, the inputs must then have `d_model` features.
    pub input: Option<i64>,
    /// Model width (paper: 512).
    pub d_model: i64,
    /// Attention heads; must divide `d_model` (paper: 8).
    pub heads: i64,
    /// Encoder layers (paper: 6).
    pub layers: i64,
    /// Hidden width of the position-wise feed-forward block (paper: 2048 = 4 · 512).
    pub feedforward: i64,
    /// Dropout on the embeddings + positional encoding, the attention weights, the sub-block
    /// outputs and inside the feed-forward block (paper: 0.1).
    pub dropout: f64,
    /// Feed-forward non-linearity (paper: ReLU).
    pub activation: Activation,
    /// Pre-LN (layer norm before each sub-block, plus a final `norm`) instead of the paper's
    /// post-LN.
    pub norm_first: bool,
    /// Longest sequence the positional encoding covers (including the `[CLS]` token).
    pub max_len: i64,
    /// How per-step outputs are summarised.
    pub pooling: Pooling,
    /// Output features of the linear `head`; `None` = no head (outputs have `d_model` features).
    pub output: Option<i64>,
}

impl Default for TransformerEncoderConfig {
    fn default() -> Self {
        TransformerEncoderConfig {
            input: Some(1),
            d_model: 64,
            heads: 4,
            layers: 2,
            feedforward: 256,
            dropout: 0.1,
            activation: Activation::Relu,
            norm_first: false,
            max_len: 1024,
            pooling: Pooling::Mean,
            output: Some(1),
        }
    }
}

impl TransformerEncoderConfig {
    /// A config with the given input features, width, heads, layers and head outputs, the other
    /// fields at their defaults (`feedforward = 4 * d_model`).
    pub fn new(
        input: Option<i64>,
        d_model: i64,
        heads: i64,
        layers: i64,
        output: Option<i64>,
    ) -> Self {
        TransformerEncoderConfig {
            input,
            d_model,
            heads,
            layers,
            feedforward: 4 * d_model,
            output,
            ..Default::default()
        }
    }

    /// Check sizes and dropout.
    pub fn validate(&self) -> Result<()> {
        let name = "transformer encoder";
        super::super::check_stateless(name, self.activation)?;
        if let Some(input) = self.input {
            ensure_config!(
                input >= 0,
                "{name}: input must be > 0 (or 0/null for no projection), got {input}"
            );
        }
        ensure_config!(
            self.d_model > 0,
            "{name}: d_model must be > 0, got {}",
            self.d_model
        );
        ensure_config!(
            self.heads > 0,
            "{name}: heads must be > 0, got {}",
            self.heads
        );
        ensure_config!(
            self.d_model % self.heads == 0,
            "{name}: d_model ({}) must be divisible by heads ({})",
            self.d_model,
            self.heads
        );
        ensure_config!(
            self.layers > 0,
            "{name}: layers must be > 0, got {}",
            self.layers
        );
        ensure_config!(
            self.feedforward > 0,
            "{name}: feedforward must be > 0, got {}",
            self.feedforward
        );
        let min_len = if self.pooling == Pooling::Cls { 2 } else { 1 };
        ensure_config!(
            self.max_len >= min_len,
            "{name}: max_len must be >= {min_len} for pooling {:?}, got {}",
            self.pooling,
            self.max_len
        );
        if let Some(output) = self.output {
            ensure_config!(
                output > 0,
                "{name}: output must be > 0 (or null for no head), got {output}"
            );
        }
        check_dropout(name, self.dropout)
    }

    /// Create the parameters under `path`. Initialisation follows PyTorch: `nn.Linear` layers
    /// U(±1/√fan_in), `in_proj_weight` Xavier-uniform, attention biases zero, layer norms (1, 0),
    /// `cls_token` N(0, 0.02²) (BERT).
    pub fn init(&self, path: &nn::Path) -> Result<TransformerEncoder> {
        self.validate()?;
        let d = self.d_model;
        let input_proj = match self.input {
            Some(input) if input > 0 => Some(torch_linear(&(path / "input_proj"), input, d)?),
            _ => None,
        };
        let cls_token = match self.pooling {
            Pooling::Cls => Some(path.f_var(
                "cls_token",
                &[1, 1, d],
                Init::Randn {
                    mean: 0.0,
                    stdev: 0.02,
                },
            )?),
            _ => None,
        };
        let lp = path / "layers";
        let layers = (0..self.layers)
            .map(|i| EncoderLayer::new(&(&lp / i), self))
            .collect::<Result<Vec<_>>>()?;
        let norm = if self.norm_first {
            Some(layer_norm(&(path / "norm"), d))
        } else {
            None
        };
        let head = match self.output {
            Some(output) => Some(torch_linear(&(path / "head"), d, output)?),
            None => None,
        };
        Ok(TransformerEncoder {
            input_proj,
            cls_token,
            positional: PositionalEncoding::new(d, self.max_len, path.device())?,
            layers,
            norm,
            head,
            pool_name: child(&name_of(path), "pool"),
            head_name: child(&name_of(path), "head"),
            config: self.clone(),
        })
    }
}
