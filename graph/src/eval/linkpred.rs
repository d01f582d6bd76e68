//! Link prediction from embeddings: a pair `(a, b)` is scored by the cosine similarity of the
//! two node embeddings; ROC AUC and average precision over held-out positive and negative pairs
//! ([`deepfield_core::metrics::roc_auc`], [`deepfield_core::metrics::average_precision`]).

use deepfield_core::tch::{Kind, Tensor};
use serde::{Deserialize, Serialize};

use crate::{GraphError, Result};

/// Link-prediction scores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkScores {
    pub auc: f64,
    pub ap: f64,
}

/// Cosine similarity of the embeddings of every pair.
pub fn pair_scores(emb: &Tensor, pairs: &[(usize, usize)]) -> Result<Vec<f64>> {
    let n = emb.size()[0] as usize;
    if let Some(&(a, b)) = pairs.iter().find(|(a, b)| *a >= n || *b >= n) {
        return Err(GraphError::invalid(format!(
            "pair ({a}, {b}) outside the {n} embeddings"
        )));
    }
    let z = emb.detach().to_kind(Kind::Float);
    let z = &z / z.norm_scalaropt_dim(2, [1], true).clamp_min(1e-12);
    let ia = Tensor::from_slice(&pairs.iter().map(|p| p.0 as i64).collect::<Vec<_>>())
        .to_device(z.device());
    let ib = Tensor::from_slice(&pairs.iter().map(|p| p.1 as i64).collect::<Vec<_>>())
        .to_device(z.device());
    let s =
        (z.index_select(0, &ia) * z.index_select(0, &ib)).sum_dim_intlist(1, false, Kind::Double);
    Ok(Vec::<f64>::try_from(
        s.to_device(deepfield_core::tch::Device::Cpu),
    )?)
}

/// AUC and AP of `emb` on positive and negative pairs.
pub fn evaluate(
    emb: &Tensor,
    pos: &[(usize, usize)],
    neg: &[(usize, usize)],
) -> Result<LinkScores> {
    let mut scores = pair_scores(emb, pos)?;
    scores.extend(pair_scores(emb, neg)?);
    let y: Vec<i64> = std::iter::repeat_n(1, pos.len())
        .chain(std::iter::repeat_n(0, neg.len()))
        .collect();
    Ok(LinkScores {
        auc: deepfield_core::metrics::roc_auc(&y, &scores)?,
        ap: deepfield_core::metrics::average_precision(&y, &scores)?,
    })
}
