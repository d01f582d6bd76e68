//! The CNN classifier: a [`ConvStack`], global pooling and an MLP head.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::super::capture::{child, name_of, tap};
use super::super::init::LinearInit;
use super::super::mlp::{Mlp, MlpConfig};
use super::super::{check_dropout, dropout, forward_by, Forward};
use super::{ConvStack, ConvStackConfig};
use crate::{ensure_input, Result};

/// Where the channel axis of the classifier's input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `[B, C, L]` or `[B, C, H, W]` (PyTorch's convention).
    #[default]
    ChannelsFirst,
    /// `[B, L, C]` (time series as `[B, T, F]`) or `[B, H, W, C]`.
    ChannelsLast,
}

/// Global pooling of the last feature map over all spatial positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GlobalPool {
    #[default]
    Avg,
    Max,
}

/// CNN classifier: [`ConvStack`] → global pooling → dropout → [`Mlp`] head to `output`.
/// Parameters: `blocks.{i}.conv.*`, `blocks.{i}.bn.*`, `head.hidden.{i}.*`, `head.out.*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CnnClassifierConfig {
    /// The convolution blocks.
    pub stack: ConvStackConfig,
    /// Layout of the input.
    pub layout: Layout,
    /// Global pooling of the last feature map.
    pub global_pool: GlobalPool,
    /// Hidden widths of the head (ReLU); empty gives a linear head.
    pub head_hidden: Vec<i64>,
    /// Output features (classes or targets).
    pub output: i64,
    /// Dropout on the pooled vector and after each head hidden layer.
    pub dropout: f64,
    /// Initialisation of the head's linear layers (default: PyTorch's `nn.Linear`).
    pub init: LinearInit,
}

impl Default for CnnClassifierConfig {
    fn default() -> Self {
        CnnClassifierConfig {
            stack: ConvStackConfig::default(),
            layout: Layout::ChannelsFirst,
            global_pool: GlobalPool::Avg,
            head_hidden: Vec::new(),
            output: 2,
            dropout: 0.0,
            init: LinearInit::Torch,
        }
    }
}

impl CnnClassifierConfig {
    pub(crate) fn head(&self) -> MlpConfig {
        MlpConfig {
            input: self.stack.out_channels(),
            hidden: self.head_hidden.clone(),
            output: self.output,
            dropout: self.dropout,
            init: self.init,
            ..Default::default()
        }
    }

    /// Check the stack, head and dropout.
    pub fn validate(&self) -> Result<()> {
        self.stack.validate()?;
        check_dropout("cnn classifier", self.dropout)?;
        self.head().validate()
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<CnnClassifier> {
        self.validate()?;
        let stack = self.stack.init(path)?;
        let head = self.head().init(&(path / "head"))?;
        Ok(CnnClassifier {
            stack,
            head,
            pool_name: child(&name_of(path), "pool"),
            config: self.clone(),
        })
    }
}

/// A CNN classifier; see [`CnnClassifierConfig`].
#[derive(Debug)]
pub struct CnnClassifier {
    stack: ConvStack,
    head: Mlp,
    /// Capture name of the globally pooled vector.
    pool_name: String,
    config: CnnClassifierConfig,
}

impl CnnClassifier {
    /// The config this model was built from.
    pub fn config(&self) -> &CnnClassifierConfig {
        &self.config
    }

    /// The convolution stack.
    pub fn stack(&self) -> &ConvStack {
        &self.stack
    }

    /// The last block's feature map (after its activation, pooling and dropout), before global
    /// pooling: the map Grad-CAM weighs.
    ///
    /// # Shapes
    /// * `xs`: in the configured [`Layout`], e.g. `[B, C, L]` or `[B, T, F]` (channels last)
    /// * returns channels first: `[B, C', L']` or `[B, C', H', W']`
    pub fn f_features(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let xs = match self.config.layout {
            Layout::ChannelsFirst => xs.shallow_clone(),
            Layout::ChannelsLast => {
                let n = xs.dim() as i64;
                ensure_input!(
                    n == self.config.stack.dims + 2,
                    "cnn classifier: expected a {}-D channels-last input, got {:?}",
                    self.config.stack.dims + 2,
                    xs.size()
                );
                let mut order = vec![0, n - 1];
                order.extend(1..n - 1);
                xs.f_permute(order)?
            }
        };
        self.stack.f_forward_t(&xs, train)
    }

    /// [`f_features`](Self::f_features), panicking on bad input.
    ///
    /// # Panics
    /// If `xs` has the wrong shape.
    pub fn features(&self, xs: &Tensor, train: bool) -> Tensor {
        self.f_features(xs, train).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Logits from a feature map of [`features`](Self::features): global pooling, dropout, head.
    ///
    /// # Shapes
    /// `[B, C', spatial…]` → `[B, output]`
    pub fn f_classify_features(&self, features: &Tensor, train: bool) -> Result<Tensor> {
        let size = features.size();
        ensure_input!(
            size.len() >= 3 && size[1] == self.config.stack.out_channels(),
            "cnn classifier: expected features [B, {}, …], got {:?}",
            self.config.stack.out_channels(),
            size
        );
        let flat = features.f_flatten(2, -1)?;
        let pooled = match self.config.global_pool {
            GlobalPool::Avg => flat.f_mean_dim(2, false, None::<tch::Kind>)?,
            GlobalPool::Max => flat.f_amax(2, false)?,
        };
        let pooled = tap(&self.pool_name, dropout(pooled, self.config.dropout, train));
        self.head.try_forward_t(&pooled, None, train)
    }

    /// [`f_classify_features`](Self::f_classify_features), panicking on bad input.
    ///
    /// # Panics
    /// If `features` has the wrong shape.
    pub fn classify_features(&self, features: &Tensor, train: bool) -> Tensor {
        self.f_classify_features(features, train)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The forward pass, with errors instead of panics: `classify_features(features(xs))`.
    pub fn f_forward_t(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        self.f_classify_features(&self.f_features(xs, train)?, train)
    }
}

forward_by! {
    /// # Shapes
    /// * `xs`: `[B, C, L]` / `[B, C, H, W]` (channels first) or `[B, L, C]` / `[B, H, W, C]`
    ///   (channels last); `mask` is ignored
    /// * returns `[B, output]`
    CnnClassifier => f_forward_t(xs, train)
}
