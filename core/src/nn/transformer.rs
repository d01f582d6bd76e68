//! Transformer encoder (Vaswani et al. 2017, "Attention Is All You Need", NeurIPS) for sequence
//! regression/classification and per-step encoding.
//!
//! The layer is PyTorch's `nn.TransformerEncoderLayer` (`batch_first=True`): multi-head
//! self-attention and a position-wise feed-forward block, each wrapped in a residual connection
//! and a layer norm, applied after the residual ("post-LN", the paper) or before the sub-block
//! ("pre-LN", `norm_first`, Xiong et al. 2020). Inputs are optionally projected to `d_model`,
//! get the paper's sinusoidal [`PositionalEncoding`] added, and the per-step outputs are
//! optionally pooled ([`Pooling`]) and fed to a linear `head`.
//!
//! Padded batches: pass `mask` (`[B, T]` bool, true at real steps). Padded keys get no
//! attention weight, padded inputs are zeroed before use, and pooling only sees real steps,
//! so the outputs at real steps do not depend on padding (checked in the tests). Positions are
//! absolute, so padding belongs at the end of each sequence.

use serde::{Deserialize, Serialize};
use tch::nn::{Init, LayerNorm, Linear};
use tch::{nn, Device, Kind, Tensor};

use super::capture::{self, child, name_of, tap};
use super::{check_dropout, check_mask_rows, check_sequences, dropout, forward_by, Activation};
use crate::{ensure_config, ensure_input, Result};

/// Layer-norm epsilon (PyTorch's `nn.TransformerEncoderLayer` default).
const LAYER_NORM_EPS: f64 = 1e-5;

/// How the encoder's per-step outputs become one vector per sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// Mean over the real (unmasked) steps.
    #[default]
    Mean,
    /// A learned `[CLS]` token (parameter `cls_token`, `[1, 1, d_model]`) is prepended to the
    /// sequence (Devlin et al. 2019, BERT); its output is the summary. It takes position 0 of
    /// the positional encoding, so sequences may be at most `max_len - 1` long.
    Cls,
    /// The output at the first real step (step 0 unless the mask says otherwise).
    First,
    /// No pooling: one output per step.
    None,
}

/// Transformer encoder configuration.
///
/// Defaults: the paper's choices where they suit a small model — post-LN, ReLU, dropout 0.1,
/// `feedforward = 4 * d_model` (the paper's 2048 / 512) — scaled down from the paper's base
/// model (`d_model` 512, 8 heads, 6 layers) to `d_model` 64, 4 heads, 2 layers.
///
/// Parameters (PyTorch names; `layers.{i}.*` is exactly `nn.TransformerEncoder`'s state dict):
/// `input_proj.weight|bias`, `cls_token` (pooling `cls`),
/// `layers.{i}.self_attn.in_proj_weight|in_proj_bias`, `layers.{i}.self_attn.out_proj.weight|bias`,
/// `layers.{i}.linear1.*`, `layers.{i}.linear2.*`, `layers.{i}.norm1.*`, `layers.{i}.norm2.*`,
/// `norm.weight|bias` (final layer norm, only with `norm_first`), `head.weight|bias`.
///
/// Capture points ([`super::capture`]): each encoder layer's output `[B, T, d_model]` under
/// `layers.{i}`, its attention weights `[B, heads, T, T]` (after the mask, before dropout)
/// under `layers.{i}.self_attn.weights` — computed only while a session asks for them, beside
/// the fused attention kernel, so they carry no gradient —, the pooled vector under `pool`
/// and the head's output under `head`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransformerEncoderConfig {
    /// Input features, linearly projected to `d_model` (`input_proj`); `None` (or 0) = no
    /// projection, the inputs must then have `d_model` features.
    pub input: Option<i64>,
    /// Model width (paper: 512).
    pub d_model: i64,
    /// Attention heads; must divide `d_model` (paper: 8).
    pub heads: i64,
    /// Encoder layers (paper: 6).
    pub layers: i64,
    /// Hidden width of the position-wise feed-forward block (paper: 2048 = 4 · 512).
    pub feedforward: i64,
    /// Dropout on the embeddings + positional encoding, the attention weights, the sub-block
    /// outputs and inside the feed-forward block (paper: 0.1).
    pub dropout: f64,
    /// Feed-forward non-linearity (paper: ReLU).
    pub activation: Activation,
    /// Pre-LN (layer norm before each sub-block, plus a final `norm`) instead of the paper's
    /// post-LN.
    pub norm_first: bool,
    /// Longest sequence the positional encoding covers (including the `[CLS]` token).
    pub max_len: i64,
    /// How per-step outputs are summarised.
    pub pooling: Pooling,
    /// Output features of the linear `head`; `None` = no head (outputs have `d_model` features).
    pub output: Option<i64>,
}

