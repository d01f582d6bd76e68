//! Node clustering: k-means (k-means++ seeding, several restarts, best inertia kept) on
//! standardised embeddings, scored against the labels by normalised mutual information
//! (arithmetic normalisation, scikit-learn's default) and the adjusted Rand index
//! ([`deepfield_core::metrics::nmi`], [`deepfield_core::metrics::ari`]).

use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_core::{metrics, Rng};
use serde::{Deserialize, Serialize};

use crate::{GraphError, Result};

/// Clustering scores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterScores {
    pub nmi: f64,
    pub ari: f64,
}

/// k-means on the rows of `x` `[N, d]`: cluster of every row.
pub fn kmeans(
    x: &Tensor,
    k: usize,
    restarts: usize,
    iters: usize,
    seed: u64,
) -> Result<Vec<usize>> {
    let n = x.size()[0] as usize;
    if k == 0 || k > n {
        return Err(GraphError::config(format!(
            "k-means: k = {k} for {n} points"
        )));
    }
    let x = x.detach().to_kind(Kind::Float).to_device(Device::Cpu);
    let sq = x.square().sum_dim_intlist(1, true, Kind::Float); // [N, 1]
    let mut rng = Rng::new(seed);
    let mut best: (f64, Vec<usize>) = (f64::INFINITY, vec![]);
    for _ in 0..restarts.max(1) {
        // k-means++ seeding.
        let mut centres = vec![rng.below(n)];
        let mut d2 = Vec::<f32>::try_from(
            (&x - x.get(centres[0] as i64))
                .square()
                .sum_dim_intlist(1, false, Kind::Float),
        )?;
        while centres.len() < k {
            let total: f64 = d2.iter().map(|&v| v as f64).sum();
            let mut r = rng.uniform() * total;
            let mut pick = n - 1;
            for (i, &v) in d2.iter().enumerate() {
                r -= v as f64;
                if r <= 0.0 {
                    pick = i;
                    break;
                }
            }
            centres.push(pick);
            let nd = Vec::<f32>::try_from((&x - x.get(pick as i64)).square().sum_dim_intlist(
                1,
                false,
                Kind::Float,
            ))?;
            d2.iter_mut().zip(nd).for_each(|(a, b)| *a = a.min(b));
        }
        let idx = Tensor::from_slice(&centres.iter().map(|&c| c as i64).collect::<Vec<_>>());
        let mut c = x.index_select(0, &idx);
        let mut assign = Tensor::zeros([n as i64], (Kind::Int64, Device::Cpu));
        for it in 0..iters {
            let dist = &sq - x.mm(&c.tr()) * 2.0
                + c.square()
                    .sum_dim_intlist(1, false, Kind::Float)
                    .unsqueeze(0);
            let new = dist.argmin(1, false);
            if it > 0 && new.equal(&assign) {
                break;
            }
            assign = new;
            let sums = Tensor::zeros([k as i64, x.size()[1]], (Kind::Float, Device::Cpu))
                .index_add(0, &assign, &x);
            let counts = Tensor::zeros([k as i64], (Kind::Float, Device::Cpu)).index_add(
                0,
                &assign,
                &Tensor::ones([n as i64], (Kind::Float, Device::Cpu)),
            );
            let empty = counts.eq(0.0).unsqueeze(1);
            c = (sums / counts.clamp_min(1.0).unsqueeze(1)).where_self(&empty.logical_not(), &c);
        }
        let dist = &sq - x.mm(&c.tr()) * 2.0
            + c.square()
                .sum_dim_intlist(1, false, Kind::Float)
                .unsqueeze(0);
        let inertia = dist
            .min_dim(1, false)
            .0
            .clamp_min(0.0)
            .sum(Kind::Double)
            .double_value(&[]);
        if inertia < best.0 {
            let a = Vec::<i64>::try_from(dist.argmin(1, false))?;
            best = (inertia, a.into_iter().map(|v| v as usize).collect());
        }
    }
    Ok(best.1)
}

/// Standardise `emb`, cluster it into `k` groups and score against `labels` (nodes with label
/// `-1` are left out of the scores).
pub fn evaluate(emb: &Tensor, labels: &[i64], k: usize, seed: u64) -> Result<ClusterScores> {
    let e = emb.detach().to_kind(Kind::Float).to_device(Device::Cpu);
    let z = (&e - e.mean_dim(0, true, Kind::Float)) / e.std_dim(0, true, true).clamp_min(1e-8);
    let assign = kmeans(&z, k, 5, 100, seed)?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (i, &l) in labels.iter().enumerate() {
        if l >= 0 {
            a.push(l as usize);
            b.push(assign[i]);
        }
    }
    Ok(ClusterScores {
        nmi: metrics::nmi(&a, &b)?,
        ari: metrics::ari(&a, &b)?,
    })
}
