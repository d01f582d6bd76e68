//! Magnitude pruning: the masks of `torch.nn.utils.prune`'s `l1_unstructured`,
//! `global_unstructured` (with `L1Unstructured`) and `ln_structured` for the same weights.
//!
//! As in PyTorch, `amount · size` is rounded half to even to the number of values (or channels)
//! pruned; unstructured pruning removes the `k` smallest `|w|` (`topk(largest=False)`),
//! structured pruning keeps the `size − k` channels of largest Ln norm over all dimensions but
//! `dim` (`topk(largest=True)`). With ties the chosen indices follow `topk` on each side, which
//! may differ between libtorch builds: the fixture weights have no ties.
//!
//! Pruning on top of earlier masks (the gradual schedule) keeps every pruned value pruned: a
//! pruned value scores −1, below every kept one, so the target is the sparsity of the whole
//! tensor, not of what is left (PyTorch's iterative `PruningContainer` would prune a fraction
//! of the remainder instead).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::masks::{unknown, Masks};
use crate::{Error, Result};

/// How weights are chosen for pruning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Per layer: the smallest `|w|` of each weight (`l1_unstructured`).
    L1,
    /// Over all chosen weights at once: the smallest `|w|` of their union
    /// (`global_unstructured` with `L1Unstructured`), so layers end with different sparsities.
    Global,
    /// Whole output channels / neurons (dim 0) of smallest Ln norm, `n` = 1 or 2
    /// (`ln_structured`); the channel's bias and batch-norm scale and shift are masked with it,
    /// so its output is exactly zero.
    Channels(i64),
}

impl Method {
    /// Check the norm order of [`Method::Channels`].
    pub fn validate(&self) -> Result<()> {
        match self {
            Method::Channels(n) if *n < 1 => Err(Error::config(format!(
                "prune: the channel norm order must be >= 1, got {n}"
            ))),
            _ => Ok(()),
        }
    }
}

/// `sparsity` must be in `[0, 1)`.
pub fn check_sparsity(sparsity: f64) -> Result<()> {
    if (0.0..1.0).contains(&sparsity) {
        Ok(())
    } else {
        Err(Error::config(format!(
            "prune: sparsity must be in [0, 1) (the fraction of values set to zero), got {sparsity}"
        )))
    }
}

/// PyTorch's `_compute_nparams_toprune` for a fraction: `round(amount · size)`, half to even.
pub fn to_prune(amount: f64, size: i64) -> i64 {
    (amount * size as f64).round_ties_even() as i64
}

/// Scores with the values `previous` pruned set to −1 (below every magnitude).
fn scores(w: &Tensor, previous: Option<&Tensor>) -> Tensor {
    let s = w.detach().abs().to_kind(Kind::Float);
    match previous {
        Some(m) => s.where_self(
            &m.to_device(s.device()).gt(0.0),
            &Tensor::from(-1.0f32).to_device(s.device()),
        ),
        None => s,
    }
}

/// A 0/1 mask of `scores`' shape with the `k` smallest scores zeroed (`topk(largest=False)`).
fn prune_smallest(scores: &Tensor, k: i64, kind: Kind) -> Result<Tensor> {
    let flat = scores.flatten(0, -1);
    let mut mask = Tensor::ones(flat.size(), (kind, flat.device()));
    if k > 0 {
        let (_, idx) = flat.f_topk(k, 0, false, true)?;
        mask = mask.f_index_fill(0, &idx, 0.0)?;
    }
    Ok(mask.view(scores.size().as_slice()))
}

/// `l1_unstructured(w, amount)`: the mask zeroing the `round(amount · w.numel())` smallest
/// `|w|` (with `previous`: every value it pruned stays pruned).
pub fn l1_unstructured(w: &Tensor, amount: f64, previous: Option<&Tensor>) -> Result<Tensor> {
    check_sparsity(amount)?;
    let k = to_prune(amount, w.numel() as i64);
    prune_smallest(&scores(w, previous), k, w.kind())
}