impl Default for TransformerEncoderConfig {
    fn default() -> Self {
        TransformerEncoderConfig {
            input: Some(1),
            d_model: 64,
            heads: 4,
            layers: 2,
            feedforward: 256,
            dropout: 0.1,
            activation: Activation::Relu,
            norm_first: false,
            max_len: 1024,
            pooling: Pooling::Mean,
            output: Some(1),
        }
    }
}

impl TransformerEncoderConfig {
    /// A config with the given input features, width, heads, layers and head outputs, the other
    /// fields at their defaults (`feedforward = 4 * d_model`).
    pub fn new(
        input: Option<i64>,
        d_model: i64,
        heads: i64,
        layers: i64,
        output: Option<i64>,
    ) -> Self {
        TransformerEncoderConfig {
            input,
            d_model,
            heads,
            layers,
            feedforward: 4 * d_model,
            output,
            ..Default::default()
        }
    }

    /// Check sizes and dropout.
    pub fn validate(&self) -> Result<()> {
        let name = "transformer encoder";
        super::check_stateless(name, self.activation)?;
        if let Some(input) = self.input {
            ensure_config!(
                input >= 0,
                "{name}: input must be > 0 (or 0/null for no projection), got {input}"
            );
        }
        ensure_config!(
            self.d_model > 0,
            "{name}: d_model must be > 0, got {}",
            self.d_model
        );
        ensure_config!(
            self.heads > 0,
            "{name}: heads must be > 0, got {}",
            self.heads
        );
        ensure_config!(
            self.d_model % self.heads == 0,
            "{name}: d_model ({}) must be divisible by heads ({})",
            self.d_model,
            self.heads
        );
        ensure_config!(
            self.layers > 0,
            "{name}: layers must be > 0, got {}",
            self.layers
        );
        ensure_config!(
            self.feedforward > 0,
            "{name}: feedforward must be > 0, got {}",
            self.feedforward
        );
        let min_len = if self.pooling == Pooling::Cls { 2 } else { 1 };
        ensure_config!(
            self.max_len >= min_len,
            "{name}: max_len must be >= {min_len} for pooling {:?}, got {}",
            self.pooling,
            self.max_len
        );
        if let Some(output) = self.output {
            ensure_config!(
                output > 0,
                "{name}: output must be > 0 (or null for no head), got {output}"
            );
        }
        check_dropout(name, self.dropout)
    }

