//! The `movie-affect` configuration: AV-MNIST, the models (every one a core
//! [`FusionConfig`]), training and the noise levels of the robustness sweep.

use deepfield_core::nn::cnn::{CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, PoolConfig};
use deepfield_core::nn::fusion::{
    CrossAttentionConfig, EarlyConfig, FusionConfig, FusionKind, MissingPolicy, ModalityConfig,
    TokenFusionConfig, Trunk,
};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::nn::spec::ModelSpec;
use deepfield_core::nn::transformer::{Pooling, TransformerEncoderConfig};
use deepfield_core::train::{EarlyStopping, OptimizerConfig, TrainConfig};
use serde::{Deserialize, Serialize};

use crate::avmnist::lld::N_LLD;
use crate::avmnist::AvMnistConfig;
use crate::error::ensure_config;
use crate::Result;

/// Which part of the study a model belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// (a)/(c): a fusion type A–D or late fusion.
    Fusion,
    /// (a): a single-modality baseline with the fusion models' encoders.
    Single,
    /// (b): the seed's comparison (FC vs LSTM fusion of LLDs and CNN features; audio-only and
    /// video-only).
    Seed,
}

/// One trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    /// Folder and table key.
    pub key: String,
    /// Display name.
    pub name: String,
    pub part: Part,
    /// The model (its modalities are named `audio` and/or `image`).
    pub model: FusionConfig,
}

/// Everything a `movie-affect` run is configured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectConfig {
    pub data: AvMnistConfig,
    pub train: TrainConfig,
    /// Standard deviations of the Gaussian noise added to one standardised modality at test
    /// time (0 = clean).
    pub noise_levels: Vec<f64>,
    pub models: Vec<ModelEntry>,
    pub seed: u64,
}

impl AffectConfig {
    /// Check every part.
    pub fn validate(&self) -> Result<()> {
        self.data.validate()?;
        self.train.validate()?;
        ensure_config!(!self.models.is_empty(), "movie-affect: no models");
        ensure_config!(
            self.noise_levels.iter().all(|s| s.is_finite() && *s >= 0.0),
            "movie-affect: noise levels must be finite and ≥ 0, got {:?}",
            self.noise_levels
        );
        for m in &self.models {
            m.model.validate()?;
            ensure_config!(
                m.model
                    .modalities
                    .iter()
                    .all(|x| x.name == "audio" || x.name == "image"),
                "movie-affect: model `{}`: modalities must be named `audio` or `image`",
                m.key
            );
            let frames = self.data.steps() as i64;
            for x in &m.model.modalities {
                let want: Vec<i64> = if x.name == "audio" {
                    vec![frames, N_LLD as i64]
                } else {
                    vec![1, 28, 28]
                };
                ensure_config!(
                    x.input_shape == want,
                    "movie-affect: model `{}`: `{}` input_shape must be {want:?}, got {:?}",
                    m.key,
                    x.name,
                    x.input_shape
                );
            }
        }
        Ok(())
    }
}

/// The image encoder: three 3×3 conv blocks (16, 32, 64 filters, batch norm, 2×2 max-pool) → global average →
/// a linear map to `out` CNN features.
fn image_encoder(out: i64) -> ModalityConfig {
    let stack = ConvStackConfig {
        dims: 2,
        input: 1,
        blocks: vec![
            ConvBlockConfig::new(16, 3)
                .with_batch_norm(true)
                .with_pool(PoolConfig::max(2)),
            ConvBlockConfig::new(32, 3)
                .with_batch_norm(true)
                .with_pool(PoolConfig::max(2)),
            ConvBlockConfig::new(64, 3)
                .with_batch_norm(true)
                .with_pool(PoolConfig::max(2)),
        ],
    };
    let cnn = CnnClassifierConfig {
        stack,
        output: out,
        ..Default::default()
    };
    ModalityConfig::new("image", [1, 28, 28], ModelSpec::Cnn(cnn), out)
}

/// The fusion study's audio encoder: one Transformer encoder layer over the LLD frames, one
/// token per frame.
fn audio_tokens(frames: i64, d: i64) -> ModalityConfig {
    let mut t = TransformerEncoderConfig::new(Some(N_LLD as i64), d, 4, 1, None);
    t.pooling = Pooling::None;
    t.max_len = frames.max(1);
    ModalityConfig::new(
        "audio",
        [frames, N_LLD as i64],
        ModelSpec::Transformer(t),
        d,
    )
}

/// The seed's audio branch: a per-frame fully connected layer over the LLDs.
fn audio_frames_mlp(frames: i64, d: i64) -> ModalityConfig {
    let mlp = MlpConfig::new(N_LLD as i64, vec![d], d);
    ModalityConfig::new("audio", [frames, N_LLD as i64], ModelSpec::Mlp(mlp), d)
}

