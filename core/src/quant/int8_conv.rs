//! Int8 convolutions (survey §3.4, dynamic quantization applied to convolutions): libtorch's
//! quantized convolution kernels are not reachable through `tch`, so a 2-D convolution runs as
//! an int8 matrix product over its unfolded input patches (`im2col`), through the same
//! [`Int8Linear`] as the linear layers: int8 weights with one symmetric scale per output
//! channel, activations quantized on the fly per batch. [`Int8Cnn`] is a whole core
//! [`CnnClassifier`](crate::nn::cnn::CnnClassifier) (2-D, channels first, no batch norm) in
//! int8, convolutions and head.
//!
//! What differs from torch.ao: torch.ao's convolutions are static (calibrated activation
//! ranges, quantized outputs); here every convolution's input range is measured per batch and
//! its output stays `f32`, so pooling and activations are the `f32` ones.

use tch::nn::VarStore;
use tch::Tensor;

use super::int8::Int8Linear;
use super::int8_models::{var, Int8Mlp};
use crate::nn::cnn::{CnnClassifierConfig, GlobalPool, Layout, Padding, PoolKind};
use crate::nn::Activation;
use crate::{ensure_config, ensure_input, Error, Result};

/// A 2-D convolution (square kernel, symmetric padding, no dilation or groups) on int8 products.
#[derive(Debug)]
pub struct Int8Conv2d {
    linear: Int8Linear,
    kernel: i64,
    stride: i64,
    padding: i64,
}

impl Int8Conv2d {
    /// From the `f32` weight `[out, in, k, k]` and bias `[out]`.
    pub fn new(weight: &Tensor, bias: Option<&Tensor>, stride: i64, padding: i64) -> Result<Self> {
        let s = weight.size();
        ensure_input!(
            s.len() == 4 && s[2] == s[3] && s[2] > 0,
            "int8 conv2d: weight must be [out, in, k, k], got {s:?}"
        );
        ensure_input!(
            stride > 0 && padding >= 0,
            "int8 conv2d: stride must be > 0 and padding >= 0, got {stride} and {padding}"
        );
        // [out, in·k·k] in im2col's (channel, row, column) order.
        let flat = weight.detach().f_reshape([s[0], -1])?;
        Ok(Int8Conv2d {
            linear: Int8Linear::new(&flat, bias, false)?,
            kernel: s[2],
            stride,
            padding,
        })
    }

    /// # Shapes
    /// * `x`: `[B, in, H, W]` → `[B, out, H', W']`
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let s = x.size();
        let (k, st, p) = (self.kernel, self.stride, self.padding);
        ensure_input!(
            s.len() == 4 && s[1] * k * k == self.linear.input(),
            "int8 conv2d: expected [B, {}, H, W] inputs, got {s:?}",
            self.linear.input() / (k * k)
        );
        let (ho, wo) = ((s[2] + 2 * p - k) / st + 1, (s[3] + 2 * p - k) / st + 1);
        ensure_input!(
            s[2] + 2 * p >= k && s[3] + 2 * p >= k,
            "int8 conv2d: a {}×{} input is smaller than the {k}×{k} kernel",
            s[2],
            s[3]
        );
        // [B, in·k·k, H'·W'] → [B, H'·W', in·k·k] → int8 product → [B, out, H', W'].
        let cols = x.f_im2col([k, k], [1, 1], [p, p], [st, st])?;
        let y = self.linear.forward(&cols.f_transpose(1, 2)?)?;
        Ok(y.f_transpose(1, 2)?.f_reshape([s[0], -1, ho, wo])?)
    }
}

/// One convolution block in int8: convolution, activation, optional pooling.
#[derive(Debug)]
struct Block {
    conv: Int8Conv2d,
    activation: Activation,
    pool: Option<(PoolKind, i64, i64)>,
}

/// A 2-D, channels-first CNN classifier without batch norm, convolutions and head in int8.
#[derive(Debug)]
pub struct Int8Cnn {
    blocks: Vec<Block>,
    global_pool: GlobalPool,
    head: Int8Mlp,
}