/// `global_unstructured(ws, L1Unstructured, amount)`: one threshold over the union of the
/// weights; the masks in the order of `ws`.
pub fn global_unstructured(
    ws: &[&Tensor],
    amount: f64,
    previous: Option<&[&Tensor]>,
) -> Result<Vec<Tensor>> {
    check_sparsity(amount)?;
    if ws.is_empty() {
        return Err(Error::input("prune: no weights to prune".to_string()));
    }
    let flat: Vec<Tensor> = ws
        .iter()
        .enumerate()
        .map(|(i, w)| scores(w, previous.map(|p| p[i])).flatten(0, -1))
        .collect();
    let all = Tensor::f_cat(&flat, 0)?;
    let k = to_prune(amount, all.numel() as i64);
    let mask = prune_smallest(&all, k, Kind::Float)?;
    let mut out = Vec::with_capacity(ws.len());
    let mut at = 0i64;
    for w in ws {
        let n = w.numel() as i64;
        out.push(
            mask.narrow(0, at, n)
                .view(w.size().as_slice())
                .to_kind(w.kind()),
        );
        at += n;
    }
    Ok(out)
}

/// `ln_structured(w, amount, n, dim=0)`: the mask zeroing the `round(amount · w.size(0))`
/// channels of smallest Ln norm (over every other dimension).
pub fn ln_structured(w: &Tensor, amount: f64, n: i64, previous: Option<&Tensor>) -> Result<Tensor> {
    check_sparsity(amount)?;
    Method::Channels(n).validate()?;
    if w.dim() < 1 {
        return Err(Error::input(
            "prune: channel pruning needs a weight of rank >= 1".to_string(),
        ));
    }
    let channels = w.size()[0];
    let k = to_prune(amount, channels);
    let keep = channels - k;
    let norms = channel_norms(w, n)?;
    let norms = match previous {
        // A channel whose mask is all zero stays pruned.
        Some(m) => {
            let alive = m
                .to_device(norms.device())
                .reshape([channels, -1])
                .sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
            norms.where_self(
                &alive.gt(0.0),
                &Tensor::from(-1.0f32).to_device(norms.device()),
            )
        }
        None => norms,
    };
    let mut rows = Tensor::zeros([channels], (w.kind(), w.device()));
    if keep > 0 {
        let (_, idx) = norms.f_topk(keep, 0, true, true)?;
        rows = rows.f_index_fill(0, &idx, 1.0)?;
    }
    let mut shape = vec![channels];
    shape.extend(std::iter::repeat_n(1, w.dim() - 1));
    Ok(rows.view(shape.as_slice()).expand_as(w).contiguous())
}

/// Ln norm of each dim-0 slice of `w`.
pub fn channel_norms(w: &Tensor, n: i64) -> Result<Tensor> {
    let flat = w.detach().to_kind(Kind::Float).reshape([w.size()[0], -1]);
    Ok(flat.f_norm_scalaropt_dim(n as f64, [1i64].as_slice(), false)?)
}

/// The 1-D variables that belong to the output channels of the weight `name`: its bias
/// (`<p>.bias`) and, for a conv block's `<b>.conv.weight`, the block's batch norm
/// (`<b>.bn.weight`, `<b>.bn.bias`), when they exist with one value per channel.
pub fn companions(name: &str, vs: &VarStore) -> Vec<String> {
    let vars = vs.variables();
    let Some(parent) = name.strip_suffix(".weight") else {
        return Vec::new();
    };
    let Some(rows) = vars.get(name).map(|w| w.size()[0]) else {
        return Vec::new();
    };
    let mut c = vec![format!("{parent}.bias")];
    if let Some(block) = parent.strip_suffix(".conv") {
        c.push(format!("{block}.bn.weight"));
        c.push(format!("{block}.bn.bias"));
    }
    c.into_iter()
        .filter(|n| vars.get(n).is_some_and(|t| t.size() == [rows]))
        .collect()
}

