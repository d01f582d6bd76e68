//! One convolutional trunk over three groups: the plain CNN (translations only), the p4 G-CNN
//! (Cohen & Welling, ICML 2016) and the affine-group network of M. Mironenco & P. Forré, "Lie
//! Group Decompositions for Equivariant Neural Networks", ICLR 2024 — so the three differ only in
//! the group their convolutions integrate over.
//!
//! Reproduced from the paper's code (`rgenn` `train.py` defaults): a lifting convolution with
//! 5×5 kernels, then two group convolutions of 40 channels with 5×5 kernels, GELU, global max
//! pooling over the group and the plane, a linear classifier; the affine kernels are SIREN
//! functions of the (decomposed) group coordinates ([`super::affine_conv`]) with 10 samples of
//! GL⁺(2) = SO(2) × positive-definite part drawn afresh at every training forward pass
//! ([`super::glplus`]).
//!
//! What differs, and why: plain blocks instead of the paper's residual blocks, normalised per
//! example and channel over the group axis and the plane (the paper: layer norm over the same
//! axes plus channels); 2×2 max pooling after the first `downsample` layers (default 2; the paper
//! keeps the 36×36 resolution, which a CPU cannot afford); at evaluation the samples are one
//! fixed draw (from `seed`) so predictions are reproducible (the paper resamples at test time).
//!
//! Capture points: `layer0` (lifting), `layer1`, … (after each block), `pooled` (the invariant
//! features), `logits`.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tch::nn::{self, Init};
use tch::Tensor;

use deepfield_core::nn::capture::tap;
use deepfield_core::nn::init::{linear, LinearInit};
use deepfield_core::Rng;

use super::affine_conv::{AffineConv, KernelNet};
use super::glplus::{self, Mat2};
use super::layers::{check_images, conv2d, vision_model, Conv2d, ConvInit, ConvSpec};
use super::p4::P4Conv;
use crate::data::Preprocess;
use crate::{Error, Result};

/// The group the convolutions are equivariant to (besides translations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Translations only: the plain CNN.
    Trivial,
    /// Rotations by multiples of 90°.
    P4,
    /// GL⁺(2) by Monte Carlo samples (the paper's model).
    Affine,
}

/// The config of [`LieCnn`] (kind `vision.lie_cnn`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LieCnnConfig {
    /// MNIST 28×28 padded by 6 to the affNIST 40×40 frame, normalised as the paper
    /// (`Normalize(0.5, 0.5)`).
    pub preprocess: Preprocess,
    pub group: Group,
    /// Channels of the lifting layer and each group layer (paper: 40, 40, 40).
    pub channels: Vec<i64>,
    /// Odd kernel side (paper: 5).
    pub kernel: i64,
    /// 2×2 max pooling after each of the first `downsample` layers.
    pub downsample: usize,
    /// Monte Carlo samples of GL⁺(2) per forward pass (paper: 10).
    pub samples: usize,
    /// Standard deviation of the positive-definite factor's log-coordinates (paper code ≈ 0.16).
    pub spd_sigma: f64,
    /// Kernel network width, hidden layers and SIREN frequency (paper: 60, 2, 10).
    pub kernel_hidden: i64,
    pub kernel_depth: usize,
    pub siren_w0: f64,
    /// Seed of the training-time sampler and of the fixed evaluation samples.
    pub seed: u64,
    pub classes: i64,
    pub class_names: Vec<String>,
}

impl Default for LieCnnConfig {
    fn default() -> Self {
        LieCnnConfig {
            preprocess: Preprocess {
                pad: 6,
                mean: vec![0.5],
                std: vec![0.5],
                ..Preprocess::default()
            },
            group: Group::Affine,
            channels: vec![40, 40, 40],
            kernel: 5,
            downsample: 2,
            samples: 10,
            spd_sigma: 0.16,
            kernel_hidden: 60,
            kernel_depth: 2,
            siren_w0: 10.0,
            seed: 0,
            classes: 10,
            class_names: (0..10).map(|c| c.to_string()).collect(),
        }
    }
}

impl LieCnnConfig {
    /// Size of the group axis.
    pub fn group_size(&self) -> i64 {
        match self.group {
            Group::Trivial => 1,
            Group::P4 => 4,
            Group::Affine => self.samples as i64,
        }
    }

    fn check(&self) -> Result<()> {
        self.preprocess.validate()?;
        let [_, h, w] = self.preprocess.output_shape();
        let bad = |m: String| Err(Error::config(format!("lie_cnn: {m}")));
        if h != w {
            return bad(format!("needs square images, got {h}×{w}"));
        }
        if self.channels.is_empty() || self.channels.iter().any(|&c| c < 1) {
            return bad(format!("channels must be >= 1, got {:?}", self.channels));
        }
        if self.kernel < 3 || self.kernel % 2 == 0 {
            return bad(format!("kernel must be odd and >= 3, got {}", self.kernel));
        }
        if self.downsample > self.channels.len() || h >> self.downsample < 1 {
            return bad(format!(
                "downsample {} is more than the {} layers or the {h}-pixel image allows",
                self.downsample,
                self.channels.len()
            ));
        }
        if self.group == Group::Affine && (self.samples < 1 || self.samples > 64) {
            return bad(format!("samples must be in 1..=64, got {}", self.samples));
        }
        if !(self.spd_sigma >= 0.0 && self.spd_sigma <= 1.0) || self.siren_w0 <= 0.0 {
            return bad("spd_sigma must be in [0, 1] and siren_w0 > 0".into());
        }
        if self.classes < 2 || self.class_names.len() != self.classes as usize {
            return bad(format!(
                "classes must be >= 2 with one name each, got {} and {} names",
                self.classes,
                self.class_names.len()
            ));
        }
        Ok(())
    }
}

