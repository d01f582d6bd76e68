//! Group convolutions on p4, the group of translations and rotations by multiples of 90°.
//!
//! Paper: T. S. Cohen & M. Welling, "Group Equivariant Convolutional Networks", ICML 2016, §6–7
//! (the p4 lifting correlation on ℤ² and the group correlation on p4).
//!
//! Feature maps on p4 are `[B, C, 4, H, W]`: channel, rotation `r` (by `r · 90°`
//! counter-clockwise as displayed, libtorch's `rot90` on the last two axes), row, column.
//! - **Lifting**: `out[o, r] = Σ_i x[i] ⋆ rot^r(w[o, i])` — one weight `[C_out, C_in, k, k]`
//!   rotated four times.
//! - **Group convolution**: `out[o, r] = Σ_{i, s} f[i, s] ⋆ rot^r(w[o, i, (s − r) mod 4])` — the
//!   kernel is rotated spatially *and* cyclically shifted along its rotation axis.
//!
//! Both are then exactly equivariant: rotating the input by 90° rotates every output map by 90°
//! and shifts the rotation axis by one (`out' = rot(roll(out, +1, axis 2))`), on square maps with
//! stride 1 and `k / 2` zero padding. [`group_kernel`] builds the stacked `conv2d` weight, with
//! switches that break either half of that tying (for tests that must see equivariance fail).

use tch::nn;
use tch::Tensor;

use crate::{Error, Result};

/// Rotate the last two axes by `r · 90°` counter-clockwise (as displayed).
pub fn rot90(x: &Tensor, r: i64) -> Tensor {
    let d = x.dim() as i64;
    x.rot90(r.rem_euclid(4), [d - 2, d - 1])
}

/// The `conv2d` weight `[C_out·4, C_in, k, k]` of a lifting layer from `w [C_out, C_in, k, k]`.
pub fn lift_kernel(w: &Tensor) -> Tensor {
    let s = w.size();
    let views: Vec<Tensor> = (0..4).map(|r| rot90(w, r)).collect();
    Tensor::stack(&views, 1).reshape([s[0] * 4, s[1], s[2], s[3]])
}

/// The `conv2d` weight `[C_out·4, C_in·4, k, k]` of a group layer from `w [C_out, C_in, 4, k, k]`:
/// output rotation `r` uses `w` rotated by `r` (if `rotate`) and rolled by `r` along its rotation
/// axis (if `shift`). Only both together give an equivariant layer.
pub fn group_kernel(w: &Tensor, rotate: bool, shift: bool) -> Tensor {
    let s = w.size();
    let views: Vec<Tensor> = (0..4)
        .map(|r| {
            let v = if shift {
                w.roll([r], [2])
            } else {
                w.shallow_clone()
            };
            if rotate {
                rot90(&v, r)
            } else {
                v
            }
        })
        .collect();
    Tensor::stack(&views, 1).reshape([s[0] * 4, s[1] * 4, s[3], s[4]])
}

/// One p4 layer: lifting (`ℤ² → p4`) or group convolution (`p4 → p4`), stride 1, `k / 2` padding.
#[derive(Debug)]
pub struct P4Conv {
    /// `[C_out, C_in, k, k]` (lifting) or `[C_out, C_in, 4, k, k]` (group).
    pub weight: Tensor,
    /// `[C_out]`, shared by the four rotations.
    pub bias: Tensor,
    pub lifting: bool,
}

impl P4Conv {
    /// A layer under `path` with PyTorch's `Conv2d` initialisation over its true fan-in
    /// (`C_in·k²`, or `C_in·4·k²` on p4).
    pub fn new(path: &nn::Path, c_in: i64, c_out: i64, kernel: i64, lifting: bool) -> Result<Self> {
        if c_in < 1 || c_out < 1 || kernel < 1 || kernel % 2 == 0 {
            return Err(Error::config(format!(
                "p4 conv: channels must be >= 1 and the kernel odd, got {c_in} → {c_out}, kernel \
                 {kernel}"
            )));
        }
        let shape: Vec<i64> = if lifting {
            vec![c_out, c_in, kernel, kernel]
        } else {
            vec![c_out, c_in, 4, kernel, kernel]
        };
        let fan_in: i64 = shape[1..].iter().product();
        let init = deepfield_core::nn::torch_linear_init(fan_in);
        Ok(P4Conv {
            weight: path.f_var("weight", &shape, init)?,
            bias: path.f_var("bias", &[c_out], init)?,
            lifting,
        })
    }

    /// `[B, C_in, H, W]` (lifting) or `[B, C_in, 4, H, W]` → `[B, C_out, 4, H, W]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let s = x.size();
        let k = self.weight.size()[self.weight.dim() - 1];
        let (input, kernel) = if self.lifting {
            (x.shallow_clone(), lift_kernel(&self.weight))
        } else {
            if s.len() != 5 || s[2] != 4 {
                return Err(Error::input(format!(
                    "p4 group conv: expected feature maps [B, C, 4, H, W], got {s:?}"
                )));
            }
            (
                x.reshape([s[0], s[1] * 4, s[3], s[4]]),
                group_kernel(&self.weight, true, true),
            )
        };
        let y = input.f_conv2d(&kernel, None::<Tensor>, [1, 1], [k / 2, k / 2], [1, 1], 1)?;
        deepfield_core::profile::counter::conv("p4_conv", &input, &kernel, None, &y);
        let ys = y.size();
        let c_out = self.bias.size()[0];
        Ok(y.reshape([ys[0], c_out, 4, ys[2], ys[3]]) + self.bias.reshape([1, c_out, 1, 1, 1]))
    }
}
