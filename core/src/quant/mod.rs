//! Quantization — seed paper: Gholami, Kim, Dong, Yao, Mahoney, Keutzer (2021), "A Survey of
//! Quantization Methods for Efficient Neural Network Inference".
//!
//! * [`affine`]: uniform affine quantization — symmetric/asymmetric, per tensor/per channel,
//!   2 to 8 bits — with fake quantization (straight-through estimator).
//! * [`observer`]: calibration by min-max, moving-average min-max, percentile, MSE and entropy
//!   ([`entropy`], TensorRT's KL method).
//! * [`fold`]: batch-norm folding into the preceding convolution or linear layer.
//! * [`lsq`]: learned step size quantization (LSQ).
//! * [`weights`]: post-training quantization of a model's weights (any `VarStore`), and
//!   [`qat`]: quantization-aware training of them as a Trainer callback.
//! * [`sensitivity`]: per-layer sensitivity scan and mixed-precision bit allocation.
//! * [`int8`]: real int8 inference (dynamic quantization) of linear and LSTM layers;
//!   [`int8_conv`]: of 2-D convolutions and whole CNN classifiers (int8 products over im2col).
//! * [`store`]: quantized checkpoints (int8 codes, scales and zero points in safetensors) that
//!   restore through the model registry.

pub mod affine;
#[cfg(feature = "cli")]
pub mod cli;
pub mod entropy;
pub mod fold;
pub mod int8;
pub mod int8_conv;
pub mod int8_models;
pub mod lsq;
pub mod observer;
pub mod qat;
#[cfg(feature = "plots")]
pub mod repro;
pub mod sensitivity;
pub mod store;
pub mod weights;

pub use affine::{QParams, QScheme};
pub use observer::{Calibration, Observer};
