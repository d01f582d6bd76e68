//! Late fusion (the baseline): one linear head per modality over its pooled tokens, and the
//! mean of the heads' log-probabilities over the modalities present in each row
//! (`fusion.heads.<name>.weight|bias`).

use tch::nn::Linear;
use tch::{nn, Kind, Tensor};

use super::Tokens;
use crate::nn::init::{linear, LinearInit};
use crate::Result;

/// The built late-fusion heads.
#[derive(Debug)]
pub(super) struct LateFusion {
    heads: Vec<Linear>,
}

impl LateFusion {
    pub(super) fn new(path: &nn::Path, names: &[&str], d: i64, classes: i64) -> Result<Self> {
        let hp = path / "heads";
        let heads = names
            .iter()
            .map(|n| linear(&(&hp / *n), d, classes, LinearInit::Torch))
            .collect::<Result<Vec<_>>>()?;
        Ok(LateFusion { heads })
    }

    /// `[B, classes]`: the mean log-probability over present modalities (`present [B, M]`).
    pub(super) fn forward(
        &self,
        tokens: &[Tokens],
        present: &Tensor,
        p: f64,
        train: bool,
    ) -> Result<Tensor> {
        let lps = tokens
            .iter()
            .zip(&self.heads)
            .map(|(t, h)| {
                let v = crate::nn::dropout(t.pooled()?, p, train);
                Ok(v.f_linear(&h.ws, h.bs.as_ref())?
                    .f_log_softmax(-1, None::<Kind>)?)
            })
            .collect::<Result<Vec<_>>>()?;
        let lp = Tensor::f_stack(&lps, 1)?; // [B, M, C]
        let w = present.f_to_kind(lp.kind())?.f_unsqueeze(-1)?;
        let n = w.f_sum_dim_intlist(1, false, None)?.f_clamp_min(1.0)?;
        Ok(lp.f_mul(&w)?.f_sum_dim_intlist(1, false, None)?.f_div(&n)?)
    }
}
