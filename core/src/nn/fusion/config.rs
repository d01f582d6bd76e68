//! The fusion model's configuration: modalities, fusion type, missing-modality policy, head.

use serde::{Deserialize, Serialize};
use tch::nn;

use super::cross_attention::CrossAttentionConfig;
use super::early::EarlyConfig;
use super::modality::ModalityConfig;
use super::tokens::TokenFusionConfig;
use super::FusionModel;
use crate::models::ModelConfig;
use crate::nn::check_dropout;
use crate::{ensure_config, Result};

/// How the modalities are joined (the survey's types A–D, and late fusion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FusionKind {
    /// Type A: cross-attention between modality token streams ([`CrossAttentionConfig`]).
    CrossAttention(CrossAttentionConfig),
    /// Type B: gated multimodal unit (Arevalo et al. 2017, "Gated multimodal units for
    /// information fusion"): `h_m = tanh(W_m v_m)`, per-feature gates `z = softmax_m(W_z [v_1…v_M])`,
    /// fused `Σ_m z_m ⊙ h_m`. Parameters `fusion.hidden.<name>.*`, `fusion.gate.*`.
    Gated,
    /// Type B: FiLM (Perez et al. 2018, "FiLM: visual reasoning with a general conditioning
    /// layer"): the tokens of modality `primary` are modulated feature-wise,
    /// `relu((1 + γ) ⊙ x + β)`, with `[γ, β]` a linear map of the other modalities' pooled
    /// vectors (`fusion.film.*`; `1 + γ` so that an untrained layer passes `x` through).
    Film {
        /// Index of the modulated modality.
        #[serde(default)]
        primary: usize,
    },
    /// Type C: early fusion of the encoders' outputs at the input of a shared trunk.
    Early(EarlyConfig),
    /// Type D: tokenised modalities through one shared Transformer encoder.
    Tokens(TokenFusionConfig),
    /// Late fusion: the mean over present modalities of per-modality log-probabilities
    /// (`fusion.heads.<name>.*`).
    Late,
}

impl FusionKind {
    /// The survey's letter (`A`…`D`) or `late`.
    pub fn letter(&self) -> &'static str {
        match self {
            FusionKind::CrossAttention(_) => "A",
            FusionKind::Gated | FusionKind::Film { .. } => "B",
            FusionKind::Early(_) => "C",
            FusionKind::Tokens(_) => "D",
            FusionKind::Late => "late",
        }
    }

    /// A short name (`cross_attention`, `gated`, `film`, `early_mlp`, `early_lstm`, `tokens`,
    /// `late`).
    pub fn name(&self) -> &'static str {
        match self {
            FusionKind::CrossAttention(_) => "cross_attention",
            FusionKind::Gated => "gated",
            FusionKind::Film { .. } => "film",
            FusionKind::Early(e) => match e.trunk {
                super::Trunk::Mlp => "early_mlp",
                super::Trunk::Lstm => "early_lstm",
            },
            FusionKind::Tokens(_) => "tokens",
            FusionKind::Late => "late",
        }
    }
}

/// What stands in for a missing modality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// A learned placeholder token per modality (`modalities.<name>.placeholder`).
    #[default]
    Placeholder,
    /// Masked out: excluded from attention and gates, zeros elsewhere.
    Mask,
}

/// A multimodal classifier: modality encoders, a fusion block and a head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FusionConfig {
    /// The modalities, in packing order (at least one; two or more for types A and B).
    pub modalities: Vec<ModalityConfig>,
    /// How they are joined.
    pub fusion: FusionKind,
    /// Common width every modality is projected to.
    pub d_model: i64,
    /// Classes (the head's outputs).
    pub classes: i64,
    /// Hidden widths of the MLP head (ReLU); unused by late fusion.
    pub head_hidden: Vec<i64>,
    /// Dropout on the fused vector and inside the fusion block.
    pub dropout: f64,
    /// What replaces a missing modality.
    pub missing: MissingPolicy,
    /// Probability of dropping each modality of a training example (never all of them).
    pub modality_dropout: f64,
}

impl Default for FusionConfig {
    fn default() -> Self {
        FusionConfig {
            modalities: Vec::new(),
            fusion: FusionKind::Early(EarlyConfig::default()),
            d_model: 64,
            classes: 10,
            head_hidden: vec![64],
            dropout: 0.1,
            missing: MissingPolicy::Placeholder,
            modality_dropout: 0.0,
        }
    }
}

impl FusionConfig {
    /// A config over `modalities` joined by `fusion`, the other fields at their defaults.
    pub fn new(modalities: Vec<ModalityConfig>, fusion: FusionKind, classes: i64) -> Self {
        FusionConfig {
            modalities,
            fusion,
            classes,
            ..Default::default()
        }
    }

    /// Features of one packed row: `Σ_m numel(input_shape_m)`.
    pub fn packed_width(&self) -> i64 {
        self.modalities.iter().map(ModalityConfig::numel).sum()
    }

    /// Check every field, the modalities' encoders included.
    pub fn validate(&self) -> Result<()> {
        let m = self.modalities.len();
        ensure_config!(m >= 1, "fusion: at least one modality is needed");
        for (i, a) in self.modalities.iter().enumerate() {
            a.validate()?;
            ensure_config!(
                !self.modalities[..i].iter().any(|b| b.name == a.name),
                "fusion: modality name `{}` appears twice",
                a.name
            );
        }
        ensure_config!(
            self.d_model > 0,
            "fusion: d_model must be > 0, got {}",
            self.d_model
        );
        ensure_config!(
            self.classes >= 2,
            "fusion: classes must be >= 2, got {}",
            self.classes
        );
        ensure_config!(
            self.head_hidden.iter().all(|&h| h > 0),
            "fusion: head_hidden sizes must be > 0, got {:?}",
            self.head_hidden
        );
        check_dropout("fusion", self.dropout)?;
        ensure_config!(
            (0.0..1.0).contains(&self.modality_dropout),
            "fusion: modality_dropout must be in [0, 1), got {}",
            self.modality_dropout
        );
        match &self.fusion {
            FusionKind::CrossAttention(c) => {
                ensure_config!(
                    m >= 2,
                    "fusion type A (cross-attention) needs at least two modalities, got {m}"
                );
                c.validate(self.d_model)?;
            }
            FusionKind::Gated => {
                ensure_config!(
                    m >= 2,
                    "fusion type B (gated) needs at least two modalities, got {m}"
                );
            }
            FusionKind::Film { primary } => {
                ensure_config!(
                    m >= 2,
                    "fusion type B (FiLM) needs at least two modalities, got {m}"
                );
                ensure_config!(
                    *primary < m,
                    "fusion type B (FiLM): primary modality {primary} out of range (0..{m})"
                );
            }
            FusionKind::Early(c) => c.validate()?,
            FusionKind::Tokens(c) => c.validate(self.d_model)?,
            FusionKind::Late => {}
        }
        Ok(())
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<FusionModel> {
        self.validate()?;
        FusionModel::new(path, self)
    }
}

impl ModelConfig for FusionConfig {
    const KIND: &'static str = "fusion";
    const DESCRIPTION: &'static str =
        "multimodal fusion (types A–D and late) of core encoders over a packed input";
    type Model = FusionModel;

    fn validate(&self) -> Result<()> {
        FusionConfig::validate(self)
    }

    fn build(&self, path: &nn::Path) -> Result<FusionModel> {
        self.init(path)
    }
}
