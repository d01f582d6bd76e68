//! "Large-scale Training of Foundation Models for Wearable Biosignals" (Abbaspourazad,
//! Elachqar, Miller, Emrani, Nallasamy & Shapiro, ICLR 2024): the single-lead ECG encoder.
//!
//! The paper's encoder is an EfficientNet-style 1-D CNN (16 MBConv blocks, ~2.5 M parameters)
//! over 30 s of Apple Watch ECG, with a 256-d embedding. Here: a small residual 1-D CNN (a stem
//! convolution, then one residual block per stage, `conv → BN → ReLU → conv → BN` plus a
//! shortcut, 1×1 convolution where the shape changes) and global average pooling, over beat-sized
//! windows of MIT-BIH's MLII lead at 180 Hz — two patients' data fit no larger model, and the
//! whole study runs on one CPU thread.
//!
//! Parameter names: `encoder.stem.weight`, `encoder.stem_bn.*`,
//! `encoder.blocks.{i}.{conv1,bn1,conv2,bn2,short,short_bn}`; the beat classifier adds
//! `head.weight`, `head.bias`. Convolutions are initialised as PyTorch's `nn.Conv1d`
//! (U(±1/√fan_in)), batch norm at scale 1 and shift 0.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use deepfield_core::models::ModelConfig;
use deepfield_core::nn::init::{linear, LinearInit};
use deepfield_core::nn::torch_linear_init;
use deepfield_core::Forward;

use super::beats::BeatConfig;

/// The encoder's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EcgEncoderConfig {
    /// Input channels (leads).
    pub in_channels: i64,
    /// Channels of the stem convolution.
    pub stem: i64,
    /// Output channels of each residual stage; every stage after the first halves the length.
    pub stages: Vec<i64>,
    /// Kernel size of every convolution but the shortcuts.
    pub kernel: i64,
}

impl Default for EcgEncoderConfig {
    fn default() -> Self {
        EcgEncoderConfig {
            in_channels: 1,
            stem: 16,
            stages: vec![16, 32, 64, 64],
            kernel: 7,
        }
    }
}

impl EcgEncoderConfig {
    /// The embedding size (the last stage's channels).
    pub fn embedding(&self) -> i64 {
        self.stages.last().copied().unwrap_or(self.stem)
    }

    fn check(&self) -> deepfield_core::Result<()> {
        deepfield_core::ensure_config!(
            self.in_channels >= 1 && self.stem >= 1 && !self.stages.is_empty(),
            "ecg_encoder: in_channels, stem >= 1 and at least one stage"
        );
        deepfield_core::ensure_config!(
            self.stages.iter().all(|&c| c >= 1),
            "ecg_encoder: stage channels must be >= 1"
        );
        deepfield_core::ensure_config!(
            self.kernel >= 1 && self.kernel % 2 == 1,
            "ecg_encoder: kernel must be odd, got {}",
            self.kernel
        );
        Ok(())
    }

    /// Build the encoder under `path / "encoder"`.
    pub fn init(&self, path: &nn::Path) -> deepfield_core::Result<EcgEncoder> {
        self.check()?;
        let p = path / "encoder";
        let stem = conv(&(&p / "stem"), self.in_channels, self.stem, self.kernel)?;
        let stem_bn = bn(&(&p / "stem_bn"), self.stem);
        let mut blocks = Vec::new();
        let mut c_in = self.stem;
        for (i, &c) in self.stages.iter().enumerate() {
            let bp = &p / "blocks" / i;
            let stride = if i == 0 { 1 } else { 2 };
            let short = (c != c_in || stride != 1)
                .then(|| -> deepfield_core::Result<_> {
                    Ok((
                        conv(&(&bp / "short"), c_in, c, 1)?,
                        bn(&(&bp / "short_bn"), c),
                    ))
                })
                .transpose()?;
            blocks.push(ResBlock {
                conv1: conv(&(&bp / "conv1"), c_in, c, self.kernel)?,
                bn1: bn(&(&bp / "bn1"), c),
                conv2: conv(&(&bp / "conv2"), c, c, self.kernel)?,
                bn2: bn(&(&bp / "bn2"), c),
                short,
                stride,
            });
            c_in = c;
        }
        Ok(EcgEncoder {
            stem,
            stem_bn,
            blocks,
            pad: self.kernel / 2,
            config: self.clone(),
        })
    }
}

/// A bias-free convolution weight `[out, in, k]`, PyTorch's initialisation.
fn conv(p: &nn::Path, c_in: i64, c_out: i64, k: i64) -> deepfield_core::Result<Tensor> {
    Ok(p.f_var("weight", &[c_out, c_in, k], torch_linear_init(c_in * k))?)
}

fn bn(p: &nn::Path, c: i64) -> nn::BatchNorm {
    nn::batch_norm1d(
        p,
        c,
        nn::BatchNormConfig {
            ws_init: nn::Init::Const(1.0),
            ..Default::default()
        },
    )
}

/// Batch norm with PyTorch's defaults (momentum 0.1, eps 1e-5).
fn apply_bn(bn: &nn::BatchNorm, x: &Tensor, train: bool) -> deepfield_core::Result<Tensor> {
    Ok(x.f_batch_norm(
        bn.ws.as_ref(),
        bn.bs.as_ref(),
        Some(&bn.running_mean),
        Some(&bn.running_var),
        train,
        0.1,
        1e-5,
        true,
    )?)
}

