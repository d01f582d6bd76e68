//! A small residual network of BasicBlocks: He, Zhang, Ren & Sun (2016), "Deep Residual Learning
//! for Image Recognition", CVPR, §4.2 (the CIFAR-10 networks).
//!
//! Reproduced: the 6n+2-layer CIFAR design — a 3×3 stem convolution, three stages of n
//! BasicBlocks (two 3×3 convolutions with batch normalisation, identity shortcut) with 16, 32
//! and 64 maps, the first block of stages 2 and 3 halving the map with stride 2, global average
//! pooling and a linear classifier. The default (n = 3) is ResNet-20; `blocks` and `widths`
//! give other depths and widths, and the network takes any image size (28×28 MNIST, 32×32
//! CIFAR), the pooling being global.
//! What differs: where the paper's CIFAR networks widen the shortcut by zero padding (option A),
//! this one projects with a 1×1 convolution and batch normalisation (option B, torchvision's
//! `downsample`), which adds 2,752 parameters to ResNet-20 (272,474 instead of 269,722 on RGB
//! input; the paper's "0.27 M"); the weights
//! are initialised as torchvision's ResNet (convolutions N(0, 2/fan_out), batch-norm 1 and 0,
//! the classifier PyTorch's `nn.Linear` default).
//!
//! Parameter names are torchvision's `ResNet`/`BasicBlock` (`conv1.weight`, `bn1.running_mean`,
//! `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, `fc.weight`, …), so a safetensors
//! export loads into a torchvision-style `ResNet(BasicBlock, …)` with a 3×3 stem. Capture points:
//! `conv1` (the stem after ReLU), every block `layer{s}.{b}`, every stage `layer{s}`, and `fc`.

use serde::{Deserialize, Serialize};
use tch::nn;
use tch::Tensor;

use deepfield_core::nn::capture::tap;
use deepfield_core::nn::{init, LinearInit};

use super::layers::{batch_norm, bn, conv2d, Conv2d, ConvInit, ConvSpec};

/// A 3×3 convolution with padding 1 and no bias (torchvision's `conv3x3`).
fn k3(c_in: i64, c_out: i64) -> ConvSpec {
    ConvSpec::new(c_in, c_out, 3).padding(1).no_bias()
}
use super::layers::vision_model;
use crate::data::Preprocess;
use crate::{Error, Result};

/// The ResNet's config; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResNetConfig {
    /// Input images as `deepfield-vision eval` prepares them (grey 28×28 in [0, 1] by default).
    pub preprocess: Preprocess,
    /// Maps per stage (paper: 16, 32, 64).
    pub widths: Vec<i64>,
    /// BasicBlocks per stage (paper: n = 3, 5, 7, 9, 18 for 20 … 110 layers).
    pub blocks: Vec<usize>,
    pub classes: i64,
    /// Convolution initialisation (torchvision's ResNet: `kaiming_fan_out`).
    pub init: ConvInit,
}

impl Default for ResNetConfig {
    fn default() -> Self {
        ResNetConfig {
            preprocess: Preprocess::default(),
            widths: vec![16, 32, 64],
            blocks: vec![3, 3, 3],
            classes: 10,
            init: ConvInit::KaimingFanOut,
        }
    }
}

impl ResNetConfig {
    /// ResNet-(6n+2) of the paper's widths.
    pub fn cifar(n: usize) -> Self {
        ResNetConfig {
            blocks: vec![n; 3],
            ..Default::default()
        }
    }

    fn check(&self) -> Result<()> {
        self.preprocess.validate()?;
        if self.widths.is_empty()
            || self.widths.len() != self.blocks.len()
            || self.widths.iter().any(|&w| w < 1)
            || self.blocks.iter().any(|&b| b < 1)
            || self.classes < 2
        {
            return Err(Error::config(format!(
                "resnet: give one width and one block count (>= 1) per stage and classes >= 2; \
                 got widths {:?}, blocks {:?}, classes {}",
                self.widths, self.blocks, self.classes
            )));
        }
        Ok(())
    }
}