impl Int8Cnn {
    /// From the variables of a model built by `config`.
    pub fn from_vs(vs: &VarStore, config: &CnnClassifierConfig) -> Result<Self> {
        let st = &config.stack;
        ensure_config!(
            st.dims == 2 && config.layout == Layout::ChannelsFirst,
            "int8 cnn: only 2-D, channels-first stacks (got {} dims, {:?})",
            st.dims,
            config.layout
        );
        let vars = vs.variables();
        let mut blocks = Vec::with_capacity(st.blocks.len());
        for (i, b) in st.blocks.iter().enumerate() {
            ensure_config!(
                !b.batch_norm,
                "int8 cnn: block {i} has batch norm (fold it first: quant::fold)"
            );
            let padding = match b.padding {
                Padding::Same if b.kernel % 2 == 1 => (b.kernel - 1) / 2,
                Padding::Same => {
                    return Err(Error::config(format!(
                        "int8 cnn: block {i}: \"same\" padding of the even kernel {} is uneven",
                        b.kernel
                    )))
                }
                Padding::Valid => 0,
                Padding::Explicit(p) => p,
            };
            let name = format!("blocks.{i}.conv");
            let bias = vars.get(&format!("{name}.bias")).map(|t| t.detach());
            blocks.push(Block {
                conv: Int8Conv2d::new(
                    &var(&vars, &format!("{name}.weight"))?,
                    bias.as_ref(),
                    b.stride,
                    padding,
                )?,
                activation: b.activation,
                pool: b
                    .pool
                    .as_ref()
                    .map(|p| (p.kind, p.size, p.stride.unwrap_or(p.size))),
            });
        }
        Ok(Int8Cnn {
            blocks,
            global_pool: config.global_pool,
            head: Int8Mlp::from_vs(vs, "head", &config.head())?,
        })
    }

    /// # Shapes
    /// * `x`: `[B, C, H, W]` → `[B, output]`
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.shallow_clone();
        for b in &self.blocks {
            h = b.activation.apply(&b.conv.forward(&h)?);
            h = match b.pool {
                Some((PoolKind::Max, k, s)) => {
                    h.f_max_pool2d([k, k], [s, s], [0, 0], [1, 1], false)?
                }
                Some((PoolKind::Avg, k, s)) => {
                    h.f_avg_pool2d([k, k], [s, s], [0, 0], false, true, None)?
                }
                None => h,
            };
        }
        let flat = h.f_flatten(2, -1)?;
        let pooled = match self.global_pool {
            GlobalPool::Avg => flat.f_mean_dim(2, false, None::<tch::Kind>)?,
            GlobalPool::Max => flat.f_amax(2, false)?,
        };
        self.head.forward(&pooled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::cnn::{ConvBlockConfig, ConvStackConfig, PoolConfig};
    use crate::Forward;
    use tch::{Device, Kind};

    #[test]
    fn int8_conv_follows_f32_conv() {
        tch::manual_seed(0);
        let cpu = (Kind::Float, Device::Cpu);
        let w = Tensor::randn([8, 3, 3, 3], cpu) * 0.2;
        let b = Tensor::randn([8], cpu) * 0.1;
        let x = Tensor::rand([2, 3, 9, 7], cpu);
        for (stride, pad) in [(1, 1), (2, 0)] {
            let want = x.conv2d(&w, Some(&b), [stride; 2], [pad; 2], [1, 1], 1);
            let got = Int8Conv2d::new(&w, Some(&b), stride, pad)
                .unwrap()
                .forward(&x)
                .unwrap();
            assert_eq!(got.size(), want.size());
            let err = (&got - &want).abs().max().double_value(&[]);
            let scale = want.abs().max().double_value(&[]);
            assert!(err > 0.0 && err < 0.02 * scale, "{err} of {scale}");
        }
        let q = Int8Conv2d::new(&w, None, 1, 1).unwrap();
        assert!(q.forward(&Tensor::zeros([2, 4, 9, 9], cpu)).is_err());
        assert!(Int8Conv2d::new(&Tensor::zeros([8, 3, 3], cpu), None, 1, 0).is_err());
        assert!(Int8Conv2d::new(&w, None, 0, 0).is_err());
    }

    #[test]
    fn int8_cnn_follows_the_f32_cnn_and_refuses_batch_norm() {
        tch::manual_seed(1);
        let vs = VarStore::new(Device::Cpu);
        let mut cfg = CnnClassifierConfig {
            stack: ConvStackConfig {
                dims: 2,
                input: 1,
                blocks: vec![
                    ConvBlockConfig::new(8, 3).with_pool(PoolConfig::max(2)),
                    ConvBlockConfig::new(16, 3),
                ],
            },
            global_pool: GlobalPool::Avg,
            head_hidden: vec![16],
            output: 5,
            ..Default::default()
        };
        let m = cfg.init(&vs.root()).unwrap();
        let x = Tensor::rand([4, 1, 12, 12], (Kind::Float, Device::Cpu));
        let want = m.predict(&x, None);
        let got = Int8Cnn::from_vs(&vs, &cfg).unwrap().forward(&x).unwrap();
        let err = (&got - &want).abs().max().double_value(&[]);
        let scale = want.abs().max().double_value(&[]);
        assert!(err > 0.0 && err < 0.05 * scale, "{err} of {scale}");
        cfg.stack.blocks[1].batch_norm = true;
        let e = Int8Cnn::from_vs(&vs, &cfg).unwrap_err().to_string();
        assert!(e.contains("batch norm"), "{e}");
    }
}
