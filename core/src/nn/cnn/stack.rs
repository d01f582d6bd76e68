//! A stack of convolution blocks: its configuration, parameters and forward pass.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::super::capture::name_of;
use super::super::forward_by;
use super::conv_block::ConvBlock;
use super::{ConvBlockConfig, PoolConfig, PoolKind};
use crate::{ensure_config, ensure_input, Result};

/// A stack of convolution blocks over `dims` spatial dimensions. Parameters are named
/// `blocks.{i}.conv.*` and `blocks.{i}.bn.*` (PyTorch: an `nn.ModuleList` `blocks` of modules
/// with a `conv` and a `bn`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvStackConfig {
    /// Spatial dimensions: 1 (`[B, C, L]`, sequences) or 2 (`[B, C, H, W]`, images).
    pub dims: i64,
    /// Input channels `C`.
    pub input: i64,
    /// The blocks, in order (at least one).
    pub blocks: Vec<ConvBlockConfig>,
}

impl Default for ConvStackConfig {
    /// Two 1-D blocks of 32 and 64 filters, kernel 3, "same" padding, ReLU, max-pool 2.
    fn default() -> Self {
        ConvStackConfig {
            dims: 1,
            input: 1,
            blocks: vec![
                ConvBlockConfig::new(32, 3).with_pool(PoolConfig::max(2)),
                ConvBlockConfig::new(64, 3).with_pool(PoolConfig::max(2)),
            ],
        }
    }
}

impl ConvStackConfig {
    /// One block per entry of `channels`, all with kernel `kernel` and the other block fields at
    /// their defaults (no pooling).
    pub fn new(dims: i64, input: i64, channels: impl Into<Vec<i64>>, kernel: i64) -> Self {
        ConvStackConfig {
            dims,
            input,
            blocks: channels
                .into()
                .into_iter()
                .map(|c| ConvBlockConfig::new(c, kernel))
                .collect(),
        }
    }

    /// Channels of the output feature map.
    pub fn out_channels(&self) -> i64 {
        self.blocks.last().map_or(self.input, |b| b.out_channels)
    }

    /// Output shape `[C, spatial…]` for an input of the given spatial size (`[L]` or `[H, W]`);
    /// an error if a dimension shrinks below 1.
    pub fn output_shape(&self, spatial: &[i64]) -> Result<Vec<i64>> {
        ensure_input!(
            spatial.len() as i64 == self.dims,
            "conv stack: expected {} spatial sizes, got {:?}",
            self.dims,
            spatial
        );
        let mut shape = spatial.to_vec();
        for (i, b) in self.blocks.iter().enumerate() {
            for n in shape.iter_mut() {
                let before = *n;
                *n = b.out_len(*n);
                ensure_input!(
                    *n >= 1,
                    "conv stack: block {i} turns size {before} into {}",
                    *n
                );
            }
        }
        let mut out = vec![self.out_channels()];
        out.extend(shape);
        Ok(out)
    }

    /// Check every block.
    pub fn validate(&self) -> Result<()> {
        for b in &self.blocks {
            super::super::check_stateless("conv stack", b.activation)?;
        }
        ensure_config!(
            self.dims == 1 || self.dims == 2,
            "conv stack: dims must be 1 or 2, got {}",
            self.dims
        );
        ensure_config!(
            self.input > 0,
            "conv stack: input channels must be > 0, got {}",
            self.input
        );
        ensure_config!(
            !self.blocks.is_empty(),
            "conv stack: needs at least one block"
        );
        for (i, b) in self.blocks.iter().enumerate() {
            b.validate(i)?;
        }
        Ok(())
    }

