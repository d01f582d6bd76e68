//! A VGG-style CNN: Simonyan & Zisserman (2015), "Very Deep Convolutional Networks for
//! Large-Scale Image Recognition", ICLR (configurations A–E, Table 1).
//!
//! Reproduced: stacks of 3×3 convolutions (stride 1, padding 1) with ReLU, each stack closed by
//! 2×2 max pooling, then three fully connected layers with dropout 0.5 (torchvision's `VGG`, with
//! the optional batch normalisation of its `vgg*_bn` variants). What differs: the default is a
//! small network for 28×28 images — stages of 32, 64 and 128 maps (two convolutions each),
//! batch normalisation, adaptive average pooling to 3×3 (torchvision: 7×7) and 256 hidden units
//! (paper: 4096); `stages`, `pool_size` and `hidden` give the paper's configurations (VGG-11 is
//! `[[64], [128], [256, 256], [512, 512], [512, 512]]`, `pool_size` 7, `hidden` 4096).
//! Initialisation: torchvision's VGG (convolutions N(0, 2/fan_out) with zero bias, batch-norm 1
//! and 0, linear layers N(0, 0.01²) with zero bias).
//!
//! Parameter names are torchvision's: `features.{i}` numbered as its `nn.Sequential` (conv,
//! [batch-norm,] ReLU per convolution, a max-pool per stage), `classifier.{0,3,6}`. Capture
//! points: every ReLU `features.{i}`, `features` (after the adaptive pooling), `classifier.6` (the
//! logits).

use serde::{Deserialize, Serialize};
use tch::nn::{self, Init};
use tch::Tensor;

use deepfield_core::nn::capture::tap;
use deepfield_core::nn::{check_dropout, dropout};

use super::layers::vision_model;
use super::layers::{batch_norm, bn, conv2d, Conv2d, ConvInit, ConvSpec};
use crate::data::Preprocess;
use crate::{Error, Result};

/// The VGG's config; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VggConfig {
    /// Input images as `deepfield-vision eval` prepares them (grey 28×28 in [0, 1] by default).
    pub preprocess: Preprocess,
    /// Convolution widths per stage; each stage ends with a 2×2 max pool.
    pub stages: Vec<Vec<i64>>,
    pub batch_norm: bool,
    /// Side of the adaptive average pooling before the classifier.
    pub pool_size: i64,
    /// Units of the two hidden fully connected layers.
    pub hidden: i64,
    pub dropout: f64,
    pub classes: i64,
}

impl Default for VggConfig {
    fn default() -> Self {
        VggConfig {
            preprocess: Preprocess::default(),
            stages: vec![vec![32, 32], vec![64, 64], vec![128, 128]],
            batch_norm: true,
            pool_size: 3,
            hidden: 256,
            dropout: 0.5,
            classes: 10,
        }
    }
}

impl VggConfig {
    fn check(&self) -> Result<()> {
        self.preprocess.validate()?;
        check_dropout("vgg", self.dropout)?;
        let [_, h, w] = self.preprocess.output_shape();
        let shrink = 1i64 << self.stages.len().min(30);
        if self.stages.is_empty()
            || self
                .stages
                .iter()
                .any(|s| s.is_empty() || s.iter().any(|&c| c < 1))
            || h / shrink < 1
            || w / shrink < 1
            || self.pool_size < 1
            || self.hidden < 1
            || self.classes < 2
        {
            return Err(Error::config(format!(
                "vgg: every stage needs widths >= 1, the {h}×{w} input must survive {} poolings, \
                 pool_size, hidden >= 1 and classes >= 2",
                self.stages.len()
            )));
        }
        Ok(())
    }
}

#[derive(Debug)]
enum Item {
    Conv {
        conv: Box<Conv2d>,
        bn: Option<nn::BatchNorm>,
        /// Capture name: the ReLU's index.
        name: String,
    },
    Pool,
}

/// The built VGG.
#[derive(Debug)]
pub struct Vgg {
    config: VggConfig,
    features: Vec<Item>,
    classifier: [(Tensor, Tensor); 3],
}

fn linear(p: &nn::Path, i: i64, o: i64) -> Result<(Tensor, Tensor)> {
    let w = Init::Randn {
        mean: 0.0,
        stdev: 0.01,
    };
    Ok((
        p.f_var("weight", &[o, i], w)?,
        p.f_var("bias", &[o], Init::Const(0.0))?,
    ))
}

impl Vgg {
    /// Build under `path`.
    pub fn new(path: &nn::Path, config: &VggConfig) -> Result<Self> {
        config.check()?;
        let fp = path / "features";
        let mut features = Vec::new();
        let mut idx = 0i64;
        let mut c_in = config.preprocess.channels as i64;
        for stage in &config.stages {
            for &w in stage {
                let spec = ConvSpec::new(c_in, w, 3).padding(1);
                let conv = conv2d(&(&fp / idx), spec, ConvInit::KaimingFanOut)?;
                idx += 1;
                let norm = config.batch_norm.then(|| batch_norm(&(&fp / idx), w));
                idx += usize::from(config.batch_norm) as i64;
                features.push(Item::Conv {
                    conv: Box::new(conv),
                    bn: norm,
                    name: format!("features.{idx}"),
                });
                idx += 1; // ReLU
                c_in = w;
            }
            features.push(Item::Pool);
            idx += 1;
        }
        let cp = path / "classifier";
        let p = config.pool_size;
        Ok(Vgg {
            features,
            classifier: [
                linear(&(&cp / 0), c_in * p * p, config.hidden)?,
                linear(&(&cp / 3), config.hidden, config.hidden)?,
                linear(&(&cp / 6), config.hidden, config.classes)?,
            ],
            config: config.clone(),
        })
    }

    /// Logits.
    ///
    /// # Shapes
    /// `xs` `[B, C, H, W]` (C from the preprocessing; H, W at least 2^stages) → `[B, classes]`.
    pub fn logits(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let [c, _, _] = self.config.preprocess.output_shape();
        let s = xs.size();
        let shrink = 1i64 << self.config.stages.len();
        if s.len() != 4 || s[1] != c || s[2] < shrink || s[3] < shrink {
            return Err(Error::input(format!(
                "vgg: expected images [N, {c}, H, W] with H, W >= {shrink}, got {s:?}"
            )));
        }
        let mut x = xs.shallow_clone();
        for item in &self.features {
            x = match item {
                Item::Conv {
                    conv,
                    bn: norm,
                    name,
                } => {
                    let y = conv.forward(&x)?;
                    let y = match norm {
                        Some(b) => bn(b, &y, train),
                        None => y,
                    };
                    tap(name, y.f_relu()?)
                }
                Item::Pool => x.f_max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false)?,
            };
        }
        let p = self.config.pool_size;
        let x = tap("features", x.f_adaptive_avg_pool2d([p, p])?);
        let mut x = x.f_flatten(1, -1)?;
        for (i, (w, b)) in self.classifier.iter().enumerate() {
            let y = x.f_linear(w, Some(b))?;
            let name = ["classifier.0", "classifier.3", "classifier.6"][i.min(2)];
            deepfield_core::profile::counter::linear(name, &x, w, Some(b), &y);
            x = y;
            if i < 2 {
                x = dropout(x.f_relu()?, self.config.dropout, train);
            }
        }
        Ok(tap("classifier.6", x))
    }
}

vision_model!(
    VggConfig,
    Vgg,
    "vision.vgg",
    "VGG-style CNN (Simonyan & Zisserman 2015): 3x3 convolution stacks, max pooling, 3 FC layers"
);
