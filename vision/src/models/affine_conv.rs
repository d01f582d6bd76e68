//! Affine-group convolutions whose kernels are functions of group elements, integrated over
//! GL⁺(2) by Monte Carlo.
//!
//! Paper: M. Mironenco & P. Forré, "Lie Group Decompositions for Equivariant Neural Networks",
//! ICLR 2024, §4.2 (lifting and group convolution on `ℝ² ⋊ GL⁺(2, ℝ)`), with the kernel network
//! and defaults of the authors' code (`rgenn`: a SIREN of width 60 with 2 hidden layers and
//! `w0 = 10`, a smooth circular mask `sigmoid(2 (1 − |u|))` on the kernel grid, 10 group samples
//! shared by every layer of one forward pass).
//!
//! With samples `g_1 … g_n ∈ GL⁺(2)` (see [`super::glplus`]), feature maps are `[B, C, n, H, W]`:
//! - **Lifting**: `out[o, i](x) = Σ_y f(y) · κ(g_i⁻¹ (y − x))[o, :] · |det g_i⁻¹|` — the kernel
//!   network `κ: ℝ² → ℝ^{C_out × C_in}` evaluated on the `k × k` grid (in `[−1, 1]²`) mapped by
//!   `g_i⁻¹`.
//! - **Group convolution**: `out[o, i](x) = (1/n) Σ_j Σ_y f[:, j](y) · κ(g_i⁻¹ (y − x),
//!   ξ(g_i⁻¹ g_j))[o, :] · |det g_i⁻¹|`, where `ξ` are the global coordinates of the
//!   decomposition (`cos θ, sin θ` of the rotation factor and the symmetric logarithm of the
//!   positive-definite factor): the Monte Carlo estimate of the integral over the group.
//!
//! Replacing every `g_i` by `h g_i` for a fixed `h` leaves every `g_i⁻¹ g_j` unchanged and maps
//! the spatial grid by `h⁻¹`, which is what makes the layers equivariant in expectation over the
//! samples (exactly only in the limit of many samples; see the reproduction's report).

use tch::nn::{self, Init};
use tch::{Kind, Tensor};

use super::glplus::{self, Mat2};
use crate::{Error, Result};

/// The centres of a `k × k` kernel's pixels in `[−1, 1]²` (as `affine_grid` with
/// `align_corners = false`), row-major, as `(x, y)`.
fn grid(k: i64) -> Vec<[f64; 2]> {
    let c = |j: i64| (2 * j + 1) as f64 / k as f64 - 1.0;
    (0..k)
        .flat_map(|r| (0..k).map(move |q| [c(q), c(r)]))
        .collect()
}

fn apply(g: &Mat2, p: [f64; 2]) -> [f64; 2] {
    [
        g[0][0] * p[0] + g[0][1] * p[1],
        g[1][0] * p[0] + g[1][1] * p[1],
    ]
}

/// A SIREN (Sitzmann et al. 2020): `sin(w0 (W x + b))` hidden layers and a linear output, with
/// its initialisation (first layer U(±1/d), later ones U(±√(6/h)/w0), output U(±√(6/h)) so the
/// output has unit variance).
#[derive(Debug)]
pub struct Siren {
    layers: Vec<nn::Linear>,
    w0: f64,
}

impl Siren {
    /// `input → hidden (× depth) → output` under `path`.
    pub fn new(
        path: &nn::Path,
        input: i64,
        hidden: i64,
        depth: usize,
        output: i64,
        w0: f64,
    ) -> Result<Self> {
        if input < 1 || hidden < 1 || depth < 1 || output < 1 || w0 <= 0.0 {
            return Err(Error::config(format!(
                "siren: sizes must be >= 1 and w0 > 0, got {input} → {hidden} × {depth} → \
                 {output}, w0 {w0}"
            )));
        }
        let mut layers = Vec::with_capacity(depth + 1);
        for l in 0..=depth {
            let (i, o) = (
                if l == 0 { input } else { hidden },
                if l == depth { output } else { hidden },
            );
            let bound = if l == 0 {
                1.0 / i as f64
            } else if l < depth {
                (6.0 / i as f64).sqrt() / w0
            } else {
                (6.0 / i as f64).sqrt()
            };
            let u = Init::Uniform {
                lo: -bound,
                up: bound,
            };
            let p = path / l as i64;
            layers.push(nn::Linear {
                ws: p.f_var("weight", &[o, i], u)?,
                bs: Some(p.f_var("bias", &[o], u)?),
            });
        }
        Ok(Siren { layers, w0 })
    }

    /// `[N, input]` → `[N, output]`.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.shallow_clone();
        let last = self.layers.len() - 1;
        for (l, lin) in self.layers.iter().enumerate() {
            h = h.f_linear(&lin.ws, lin.bs.as_ref())?;
            if l < last {
                h = (h * self.w0).sin();
            }
        }
        Ok(h)
    }
}

