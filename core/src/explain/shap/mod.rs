//! Shapley values for any model, differentiable or not (Lundberg & Lee 2017, "A Unified
//! Approach to Interpreting Model Predictions"; the `shap` package's explainers).
//!
//! The model is any function from a batch to one score per row ([`ScoreFn`]), so a Trainer
//! model, a pipeline with preprocessing or a tree ensemble are explained alike. A *feature* is
//! one column of a tabular input or, through [`Masker::groups`], any group of input elements
//! (a superpixel, a time window, a k-mer). The value of a coalition S is the interventional
//! expectation over a background set B, as shap's `Independent` masker computes it:
//!
//! v(S) = mean over b ∈ B of f(x with the features outside S taken from b).
//!
//! * [`exact`] — all 2^M coalitions, the Shapley formula (M ≤ 20).
//! * [`kernel`] — KernelSHAP: Shapley-kernel weighted least squares under the efficiency
//!   constraint; every coalition when the budget allows (then it equals the exact values),
//!   otherwise shap's scheme of complete small/large sizes plus sampled ones.
//! * [`permutation`] — antithetic permutation sampling (shap's `PermutationExplainer`).
//!
//! Every explainer returns `base` = v(∅) and `values` with Σ values = v(all) − v(∅).

pub mod batch;
pub mod exact;
pub mod kernel;
pub mod permutation;

use tch::{Kind, Tensor};

use crate::{Error, Result};

/// A model as SHAP sees it: a batch `[N, …]` in, one score per row `[N]` out.
pub type ScoreFn<'a> = dyn Fn(&Tensor) -> Result<Tensor> + 'a;

/// How features are switched off: replaced by background rows.
#[derive(Debug)]
pub struct Masker {
    background: Tensor,
    /// Feature id of each input element (row-major over one example), or `None`: each element
    /// is its own feature.
    groups: Option<Vec<usize>>,
    features: usize,
    /// Background rows × coalitions per model call.
    max_rows: usize,
}

impl Masker {
    /// Background rows `[Nb, …]` (e.g. 50–100 training rows, or their k-means centres); each
    /// element of an example is one feature.
    pub fn new(background: &Tensor) -> Result<Self> {
        let size = background.size();
        if size.len() < 2 || size[0] == 0 {
            return Err(Error::input(format!(
                "a SHAP background needs at least one row and a feature axis, got {size:?}"
            )));
        }
        let elements = size[1..].iter().product::<i64>() as usize;
        Ok(Self {
            background: background.detach().to_kind(Kind::Float),
            groups: None,
            features: elements,
            max_rows: 16_384,
        })
    }

    /// Features as groups of elements: `groups[e]` is the feature of element `e` of an
    /// example (row-major); ids must be 0..M without gaps.
    pub fn groups(mut self, groups: Vec<usize>) -> Result<Self> {
        let elements = self.background.size()[1..].iter().product::<i64>() as usize;
        if groups.len() != elements {
            return Err(Error::input(format!(
                "{} group ids for {elements} input elements",
                groups.len()
            )));
        }
        let m = groups.iter().max().map_or(0, |&g| g + 1);
        let mut used = vec![false; m];
        for &g in &groups {
            used[g] = true;
        }
        if let Some(gap) = used.iter().position(|u| !u) {
            return Err(Error::input(format!(
                "feature groups must number 0..{m} without gaps; group {gap} is empty"
            )));
        }
        self.groups = Some(groups);
        self.features = m;
        Ok(self)
    }

    /// At most this many rows per model call (default 16 384).
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.max_rows = rows.max(1);
        self
    }

    /// The number of features M.
    pub fn features(&self) -> usize {
        self.features
    }

    /// v(S) for each coalition (rows of booleans over the M features) of example `x` (`[…]`,
    /// one example without the batch axis).
    pub fn values(&self, f: &ScoreFn, x: &Tensor, coalitions: &[Vec<bool>]) -> Result<Vec<f64>> {
        let nb = self.background.size()[0];
        let shape = self.background.size();
        if x.size() != shape[1..] {
            return Err(Error::input(format!(
                "the example has shape {:?} but the background rows have {:?}",
                x.size(),
                &shape[1..]
            )));
        }
        let elements = shape[1..].iter().product::<i64>();
        let x = x
            .to_kind(Kind::Float)
            .to_device(self.background.device())
            .reshape([1, elements]);
        let bg = self.background.reshape([nb, elements]);
        let per_call = (self.max_rows / nb as usize).max(1);
        let mut out = Vec::with_capacity(coalitions.len());
        for chunk in coalitions.chunks(per_call) {
            let masks: Vec<f32> = chunk
                .iter()
                .flat_map(|s| {
                    (0..elements as usize).map(move |e| {
                        let feature = self.groups.as_ref().map_or(e, |g| g[e]);
                        if s[feature] {
                            1.0
                        } else {
                            0.0
                        }
                    })
                })
                .collect();
            let k = chunk.len() as i64;
            let m = Tensor::from_slice(&masks)
                .to_device(bg.device())
                .view([k, 1, elements]);
            // [k, nb, elements]: x where the feature is in S, the background row elsewhere.
            let rows: Tensor = &m * x.unsqueeze(0) + (1.0 - &m) * bg.unsqueeze(0);
            let mut batch_shape = vec![k * nb];
            batch_shape.extend_from_slice(&shape[1..]);
            let scores = f(&rows.reshape(batch_shape.as_slice()))?;
            if scores.size() != [k * nb] {
                return Err(Error::input(format!(
                    "the model returned {:?} for {} rows; SHAP needs one score per row",
                    scores.size(),
                    k * nb
                )));
            }
            let means = scores
                .to_kind(Kind::Double)
                .view([k, nb])
                .mean_dim(1, false, Kind::Double);
            out.extend(Vec::<f64>::try_from(means)?);
        }
        if let Some(bad) = out.iter().find(|v| !v.is_finite()) {
            return Err(Error::input(format!(
                "the model returned a non-finite score ({bad})"
            )));
        }
        Ok(out)
    }
}

/// Shapley values of one example.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapValues {
    /// v(∅): the mean score over the background.
    pub base: f64,
    /// One value per feature; they sum to v(all) − base.
    pub values: Vec<f64>,
}

impl ShapValues {
    /// base + Σ values: the model's score for the example (v of every feature).
    pub fn prediction(&self) -> f64 {
        self.base + self.values.iter().sum::<f64>()
    }
}
