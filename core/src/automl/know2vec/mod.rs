//! Know2Vec-style model retrieval: "Know2Vec: A Black-Box Proxy for Neural Network
//! Retrieval", Shang, Liu, Liu, Gu, Ding & Ji (AAAI 2025, arXiv:2412.16251; code
//! github.com/vimpire00/know2vec1).
//!
//! **What it does:** given a model zoo ([`zoo::Zoo`]: registry checkpoints plus a description)
//! and a query task (a few labelled examples of the user's data), rank the zoo's models by how
//! well they will do on the task after fine-tuning, without fine-tuning any of them. Every
//! model is accessed as a black box: its outputs on the query's probe examples
//! ([`probe::outputs`]). The query is embedded by the relations among its probe samples (which
//! share a label), each model by the relations its outputs induce on the same samples; their
//! agreement ("knowledge consistency", the paper's term) and a few more black-box
//! transferability features are combined by a scorer fitted on labelled tasks with a ranking
//! loss ([`score`]). The paper's model vectors come from decision-boundary probes encoded by a
//! ResNet and aligned with a learnt LSTM/GNN query encoder under contrastive losses; here the
//! joint space is the space of centred probe Gram matrices (cosine = linear CKA) and the learnt
//! alignment is a linear map over four features (what fits a zoo of ~20 models).
//!
//! Generic over core models: members of any registered kind restore through
//! [`crate::models::ModelRegistry`] and run through [`crate::Forward`].

pub mod finetune;
pub mod input;
pub mod probe;
pub mod score;
pub mod task;
pub mod zoo;

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::models::ModelRegistry;
use crate::{Error, Result};
pub use score::{Features, Scorer};
pub use zoo::{Zoo, ZooEntry};

/// Fewest probe examples a query needs.
pub const MIN_PROBES: usize = 10;

/// One zoo model's place for a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked {
    pub id: String,
    pub kind: String,
    pub source: String,
    /// The scorer's score (higher is better).
    pub score: f64,
    pub features: Features,
}

/// Checked probe labels: `i64 [N]` in `0..k`, N ≥ [`MIN_PROBES`], at least two classes,
/// matching `images`' first dimension; returns them and `k`.
pub fn probe_labels(images: &Tensor, labels: &Tensor) -> Result<(Vec<i64>, usize)> {
    let n = images.size().first().copied().unwrap_or(0);
    if labels.dim() != 1 || labels.size()[0] != n {
        return Err(Error::input(format!(
            "probe labels must be [N] for {n} images, got {:?}",
            labels.size()
        )));
    }
    let y: Vec<i64> = Vec::<i64>::try_from(labels.f_to_kind(Kind::Int64)?)?;
    if y.len() < MIN_PROBES {
        return Err(Error::input(format!(
            "{} probe examples; at least {MIN_PROBES} are needed",
            y.len()
        )));
    }
    if let Some(bad) = y.iter().find(|&&l| !(0..1000).contains(&l)) {
        return Err(Error::input(format!(
            "probe label {bad} is outside 0..1000"
        )));
    }
    let k = y.iter().max().copied().unwrap_or(0) as usize + 1;
    let distinct = y.iter().collect::<std::collections::BTreeSet<_>>().len();
    if distinct < 2 {
        return Err(Error::input(
            "the probe examples hold a single class; retrieval needs at least two",
        ));
    }
    Ok((y, k))
}

/// Every zoo model's outputs (logit rows) on the probe `images`.
pub fn probe_zoo(
    dir: &Path,
    zoo: &Zoo,
    registry: &ModelRegistry,
    images: &Tensor,
) -> Result<Vec<Vec<Vec<f64>>>> {
    let mut all = Vec::with_capacity(zoo.models.len());
    for m in &zoo.models {
        let r = Zoo::restore(dir, m, registry, crate::device())?;
        all.push(probe::rows(&probe::outputs(&*r.model, m, images)?)?);
    }
    Ok(all)
}

/// Rank the zoo in `dir` for the labelled probe examples (`images` `[N, …]` in `[0, 1]`,
/// `labels` `[N]`), best first, with the zoo's fitted scorer.
pub fn rank(
    dir: &Path,
    zoo: &Zoo,
    registry: &ModelRegistry,
    images: &Tensor,
    labels: &Tensor,
) -> Result<Vec<Ranked>> {
    let (y, k) = probe_labels(images, labels)?;
    let outs = probe_zoo(dir, zoo, registry, images)?;
    let feats: Vec<Features> = outs.iter().map(|o| score::features(o, &y, k)).collect();
    let scores = zoo.scorer.scores(&feats);
    Ok(score::order(&scores)
        .into_iter()
        .map(|i| Ranked {
            id: zoo.models[i].id.clone(),
            kind: zoo.models[i].kind.clone(),
            source: zoo.models[i].source.clone(),
            score: scores[i],
            features: feats[i],
        })
        .collect())
}

/// A 2-D map of the joint space for one query: the task (first point) and every model, placed
/// by classical multidimensional scaling of their pairwise cosines (linear CKA of the label
/// one-hots and of the models' output probabilities).
pub fn joint_map(outs: &[Vec<Vec<f64>>], labels: &[i64], k: usize) -> Result<Vec<(f64, f64)>> {
    let mut reps = vec![score::one_hot(labels, k)];
    for o in outs {
        reps.push(
            o.iter()
                .map(|r| {
                    let m = r.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = r.iter().map(|v| (v - m).exp()).collect();
                    let s: f64 = e.iter().sum();
                    e.iter().map(|v| v / s).collect()
                })
                .collect(),
        );
    }
    let n = reps.len();
    let mut d2 = vec![0.0; n * n];
    for a in 0..n {
        for b in (a + 1)..n {
            let v = 2.0 - 2.0 * score::cka(&reps[a], &reps[b]);
            d2[a * n + b] = v;
            d2[b * n + a] = v;
        }
    }
    let d = Tensor::from_slice(&d2).f_view([n as i64, n as i64])?;
    let j = Tensor::f_eye(n as i64, (Kind::Double, Device::Cpu))? - 1.0 / n as f64;
    let b = j.f_matmul(&d)?.f_matmul(&j)? * -0.5;
    let (vals, vecs) = b.f_linalg_eigh("L")?;
    let vals: Vec<f64> = Vec::<f64>::try_from(vals)?;
    let coord = |c: usize| -> Result<Vec<f64>> {
        let s = vals[c].max(0.0).sqrt();
        Ok(Vec::<f64>::try_from(vecs.f_select(1, c as i64)? * s)?)
    };
    let (x, y) = (coord(n - 1)?, coord(n.saturating_sub(2))?);
    Ok(x.into_iter().zip(y).collect())
}