    /// Create the parameters under `path` (`path/blocks/{i}/conv|bn`), initialised like PyTorch
    /// (convolution weight and bias uniform in ±1/√fan_in; batch-norm scale 1, shift 0).
    pub fn init(&self, path: &nn::Path) -> Result<ConvStack> {
        self.validate()?;
        let bp = path / "blocks";
        let mut blocks = Vec::with_capacity(self.blocks.len());
        let mut c_in = self.input;
        for (i, cfg) in self.blocks.iter().enumerate() {
            let p = &bp / i;
            let cp = &p / "conv";
            let fan_in = c_in * cfg.kernel.pow(self.dims as u32);
            let bound = 1.0 / (fan_in as f64).sqrt();
            let init = nn::Init::Uniform {
                lo: -bound,
                up: bound,
            };
            let mut shape = vec![cfg.out_channels, c_in];
            shape.extend(std::iter::repeat_n(cfg.kernel, self.dims as usize));
            let weight = cp.f_var("weight", &shape, init)?;
            let bias = if cfg.batch_norm {
                None
            } else {
                Some(cp.f_var("bias", &[cfg.out_channels], init)?)
            };
            let bn = cfg.batch_norm.then(|| {
                let bn_cfg = nn::BatchNormConfig {
                    ws_init: nn::Init::Const(1.0),
                    ..Default::default()
                };
                if self.dims == 1 {
                    nn::batch_norm1d(&p / "bn", cfg.out_channels, bn_cfg)
                } else {
                    nn::batch_norm2d(&p / "bn", cfg.out_channels, bn_cfg)
                }
            });
            blocks.push(ConvBlock {
                weight,
                bias,
                bn,
                name: name_of(&p),
                config: cfg.clone(),
            });
            c_in = cfg.out_channels;
        }
        Ok(ConvStack {
            blocks,
            config: self.clone(),
        })
    }
}

/// A stack of convolution blocks; see [`ConvStackConfig`].
#[derive(Debug)]
pub struct ConvStack {
    blocks: Vec<ConvBlock>,
    config: ConvStackConfig,
}

impl ConvStack {
    /// The config this stack was built from.
    pub fn config(&self) -> &ConvStackConfig {
        &self.config
    }

    /// Run all blocks.
    ///
    /// # Shapes
    /// * `xs`: `[B, input, L]` (1-D) or `[B, input, H, W]` (2-D), channels first
    /// * returns `[B, out_channels, L']` or `[B, out_channels, H', W']`, sizes as
    ///   [`ConvStackConfig::output_shape`]
    pub fn f_forward_t(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let dims = self.config.dims;
        let size = xs.size();
        ensure_input!(
            size.len() as i64 == dims + 2 && size[1] == self.config.input,
            "conv stack: expected input [B, {}, {}], got {:?}",
            self.config.input,
            if dims == 1 { "L" } else { "H, W" },
            size
        );
        self.config.output_shape(&size[2..])?;
        let mut ys = xs.shallow_clone();
        for block in &self.blocks {
            ys = block.forward(&ys, dims, train)?;
        }
        Ok(ys)
    }

    /// A 1-D stack on channels-last input `[B, L, C]`, returning `[B, L', C_out]`: the same
    /// values as `f_forward_t` on the transposed input (the same parameters, PyTorch's layout),
    /// for sequence models that keep time second (CNN-LSTM). Each convolution is a matrix
    /// product over `kernel` shifted copies of the input (im2col), one per position in the
    /// max-pool window, and the pool a running maximum of those products; for the narrow inputs
    /// of time-series windows this costs a fraction of libtorch's convolution, max pool and two
    /// transposes. Values agree to rounding (the maximum is computed as `b + relu(a − b)`), and
    /// at exact ties the gradient goes to the later position where libtorch picks the first.
    /// `None` when a block needs the general path (batch norm, stride > 1, average pooling or
    /// overlapping pools), or for 2-D stacks.
    pub fn f_forward_channels_last(&self, xs: &Tensor, train: bool) -> Result<Option<Tensor>> {
        let simple = |b: &ConvBlock| {
            let c = &b.config;
            b.bn.is_none()
                && c.stride == 1
                && c.pool
                    .as_ref()
                    .is_none_or(|p| p.kind == PoolKind::Max && p.step() == p.size)
        };
        // A recording session takes the general path, whose layers report their costs.
        if self.config.dims != 1
            || !self.blocks.iter().all(simple)
            || crate::profile::is_recording()
        {
            return Ok(None);
        }
        let size = xs.size();
        ensure_input!(
            size.len() == 3 && size[2] == self.config.input,
            "conv stack: expected channels-last input [B, L, {}], got {:?}",
            self.config.input,
            size
        );
        self.config.output_shape(&size[1..2])?;
        let mut ys = xs.shallow_clone();
        for block in &self.blocks {
            ys = block.forward_channels_last(&ys, train)?;
        }
        Ok(Some(ys))
    }
}

forward_by! {
    /// # Shapes
    /// As [`ConvStack::f_forward_t`]; `mask` is ignored.
    ConvStack => f_forward_t(xs, train)
}
