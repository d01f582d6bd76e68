//! Type A: cross-attention between modality token streams. Each layer lets every modality's
//! tokens attend to the tokens of all other modalities (PyTorch `nn.MultiheadAttention` with
//! packed `in_proj`, queries from the modality, keys and values from the others), followed by
//! the post-LN residual and feed-forward block of `nn.TransformerDecoderLayer`'s cross-attention
//! half (Vaswani et al. 2017).
//!
//! Parameters under `fusion.layers.{l}.<name>.`: `cross_attn.in_proj_weight|in_proj_bias`,
//! `cross_attn.out_proj.weight|bias`, `norm1.*`, `linear1.*`, `linear2.*`, `norm2.*`. Capture:
//! the attention weights `[B, heads, T_q, T_kv]` under `….cross_attn.weights`.

use serde::{Deserialize, Serialize};
use tch::nn::{Init, LayerNorm, Linear};
use tch::{nn, Tensor};

use super::Tokens;
use crate::nn::attention::masked_softmax;
use crate::nn::capture::{child, name_of, tap};
use crate::nn::init::{linear, LinearInit};
use crate::nn::{check_dropout, dropout};
use crate::{ensure_config, Result};

/// Type A settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrossAttentionConfig {
    /// Attention heads (must divide `d_model`).
    pub heads: i64,
    /// Cross-attention layers.
    pub layers: i64,
    /// Feed-forward width.
    pub feedforward: i64,
}

impl Default for CrossAttentionConfig {
    fn default() -> Self {
        CrossAttentionConfig {
            heads: 4,
            layers: 1,
            feedforward: 128,
        }
    }
}

impl CrossAttentionConfig {
    /// Check sizes against the model width.
    pub fn validate(&self, d_model: i64) -> Result<()> {
        ensure_config!(
            self.heads > 0 && d_model % self.heads == 0,
            "fusion type A: heads ({}) must be > 0 and divide d_model ({d_model})",
            self.heads
        );
        ensure_config!(
            self.layers > 0,
            "fusion type A: layers must be > 0, got {}",
            self.layers
        );
        ensure_config!(
            self.feedforward > 0,
            "fusion type A: feedforward must be > 0, got {}",
            self.feedforward
        );
        Ok(())
    }
}

/// Multi-head attention of queries from one stream over keys/values of another, with a key
/// padding mask (PyTorch `nn.MultiheadAttention(d, heads, batch_first=True)`).
#[derive(Debug)]
pub struct CrossAttention {
    in_proj_weight: Tensor,
    in_proj_bias: Tensor,
    out_proj: Linear,
    heads: i64,
    dropout: f64,
    weights_name: String,
}

impl CrossAttention {
    /// Parameters under `path` (PyTorch's initialisation: Xavier-uniform `in_proj_weight`, zero
    /// biases, `out_proj` as `nn.Linear` with zero bias).
    pub fn new(path: &nn::Path, d: i64, heads: i64, dropout: f64) -> Result<Self> {
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
        let mut out_proj = linear(&(path / "out_proj"), d, d, LinearInit::Torch)?;
        if let Some(bs) = out_proj.bs.as_mut() {
            let _ = tch::no_grad(|| bs.f_zero_())?;
        }
        Ok(CrossAttention {
            in_proj_weight,
            in_proj_bias,
            out_proj,
            heads,
            dropout,
            weights_name: child(&name_of(path), "weights"),
        })
    }

    /// Attend.
    ///
    /// # Shapes
    /// * `q`: `[B, Tq, d]`, `kv`: `[B, Tk, d]`, `key_mask`: `[B, Tk]` bool (true = real key)
    /// * returns `[B, Tq, d]`; a query row with no real key gets zeros before `out_proj`
    pub fn forward(
        &self,
        q: &Tensor,
        kv: &Tensor,
        key_mask: Option<&Tensor>,
        train: bool,
    ) -> Result<Tensor> {
        let (b, tq, d) = q.size3()?;
        let tk = kv.size()[1];
        let h = self.heads;
        let dh = d / h;
        let w = self.in_proj_weight.f_split(d, 0)?;
        let bias = self.in_proj_bias.f_split(d, 0)?;
        let heads = |x: &Tensor, i: usize, t: i64| -> Result<Tensor> {
            Ok(x.f_linear(&w[i], Some(&bias[i]))?
                .f_view([b, t, h, dh])?
                .f_transpose(1, 2)?)
        };
        let (qh, kh, vh) = (heads(q, 0, tq)?, heads(kv, 1, tk)?, heads(kv, 2, tk)?);
        let scores = qh
            .f_matmul(&kh.f_transpose(-2, -1)?)?
            .f_div_scalar((dh as f64).sqrt())?;
        let mask = match key_mask {
            Some(m) => Some(m.f_view([b, 1, 1, tk])?),
            None => None,
        };
        let weights = tap(
            &self.weights_name,
            masked_softmax(&scores, mask.as_ref(), -1)?,
        );
        let weights = dropout(weights, self.dropout, train);
        let out = weights
            .f_matmul(&vh)?
            .f_transpose(1, 2)?
            .f_reshape([b, tq, d])?;
        Ok(out.f_linear(&self.out_proj.ws, self.out_proj.bs.as_ref())?)
    }
}

