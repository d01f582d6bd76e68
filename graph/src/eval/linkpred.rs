//! Link prediction from embeddings: a pair `(a, b)` is scored by the cosine similarity of the
//! two node embeddings; ROC AUC and average precision over held-out positive and negative pairs.

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

/// Average precision `Σ (R_k - R_{k-1}) P_k` over thresholds at every distinct score
/// (scikit-learn's `average_precision_score`).
pub fn average_precision(y_true: &[i64], scores: &[f64]) -> Result<f64> {
    if y_true.len() != scores.len() || y_true.is_empty() {
        return Err(GraphError::invalid(format!(
            "average precision: {} labels, {} scores",
            y_true.len(),
            scores.len()
        )));
    }
    let pos = y_true.iter().filter(|&&y| y == 1).count();
    if pos == 0 {
        return Err(GraphError::invalid("average precision: no positive pair"));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp, mut ap, mut prev_recall) = (0usize, 0usize, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            if y_true[order[i]] == 1 {
                tp += 1
            } else {
                fp += 1
            }
            i += 1;
        }
        let recall = tp as f64 / pos as f64;
        ap += (recall - prev_recall) * tp as f64 / (tp + fp) as f64;
        prev_recall = recall;
    }
    Ok(ap)
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
        ap: average_precision(&y, &scores)?,
    })
}
