//! SHAP for a batch of a model's examples: what `explain --method kernel-shap|permutation-shap|
//! exact-shap` runs. Each example is explained for its own output index against one background
//! set; features are the input's elements or, for images `[C, H, W]`, square patches over all
//! channels (superpixels, as shap's image maskers use). Per-element attributions spread each
//! feature's value evenly over its elements, so they sum to f(x) − base like the values do.

use tch::{Kind, Tensor};

use super::{exact, kernel, permutation, Masker, ShapValues};
use crate::{Error, Forward, Result};

/// Which Shapley estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// Every coalition (M ≤ 20).
    Exact,
    /// KernelSHAP with a coalition budget.
    Kernel,
    /// Antithetic permutation sampling with a number of orders.
    Permutation,
}

/// Settings of [`shap_batch`].
#[derive(Debug, Clone)]
pub struct BatchShap {
    pub estimator: Estimator,
    /// Coalitions (kernel) or orders (permutation); 0: the default (2M + 2048 coalitions, 10
    /// orders).
    pub samples: usize,
    /// Patch side for image inputs `[C, H, W]`; `None`: every element is a feature.
    pub patch: Option<usize>,
    pub seed: u64,
}

/// Feature ids of the elements of one example of shape `shape` (no batch axis): square
/// `patch`×`patch` tiles over the last two axes, shared by the leading (channel) axes.
pub fn patch_groups(shape: &[i64], patch: usize) -> Result<Vec<usize>> {
    if shape.len() < 2 || patch == 0 {
        return Err(Error::input(format!(
            "patches need an input of at least two axes per example and a side ≥ 1, got \
             {shape:?} and {patch}"
        )));
    }
    let (h, w) = (
        shape[shape.len() - 2] as usize,
        shape[shape.len() - 1] as usize,
    );
    let lead: usize = shape[..shape.len() - 2].iter().product::<i64>() as usize;
    let across = w.div_ceil(patch);
    Ok((0..lead)
        .flat_map(|_| {
            (0..h).flat_map(move |r| (0..w).map(move |c| (r / patch) * across + c / patch))
        })
        .collect())
}

/// Shapley values of each example of `x` `[B, …]` for output `classes[i]` (a column of a
/// `[B, C]` output, or the only output of a `[B]` one), against `background` `[Nb, …]`.
/// Returns per-element attributions shaped like `x` and the base value v(∅) per example.
pub fn shap_batch(
    model: &dyn Forward,
    x: &Tensor,
    classes: &[i64],
    background: &Tensor,
    s: &BatchShap,
) -> Result<(Tensor, Vec<f64>)> {
    let shape = x.size();
    if background.size().get(1..) != shape.get(1..) {
        return Err(Error::input(format!(
            "the SHAP background rows have shape {:?} but the examples have {:?}",
            background.size().get(1..).unwrap_or(&[]),
            shape.get(1..).unwrap_or(&[])
        )));
    }
    let mut masker = Masker::new(&background.to_device(x.device()))?;
    let groups = match s.patch {
        Some(p) => Some(patch_groups(&shape[1..], p)?),
        None => None,
    };
    if let Some(g) = &groups {
        masker = masker.groups(g.clone())?;
    }
    let m = masker.features();
    if s.estimator == Estimator::Exact && m > 20 {
        return Err(Error::input(format!(
            "exact SHAP enumerates 2^M coalitions; this input has M = {m} features (at most 20: \
             use --patch or kernel-shap)"
        )));
    }
    let elements: i64 = shape[1..].iter().product();
    let sizes: Vec<f64> = match &groups {
        Some(g) => {
            let mut n = vec![0.0; m];
            g.iter().for_each(|&k| n[k] += 1.0);
            n
        }
        None => vec![1.0; m],
    };
    let mut attributions = Vec::with_capacity((shape[0] * elements) as usize);
    let mut bases = Vec::with_capacity(classes.len());
    for (i, &class) in classes.iter().enumerate() {
        let score = |rows: &Tensor| -> Result<Tensor> {
            let out = tch::no_grad(|| model.try_forward_t(rows, None, false))?;
            match out.size().as_slice() {
                [_] if class == 0 => Ok(out),
                [_, c] if class >= 0 && class < *c => Ok(out.select(1, class)),
                other => Err(Error::input(format!(
                    "output {class} does not exist: the model returned {other:?}"
                ))),
            }
        };
        let xi = x.get(i as i64);
        let v: ShapValues = match s.estimator {
            Estimator::Exact => exact::exact(&score, &masker, &xi)?,
            Estimator::Kernel => {
                let n = if s.samples == 0 {
                    2 * m + 2048
                } else {
                    s.samples
                };
                kernel::kernel(&score, &masker, &xi, n, s.seed.wrapping_add(i as u64))?
            }
            Estimator::Permutation => {
                let n = if s.samples == 0 { 10 } else { s.samples };
                permutation::permutation(&score, &masker, &xi, n, s.seed.wrapping_add(i as u64))?
            }
        };
        bases.push(v.base);
        match &groups {
            Some(g) => attributions.extend(g.iter().map(|&k| v.values[k] / sizes[k])),
            None => attributions.extend(v.values.iter().copied()),
        }
    }
    let t = Tensor::from_slice(&attributions)
        .to_kind(Kind::Float)
        .view(shape.as_slice());
    Ok((t, bases))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_tile_the_last_two_axes_across_channels() {
        let g = patch_groups(&[2, 3, 4], 2).unwrap();
        // Row 0 and 1 of a 3×4 map: tiles 0 0 1 1; row 2: tiles 2 2 3 3; channel 1 repeats.
        assert_eq!(&g[..12], &[0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3]);
        assert_eq!(&g[12..], &g[..12]);
        assert!(patch_groups(&[5], 2).is_err());
        assert!(patch_groups(&[3, 3], 0).is_err());
    }
}
