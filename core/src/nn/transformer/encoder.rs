//! The built encoder and its forward pass (projection, positions, layers, pooling, head).

use tch::nn::{LayerNorm, Linear};
use tch::{Kind, Tensor};

use super::super::capture::tap;
use super::super::{check_mask_rows, check_sequences, dropout, forward_by};
use super::layer::{named_linear, named_norm, EncoderLayer};
use super::{Pooling, PositionalEncoding, TransformerEncoderConfig};
use crate::{ensure_input, Result};

/// A Transformer encoder; see [`TransformerEncoderConfig`].
#[derive(Debug)]
pub struct TransformerEncoder {
    pub(super) input_proj: Option<Linear>,
    pub(super) cls_token: Option<Tensor>,
    pub(super) positional: PositionalEncoding,
    pub(super) layers: Vec<EncoderLayer>,
    pub(super) norm: Option<LayerNorm>,
    pub(super) head: Option<Linear>,
    /// Capture names of the pooled vector and of the head's output.
    pub(super) pool_name: String,
    pub(super) head_name: String,
    pub(super) config: TransformerEncoderConfig,
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
            h = named_linear(&h, proj, "", "input_proj")?;
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
            h = named_norm(&h, norm, "", "norm")?;
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
            Some(head) => Ok(tap(
                &self.head_name,
                named_linear(&pooled, head, "", &self.head_name)?,
            )),
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
