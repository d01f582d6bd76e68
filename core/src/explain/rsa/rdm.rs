//! RDMs from measurements `[conditions, channels]`.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{Error, Result};

/// A representational dissimilarity matrix as its upper triangle (row-major, without the
/// diagonal) over `n` conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Rdm {
    pub n: usize,
    pub values: Vec<f64>,
}

impl Rdm {
    /// From the upper triangle of a square `[n, n]` matrix.
    pub fn from_square(m: &Tensor) -> Result<Self> {
        let size = m.size();
        if size.len() != 2 || size[0] != size[1] || size[0] < 2 {
            return Err(Error::input(format!(
                "an RDM needs a square matrix of at least 2 conditions, got {size:?}"
            )));
        }
        let n = size[0];
        let idx = Tensor::triu_indices(n, n, 1, (Kind::Int64, m.device()));
        let v = m
            .to_kind(Kind::Double)
            .index(&[Some(idx.get(0)), Some(idx.get(1))]);
        Ok(Self {
            n: n as usize,
            values: Vec::<f64>::try_from(v.to_device(tch::Device::Cpu))?,
        })
    }

    /// The full symmetric matrix `[n, n]` with a zero diagonal.
    pub fn to_square(&self) -> Tensor {
        let n = self.n as i64;
        let mut m = vec![0.0; self.n * self.n];
        let mut k = 0;
        for i in 0..self.n {
            for j in i + 1..self.n {
                m[i * self.n + j] = self.values[k];
                m[j * self.n + i] = self.values[k];
                k += 1;
            }
        }
        Tensor::from_slice(&m).view([n, n])
    }
}

/// The dissimilarity measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distance {
    /// ‖xᵢ − xⱼ‖² / channels (rsatoolbox's "euclidean").
    SquaredEuclidean,
    /// 1 − Pearson correlation of the two patterns.
    Correlation,
    /// 1 − cosine of the two patterns.
    Cosine,
}

fn measurements(x: &Tensor) -> Result<Tensor> {
    let size = x.size();
    if size.len() < 2 || size[0] < 2 {
        return Err(Error::input(format!(
            "an RDM needs measurements [conditions ≥ 2, channels…], got {size:?}"
        )));
    }
    Ok(x.to_kind(Kind::Double).flatten(1, -1))
}

/// The RDM of `x` (`[conditions, channels…]`; channels are flattened, so a layer's feature maps
/// can be passed as they are).
pub fn rdm(x: &Tensor, distance: Distance) -> Result<Rdm> {
    let m = measurements(x)?;
    let p = m.size()[1] as f64;
    let square = match distance {
        Distance::SquaredEuclidean => {
            let sq = (&m * &m).sum_dim_intlist(1, true, Kind::Double);
            (&sq + sq.tr() - m.matmul(&m.tr()) * 2.0) / p
        }
        Distance::Correlation | Distance::Cosine => {
            let c = if distance == Distance::Correlation {
                &m - m.mean_dim(1, true, Kind::Double)
            } else {
                m.shallow_clone()
            };
            let norm = (&c * &c).sum_dim_intlist(1, true, Kind::Double).sqrt();
            let u = c / norm;
            1.0 - u.matmul(&u.tr())
        }
    };
    Rdm::from_square(&square)
}

/// Crossnobis RDM (Walther et al. 2016): measurements `x [N, channels…]` of `conditions[r]`
/// in cross-validation fold `folds[r]`; each fold in turn is the test set against the mean of
/// the others, d(i, j) = (aᵢ − aⱼ)ᵀ Λ (bᵢ − bⱼ) / channels with a from the training folds, b from
/// the test fold and Λ the noise precision (identity when `None`), averaged over folds. Every
/// condition must appear in every fold. Unbiased: E d = 0 for equal conditions.
pub fn crossnobis(
    x: &Tensor,
    conditions: &[usize],
    folds: &[usize],
    precision: Option<&Tensor>,
) -> Result<Rdm> {
    let m = measurements(x)?;
    let (rows, p) = (m.size()[0] as usize, m.size()[1]);
    if conditions.len() != rows || folds.len() != rows {
        return Err(Error::input(format!(
            "{rows} measurements but {} condition and {} fold labels",
            conditions.len(),
            folds.len()
        )));
    }
    let n = conditions.iter().max().map_or(0, |&c| c + 1);
    let mut fold_ids: Vec<usize> = folds.to_vec();
    fold_ids.sort_unstable();
    fold_ids.dedup();
    if fold_ids.len() < 2 || n < 2 {
        return Err(Error::input(
            "crossnobis needs at least 2 conditions and 2 cross-validation folds",
        ));
    }
    let lambda = match precision {
        Some(l) if l.size() == [p, p] => l.to_kind(Kind::Double).to_device(m.device()),
        Some(l) => {
            return Err(Error::input(format!(
                "the noise precision must be [{p}, {p}], got {:?}",
                l.size()
            )))
        }
        None => Tensor::eye(p, (Kind::Double, m.device())),
    };
    // Mean pattern of each condition over the rows selected by `keep`.
    let means = |keep: &dyn Fn(usize) -> bool| -> Result<Tensor> {
        let mut out = Vec::with_capacity(n);
        for c in 0..n {
            let idx: Vec<i64> = (0..rows)
                .filter(|&r| conditions[r] == c && keep(folds[r]))
                .map(|r| r as i64)
                .collect();
            if idx.is_empty() {
                return Err(Error::input(format!(
                    "condition {c} is missing from a cross-validation fold"
                )));
            }
            let t = Tensor::from_slice(&idx).to_device(m.device());
            out.push(m.index_select(0, &t).mean_dim(0, false, Kind::Double));
        }
        Ok(Tensor::stack(&out, 0))
    };
    let mut total: Option<Tensor> = None;
    for &f in &fold_ids {
        let train = means(&|g| g != f)?;
        let test = means(&|g| g == f)?;
        let k = train.matmul(&lambda).matmul(&test.tr());
        let d = k.diag(0);
        let square = (d.unsqueeze(0) + d.unsqueeze(1) - &k - k.tr()) / p as f64;
        total = Some(match total {
            Some(t) => t + square,
            None => square,
        });
    }
    let total = total.ok_or_else(|| Error::input("no folds"))? / fold_ids.len() as f64;
    Rdm::from_square(&total)
}
