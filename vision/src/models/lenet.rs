//! LeNet-5: LeCun, Bottou, Bengio & Haffner (1998), "Gradient-Based Learning Applied to Document
//! Recognition", Proc. IEEE 86(11), §II.B.
//!
//! Reproduced: the C1–S2–C3–S4–C5(F5)–F6–output layout on 32×32 inputs — 5×5 convolutions with 6
//! and 16 maps, 2×2 subsampling, fully connected 120, 84 and 10 units (61,706 parameters for
//! 28×28 MNIST padded by 2, as the paper pads its 28×28 digits into a 32×32 field).
//! What differs, as in the usual PyTorch LeNet-5: C3 connects every S2 map (the paper's sparse
//! connection table is dropped), the subsampling layers have no trainable coefficients (max
//! pooling by default, `pool = avg` for the paper's averaging), the activation is ReLU by default
//! (`tanh` for the paper's squashing function) and the output layer is linear (not RBF units).
//! Initialisation: PyTorch's `nn.Conv2d` / `nn.Linear` defaults, U(±1/√fan_in).
//!
//! Parameter names: `conv1`, `conv2`, `fc1`, `fc2`, `fc3` (`.weight`/`.bias`), the module names of
//! the common PyTorch definition. Capture points: `conv1`, `conv2` (after the activation, before
//! pooling), `fc1`, `fc2`, `fc3` (the logits).

use serde::{Deserialize, Serialize};
use tch::nn;
use tch::Tensor;

use deepfield_core::nn::capture::tap;
use deepfield_core::nn::cnn::PoolKind;
use deepfield_core::nn::{init, Activation, LinearInit};

use super::layers::vision_model;
use super::layers::{check_images, conv2d, linear, Conv2d, ConvInit, ConvSpec};
use crate::data::Preprocess;
use crate::{Error, Result};

/// LeNet-5's config; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeNet5Config {
    /// Input images as `deepfield-vision eval` prepares them (grey 28×28 in [0, 1] by default).
    pub preprocess: Preprocess,
    /// Zero padding of the first convolution (2: 28×28 → the paper's 32×32 field).
    pub conv1_padding: i64,
    pub classes: i64,
    /// `relu` (default) or the paper's `tanh`.
    pub activation: Activation,
    /// `max` (default) or the paper's `avg` subsampling.
    pub pool: PoolKind,
}

impl Default for LeNet5Config {
    fn default() -> Self {
        LeNet5Config {
            preprocess: Preprocess::default(),
            conv1_padding: 2,
            classes: 10,
            activation: Activation::Relu,
            pool: PoolKind::Max,
        }
    }
}

impl LeNet5Config {
    /// Side of the C3 output after pooling (5 for 28×28 with padding 2).
    pub fn feature_side(&self) -> i64 {
        let [_, h, _] = self.preprocess.output_shape();
        ((h + 2 * self.conv1_padding - 4) / 2 - 4) / 2
    }

    fn check(&self) -> Result<()> {
        self.preprocess.validate()?;
        let [_, h, w] = self.preprocess.output_shape();
        if h != w || self.conv1_padding < 0 || self.feature_side() < 1 || self.classes < 2 {
            return Err(Error::config(format!(
                "lenet5: needs square images large enough for two 5×5 convolutions and 2×2 pools \
                 and classes >= 2; got {h}×{w}, conv1_padding {}, classes {}",
                self.conv1_padding, self.classes
            )));
        }
        if self.activation.is_parametric() {
            return Err(Error::config(
                "lenet5: the activation must not have learned slopes",
            ));
        }
        Ok(())
    }
}

/// The built LeNet-5.
#[derive(Debug)]
pub struct LeNet5 {
    config: LeNet5Config,
    conv1: Conv2d,
    conv2: Conv2d,
    fc: [nn::Linear; 3],
}

impl LeNet5 {
    /// Build under `path`.
    pub fn new(path: &nn::Path, config: &LeNet5Config) -> Result<Self> {
        config.check()?;
        let c = config.preprocess.channels as i64;
        let t = ConvInit::Torch;
        let s = config.feature_side();
        let lin =
            |name: &str, i: i64, o: i64| init::linear(&(path / name), i, o, LinearInit::Torch);
        Ok(LeNet5 {
            conv1: conv2d(
                &(path / "conv1"),
                ConvSpec::new(c, 6, 5).padding(config.conv1_padding),
                t,
            )?,
            conv2: conv2d(&(path / "conv2"), ConvSpec::new(6, 16, 5), t)?,
            fc: [
                lin("fc1", 16 * s * s, 120)?,
                lin("fc2", 120, 84)?,
                lin("fc3", 84, config.classes)?,
            ],
            config: config.clone(),
        })
    }

    fn pool(&self, xs: &Tensor) -> Result<Tensor> {
        Ok(match self.config.pool {
            PoolKind::Max => xs.f_max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false)?,
            PoolKind::Avg => xs.f_avg_pool2d([2, 2], [2, 2], [0, 0], false, true, None)?,
        })
    }

    /// Logits.
    ///
    /// # Shapes
    /// `xs` `[B, C, H, W]` as [`LeNet5Config::preprocess`] gives them → `[B, classes]`.
    pub fn logits(&self, xs: &Tensor, _train: bool) -> Result<Tensor> {
        let [c, h, _] = self.config.preprocess.output_shape();
        check_images("lenet5", xs, c, h)?;
        let act = &self.config.activation;
        let x = tap("conv1", act.apply(&self.conv1.forward(xs)?));
        let x = tap("conv2", act.apply(&self.conv2.forward(&self.pool(&x)?)?));
        let x = self.pool(&x)?.f_flatten(1, -1)?;
        let x = tap("fc1", act.apply(&linear("fc1", &self.fc[0], &x)?));
        let x = tap("fc2", act.apply(&linear("fc2", &self.fc[1], &x)?));
        Ok(tap("fc3", linear("fc3", &self.fc[2], &x)?))
    }
}

vision_model!(
    LeNet5Config,
    LeNet5,
    "vision.lenet5",
    "LeNet-5 (LeCun et al. 1998): two 5x5 convolutions, three fully connected layers"
);