fn fusion(modalities: Vec<ModalityConfig>, kind: FusionKind, dropout_p: f64) -> FusionConfig {
    FusionConfig {
        d_model: 32,
        head_hidden: vec![64],
        dropout: 0.1,
        missing: MissingPolicy::Placeholder,
        modality_dropout: dropout_p,
        ..FusionConfig::new(modalities, kind, 10)
    }
}

fn entry(key: &str, name: &str, part: Part, model: FusionConfig) -> ModelEntry {
    ModelEntry {
        key: key.into(),
        name: name.into(),
        part,
        model,
    }
}

/// The built-in config: full (every recording, ≤ 30 epochs, batch 64) or quick (≤ 12 recordings
/// per speaker and digit, ≤ 10 epochs, batch 32).
pub fn config(quick: bool, seed: u64) -> AffectConfig {
    let data = AvMnistConfig {
        max_per_speaker_digit: quick.then_some(12),
        seed,
        ..Default::default()
    };
    let frames = data.steps() as i64;
    let d = 32;
    let both = || vec![image_encoder(64), audio_tokens(frames, d)];
    let p = 0.3;
    let early_mlp = || FusionKind::Early(EarlyConfig::default());
    let early_lstm = || {
        FusionKind::Early(EarlyConfig {
            trunk: Trunk::Lstm,
            hidden: vec![64],
        })
    };
    let models = vec![
        entry(
            "audio_only",
            "audio only",
            Part::Single,
            fusion(vec![audio_tokens(frames, d)], early_mlp(), 0.0),
        ),
        entry(
            "image_only",
            "image only",
            Part::Single,
            fusion(vec![image_encoder(64)], early_mlp(), 0.0),
        ),
        entry(
            "a_cross_attention",
            "A: cross-attention",
            Part::Fusion,
            fusion(
                both(),
                FusionKind::CrossAttention(CrossAttentionConfig {
                    heads: 4,
                    layers: 1,
                    feedforward: 64,
                }),
                p,
            ),
        ),
        entry(
            "b_gated",
            "B: gated (GMU)",
            Part::Fusion,
            fusion(both(), FusionKind::Gated, p),
        ),
        entry(
            "b_film",
            "B: FiLM",
            Part::Fusion,
            fusion(both(), FusionKind::Film { primary: 0 }, p),
        ),
        entry(
            "c_early",
            "C: early (concat + MLP)",
            Part::Fusion,
            fusion(both(), early_mlp(), p),
        ),
        entry(
            "d_tokens",
            "D: tokens + shared Transformer",
            Part::Fusion,
            fusion(
                both(),
                FusionKind::Tokens(TokenFusionConfig {
                    heads: 4,
                    layers: 1,
                    feedforward: 64,
                    max_len: frames + 1,
                }),
                p,
            ),
        ),
        entry(
            "late",
            "late (mean log-prob)",
            Part::Fusion,
            fusion(both(), FusionKind::Late, p),
        ),
        entry(
            "seed_fc",
            "seed FC fusion (LLD + CNN)",
            Part::Seed,
            fusion(
                vec![image_encoder(64), audio_frames_mlp(frames, d)],
                early_mlp(),
                0.0,
            ),
        ),
        entry(
            "seed_lstm",
            "seed LSTM fusion (LLD + CNN)",
            Part::Seed,
            fusion(
                vec![image_encoder(64), audio_frames_mlp(frames, d)],
                early_lstm(),
                0.0,
            ),
        ),
        entry(
            "seed_fc_audio",
            "seed FC, audio only",
            Part::Seed,
            fusion(vec![audio_frames_mlp(frames, d)], early_mlp(), 0.0),
        ),
        entry(
            "seed_lstm_audio",
            "seed LSTM, audio only",
            Part::Seed,
            fusion(vec![audio_frames_mlp(frames, d)], early_lstm(), 0.0),
        ),
        entry(
            "seed_fc_video",
            "seed FC, video only",
            Part::Seed,
            fusion(vec![image_encoder(64)], early_mlp(), 0.0),
        ),
    ];
    AffectConfig {
        data,
        train: TrainConfig {
            epochs: if quick { 10 } else { 30 },
            batch_size: if quick { 32 } else { 64 },
            optimizer: OptimizerConfig::adam(2e-3),
            grad_clip_norm: Some(5.0),
            early_stopping: Some(EarlyStopping::new("val_loss", 6)),
            seed,
            progress: false,
            ..Default::default()
        },
        noise_levels: vec![0.0, 0.5, 1.0, 2.0, 4.0],
        models,
        seed,
    }
}
