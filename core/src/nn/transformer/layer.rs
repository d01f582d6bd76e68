//! One `nn.TransformerEncoderLayer`: multi-head self-attention and the feed-forward block,
//! with the linear and layer-norm helpers they share with the encoder.

use tch::nn::{Init, LayerNorm, Linear};
use tch::{nn, Kind, Tensor};

use super::super::capture::{self, child, name_of, tap};
use super::super::{dropout, Activation};
use super::TransformerEncoderConfig;
use crate::Result;

/// Layer-norm epsilon (PyTorch's `nn.TransformerEncoderLayer` default).
const LAYER_NORM_EPS: f64 = 1e-5;

/// A PyTorch-initialised `nn.Linear` (weight and bias U(±1/√fan_in)).
pub(super) fn torch_linear(path: &nn::Path, input: i64, output: i64) -> Result<Linear> {
    super::super::init::linear(path, input, output, super::super::LinearInit::Torch)
}

pub(super) fn layer_norm(path: &nn::Path, d: i64) -> LayerNorm {
    let config = nn::LayerNormConfig {
        eps: LAYER_NORM_EPS,
        ..Default::default()
    };
    nn::layer_norm(path, vec![d], config)
}

pub(super) fn apply_linear(xs: &Tensor, layer: &Linear) -> Result<Tensor> {
    Ok(xs.f_linear(&layer.ws, layer.bs.as_ref())?)
}

/// [`apply_linear`], reporting its cost as `prefix.suffix` inside a profiling session.
pub(super) fn named_linear(
    xs: &Tensor,
    layer: &Linear,
    prefix: &str,
    suffix: &str,
) -> Result<Tensor> {
    let y = apply_linear(xs, layer)?;
    if crate::profile::is_recording() {
        let name = crate::nn::capture::child(prefix, suffix);
        crate::profile::counter::linear(&name, xs, &layer.ws, layer.bs.as_ref(), &y);
    }
    Ok(y)
}

/// [`apply_norm`], reporting its cost as `prefix.suffix` inside a profiling session.
pub(super) fn named_norm(
    xs: &Tensor,
    norm: &LayerNorm,
    prefix: &str,
    suffix: &str,
) -> Result<Tensor> {
    let y = apply_norm(xs, norm)?;
    if crate::profile::is_recording() {
        let name = crate::nn::capture::child(prefix, suffix);
        let params: Vec<&Tensor> = norm.ws.iter().chain(norm.bs.iter()).collect();
        crate::profile::counter::norm(&name, "layer_norm", xs, &params, &y);
    }
    Ok(y)
}

pub(super) fn apply_norm(xs: &Tensor, norm: &LayerNorm) -> Result<Tensor> {
    Ok(xs.f_layer_norm(
        norm.normalized_shape.as_slice(),
        norm.ws.as_ref(),
        norm.bs.as_ref(),
        LAYER_NORM_EPS,
        true,
    )?)
}

/// Multi-head self-attention, PyTorch's `nn.MultiheadAttention` with packed `in_proj`.
#[derive(Debug)]
struct SelfAttention {
    in_proj_weight: Tensor,
    in_proj_bias: Tensor,
    out_proj: Linear,
    heads: i64,
    dropout: f64,
    /// Capture name of the attention weights.
    weights_name: String,
}

impl SelfAttention {
    fn new(path: &nn::Path, d: i64, heads: i64, dropout: f64) -> Result<Self> {
        // Xavier-uniform on the packed [3d, d] matrix, as PyTorch does.
        let bound = (6.0 / (4 * d) as f64).sqrt();
        let in_proj_weight = path.f_var(
            "in_proj_weight",
            &[3 * d, d],
            Init::Uniform {
                lo: -bound,
                up: bound,
            },
        )?;
        let in_proj_bias = path.f_var("in_proj_bias", &[3 * d], Init::Const(0.0))?;
        let mut out_proj = torch_linear(&(path / "out_proj"), d, d)?;
        if let Some(bs) = out_proj.bs.as_mut() {
            let _ = tch::no_grad(|| bs.f_zero_())?;
        }
        Ok(SelfAttention {
            in_proj_weight,
            in_proj_bias,
            out_proj,
            heads,
            dropout,
            weights_name: child(&name_of(path), "weights"),
        })
    }

