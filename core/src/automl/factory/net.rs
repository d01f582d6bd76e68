//! The one CNN both the supernet and an assembled model run: stages of a 3×3 convolution
//! (ReLU, 2×2 max pooling) followed by residual 3×3 blocks `x + ReLU(conv(x))`, global
//! average pooling and a linear head. The supernet runs it on *slices* of its weights (the
//! first `c` output and input channels of every convolution, the first `d` blocks of a stage,
//! the head rows of the task's classes); an assembled model holds exactly those slices as its
//! own weights, so both compute the same function.
//!
//! Parameter names: `stages.{s}.conv.{weight,bias}`, `stages.{s}.blocks.{b}.{weight,bias}`,
//! `head.{weight,bias}`. Every layer reports its cost to [`crate::profile`]; [`cost`] counts
//! the same numbers from the shapes alone (the assembler's budget check).

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use crate::profile::counter;
use crate::Result;

/// One architecture inside the supernet: channels and residual blocks per stage.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Arch {
    /// Output channels of each stage.
    pub widths: Vec<i64>,
    /// Residual blocks of each stage (the first ones of the supernet's stage).
    pub depths: Vec<usize>,
}

/// What a model costs for one image (the [`crate::profile::counter`] conventions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cost {
    pub params: u64,
    pub macs: u64,
    pub flops: u64,
}

struct Stage {
    conv: (Tensor, Tensor),
    blocks: Vec<(Tensor, Tensor)>,
}

/// The parameters of an [`Arch`] at their full size.
pub(crate) struct Net {
    stages: Vec<Stage>,
    head: (Tensor, Tensor),
}

/// He (Kaiming) uniform weights, U(±√(6 / fan_in)), and zero biases: the signal keeps its
/// scale through the ReLUs of this normalisation-free net (PyTorch's default shrinks it).
fn conv_params(path: &nn::Path, c_in: i64, c_out: i64) -> (Tensor, Tensor) {
    let bound = (6.0 / (c_in * 9) as f64).sqrt();
    let init = nn::Init::Uniform {
        lo: -bound,
        up: bound,
    };
    (
        path.var("weight", &[c_out, c_in, 3, 3], init),
        path.var("bias", &[c_out], nn::Init::Const(0.0)),
    )
}

impl Net {
    /// Parameters of `arch` on `input` channels with `outputs` logits under `path`.
    pub(crate) fn new(path: &nn::Path, input: i64, arch: &Arch, outputs: i64) -> Net {
        let mut c_in = input;
        let mut stages = Vec::new();
        for (s, (&c, &d)) in arch.widths.iter().zip(&arch.depths).enumerate() {
            let p = path / "stages" / s;
            let conv = conv_params(&(&p / "conv"), c_in, c);
            let blocks = (0..d)
                .map(|b| conv_params(&(&p / "blocks" / b), c, c))
                .collect();
            stages.push(Stage { conv, blocks });
            c_in = c;
        }
        let init = crate::nn::torch_linear_init(c_in);
        let h = path / "head";
        let head = (
            h.var("weight", &[outputs, c_in], init),
            h.var("bias", &[outputs], init),
        );
        Net { stages, head }
    }

    /// Logits of the sub-architecture `arch` (channels and blocks at most the net's), for the
    /// head rows `rows` (all when `None`). `xs` `[B, C, H, W]` → `[B, rows]`.
    pub(crate) fn forward(
        &self,
        xs: &Tensor,
        arch: &Arch,
        rows: Option<&Tensor>,
    ) -> Result<Tensor> {
        let mut x = xs.shallow_clone();
        let mut c_in = xs.size().get(1).copied().unwrap_or(0);
        for (s, stage) in self.stages.iter().enumerate() {
            let (c, d) = (arch.widths[s], arch.depths[s]);
            let name = format!("stages.{s}.conv");
            let w = stage.conv.0.f_narrow(0, 0, c)?.f_narrow(1, 0, c_in)?;
            let b = stage.conv.1.f_narrow(0, 0, c)?;
            let y = x.f_conv2d(&w, Some(&b), [1, 1], [1, 1], [1, 1], 1)?;
            counter::conv(&name, &x, &w, Some(&b), &y);
            let r = y.f_relu()?;
            counter::elementwise(&name, "relu", &[&y], &r, 1);
            x = r.f_max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false)?;
            counter::pool(&name, "max_pool2d", &r, 4, &x);
            for (b, (bw, bb)) in stage.blocks.iter().take(d).enumerate() {
                let name = format!("stages.{s}.blocks.{b}");
                let w = bw.f_narrow(0, 0, c)?.f_narrow(1, 0, c)?;
                let bias = bb.f_narrow(0, 0, c)?;
                let y = x.f_conv2d(&w, Some(&bias), [1, 1], [1, 1], [1, 1], 1)?;
                counter::conv(&name, &x, &w, Some(&bias), &y);
                let r = y.f_relu()?;
                counter::elementwise(&name, "relu", &[&y], &r, 1);
                let sum = x.f_add(&r)?;
                counter::elementwise(&name, "add", &[&x, &r], &sum, 1);
                x = sum;
            }
            c_in = c;
        }
        let size = x.size();
        let window = size[2] * size[3];
        let pooled = x.f_mean_dim([2i64, 3].as_slice(), false, Kind::Float)?;
        counter::pool("pool", "avg_pool", &x, window, &pooled);
        let (mut w, mut b) = (
            self.head.0.f_narrow(1, 0, c_in)?,
            self.head.1.shallow_clone(),
        );
        if let Some(rows) = rows {
            w = w.f_index_select(0, rows)?;
            b = b.f_index_select(0, rows)?;
        }
        let y = pooled.f_linear(&w, Some(&b))?;
        counter::linear("head", &pooled, &w, Some(&b), &y);
        Ok(y)
    }
}

/// The cost of `arch` with `outputs` logits on one `input`-channel `side`×`side` image,
/// counted from the shapes as [`Net::forward`] records them.
pub fn cost(arch: &Arch, input: i64, side: i64, outputs: i64) -> Cost {
    let (mut params, mut macs, mut extra) = (0i64, 0i64, 0i64);
    let (mut c_in, mut h) = (input, side);
    for (&c, &d) in arch.widths.iter().zip(&arch.depths) {
        let out = c * h * h;
        params += c * c_in * 9 + c;
        macs += out * c_in * 9;
        extra += out + out; // bias, ReLU
        h /= 2;
        let pooled = c * h * h;
        extra += 4 * pooled;
        let d = d as i64;
        params += d * (c * c * 9 + c);
        macs += d * pooled * c * 9;
        extra += d * 3 * pooled; // bias, ReLU, residual add
        c_in = c;
    }
    extra += c_in * h * h; // global average pooling
    params += outputs * c_in + outputs;
    macs += outputs * c_in;
    extra += outputs;
    let u = |v: i64| v.max(0) as u64;
    Cost {
        params: u(params),
        macs: u(macs),
        flops: u(2 * macs + extra),
    }
}
