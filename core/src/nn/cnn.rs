//! Convolutional stacks (1-D over time or sequence, 2-D over images) and a CNN classifier with a
//! global pooling + MLP head (LeCun et al. 1998 in its modern conv → BN → ReLU → pool form).
//!
//! A [`ConvStack`] is a list of blocks, each `conv → [batch norm] → activation → [pool] →
//! [dropout]`. [`CnnClassifier::features`] exposes the last block's feature map for Grad-CAM
//! (Selvaraju et al. 2017); [`CnnClassifier::classify_features`] maps it to logits, so the
//! gradient of a class score with respect to the map is one `Tensor::run_backward` away.
//!
//! Initialisation: convolutions as PyTorch's `nn.Conv1d/2d` (weight and bias U(±1/√fan_in),
//! fan_in = in_channels · kernel^dims — what `kaiming_uniform_(a=√5)` and its bias rule give;
//! checked in the tests), batch norm scale 1 and shift 0, the head's linear layers by
//! [`CnnClassifierConfig::init`](CnnClassifierConfig#structfield.init).
//!
//! Capture points ([`super::capture`]): every block's output (after its activation, pooling
//! and dropout, channels first) under `blocks.{i}` — the last one is the map Grad-CAM weighs —,
//! the globally pooled vector under `pool`, and the head's layers (`head.hidden.{i}`, `head.out`).

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::capture::{child, name_of, tap};
use super::init::LinearInit;
use super::mlp::{Mlp, MlpConfig};
use super::{check_dropout, dropout, forward_by, Activation, Forward};
use crate::{ensure_config, ensure_input, Result};

/// How a convolution pads its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Zero padding of `kernel − 1` in total per spatial dimension (the extra one on the right/bottom
    /// for even kernels, as PyTorch's `padding="same"`): with stride 1 the size is kept; with stride
    /// `s` it becomes `⌊(n − 1) / s⌋ + 1`.
    #[default]
    Same,
    /// No padding.
    Valid,
    /// This many zeros on each side.
    Explicit(i64),
}

/// Max or average pooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    #[default]
    Max,
    Avg,
}

/// A pooling layer after a convolution block (no padding, floor mode, as PyTorch's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolConfig {
    /// Max or average.
    pub kind: PoolKind,
    /// Window size (per spatial dimension).
    pub size: i64,
    /// Step; `None` means `size` (non-overlapping windows).
    pub stride: Option<i64>,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            kind: PoolKind::Max,
            size: 2,
            stride: None,
        }
    }
}

impl PoolConfig {
    /// Max pooling with window and step `size`.
    pub fn max(size: i64) -> Self {
        PoolConfig {
            kind: PoolKind::Max,
            size,
            stride: None,
        }
    }

    /// Average pooling with window and step `size`.
    pub fn avg(size: i64) -> Self {
        PoolConfig {
            kind: PoolKind::Avg,
            size,
            stride: None,
        }
    }

    fn step(&self) -> i64 {
        self.stride.unwrap_or(self.size)
    }
}

/// One convolution block: `conv → [batch norm] → activation → [pool] → [dropout]`. Square
/// kernels, strides and pools in 2-D. Parameters: `conv.weight`, `conv.bias` (only without batch
/// norm, which has its own shift), `bn.weight|bias|running_mean|running_var`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvBlockConfig {
    /// Output channels (filters).
    pub out_channels: i64,
    /// Kernel size.
    pub kernel: i64,
    /// Convolution stride.
    pub stride: i64,
    /// Padding of the convolution.
    pub padding: Padding,
    /// Batch normalisation after the convolution.
    pub batch_norm: bool,
    /// Non-linearity after the convolution (and batch norm).
    pub activation: Activation,
    /// Optional pooling after the activation.
    pub pool: Option<PoolConfig>,
    /// Dropout at the end of the block.
    pub dropout: f64,
}

impl Default for ConvBlockConfig {
    fn default() -> Self {
        ConvBlockConfig {
            out_channels: 32,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            batch_norm: false,
            activation: Activation::Relu,
            pool: None,
            dropout: 0.0,
        }
    }
}

