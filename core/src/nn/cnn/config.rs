//! Configuration of one convolution block: padding, pooling and the block's settings.

use serde::{Deserialize, Serialize};

use super::super::{check_dropout, Activation};
use crate::{ensure_config, Result};

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

    pub(super) fn step(&self) -> i64 {
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
    pub(super) fn pads(&self) -> (i64, i64) {
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
    pub(super) fn out_len(&self, n: i64) -> i64 {
        let (lo, hi) = self.pads();
        let conv = (n + lo + hi - self.kernel).div_euclid(self.stride) + 1;
        match &self.pool {
            None => conv,
            Some(p) => (conv - p.size).div_euclid(p.step()) + 1,
        }
    }

    pub(super) fn validate(&self, i: usize) -> Result<()> {
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