    /// Create the parameters under `path`. Initialisation follows PyTorch: `nn.Linear` layers
    /// U(±1/√fan_in), `in_proj_weight` Xavier-uniform, attention biases zero, layer norms (1, 0),
    /// `cls_token` N(0, 0.02²) (BERT).
    pub fn init(&self, path: &nn::Path) -> Result<TransformerEncoder> {
        self.validate()?;
        let d = self.d_model;
        let input_proj = match self.input {
            Some(input) if input > 0 => Some(torch_linear(&(path / "input_proj"), input, d)?),
            _ => None,
        };
        let cls_token = match self.pooling {
            Pooling::Cls => Some(path.f_var(
                "cls_token",
                &[1, 1, d],
                Init::Randn {
                    mean: 0.0,
                    stdev: 0.02,
                },
            )?),
            _ => None,
        };
        let lp = path / "layers";
        let layers = (0..self.layers)
            .map(|i| EncoderLayer::new(&(&lp / i), self))
            .collect::<Result<Vec<_>>>()?;
        let norm = if self.norm_first {
            Some(layer_norm(&(path / "norm"), d))
        } else {
            None
        };
        let head = match self.output {
            Some(output) => Some(torch_linear(&(path / "head"), d, output)?),
            None => None,
        };
        Ok(TransformerEncoder {
            input_proj,
            cls_token,
            positional: PositionalEncoding::new(d, self.max_len, path.device())?,
            layers,
            norm,
            head,
            pool_name: child(&name_of(path), "pool"),
            head_name: child(&name_of(path), "head"),
            config: self.clone(),
        })
    }
}

/// A PyTorch-initialised `nn.Linear` (weight and bias U(±1/√fan_in)).
fn torch_linear(path: &nn::Path, input: i64, output: i64) -> Result<Linear> {
    super::init::linear(path, input, output, super::LinearInit::Torch)
}

fn layer_norm(path: &nn::Path, d: i64) -> LayerNorm {
    let config = nn::LayerNormConfig {
        eps: LAYER_NORM_EPS,
        ..Default::default()
    };
    nn::layer_norm(path, vec![d], config)
}

fn apply_linear(xs: &Tensor, layer: &Linear) -> Result<Tensor> {
    Ok(xs.f_linear(&layer.ws, layer.bs.as_ref())?)
}

fn apply_norm(xs: &Tensor, norm: &LayerNorm) -> Result<Tensor> {
    Ok(xs.f_layer_norm(
        norm.normalized_shape.as_slice(),
        norm.ws.as_ref(),
        norm.bs.as_ref(),
        LAYER_NORM_EPS,
        true,
    )?)
}

/// The sinusoidal positional encoding of Vaswani et al. (2017), section 3.5:
/// `PE(pos, 2i) = sin(pos / 10000^(2i / d))`, `PE(pos, 2i + 1) = cos(pos / 10000^(2i / d))`.
/// No trainable parameters; odd `d_model` is allowed (the last column is a sine).
#[derive(Debug)]
pub struct PositionalEncoding {
    /// `[max_len, d_model]`.
    table: Tensor,
}

impl PositionalEncoding {
    /// The table for positions `0..max_len`, on `device`.
    pub fn new(d_model: i64, max_len: i64, device: Device) -> Result<Self> {
        ensure_config!(
            d_model > 0,
            "positional encoding: d_model must be > 0, got {d_model}"
        );
        ensure_config!(
            max_len > 0,
            "positional encoding: max_len must be > 0, got {max_len}"
        );
        let mut values = Vec::with_capacity((max_len * d_model) as usize);
        for pos in 0..max_len {
            for j in 0..d_model {
                let two_i = (j - j % 2) as f64;
                let angle = pos as f64 / 10000f64.powf(two_i / d_model as f64);
                values.push(if j % 2 == 0 { angle.sin() } else { angle.cos() } as f32);
            }
        }
        let table = Tensor::from_slice(&values)
            .f_view([max_len, d_model])?
            .f_to_device(device)?;
        Ok(PositionalEncoding { table })
    }

    /// The `[max_len, d_model]` table.
    pub fn table(&self) -> &Tensor {
        &self.table
    }

    /// The longest sequence covered.
    pub fn max_len(&self) -> i64 {
        self.table.size()[0]
    }