impl ConvBlockConfig {
    /// A block with the given filters and kernel, the other fields at their defaults
    /// ("same" padding, stride 1, ReLU, no batch norm, no pooling, no dropout).
    pub fn new(out_channels: i64, kernel: i64) -> Self {
        ConvBlockConfig {
            out_channels,
            kernel,
            ..Default::default()
        }
    }

    /// The same block followed by `pool`.
    pub fn with_pool(mut self, pool: PoolConfig) -> Self {
        self.pool = Some(pool);
        self
    }

    /// The same block with batch normalisation on or off.
    pub fn with_batch_norm(mut self, on: bool) -> Self {
        self.batch_norm = on;
        self
    }

    /// Zeros before and after each spatial dimension.
    fn pads(&self) -> (i64, i64) {
        match self.padding {
            Padding::Same => {
                let total = self.kernel - 1;
                (total / 2, total - total / 2)
            }
            Padding::Valid => (0, 0),
            Padding::Explicit(p) => (p, p),
        }
    }

    /// Output size of one spatial dimension of length `n`.
    fn out_len(&self, n: i64) -> i64 {
        let (lo, hi) = self.pads();
        let conv = (n + lo + hi - self.kernel).div_euclid(self.stride) + 1;
        match &self.pool {
            None => conv,
            Some(p) => (conv - p.size).div_euclid(p.step()) + 1,
        }
    }

    fn validate(&self, i: usize) -> Result<()> {
        ensure_config!(
            self.out_channels > 0,
            "conv block {i}: out_channels must be > 0, got {}",
            self.out_channels
        );
        ensure_config!(
            self.kernel > 0,
            "conv block {i}: kernel must be > 0, got {}",
            self.kernel
        );
        ensure_config!(
            self.stride > 0,
            "conv block {i}: stride must be > 0, got {}",
            self.stride
        );
        if let Padding::Explicit(p) = self.padding {
            ensure_config!(p >= 0, "conv block {i}: padding must be >= 0, got {p}");
        }
        if let Some(p) = &self.pool {
            ensure_config!(
                p.size > 0,
                "conv block {i}: pool size must be > 0, got {}",
                p.size
            );
            ensure_config!(
                p.step() > 0,
                "conv block {i}: pool stride must be > 0, got {}",
                p.step()
            );
        }
        check_dropout(&format!("conv block {i}"), self.dropout)
    }
}

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
            super::check_stateless("conv stack", b.activation)?;
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

#[derive(Debug)]
struct ConvBlock {
    weight: Tensor,
    bias: Option<Tensor>,
    bn: Option<nn::BatchNorm>,
    /// Capture name of the block's output (`blocks.{i}`).
    name: String,
    config: ConvBlockConfig,
}

impl ConvBlock {
    fn forward(&self, xs: &Tensor, dims: i64, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let (lo, hi) = c.pads();
        // Symmetric padding goes to the convolution; asymmetric ("same" with an even kernel) is
        // applied first as explicit zeros.
        let (xs, pad) = if lo == hi {
            (xs.shallow_clone(), lo)
        } else {
            let pads: Vec<i64> = (0..dims).flat_map(|_| [lo, hi]).collect();
            (xs.f_constant_pad_nd(pads)?, 0)
        };
        let mut ys = if dims == 1 {
            xs.f_conv1d(&self.weight, self.bias.as_ref(), [c.stride], [pad], [1], 1)?
        } else {
            xs.f_conv2d(
                &self.weight,
                self.bias.as_ref(),
                [c.stride; 2],
                [pad; 2],
                [1, 1],
                1,
            )?
        };
        if let Some(bn) = &self.bn {
            // PyTorch's BatchNorm defaults: momentum 0.1, eps 1e-5.
            ys = ys.f_batch_norm(
                bn.ws.as_ref(),
                bn.bs.as_ref(),
                Some(&bn.running_mean),
                Some(&bn.running_var),
                train,
                0.1,
                1e-5,
                true,
            )?;
        }
        ys = c.activation.apply(&ys);
        if let Some(p) = &c.pool {
            let (k, s) = (p.size, p.step());
            ys = match (p.kind, dims) {
                (PoolKind::Max, 1) if k == s => max_pool1d_disjoint(&ys, k)?,
                (PoolKind::Max, 1) => ys.f_max_pool1d([k], [s], [0], [1], false)?,
                (PoolKind::Avg, 1) => ys.f_avg_pool1d([k], [s], [0], false, true)?,
                (PoolKind::Max, _) => ys.f_max_pool2d([k, k], [s, s], [0, 0], [1, 1], false)?,
                (PoolKind::Avg, _) => ys.f_avg_pool2d([k, k], [s, s], [0, 0], false, true, None)?,
            };
        }
        Ok(tap(&self.name, dropout(ys, c.dropout, train)))
    }
}