/// Two 3×3 convolutions with batch normalisation and a shortcut.
#[derive(Debug)]
struct BasicBlock {
    conv1: Conv2d,
    bn1: nn::BatchNorm,
    conv2: Conv2d,
    bn2: nn::BatchNorm,
    downsample: Option<(Conv2d, nn::BatchNorm)>,
    name: String,
}

impl BasicBlock {
    fn new(p: &nn::Path, c_in: i64, c_out: i64, stride: i64, init: ConvInit) -> Result<Self> {
        let downsample = if stride != 1 || c_in != c_out {
            let d = p / "downsample";
            Some((
                conv2d(
                    &(&d / 0),
                    ConvSpec::new(c_in, c_out, 1).stride(stride).no_bias(),
                    init,
                )?,
                batch_norm(&(&d / 1), c_out),
            ))
        } else {
            None
        };
        Ok(BasicBlock {
            conv1: conv2d(&(p / "conv1"), k3(c_in, c_out).stride(stride), init)?,
            bn1: batch_norm(&(p / "bn1"), c_out),
            conv2: conv2d(&(p / "conv2"), k3(c_out, c_out), init)?,
            bn2: batch_norm(&(p / "bn2"), c_out),
            downsample,
            name: deepfield_core::nn::capture::name_of(p),
        })
    }

    fn forward(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let out = bn(&self.bn1, &self.conv1.forward(xs)?, train).f_relu()?;
        let out = bn(&self.bn2, &self.conv2.forward(&out)?, train);
        let identity = match &self.downsample {
            Some((c, b)) => bn(b, &c.forward(xs)?, train),
            None => xs.shallow_clone(),
        };
        Ok(tap(&self.name, out.f_add(&identity)?.f_relu()?))
    }
}

/// The built ResNet.
#[derive(Debug)]
pub struct ResNet {
    config: ResNetConfig,
    conv1: Conv2d,
    bn1: nn::BatchNorm,
    stages: Vec<Vec<BasicBlock>>,
    fc: nn::Linear,
}

impl ResNet {
    /// Build under `path`.
    pub fn new(path: &nn::Path, config: &ResNetConfig) -> Result<Self> {
        config.check()?;
        let init = config.init;
        let c = config.preprocess.channels as i64;
        let w0 = config.widths[0];
        let mut stages = Vec::new();
        let mut c_in = w0;
        for (s, (&w, &n)) in config.widths.iter().zip(&config.blocks).enumerate() {
            let sp = path / format!("layer{}", s + 1);
            let mut blocks = Vec::new();
            for b in 0..n {
                let stride = if s > 0 && b == 0 { 2 } else { 1 };
                blocks.push(BasicBlock::new(&(&sp / b), c_in, w, stride, init)?);
                c_in = w;
            }
            stages.push(blocks);
        }
        Ok(ResNet {
            conv1: conv2d(&(path / "conv1"), k3(c, w0), init)?,
            bn1: batch_norm(&(path / "bn1"), w0),
            stages,
            fc: init::linear(&(path / "fc"), c_in, config.classes, LinearInit::Torch)?,
            config: config.clone(),
        })
    }

    /// Logits.
    ///
    /// # Shapes
    /// `xs` `[B, C, H, W]` (C from the preprocessing, any H, W ≥ 1) → `[B, classes]`.
    pub fn logits(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let [c, _, _] = self.config.preprocess.output_shape();
        let s = xs.size();
        if s.len() != 4 || s[1] != c || s[2] < 1 || s[3] < 1 {
            return Err(Error::input(format!(
                "resnet: expected images [N, {c}, H, W], got {s:?}"
            )));
        }
        let mut x = tap(
            "conv1",
            bn(&self.bn1, &self.conv1.forward(xs)?, train).f_relu()?,
        );
        for (i, stage) in self.stages.iter().enumerate() {
            for block in stage {
                x = block.forward(&x, train)?;
            }
            x = tap(&format!("layer{}", i + 1), x);
        }
        let x = x.f_mean_dim([2, 3].as_slice(), false, None)?;
        Ok(tap("fc", super::layers::linear("fc", &self.fc, &x)?))
    }
}

vision_model!(
    ResNetConfig,
    ResNet,
    "vision.resnet",
    "small ResNet of BasicBlocks (He et al. 2016, CIFAR design; ResNet-20 by default)"
);