    /// Add the encoding of positions `0..T` to `xs`.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, d_model]`, `T <= max_len`
    /// * returns `[B, T, d_model]`
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let (max_len, d) = (self.table.size()[0], self.table.size()[1]);
        let size = check_sequences("positional encoding", xs, d)?;
        ensure_input!(
            size[1] <= max_len,
            "positional encoding: sequence of {} steps is longer than max_len {max_len}",
            size[1]
        );
        let pe = self.table.f_narrow(0, 0, size[1])?.f_to_kind(xs.kind())?;
        Ok(xs.f_add(&pe)?)
    }
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
        apply_linear(&out, &self.out_proj)
    }
}

/// One `nn.TransformerEncoderLayer`.
#[derive(Debug)]
struct EncoderLayer {
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
    fn new(path: &nn::Path, c: &TransformerEncoderConfig) -> Result<Self> {
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
        let h = self.activation.apply(&apply_linear(xs, &self.linear1)?);
        apply_linear(&dropout(h, self.dropout, train), &self.linear2)
    }

    fn forward(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        Ok(tap(&self.name, self.run(xs, mask, train)?))
    }

    fn run(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let p = self.dropout;
        if self.norm_first {
            let sa = self
                .self_attn
                .forward(&apply_norm(xs, &self.norm1)?, mask, train)?;
            let h = xs.f_add(&dropout(sa, p, train))?;
            let ff = self.feedforward(&apply_norm(&h, &self.norm2)?, train)?;
            Ok(h.f_add(&dropout(ff, p, train))?)
        } else {
            let sa = self.self_attn.forward(xs, mask, train)?;
            let h = apply_norm(&xs.f_add(&dropout(sa, p, train))?, &self.norm1)?;
            let ff = self.feedforward(&h, train)?;
            apply_norm(&h.f_add(&dropout(ff, p, train))?, &self.norm2)
        }
    }
}

/// A Transformer encoder; see [`TransformerEncoderConfig`].
#[derive(Debug)]
pub struct TransformerEncoder {
    input_proj: Option<Linear>,
    cls_token: Option<Tensor>,
    positional: PositionalEncoding,
    layers: Vec<EncoderLayer>,
    norm: Option<LayerNorm>,
    head: Option<Linear>,
    /// Capture names of the pooled vector and of the head's output.
    pool_name: String,
    head_name: String,
    config: TransformerEncoderConfig,
}

impl TransformerEncoder {
    /// The config this model was built from.
    pub fn config(&self) -> &TransformerEncoderConfig {
        &self.config
    }

    /// The (fixed) positional encoding.
    pub fn positional_encoding(&self) -> &PositionalEncoding {
        &self.positional
    }