/// 1-D max pooling over disjoint windows of `k` steps (window = stride, no padding, floor mode):
/// the same values and gradients as `max_pool1d`, computed as a max over a reshaped last axis.
/// libtorch routes a training-mode `max_pool1d` through the 2-D kernel with indices, which at one
/// thread costs more than the convolution before it.
fn max_pool1d_disjoint(xs: &Tensor, k: i64) -> Result<Tensor> {
    let size = xs.size();
    ensure_input!(
        size.len() == 3 && size[2] >= k,
        "max pool {k}: expected [B, C, T] with T >= {k}, got {size:?}"
    );
    let n = size[2] / k;
    let windows = xs
        .f_narrow(2, 0, n * k)?
        .f_reshape([size[0], size[1], n, k])?;
    Ok(windows.f_max_dim(-1, false)?.0)
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
        if self.config.dims != 1 || !self.blocks.iter().all(simple) {
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

impl ConvBlock {
    /// `[B, L, C]` → `[B, L', O]` for a block without batch norm, stride 1 and at most a
    /// disjoint max pool (checked by the caller).
    fn forward_channels_last(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let (lo, hi) = c.pads();
        let (b, l, ch) = {
            let s = xs.size();
            (s[0], s[1], s[2])
        };
        let k = c.kernel;
        let xs = if lo > 0 || hi > 0 {
            xs.f_constant_pad_nd([0, 0, lo, hi])?
        } else {
            xs.shallow_clone()
        };
        let out_len = l + lo + hi - k + 1;
        let pool = c.pool.as_ref().map_or(1, |p| p.size);
        let n = out_len / pool;
        ensure_input!(
            n > 0,
            "max pool {pool}: a length of {out_len} steps is too short"
        );
        let w = self
            .weight
            .f_permute([2, 1, 0])?
            .f_reshape([k * ch, c.out_channels])?;
        // Pre-activations at output steps `pool·i + q`, i < n: one matrix product over the
        // windows [x[t], x[t+1], …, x[t+k-1]] (tap-major), against the weight [O, C, K] laid out
        // as [K·C, O] in the same order.
        let at_offset = |q: i64| -> Result<Tensor> {
            let taps: Vec<Tensor> = (0..k)
                .map(|j| xs.f_slice(1, q + j, q + j + pool * (n - 1) + 1, pool))
                .collect::<std::result::Result<_, _>>()?;
            let windows = Tensor::f_cat(&taps, 2)?.f_reshape([b * n, k * ch])?;
            Ok(match &self.bias {
                Some(bias) if pool == 1 => bias.f_addmm(&windows, &w)?,
                _ => windows.f_mm(&w)?,
            })
        };
        let finish = |y: &Tensor| -> Result<Tensor> {
            let y = match &self.bias {
                Some(bias) if pool > 1 => y.f_add(bias)?,
                _ => y.shallow_clone(),
            };
            Ok(c.activation.apply(&y))
        };
        // A disjoint max pool is a running maximum over the `pool` offsets, each a contiguous
        // [B·n, O] matrix; max(m, y) = y + relu(m − y) costs three element-wise passes forward
        // and back (libtorch's max over a short axis and its scatter backward cost several
        // times that). The bias and a non-decreasing activation commute with the maximum, so
        // they run once, after it.
        let monotone = c.activation.is_non_decreasing();
        let pre = |q: i64| -> Result<Tensor> {
            let y = at_offset(q)?;
            if monotone {
                Ok(y)
            } else {
                finish(&y)
            }
        };
        let mut ys = pre(0)?;
        for q in 1..pool {
            let y = pre(q)?;
            ys = y.f_add(&ys.f_sub(&y)?.f_relu()?)?;
        }
        if monotone {
            ys = finish(&ys)?;
        }
        let ys = dropout(ys.f_view([b, n, c.out_channels])?, c.dropout, train);
        // Recorded channels first, as the general path does (the transposes are views).
        Ok(if super::capture::is_active() {
            tap(&self.name, ys.f_transpose(1, 2)?).f_transpose(1, 2)?
        } else {
            ys
        })
    }
}

forward_by! {
    /// # Shapes
    /// As [`ConvStack::f_forward_t`]; `mask` is ignored.
    ConvStack => f_forward_t(xs, train)
}

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
    fn head(&self) -> MlpConfig {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::test_util::cpu;
    use tch::{Device, Kind};

    fn values(t: &Tensor) -> Vec<f32> {
        Vec::try_from(t.reshape([-1])).unwrap()
    }

    #[test]
    fn channels_last_1d_path_matches_the_convolution_path() {
        let vs = nn::VarStore::new(Device::Cpu);
        let cases = [
            (3, Padding::Same, Some(PoolConfig::max(2)), Activation::Relu),
            (2, Padding::Same, None, Activation::Tanh),
            (
                5,
                Padding::Valid,
                Some(PoolConfig::max(3)),
                Activation::Relu,
            ),
            (1, Padding::Explicit(1), None, Activation::Identity),
            // Activations that are not monotone are applied before the pool.
            (3, Padding::Same, Some(PoolConfig::max(2)), Activation::Gelu),
            (
                2,
                Padding::Valid,
                Some(PoolConfig::max(2)),
                Activation::Silu,
            ),
            (
                3,
                Padding::Same,
                Some(PoolConfig::max(4)),
                Activation::Sigmoid,
            ),
            (
                3,
                Padding::Same,
                Some(PoolConfig::max(3)),
                Activation::LeakyRelu(0.1),
            ),
            (
                2,
                Padding::Same,
                Some(PoolConfig::max(2)),
                Activation::LeakyRelu(-0.5),
            ),
        ];
        for (i, (kernel, padding, pool, activation)) in cases.into_iter().enumerate() {
            let vs = nn::VarStore::new(Device::Cpu);
            let mut cfg = ConvStackConfig::new(1, 4, [6, 5], kernel);
            cfg.blocks[0].padding = padding;
            cfg.blocks[0].pool = pool;
            cfg.blocks[0].activation = activation;
            let stack = cfg.init(&(vs.root() / i)).unwrap();
            let x = Tensor::randn([3, 13, 4], cpu());
            let fast = stack.f_forward_channels_last(&x, false).unwrap().unwrap();
            let slow = stack
                .f_forward_t(&x.transpose(1, 2), false)
                .unwrap()
                .transpose(1, 2);
            assert_eq!(fast.size(), slow.size(), "case {i}");
            let diff = (&fast - &slow).abs().max().double_value(&[]);
            assert!(diff < 1e-5, "case {i}: {diff}");
            // Same gradients for the shared parameters.
            let w = Tensor::randn(fast.size(), cpu());
            let params = vs.trainable_variables();
            let gf = Tensor::run_backward(&[(&fast * &w).sum(Kind::Float)], &params, false, false);
            let gs = Tensor::run_backward(&[(&slow * &w).sum(Kind::Float)], &params, false, false);
            for (a, b) in gf.iter().zip(&gs) {
                let d = (a - b).abs().max().double_value(&[]);
                assert!(d < 1e-4, "case {i}: gradient difference {d}");
            }
        }
        // Batch norm (or stride, or average pooling) takes the general path.
        let mut cfg = ConvStackConfig::new(1, 4, [6], 3);
        cfg.blocks[0].batch_norm = true;
        let stack = cfg.init(&(vs.root() / "bn")).unwrap();
        let x = Tensor::randn([2, 8, 4], cpu());
        assert!(stack.f_forward_channels_last(&x, false).unwrap().is_none());
        // Too short for the pool: an error, as on the general path.
        let mut cfg = ConvStackConfig::new(1, 4, [6], 3);
        cfg.blocks[0].pool = Some(PoolConfig::max(2));
        let stack = cfg.init(&(vs.root() / "short")).unwrap();
        assert!(stack
            .f_forward_channels_last(&Tensor::randn([2, 1, 4], cpu()), false)
            .is_err());
    }

    #[test]
    fn disjoint_max_pool_matches_libtorch_values_and_gradients() {
        for (k, t) in [(2, 10), (2, 11), (3, 11), (4, 4)] {
            let x = Tensor::randn([3, 5, t], cpu()).set_requires_grad(true);
            let w = Tensor::randn([3, 5, t / k], cpu());
            let ours = max_pool1d_disjoint(&x, k).unwrap();
            let g_ours =
                Tensor::run_backward(&[(&ours * &w).sum(Kind::Float)], &[&x], false, false);
            let theirs = x.max_pool1d([k], [k], [0], [1], false);
            let g_theirs =
                Tensor::run_backward(&[(&theirs * &w).sum(Kind::Float)], &[&x], false, false);
            assert_eq!(ours.size(), theirs.size(), "k {k}, t {t}");
            assert_eq!(values(&ours), values(&theirs), "k {k}, t {t}");
            assert_eq!(values(&g_ours[0]), values(&g_theirs[0]), "k {k}, t {t}");
        }
        assert!(max_pool1d_disjoint(&Tensor::randn([1, 2, 1], cpu()), 2).is_err());
    }

    #[test]
    fn same_padding_keeps_length_and_max_pool_halves_it() {
        let vs = nn::VarStore::new(Device::Cpu);
        for kernel in [1, 2, 3, 4, 5] {
            let stack = ConvStackConfig::new(1, 3, [4], kernel)
                .init(&(vs.root() / kernel))
                .unwrap();
            let y = stack
                .f_forward_t(&Tensor::randn([2, 3, 11], cpu()), false)
                .unwrap();
            assert_eq!(y.size(), [2, 4, 11], "kernel {kernel}");
        }
        let mut cfg = ConvStackConfig::new(1, 3, [4, 6], 3);
        cfg.blocks[0].pool = Some(PoolConfig::max(2));
        let stack = cfg.init(&(vs.root() / "pooled")).unwrap();
        let y = stack
            .f_forward_t(&Tensor::randn([2, 3, 10], cpu()), false)
            .unwrap();
        assert_eq!(y.size(), [2, 6, 5]);
        assert_eq!(cfg.output_shape(&[10]).unwrap(), [6, 5]);
        assert_eq!(cfg.output_shape(&[11]).unwrap(), [6, 5]);
        // Stride 2, "same": ⌊(n − 1) / 2⌋ + 1; valid kernel 3: n − 2; average pool 3: ⌊n / 3⌋.
        let mut cfg = ConvStackConfig::new(1, 1, [2, 2, 2], 3);
        cfg.blocks[0].stride = 2;
        cfg.blocks[1].padding = Padding::Valid;
        cfg.blocks[2].pool = Some(PoolConfig::avg(3));
        let stack = cfg.init(&(vs.root() / "mixed")).unwrap();
        let y = stack
            .f_forward_t(&Tensor::randn([1, 1, 21], cpu()), false)
            .unwrap();
        assert_eq!(y.size(), [1, 2, 3]); // 21 → 11 → 9 → 3
        assert_eq!(cfg.output_shape(&[21]).unwrap(), [2, 3]);
        assert!(cfg.output_shape(&[3]).is_err());
        assert!(stack
            .f_forward_t(&Tensor::randn([1, 1, 3], cpu()), false)
            .is_err());
    }

    #[test]
    fn conv_values_match_hand_computation() {
        // Cross-correlation with "same" zero padding; identity activation.
        let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).view([1, 1, 4]);
        for (kernel, w, expected) in [
            (3, vec![1.0f32, 2.0, 3.0], vec![8.0f32, 14.0, 20.0, 11.0]),
            // Even kernel: the extra zero goes on the right, as PyTorch's padding="same".
            (2, vec![1.0, 1.0], vec![3.0, 5.0, 7.0, 4.0]),
        ] {
            let vs = nn::VarStore::new(Device::Cpu);
            let mut cfg = ConvStackConfig::new(1, 1, [1], kernel);
            cfg.blocks[0].activation = Activation::Identity;
            let stack = cfg.init(&vs.root()).unwrap();
            tch::no_grad(|| {
                let vars = vs.variables();
                vars["blocks.0.conv.weight"]
                    .shallow_clone()
                    .copy_(&Tensor::from_slice(&w).view([1, 1, kernel]));
                let _ = vars["blocks.0.conv.bias"].shallow_clone().fill_(0.0);
            });
            assert_eq!(values(&stack.f_forward_t(&x, false).unwrap()), expected);
        }
    }

    #[test]
    fn classifier_names_layouts_and_2d() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut stack = ConvStackConfig::new(1, 5, [8, 16], 3);
        stack.blocks[0].batch_norm = true;
        stack.blocks[0].pool = Some(PoolConfig::max(2));
        let cfg = CnnClassifierConfig {
            stack,
            layout: Layout::ChannelsLast,
            head_hidden: vec![4],
            output: 3,
            ..Default::default()
        };
        let model = cfg.init(&vs.root()).unwrap();
        let mut names: Vec<String> = vs.variables().into_keys().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "blocks.0.bn.bias",
                "blocks.0.bn.running_mean",
                "blocks.0.bn.running_var",
                "blocks.0.bn.weight",
                "blocks.0.conv.weight",
                "blocks.1.conv.bias",
                "blocks.1.conv.weight",
                "head.hidden.0.bias",
                "head.hidden.0.weight",
                "head.out.bias",
                "head.out.weight",
            ]
        );
        assert_eq!(vs.variables()["blocks.1.conv.weight"].size(), [16, 8, 3]);
        // Time series [B, T, F] in, channels last.
        let xs = Tensor::randn([4, 12, 5], cpu());
        assert_eq!(model.features(&xs, false).size(), [4, 16, 6]);
        assert_eq!(model.forward_t(&xs, None, true).size(), [4, 3]);
        // Channels-last equals channels-first on the transposed input.
        let first = CnnClassifierConfig {
            layout: Layout::ChannelsFirst,
            ..cfg.clone()
        };
        let vs2 = nn::VarStore::new(Device::Cpu);
        let model2 = first.init(&vs2.root()).unwrap();
        let mut vs2 = vs2;
        vs2.copy(&vs).unwrap();
        let a = model.predict(&xs, None);
        let b = model2.predict(&xs.transpose(1, 2), None);
        assert!((a - b).abs().max().double_value(&[]) < 1e-6);
        assert!(model
            .f_forward_t(&Tensor::randn([4, 12, 6], cpu()), false)
            .is_err());

        // 2-D, max global pooling.
        let vs = nn::VarStore::new(Device::Cpu);
        let mut stack = ConvStackConfig::new(2, 3, [4, 8], 3);
        stack.blocks[0].pool = Some(PoolConfig::max(2));
        let cfg = CnnClassifierConfig {
            stack,
            global_pool: GlobalPool::Max,
            output: 10,
            ..Default::default()
        };
        let model = cfg.init(&vs.root()).unwrap();
        assert_eq!(vs.variables()["blocks.0.conv.weight"].size(), [4, 3, 3, 3]);
        let xs = Tensor::randn([2, 3, 16, 12], cpu());
        assert_eq!(model.features(&xs, false).size(), [2, 8, 8, 6]);
        assert_eq!(model.predict(&xs, None).size(), [2, 10]);
    }

    #[test]
    fn grad_cam_gradient_reaches_the_feature_map() {
        tch::manual_seed(1);
        let vs = nn::VarStore::new(Device::Cpu);
        let model = CnnClassifierConfig {
            stack: ConvStackConfig::new(2, 1, [4], 3),
            output: 3,
            ..Default::default()
        }
        .init(&vs.root())
        .unwrap();
        let xs = Tensor::randn([1, 1, 6, 6], cpu());
        let features = model.features(&xs, false);
        let logits = model.classify_features(&features, false);
        assert!(
            (&logits - model.predict(&xs, None))
                .abs()
                .max()
                .double_value(&[])
                < 1e-6
        );
        let grads = Tensor::run_backward(&[logits.get(0).get(1)], &[&features], false, false);
        assert_eq!(grads[0].size(), [1, 4, 6, 6]);
        // Global average pooling + linear head: d score / d feature = w_out[class, c] / (H·W).
        let w = vs.variables()["head.out.weight"].get(1) / 36.0;
        let g = grads[0].mean_dim(&[2i64, 3][..], false, Kind::Float).get(0);
        assert!((g - w).abs().max().double_value(&[]) < 1e-6);
    }

    /// PyTorch's `nn.Conv1d/2d` init: weight and bias U(±1/√fan_in), fan_in = C_in · k^dims
    /// (U(±b) has standard deviation b/√3).
    #[test]
    fn conv_init_is_pytorchs() {
        tch::manual_seed(0);
        for (dims, c_in, k) in [(1i64, 16i64, 8i64), (2, 8, 3)] {
            let vs = nn::VarStore::new(Device::Cpu);
            ConvStackConfig::new(dims, c_in, [512], k)
                .init(&vs.root())
                .unwrap();
            let bound = 1.0 / ((c_in * k.pow(dims as u32)) as f64).sqrt();
            let v = vs.variables();
            let w = &v["blocks.0.conv.weight"];
            let max = w.abs().max().double_value(&[]);
            assert!(max <= bound && max > 0.99 * bound, "{dims}-D: max {max}");
            let std = w.std(true).double_value(&[]);
            assert!(
                (std * 3f64.sqrt() / bound - 1.0).abs() < 0.03,
                "{dims}-D: std {std}"
            );
            assert!(v["blocks.0.conv.bias"].abs().max().double_value(&[]) <= bound);
        }
    }

    #[test]
    fn bad_configs_are_errors() {
        let vs = nn::VarStore::new(Device::Cpu);
        assert!(ConvStackConfig::new(3, 1, [4], 3).init(&vs.root()).is_err());
        assert!(ConvStackConfig::new(1, 0, [4], 3).init(&vs.root()).is_err());
        assert!(ConvStackConfig::new(1, 1, Vec::<i64>::new(), 3)
            .init(&vs.root())
            .is_err());
        assert!(ConvStackConfig::new(1, 1, [4], 0).init(&vs.root()).is_err());
        let mut c = ConvStackConfig::default();
        c.blocks[1].pool = Some(PoolConfig::max(0));
        assert!(c.validate().is_err());
        let c = CnnClassifierConfig {
            dropout: 1.0,
            ..Default::default()
        };
        assert!(c.validate().is_err());
        let c: CnnClassifierConfig = serde_json::from_str(
            r#"{"stack": {"dims": 1, "input": 13, "blocks": [{"out_channels": 8, "pool": {"kind": "avg"}}]},
                "layout": "channels_last", "global_pool": "max"}"#,
        )
        .unwrap();
        assert_eq!(c.stack.blocks[0].kernel, 3);
        assert_eq!(c.stack.blocks[0].pool, Some(PoolConfig::avg(2)));
        assert_eq!(c.layout, Layout::ChannelsLast);
    }
}