#[derive(Debug)]
struct ResBlock {
    conv1: Tensor,
    bn1: nn::BatchNorm,
    conv2: Tensor,
    bn2: nn::BatchNorm,
    short: Option<(Tensor, nn::BatchNorm)>,
    stride: i64,
}

/// The residual 1-D CNN encoder.
#[derive(Debug)]
pub struct EcgEncoder {
    stem: Tensor,
    stem_bn: nn::BatchNorm,
    blocks: Vec<ResBlock>,
    pad: i64,
    config: EcgEncoderConfig,
}

impl EcgEncoder {
    /// The config it was built from.
    pub fn config(&self) -> &EcgEncoderConfig {
        &self.config
    }

    /// Embeddings of a batch of windows.
    ///
    /// # Shapes
    /// `x`: `[B, in_channels, L]` (L ≥ 2^(stages−1)); output: `[B, embedding]`.
    pub fn embed(&self, x: &Tensor, train: bool) -> deepfield_core::Result<Tensor> {
        let s = x.size();
        deepfield_core::ensure_input!(
            s.len() == 3 && s[1] == self.config.in_channels && s[2] >= 8,
            "ecg_encoder: expected [B, {}, L >= 8] windows, got {s:?}",
            self.config.in_channels
        );
        let mut h = x.f_conv1d(&self.stem, None::<&Tensor>, [1], [self.pad], [1], 1)?;
        h = apply_bn(&self.stem_bn, &h, train)?.f_relu()?;
        for b in &self.blocks {
            let mut y = h.f_conv1d(&b.conv1, None::<&Tensor>, [b.stride], [self.pad], [1], 1)?;
            y = apply_bn(&b.bn1, &y, train)?.f_relu()?;
            y = y.f_conv1d(&b.conv2, None::<&Tensor>, [1], [self.pad], [1], 1)?;
            y = apply_bn(&b.bn2, &y, train)?;
            let skip = match &b.short {
                Some((w, sbn)) => {
                    let z = h.f_conv1d(w, None::<&Tensor>, [b.stride], [0], [1], 1)?;
                    apply_bn(sbn, &z, train)?
                }
                None => h.shallow_clone(),
            };
            h = y.f_add(&skip)?.f_relu()?;
        }
        Ok(h.f_mean_dim([2i64].as_slice(), false, tch::Kind::Float)?)
    }
}

impl Forward for EcgEncoder {
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        self.embed(xs, train)
    }
}

impl ModelConfig for EcgEncoderConfig {
    const KIND: &'static str = "timeseries.ecg_encoder";
    const DESCRIPTION: &'static str =
        "residual 1-D CNN ECG encoder ([B, 1, L] windows → [B, D] embeddings; biosignal-ssl)";
    type Model = EcgEncoder;

    fn validate(&self) -> deepfield_core::Result<()> {
        self.check()
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<EcgEncoder> {
        self.init(path)
    }
}

/// A beat classifier: the encoder, then one linear layer over its embedding (a linear probe
/// on a pretrained encoder, or the head of an encoder trained from scratch), with what it takes
/// to cut beats out of a record the way it was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BeatClassifierConfig {
    pub encoder: EcgEncoderConfig,
    /// Class names, in output order (the AAMI classes).
    pub classes: Vec<String>,
    /// Lead, window and downsampling of the beats.
    pub beats: BeatConfig,
    /// The sampling rate of the training records (Hz); a record at another rate is refused.
    pub fs: f64,
}

impl Default for BeatClassifierConfig {
    fn default() -> Self {
        BeatClassifierConfig {
            encoder: EcgEncoderConfig::default(),
            classes: super::beats::AAMI_CLASSES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            beats: BeatConfig::default(),
            fs: 360.0,
        }
    }
}

/// The built beat classifier.
#[derive(Debug)]
pub struct BeatClassifier {
    pub encoder: EcgEncoder,
    pub head: nn::Linear,
}

impl Forward for BeatClassifier {
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        let e = self.encoder.embed(xs, train)?;
        Ok(e.f_linear(&self.head.ws, self.head.bs.as_ref())?)
    }
}

impl ModelConfig for BeatClassifierConfig {
    const KIND: &'static str = "timeseries.beat_classifier";
    const DESCRIPTION: &'static str =
        "ECG beat classifier: residual 1-D CNN encoder + linear head over AAMI classes (biosignal-ssl)";
    type Model = BeatClassifier;

    fn validate(&self) -> deepfield_core::Result<()> {
        self.encoder.check()?;
        deepfield_core::ensure_config!(
            self.classes.len() >= 2,
            "beat_classifier: at least 2 classes"
        );
        deepfield_core::ensure_config!(self.fs > 0.0, "beat_classifier: fs must be > 0");
        self.beats.validate().map_err(crate::Error::into_core)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<BeatClassifier> {
        Ok(BeatClassifier {
            encoder: self.encoder.init(path)?,
            head: linear(
                &(path / "head"),
                self.encoder.embedding(),
                self.classes.len() as i64,
                LinearInit::Torch,
            )?,
        })
    }
}