    /// `xs` `[B, T, d]`, `mask` `[B, T]` bool (true = real key) -> `[B, T, d]`.
    fn forward(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let (b, t, d) = xs.size3()?;
        let dh = d / self.heads;
        // [B, T, 3d] -> [3, B, H, T, dh]; rows of in_proj_weight are q, k, v in that order.
        let qkv = xs
            .f_linear(&self.in_proj_weight, Some(&self.in_proj_bias))?
            .f_view([b, t, 3, self.heads, dh])?
            .f_permute([2, 0, 3, 1, 4])?;
        let (q, k, v) = (qkv.f_get(0)?, qkv.f_get(1)?, qkv.f_get(2)?);
        let attn_mask = match mask {
            Some(m) => Some(m.f_view([b, 1, 1, t])?),
            None => None,
        };
        if capture::wants(&self.weights_name) {
            let weights = tch::no_grad(|| -> Result<Tensor> {
                let scores = q
                    .f_matmul(&k.f_transpose(-2, -1)?)?
                    .f_div_scalar((dh as f64).sqrt())?;
                let scores = match &attn_mask {
                    Some(m) => scores.f_masked_fill(&m.f_logical_not()?, f64::NEG_INFINITY)?,
                    None => scores,
                };
                Ok(scores.f_softmax(-1, None::<Kind>)?)
            })?;
            let _ = tap(&self.weights_name, weights);
        }
        let p = if train { self.dropout } else { 0.0 };
        let out = Tensor::f_scaled_dot_product_attention(
            &q,
            &k,
            &v,
            attn_mask.as_ref(),
            p,
            false,
            None,
            false,
        )?
        .f_transpose(1, 2)?
        .f_reshape([b, t, d])?;
        let prefix = self
            .weights_name
            .strip_suffix("weights")
            .unwrap_or("")
            .trim_end_matches('.');
        if crate::profile::is_recording() {
            use crate::profile::counter;
            let qkv_flat = qkv.f_permute([1, 3, 0, 2, 4])?.f_reshape([b, t, 3 * d])?;
            let name = crate::nn::capture::child(prefix, "in_proj");
            counter::linear(
                &name,
                xs,
                &self.in_proj_weight,
                Some(&self.in_proj_bias),
                &qkv_flat,
            );
            counter::attention(&crate::nn::capture::child(prefix, "sdpa"), &q, &k, &v, &out);
        }
        named_linear(&out, &self.out_proj, prefix, "out_proj")
    }
}

/// One `nn.TransformerEncoderLayer`.
#[derive(Debug)]
pub(super) struct EncoderLayer {
    self_attn: SelfAttention,
    linear1: Linear,
    linear2: Linear,
    norm1: LayerNorm,
    norm2: LayerNorm,
    activation: Activation,
    dropout: f64,
    norm_first: bool,
    /// Capture name of the layer's output (`layers.{i}`).
    name: String,
}

impl EncoderLayer {
    pub(super) fn new(path: &nn::Path, c: &TransformerEncoderConfig) -> Result<Self> {
        let d = c.d_model;
        Ok(EncoderLayer {
            self_attn: SelfAttention::new(&(path / "self_attn"), d, c.heads, c.dropout)?,
            linear1: torch_linear(&(path / "linear1"), d, c.feedforward)?,
            linear2: torch_linear(&(path / "linear2"), c.feedforward, d)?,
            norm1: layer_norm(&(path / "norm1"), d),
            norm2: layer_norm(&(path / "norm2"), d),
            activation: c.activation,
            dropout: c.dropout,
            norm_first: c.norm_first,
            name: name_of(path),
        })
    }

    fn feedforward(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let h = self
            .activation
            .apply(&named_linear(xs, &self.linear1, &self.name, "linear1")?);
        named_linear(
            &dropout(h, self.dropout, train),
            &self.linear2,
            &self.name,
            "linear2",
        )
    }

    pub(super) fn forward(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> Result<Tensor> {
        Ok(tap(&self.name, self.run(xs, mask, train)?))
    }

    fn run(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let p = self.dropout;
        if self.norm_first {
            let n = &self.name;
            let sa =
                self.self_attn
                    .forward(&named_norm(xs, &self.norm1, n, "norm1")?, mask, train)?;
            let h = xs.f_add(&dropout(sa, p, train))?;
            let ff = self.feedforward(&named_norm(&h, &self.norm2, n, "norm2")?, train)?;
            Ok(h.f_add(&dropout(ff, p, train))?)
        } else {
            let sa = self.self_attn.forward(xs, mask, train)?;
            let n = &self.name;
            let h = named_norm(&xs.f_add(&dropout(sa, p, train))?, &self.norm1, n, "norm1")?;
            let ff = self.feedforward(&h, train)?;
            named_norm(&h.f_add(&dropout(ff, p, train))?, &self.norm2, n, "norm2")
        }
    }
}