/// One affine-group layer: lifting (`ℝ² → ℝ² ⋊ GL⁺(2)`) or group convolution.
#[derive(Debug)]
pub struct AffineConv {
    kernel_net: Siren,
    bias: Tensor,
    c_in: i64,
    c_out: i64,
    kernel: i64,
    lifting: bool,
}

/// The kernel network's shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KernelNet {
    pub hidden: i64,
    pub depth: usize,
    pub w0: f64,
}

impl AffineConv {
    /// A layer under `path`: the kernel network `kernel_net` and a bias per output channel.
    pub fn new(
        path: &nn::Path,
        c_in: i64,
        c_out: i64,
        kernel: i64,
        lifting: bool,
        net: KernelNet,
    ) -> Result<Self> {
        if kernel < 3 || kernel % 2 == 0 {
            return Err(Error::config(format!(
                "affine conv: the kernel must be odd and >= 3, got {kernel}"
            )));
        }
        let input = if lifting { 2 } else { 7 };
        Ok(AffineConv {
            kernel_net: Siren::new(
                &(path / "kernel_net"),
                input,
                net.hidden,
                net.depth,
                c_out * c_in,
                net.w0,
            )?,
            bias: path.f_var("bias", &[c_out], Init::Const(0.0))?,
            c_in,
            c_out,
            kernel,
            lifting,
        })
    }

    /// The stacked `conv2d` weight for the samples `g`: `[C_out·n, C_in, k, k]` (lifting) or
    /// `[C_out·n, C_in·n, k, k]` (group).
    pub fn weight(&self, g: &[Mat2]) -> Result<Tensor> {
        let n = g.len() as i64;
        let k = self.kernel;
        let pts = grid(k);
        let n_in = if self.lifting { 1 } else { n };
        let mut feats = Vec::with_capacity((n * n_in * k * k) as usize * 7);
        let mut scale = Vec::with_capacity((n * n_in * k * k) as usize);
        let fan_in = (self.c_in * n_in * k * k) as f64;
        for gi in g {
            let gi_inv = glplus::inv(gi);
            let vol = glplus::det(&gi_inv).abs();
            for gj in g.iter().take(n_in as usize) {
                let rel = glplus::coordinates(&glplus::mul(&gi_inv, gj));
                for p in &pts {
                    let u = apply(&gi_inv, *p);
                    feats.extend([u[0], u[1]]);
                    if !self.lifting {
                        feats.extend(rel);
                    }
                    let r = (u[0] * u[0] + u[1] * u[1]).sqrt();
                    let mask = 1.0 / (1.0 + (-2.0 * (1.0 - r)).exp());
                    scale.push(mask * vol * (2.0 / fan_in).sqrt());
                }
            }
        }
        let dim = if self.lifting { 2 } else { 7 };
        let device = self.bias.device();
        let feats = Tensor::from_slice(&feats)
            .to_kind(Kind::Float)
            .reshape([-1, dim])
            .to_device(device);
        let scale = Tensor::from_slice(&scale)
            .to_kind(Kind::Float)
            .reshape([n, n_in, k, k, 1, 1])
            .to_device(device);
        let w = self
            .kernel_net
            .forward(&feats)?
            .reshape([n, n_in, k, k, self.c_out, self.c_in])
            * scale;
        // [n_out, n_in, k, k, C_out, C_in] → [C_out, n_out, C_in, n_in, k, k].
        Ok(w.permute([4, 0, 5, 1, 2, 3])
            .reshape([self.c_out * n, self.c_in * n_in, k, k]))
    }

    /// `[B, C_in, H, W]` (lifting) or `[B, C_in, n, H, W]` → `[B, C_out, n, H, W]`, stride 1,
    /// `k / 2` zero padding.
    pub fn forward(&self, x: &Tensor, g: &[Mat2]) -> Result<Tensor> {
        let n = g.len() as i64;
        let s = x.size();
        let input = if self.lifting {
            x.shallow_clone()
        } else {
            if s.len() != 5 || s[2] != n {
                return Err(Error::input(format!(
                    "affine group conv: expected feature maps [B, C, {n}, H, W], got {s:?}"
                )));
            }
            x.reshape([s[0], s[1] * n, s[3], s[4]])
        };
        let w = self.weight(g)?;
        let k = self.kernel;
        let y = input.f_conv2d(&w, None::<Tensor>, [1, 1], [k / 2, k / 2], [1, 1], 1)?;
        // The convolution with the sampled kernels (the kernel network's cost is not counted).
        deepfield_core::profile::counter::conv("affine_conv", &input, &w, None, &y);
        let ys = y.size();
        Ok(y.reshape([ys[0], self.c_out, n, ys[2], ys[3]])
            + self.bias.reshape([1, self.c_out, 1, 1, 1]))
    }
}