/// One layer: cross-attention, add & norm, feed-forward, add & norm.
#[derive(Debug)]
struct Block {
    attn: CrossAttention,
    norm1: LayerNorm,
    linear1: Linear,
    linear2: Linear,
    norm2: LayerNorm,
}

fn norm(path: &nn::Path, d: i64) -> LayerNorm {
    nn::layer_norm(
        path,
        vec![d],
        nn::LayerNormConfig {
            eps: 1e-5,
            ..Default::default()
        },
    )
}

/// The built type-A block.
#[derive(Debug)]
pub(super) struct CrossAttentionFusion {
    /// `layers[l][m]`.
    layers: Vec<Vec<Block>>,
    dropout: f64,
}

impl CrossAttentionFusion {
    pub(super) fn new(
        path: &nn::Path,
        c: &CrossAttentionConfig,
        names: &[&str],
        d: i64,
        p: f64,
    ) -> Result<Self> {
        check_dropout("fusion type A", p)?;
        let lp = path / "layers";
        let mut layers = Vec::new();
        for l in 0..c.layers {
            let mut row = Vec::new();
            for name in names {
                let bp = &lp / l / *name;
                row.push(Block {
                    attn: CrossAttention::new(&(&bp / "cross_attn"), d, c.heads, p)?,
                    norm1: norm(&(&bp / "norm1"), d),
                    linear1: linear(&(&bp / "linear1"), d, c.feedforward, LinearInit::Torch)?,
                    linear2: linear(&(&bp / "linear2"), c.feedforward, d, LinearInit::Torch)?,
                    norm2: norm(&(&bp / "norm2"), d),
                });
            }
            layers.push(row);
        }
        Ok(CrossAttentionFusion { layers, dropout: p })
    }

    /// Fused vector `[B, M·d]`: each modality's tokens after the layers, mean-pooled, concatenated.
    pub(super) fn forward(&self, tokens: &[Tokens], train: bool) -> Result<Tensor> {
        let p = self.dropout;
        let mut xs: Vec<Tensor> = tokens.iter().map(|t| t.x.shallow_clone()).collect();
        for row in &self.layers {
            let mut next = Vec::with_capacity(xs.len());
            for (m, block) in row.iter().enumerate() {
                let others: Vec<usize> = (0..xs.len()).filter(|&j| j != m).collect();
                let kv = Tensor::f_cat(&others.iter().map(|&j| &xs[j]).collect::<Vec<_>>(), 1)?;
                let key_mask = key_mask(tokens, &others)?;
                let a = block.attn.forward(&xs[m], &kv, key_mask.as_ref(), train)?;
                let h = xs[m].f_add(&dropout(a, p, train))?.apply(&block.norm1);
                let ff = h
                    .f_linear(&block.linear1.ws, block.linear1.bs.as_ref())?
                    .f_relu()?;
                let ff =
                    dropout(ff, p, train).f_linear(&block.linear2.ws, block.linear2.bs.as_ref())?;
                next.push(h.f_add(&dropout(ff, p, train))?.apply(&block.norm2));
            }
            xs = next;
        }
        let pooled = xs
            .into_iter()
            .zip(tokens)
            .map(|(x, t)| {
                Tokens {
                    x,
                    mask: t.mask.as_ref().map(Tensor::shallow_clone),
                }
                .pooled()
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Tensor::f_cat(&pooled, 1)?)
    }
}

/// The concatenated key mask of the modalities `others` (`None` when all their tokens are real).
fn key_mask(tokens: &[Tokens], others: &[usize]) -> Result<Option<Tensor>> {
    if others.iter().all(|&j| tokens[j].mask.is_none()) {
        return Ok(None);
    }
    let parts = others
        .iter()
        .map(|&j| {
            let t = &tokens[j];
            match &t.mask {
                Some(m) => Ok(m.shallow_clone()),
                None => {
                    let (b, n, _) = t.x.size3()?;
                    Ok(Tensor::f_ones([b, n], (tch::Kind::Bool, t.x.device()))?)
                }
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(Tensor::f_cat(&parts, 1)?))
}