/// The masks of `method` at `sparsity` for the variables `names` of `vs`, keeping every value
/// `previous` pruned pruned (the new masks are multiplied by the previous ones). Unknown names and sparsities outside `[0, 1)` are errors.
pub fn prune(
    vs: &VarStore,
    names: &[String],
    method: Method,
    sparsity: f64,
    previous: Option<&Masks>,
) -> Result<Masks> {
    check_sparsity(sparsity)?;
    method.validate()?;
    let vars = vs.variables();
    let ws: Vec<&Tensor> = names
        .iter()
        .map(|n| vars.get(n).ok_or_else(|| unknown(n, vs)))
        .collect::<Result<_>>()?;
    let prev: Vec<Option<&Tensor>> = names
        .iter()
        .map(|n| previous.and_then(|p| p.get(n)))
        .collect();
    let mut out = BTreeMap::new();
    match method {
        Method::L1 => {
            for ((n, w), p) in names.iter().zip(&ws).zip(&prev) {
                out.insert(n.clone(), l1_unstructured(w, sparsity, *p)?);
            }
        }
        Method::Global => {
            let ones: Vec<Tensor> = ws.iter().map(|w| w.ones_like()).collect();
            let p: Vec<&Tensor> = prev
                .iter()
                .zip(&ones)
                .map(|(p, o)| p.unwrap_or(o))
                .collect();
            let masks = global_unstructured(&ws, sparsity, Some(&p))?;
            for (n, m) in names.iter().zip(masks) {
                out.insert(n.clone(), m);
            }
        }
        Method::Channels(order) => {
            for ((n, w), p) in names.iter().zip(&ws).zip(&prev) {
                let m = ln_structured(w, sparsity, order, *p)?;
                let rows = m.reshape([m.size()[0], -1]).select(1, 0).contiguous();
                for c in companions(n, vs) {
                    if !names.contains(&c) {
                        out.insert(c, rows.copy());
                    }
                }
                out.insert(n.clone(), m);
            }
        }
    }
    // As PyTorch's `mask *= default_mask`: what was pruned stays pruned, whatever the method.
    if let Some(prev) = previous {
        for (n, m) in out.iter_mut() {
            if let Some(p) = prev.get(n) {
                *m = m.f_mul(&p.to_device(m.device()).to_kind(m.kind()))?;
            }
        }
    }
    Ok(Masks::from_map(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_to_even_like_python() {
        assert_eq!(to_prune(0.5, 5), 2);
        assert_eq!(to_prune(0.5, 7), 4);
        assert_eq!(to_prune(0.9, 10), 9);
        assert_eq!(to_prune(0.25, 10), 2);
    }

    #[test]
    fn l1_prunes_the_smallest_and_keeps_earlier_pruning() {
        let w = Tensor::from_slice(&[0.5f32, -0.1, 0.3, -0.9, 0.2, 0.05]).view([2, 3]);
        let m = l1_unstructured(&w, 0.5, None).unwrap();
        assert_eq!(
            Vec::<f32>::try_from(m.flatten(0, -1)).unwrap(),
            [1., 0., 1., 1., 0., 0.]
        );
        // 0.9 pruned earlier stays pruned; at 1/3 only it and the smallest go.
        let prev = Tensor::from_slice(&[1.0f32, 1., 1., 0., 1., 1.]).view([2, 3]);
        let m = l1_unstructured(&w, 1.0 / 3.0, Some(&prev)).unwrap();
        assert_eq!(
            Vec::<f32>::try_from(m.flatten(0, -1)).unwrap(),
            [1., 1., 1., 0., 1., 0.]
        );
        assert!(l1_unstructured(&w, 1.0, None).is_err());
        assert!(l1_unstructured(&w, -0.1, None).is_err());
    }

    #[test]
    fn structured_zeroes_whole_rows_and_their_bias() {
        let vs = VarStore::new(tch::Device::Cpu);
        let _m = crate::nn::mlp::MlpConfig::new(3, [4], 2)
            .init(&vs.root())
            .unwrap();
        let names = vec!["hidden.0.weight".to_string()];
        let masks = prune(&vs, &names, Method::Channels(2), 0.5, None).unwrap();
        let m = masks.get("hidden.0.weight").unwrap();
        let rows = m.sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
        let rows = Vec::<f32>::try_from(rows).unwrap();
        assert_eq!(rows.iter().filter(|r| **r == 0.0).count(), 2);
        assert!(rows.iter().all(|r| *r == 0.0 || *r == 3.0));
        let b = Vec::<f32>::try_from(masks.get("hidden.0.bias").unwrap()).unwrap();
        assert_eq!(b, rows.iter().map(|r| r / 3.0).collect::<Vec<_>>());
        assert!(prune(&vs, &["nope".into()], Method::L1, 0.5, None)
            .unwrap_err()
            .to_string()
            .contains("no variable `nope`"));
        assert!(prune(&vs, &names, Method::Channels(0), 0.5, None).is_err());
    }
}