    /// The forward pass, with invalid inputs reported as errors.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]` (`[B, T, d_model]` without an input projection)
    /// * `mask`: `[B, T]` bool (or 0/1), true at real steps; every sequence needs one real step
    /// * returns, with `O = output` (or `d_model` without a head):
    ///   `[B, O]` when pooled, `[B, T, O]` with pooling `none`
    pub fn try_forward(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let features = match c.input {
            Some(input) if input > 0 => input,
            _ => c.d_model,
        };
        let size = check_sequences("transformer encoder", xs, features)?;
        let (b, t) = (size[0], size[1]);
        ensure_input!(
            t > 0,
            "transformer encoder: sequences must have at least one step"
        );
        let mask = match mask {
            Some(m) => Some(
                check_mask_rows("transformer encoder", m, b, t)?
                    .0
                    .f_to_device(xs.device())?,
            ),
            None => None,
        };

        // Zero padded inputs so that no padding value (even NaN) can leak into real steps.
        let mut h = match &mask {
            Some(m) => xs.f_masked_fill(&m.f_logical_not()?.f_unsqueeze(-1)?, 0.0)?,
            None => xs.shallow_clone(),
        };
        if let Some(proj) = &self.input_proj {
            h = apply_linear(&h, proj)?;
        }
        let mut mask = mask;
        if let Some(cls) = &self.cls_token {
            let cls = cls
                .f_to_kind(h.kind())?
                .f_expand([b, 1, c.d_model], false)?;
            h = Tensor::f_cat(&[&cls, &h], 1)?;
            if let Some(m) = &mask {
                let real = Tensor::f_ones([b, 1], (Kind::Bool, m.device()))?;
                mask = Some(Tensor::f_cat(&[&real, m], 1)?);
            }
        }
        h = dropout(self.positional.forward(&h)?, c.dropout, train);
        for layer in &self.layers {
            h = layer.forward(&h, mask.as_ref(), train)?;
        }
        if let Some(norm) = &self.norm {
            h = apply_norm(&h, norm)?;
        }

        let pooled = match c.pooling {
            Pooling::None => h,
            Pooling::Cls => h.f_select(1, 0)?,
            Pooling::Mean => match &mask {
                Some(m) => {
                    let w = m.f_to_kind(h.kind())?.f_unsqueeze(-1)?;
                    h.f_mul(&w)?
                        .f_sum_dim_intlist(1, false, None)?
                        .f_div(&w.f_sum_dim_intlist(1, false, None)?)?
                }
                None => h.f_mean_dim(1, false, None)?,
            },
            Pooling::First => match &mask {
                Some(m) => {
                    // argmax returns the first maximal index: the first real step.
                    let first = m.f_to_kind(Kind::Int64)?.f_argmax(1, false)?;
                    let index = first
                        .f_view([b, 1, 1])?
                        .f_expand([b, 1, c.d_model], false)?;
                    h.f_gather(1, &index, false)?.f_squeeze_dim(1)?
                }
                None => h.f_select(1, 0)?,
            },
        };
        let pooled = tap(&self.pool_name, pooled);
        match &self.head {
            Some(head) => Ok(tap(&self.head_name, apply_linear(&pooled, head)?)),
            None => Ok(pooled),
        }
    }
}

