//! One built convolution block and its two forward paths (channels first, and channels last
//! for 1-D stacks without batch norm).

use tch::{nn, Tensor};

use super::super::capture::{child, tap};
use super::super::dropout;
use super::{ConvBlockConfig, PoolKind};
use crate::profile::counter;
use crate::{ensure_input, Result};

#[derive(Debug)]
pub(super) struct ConvBlock {
    pub(super) weight: Tensor,
    pub(super) bias: Option<Tensor>,
    pub(super) bn: Option<nn::BatchNorm>,
    /// Capture name of the block's output (`blocks.{i}`).
    pub(super) name: String,
    pub(super) config: ConvBlockConfig,
}

impl ConvBlock {
    pub(super) fn forward(&self, xs: &Tensor, dims: i64, train: bool) -> Result<Tensor> {
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
        let recording = crate::profile::is_recording();
        if recording {
            let conv = child(&self.name, "conv");
            counter::conv(&conv, &xs, &self.weight, self.bias.as_ref(), &ys);
        }
        if let Some(bn) = &self.bn {
            let before = ys.shallow_clone();
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
            if recording {
                let params: Vec<&Tensor> = bn.ws.iter().chain(bn.bs.iter()).collect();
                counter::norm(
                    &child(&self.name, "bn"),
                    "batch_norm",
                    &before,
                    &params,
                    &ys,
                );
            }
        }
        ys = c.activation.apply(&ys);
        if recording {
            counter::elementwise(&self.name, "activation", &[&ys], &ys, 1);
        }
        if let Some(p) = &c.pool {
            let before = ys.shallow_clone();
            let (k, s) = (p.size, p.step());
            ys = match (p.kind, dims) {
                (PoolKind::Max, 1) if k == s => max_pool1d_disjoint(&ys, k)?,
                (PoolKind::Max, 1) => ys.f_max_pool1d([k], [s], [0], [1], false)?,
                (PoolKind::Avg, 1) => ys.f_avg_pool1d([k], [s], [0], false, true)?,
                (PoolKind::Max, _) => ys.f_max_pool2d([k, k], [s, s], [0, 0], [1, 1], false)?,
                (PoolKind::Avg, _) => ys.f_avg_pool2d([k, k], [s, s], [0, 0], false, true, None)?,
            };
            if recording {
                let window = if dims == 1 { k } else { k * k };
                counter::pool(&child(&self.name, "pool"), "pool", &before, window, &ys);
            }
        }
        Ok(tap(&self.name, dropout(ys, c.dropout, train)))
    }
}

/// 1-D max pooling over disjoint windows of `k` steps (window = stride, no padding, floor mode):
/// the same values and gradients as `max_pool1d`, computed as a max over a reshaped last axis.
/// libtorch routes a training-mode `max_pool1d` through the 2-D kernel with indices, which at one
/// thread costs more than the convolution before it.
pub(super) fn max_pool1d_disjoint(xs: &Tensor, k: i64) -> Result<Tensor> {
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

impl ConvBlock {
    /// `[B, L, C]` → `[B, L', O]` for a block without batch norm, stride 1 and at most a
    /// disjoint max pool (checked by the caller).
    pub(super) fn forward_channels_last(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
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
        Ok(if super::super::capture::is_active() {
            tap(&self.name, ys.f_transpose(1, 2)?).f_transpose(1, 2)?
        } else {
            ys
        })
    }
}