/// Normalisation of each example and channel over the group axis and the plane (in the spirit
/// of the paper's `layernorm3d`: statistics over whole group orbits keep equivariance, and being
/// per example they do not depend on which group samples a batch drew — batch statistics with
/// running averages did, and broke evaluation on a fixed draw), with a scale and shift per channel.
#[derive(Debug)]
struct Norm {
    weight: Tensor,
    bias: Tensor,
}

impl Norm {
    fn new(path: &nn::Path, c: i64) -> Result<Self> {
        Ok(Norm {
            weight: path.f_var("weight", &[c], Init::Const(1.0))?,
            bias: path.f_var("bias", &[c], Init::Const(0.0))?,
        })
    }

    /// `[B, C, n, H, W]` → the same shape.
    fn forward(&self, y: &Tensor) -> Tensor {
        let dims = [2i64, 3, 4];
        let mean = y.mean_dim(dims.as_slice(), true, y.kind());
        let var = y.var_dim(dims.as_slice(), false, true);
        let c = self.weight.size()[0];
        (y - mean) / (var + 1e-5).sqrt() * self.weight.reshape([1, c, 1, 1, 1])
            + self.bias.reshape([1, c, 1, 1, 1])
    }
}

#[derive(Debug)]
enum Layer {
    Plain(Conv2d),
    P4(P4Conv),
    Affine(AffineConv),
}

/// The built network.
#[derive(Debug)]
pub struct LieCnn {
    config: LieCnnConfig,
    layers: Vec<Layer>,
    norms: Vec<Norm>,
    head: nn::Linear,
    sampler: Mutex<Rng>,
    eval_samples: Vec<Mat2>,
}

impl LieCnn {
    /// Build under `path`.
    pub fn new(path: &nn::Path, config: &LieCnnConfig) -> Result<Self> {
        config.check()?;
        let mut layers = Vec::new();
        let mut norms = Vec::new();
        let mut c_in = config.preprocess.channels as i64;
        let k = config.kernel;
        let net = KernelNet {
            hidden: config.kernel_hidden,
            depth: config.kernel_depth,
            w0: config.siren_w0,
        };
        for (l, &c) in config.channels.iter().enumerate() {
            let p = path / format!("layer{l}");
            layers.push(match config.group {
                Group::Trivial => Layer::Plain(conv2d(
                    &p,
                    ConvSpec::new(c_in, c, k).padding(k / 2),
                    ConvInit::Torch,
                )?),
                Group::P4 => Layer::P4(P4Conv::new(&p, c_in, c, k, l == 0)?),
                Group::Affine => Layer::Affine(AffineConv::new(&p, c_in, c, k, l == 0, net)?),
            });
            norms.push(Norm::new(&(path / format!("norm{l}")), c)?);
            c_in = c;
        }
        let head = linear(&(path / "head"), c_in, config.classes, LinearInit::Torch)?;
        let mut rng = Rng::new(config.seed ^ 0x5eed_a111);
        let eval_samples = glplus::sample(config.samples, config.spd_sigma, &mut rng);
        Ok(LieCnn {
            config: config.clone(),
            layers,
            norms,
            head,
            sampler: Mutex::new(Rng::new(config.seed)),
            eval_samples,
        })
    }

    /// The group samples of one forward pass: fresh in training, fixed otherwise.
    fn samples(&self, train: bool) -> Result<Vec<Mat2>> {
        if !train || self.config.group != Group::Affine {
            return Ok(self.eval_samples.clone());
        }
        let mut rng = self
            .sampler
            .lock()
            .map_err(|_| Error::input("lie_cnn: the sampler's lock was poisoned"))?;
        Ok(glplus::sample(
            self.config.samples,
            self.config.spd_sigma,
            &mut rng,
        ))
    }

    /// Logits `[B, classes]` of images `[B, C, S, S]` as [`LieCnnConfig::preprocess`] gives them.
    pub fn logits(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let [c, h, _] = self.config.preprocess.output_shape();
        check_images("lie_cnn", xs, c, h)?;
        let g = self.samples(train)?;
        let n = self.config.group_size();
        let mut x = xs.shallow_clone();
        for (l, (layer, norm)) in self.layers.iter().zip(&self.norms).enumerate() {
            // Every layer gives [B, C, n, H, W].
            let y = match layer {
                Layer::Plain(conv) => conv.forward(&x)?.unsqueeze(2),
                Layer::P4(conv) => conv.forward(&x)?,
                Layer::Affine(conv) => conv.forward(&x, &g)?,
            };
            let s = y.size();
            let y = norm.forward(&y).gelu("none");
            let y = if l < self.config.downsample {
                y.reshape([s[0], s[1] * n, s[3], s[4]])
                    .f_max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false)?
                    .reshape([s[0], s[1], n, s[3] / 2, s[4] / 2])
            } else {
                y
            };
            x = tap(&format!("layer{l}"), y);
            if matches!(layer, Layer::Plain(_)) {
                x = x.squeeze_dim(2);
            }
        }
        let x = x.flatten(2, -1);
        let pooled = tap("pooled", x.amax([2], false));
        Ok(tap(
            "logits",
            pooled.f_linear(&self.head.ws, self.head.bs.as_ref())?,
        ))
    }
}

vision_model!(
    LieCnnConfig,
    LieCnn,
    "vision.lie_cnn",
    "CNN / p4 G-CNN / affine GL+(2) Monte Carlo group CNN (Mironenco & Forre 2024), one trunk"
);