forward_by! {
    /// See [`TransformerEncoder::try_forward`].
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]` bool (true = real step)
    /// * returns `[B, output]` when pooled, `[B, T, output]` (or `d_model`) with pooling `none`
    TransformerEncoder => try_forward(xs, mask, train)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Forward;
    use serde_json::Value;
    use tch::nn::VarStore;

    use crate::testing::max_abs_diff;

    #[test]
    fn positional_encoding_matches_the_formula() {
        let d = 6;
        let pe = PositionalEncoding::new(d, 50, Device::Cpu).unwrap();
        assert_eq!(pe.table().size(), vec![50, 6]);
        // Position 0: sin(0) = 0, cos(0) = 1.
        let row0: Vec<f32> = Vec::try_from(pe.table().get(0)).unwrap();
        assert_eq!(row0, vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        for pos in [1i64, 7, 49] {
            for i in 0..d / 2 {
                let angle = pos as f64 / 10000f64.powf(2.0 * i as f64 / d as f64);
                let s = pe.table().double_value(&[pos, 2 * i]);
                let c = pe.table().double_value(&[pos, 2 * i + 1]);
                assert!((s - angle.sin()).abs() < 1e-6, "pos {pos} col {}", 2 * i);
                assert!(
                    (c - angle.cos()).abs() < 1e-6,
                    "pos {pos} col {}",
                    2 * i + 1
                );
            }
        }
        // A hand value: PE(1, 2) = sin(1 / 10000^(2/6)) = sin(1 / 21.544...) = 0.046399...
        assert!((pe.table().double_value(&[1, 2]) - 0.046_399_3).abs() < 1e-6);
        // Adding to a sequence of zeros returns the table's first rows.
        let xs = Tensor::zeros([2, 4, 6], (Kind::Float, Device::Cpu));
        let ys = pe.forward(&xs).unwrap();
        assert_eq!(max_abs_diff(&ys.get(1), &pe.table().narrow(0, 0, 4)), 0.0);
        // Odd width works; too long a sequence is an error.
        assert_eq!(
            PositionalEncoding::new(5, 3, Device::Cpu)
                .unwrap()
                .table()
                .size(),
            vec![3, 5]
        );
        let long = Tensor::zeros([1, 51, 6], (Kind::Float, Device::Cpu));
        assert!(pe.forward(&long).is_err());
    }

    #[test]
    fn shapes_and_parameter_names() {
        let vs = VarStore::new(Device::Cpu);
        let mut c = TransformerEncoderConfig::new(Some(3), 8, 2, 1, Some(2));
        c.pooling = Pooling::Cls;
        c.norm_first = true;
        let m = c.init(&vs.root()).unwrap();
        let xs = Tensor::randn([4, 5, 3], (Kind::Float, Device::Cpu));
        assert_eq!(m.predict(&xs, None).size(), vec![4, 2]);
        assert_eq!(m.forward_t(&xs, None, true).size(), vec![4, 2]);
        let mut names: Vec<String> = vs.variables().into_keys().collect();
        names.sort();
        let expected = [
            "cls_token",
            "head.bias",
            "head.weight",
            "input_proj.bias",
            "input_proj.weight",
            "layers.0.linear1.bias",
            "layers.0.linear1.weight",
            "layers.0.linear2.bias",
            "layers.0.linear2.weight",
            "layers.0.norm1.bias",
            "layers.0.norm1.weight",
            "layers.0.norm2.bias",
            "layers.0.norm2.weight",
            "layers.0.self_attn.in_proj_bias",
            "layers.0.self_attn.in_proj_weight",
            "layers.0.self_attn.out_proj.bias",
            "layers.0.self_attn.out_proj.weight",
            "norm.bias",
            "norm.weight",
        ];
        assert_eq!(names, expected);
        assert_eq!(
            vs.variables()["layers.0.self_attn.in_proj_weight"].size(),
            vec![24, 8]
        );

        // No pooling, no head, no projection: [B, T, d_model].
        let vs = VarStore::new(Device::Cpu);
        let mut c = TransformerEncoderConfig::new(None, 8, 4, 2, None);
        c.pooling = Pooling::None;
        let m = c.init(&vs.root()).unwrap();
        let xs = Tensor::randn([2, 7, 8], (Kind::Float, Device::Cpu));
        assert_eq!(m.predict(&xs, None).size(), vec![2, 7, 8]);
        assert!(!vs
            .variables()
            .keys()
            .any(|k| k.starts_with("head") || k.starts_with("input_proj")));
    }

    #[test]
    fn padding_does_not_change_real_steps() {
        tch::manual_seed(7);
        for pooling in [Pooling::None, Pooling::Mean, Pooling::Cls, Pooling::First] {
            for norm_first in [false, true] {
                let vs = VarStore::new(Device::Cpu);
                let mut c = TransformerEncoderConfig::new(Some(3), 8, 2, 2, Some(2));
                c.pooling = pooling;
                c.norm_first = norm_first;
                c.max_len = 16;
                let m = c.init(&vs.root()).unwrap();
                let alone = Tensor::randn([1, 5, 3], (Kind::Float, Device::Cpu));
                let other = Tensor::randn([1, 8, 3], (Kind::Float, Device::Cpu));
                // Pad with NaN: it must not reach the real steps.
                let pad = Tensor::full([1, 3, 3], f64::NAN, (Kind::Float, Device::Cpu));
                let batch = Tensor::cat(&[&Tensor::cat(&[&alone, &pad], 1), &other], 0);
                let mask = Tensor::ones([2, 8], (Kind::Bool, Device::Cpu));
                let _ = mask.get(0).narrow(0, 5, 3).fill_(0);
                let y_alone = m.predict(&alone, None);
                let y_batch = m.predict(&batch, Some(&mask));
                let y_other = m.predict(&other, None);
                let (got, got_other) = match pooling {
                    Pooling::None => (
                        y_batch.narrow(0, 0, 1).narrow(1, 0, 5),
                        y_batch.narrow(0, 1, 1),
                    ),
                    _ => (y_batch.narrow(0, 0, 1), y_batch.narrow(0, 1, 1)),
                };
                let diff = max_abs_diff(&got, &y_alone);
                assert!(
                    diff < 1e-5,
                    "{pooling:?} norm_first={norm_first}: diff {diff}"
                );
                assert!(max_abs_diff(&got_other, &y_other) < 1e-5);
            }
        }
        // Positions are absolute, so padding belongs at the end; with padding at the front,
        // pooling `first` still picks the first real step (compare with per-step outputs).
        let vs = VarStore::new(Device::Cpu);
        let mut c = TransformerEncoderConfig::new(Some(2), 8, 2, 1, Some(1));
        c.pooling = Pooling::First;
        let first = c.init(&vs.root()).unwrap();
        let mut vs_steps = VarStore::new(Device::Cpu);
        c.pooling = Pooling::None;
        let steps = c.init(&vs_steps.root()).unwrap();
        vs_steps.copy(&vs).unwrap();
        let xs = Tensor::randn([2, 6, 2], (Kind::Float, Device::Cpu));
        let mask = Tensor::from_slice(&[
            false, false, true, true, true, true, true, true, true, true, true, false,
        ])
        .view([2, 6]);
        let got = first.predict(&xs, Some(&mask));
        let per_step = steps.predict(&xs, Some(&mask));
        assert_eq!(got.size(), vec![2, 1]);
        assert!(max_abs_diff(&got.get(0), &per_step.get(0).get(2)) < 1e-6);
        assert!(max_abs_diff(&got.get(1), &per_step.get(1).get(0)) < 1e-6);
    }

    #[test]
    fn invalid_inputs_are_errors() {
        let vs = VarStore::new(Device::Cpu);
        let mut c = TransformerEncoderConfig::new(Some(3), 8, 2, 1, Some(1));
        c.max_len = 6;
        let m = c.init(&vs.root()).unwrap();
        let xs = Tensor::randn([2, 5, 3], (Kind::Float, Device::Cpu));
        assert!(m.try_forward(&xs, None, false).is_ok());
        // Wrong feature count, wrong rank, too long, bad mask shape, an all-padding row.
        assert!(m
            .try_forward(
                &Tensor::randn([2, 5, 4], (Kind::Float, Device::Cpu)),
                None,
                false
            )
            .is_err());
        assert!(m
            .try_forward(
                &Tensor::randn([2, 3], (Kind::Float, Device::Cpu)),
                None,
                false
            )
            .is_err());
        assert!(m
            .try_forward(
                &Tensor::randn([2, 7, 3], (Kind::Float, Device::Cpu)),
                None,
                false
            )
            .is_err());
        let bad_shape = Tensor::ones([2, 4], (Kind::Bool, Device::Cpu));
        assert!(m.try_forward(&xs, Some(&bad_shape), false).is_err());
        let empty_row = Tensor::from_slice(&[1i64, 1, 1, 0, 0, 0, 0, 0, 0, 0]).view([2, 5]);
        assert!(m.try_forward(&xs, Some(&empty_row), false).is_err());
        // A 0/1 integer mask is accepted.
        let int_mask = Tensor::from_slice(&[1i64, 1, 1, 0, 0, 1, 1, 1, 1, 1]).view([2, 5]);
        assert_eq!(
            m.try_forward(&xs, Some(&int_mask), false).unwrap().size(),
            vec![2, 1]
        );
    }

    #[test]
    fn bad_config_is_an_error() {
        let vs = VarStore::new(Device::Cpu);
        let root = vs.root();
        assert!(TransformerEncoderConfig::new(Some(3), 10, 4, 1, Some(1))
            .init(&root)
            .is_err());
        assert!(TransformerEncoderConfig::new(Some(-1), 8, 2, 1, Some(1))
            .init(&root)
            .is_err());
        // input 0 means no projection, like null.
        let vs0 = VarStore::new(Device::Cpu);
        let m = TransformerEncoderConfig::new(Some(0), 8, 2, 1, Some(1))
            .init(&vs0.root())
            .unwrap();
        assert!(!vs0.variables().keys().any(|k| k.starts_with("input_proj")));
        let xs = Tensor::randn([2, 3, 8], (Kind::Float, Device::Cpu));
        assert_eq!(m.try_forward(&xs, None, false).unwrap().size(), vec![2, 1]);
        assert!(TransformerEncoderConfig::new(Some(3), 8, 2, 0, Some(1))
            .init(&root)
            .is_err());
        assert!(TransformerEncoderConfig::new(Some(3), 8, 2, 1, Some(0))
            .init(&root)
            .is_err());
        let c = TransformerEncoderConfig {
            dropout: 1.0,
            ..Default::default()
        };
        assert!(c.validate().is_err());
        let c = TransformerEncoderConfig {
            pooling: Pooling::Cls,
            max_len: 1,
            ..Default::default()
        };
        assert!(c.validate().is_err());
        assert!(TransformerEncoderConfig::default().validate().is_ok());
    }

    #[test]
    fn config_serde_round_trip() {
        let mut c = TransformerEncoderConfig::new(None, 16, 4, 3, None);
        c.pooling = Pooling::Cls;
        c.activation = Activation::Gelu;
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"pooling\":\"cls\"") && json.contains("\"input\":null"));
        assert_eq!(
            serde_json::from_str::<TransformerEncoderConfig>(&json).unwrap(),
            c
        );
        let partial: TransformerEncoderConfig = serde_json::from_str(r#"{"d_model": 32}"#).unwrap();
        assert_eq!(partial.heads, 4);
        assert_eq!(partial.d_model, 32);
    }

    fn tensor_from_json(v: &Value) -> Tensor {
        crate::nn::test_util::tensor_from_json(v, "values")
    }

    /// Weights, inputs and outputs of `torch.nn.TransformerEncoder` (plus input projection,
    /// positional encoding, pooling and head) from `core/scripts/gen_transformer_fixture.py`.
    #[test]
    fn matches_pytorch_reference() {
        let fixture: Value =
            crate::testing::read_json(&crate::fixture!("transformer_reference.json"));
        let cases = fixture["cases"].as_array().unwrap();
        assert!(cases.len() >= 3);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let config: TransformerEncoderConfig =
                serde_json::from_value(case["config"].clone()).unwrap();
            let mut vs = VarStore::new(Device::Cpu);
            let m = config.init(&vs.root()).unwrap();
            let state = case["state_dict"].as_object().unwrap();
            let mut ours: Vec<String> = vs.variables().into_keys().collect();
            let mut theirs: Vec<String> = state.keys().cloned().collect();
            ours.sort();
            theirs.sort();
            assert_eq!(
                ours, theirs,
                "{name}: parameter names differ from PyTorch's"
            );
            let vars = vs.variables();
            tch::no_grad(|| {
                for (key, value) in state {
                    let src = tensor_from_json(value);
                    assert_eq!(vars[key].size(), src.size(), "{name}: {key}");
                    vars[key].shallow_clone().copy_(&src);
                }
            });
            vs.freeze();
            let xs = tensor_from_json(&case["input"]);
            let mask_rows: Vec<Vec<bool>> = serde_json::from_value(case["mask"].clone()).unwrap();
            let t = mask_rows[0].len() as i64;
            let flat: Vec<bool> = mask_rows.concat();
            let mask = Tensor::from_slice(&flat).view([-1, t]);
            let expected = tensor_from_json(&case["output"]);
            let got = m.try_forward(&xs, Some(&mask), false).unwrap();
            assert_eq!(got.size(), expected.size(), "{name}");
            let diff = max_abs_diff(&got, &expected);
            assert!(diff < 1e-5, "{name}: max |ours - pytorch| = {diff}");
        }
    }
}
