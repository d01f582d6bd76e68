//! Quantitative checks of saliency maps.
//!
//! * Pointing game (Zhang et al. 2016, "Top-down Neural Attention by Excitation Backprop"): a
//!   hit when the map's maximum falls inside the object's box, grown by a tolerance.
//! * Deletion and insertion (Petsiuk, Das & Saenko 2018, "RISE"): remove the most salient
//!   pixels first (from the input) or insert them first (into a baseline), in equal steps, and
//!   follow the class probability; the area under each curve, on [0, 1], is the score — low
//!   for deletion, high for insertion, when the map ranks the pixels the model uses.

use tch::{Kind, Tensor};

use super::Target;
use crate::{Error, Forward, Result};

/// An object's box in pixels, inclusive: rows `top..=bottom`, columns `left..=right`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PixelBox {
    pub top: i64,
    pub left: i64,
    pub bottom: i64,
    pub right: i64,
}

/// Pointing-game hit of one map `[H, W]`: its maximum (the first, in row-major order) lies in
/// `b` grown by `tolerance` pixels on every side.
pub fn pointing_hit(map: &Tensor, b: PixelBox, tolerance: i64) -> Result<bool> {
    let size = map.size();
    if size.len() != 2 {
        return Err(Error::input(format!(
            "the pointing game needs a 2-D map, got {size:?}"
        )));
    }
    let at = map.flatten(0, -1).argmax(0, false).int64_value(&[]);
    let (r, c) = (at / size[1], at % size[1]);
    Ok(r >= b.top - tolerance
        && r <= b.bottom + tolerance
        && c >= b.left - tolerance
        && c <= b.right + tolerance)
}

/// Per example, the class probability at each step: `[B][steps + 1]`.
pub type Curves = Vec<Vec<f64>>;

/// Deletion and insertion curves for a batch of images `x [B, C, H, W]` and their maps
/// `[B, H, W]` (input resolution): `steps + 1` points each, the probability of each example's
/// target class after removing (deletion) or revealing (insertion) the top k/steps of the
/// pixels, ranked by the map. Removed pixels take `baseline`'s values (`[B, C, H, W]`, e.g.
/// zeros or a blurred copy). Returns `(deletion, insertion)`, each `[B][steps + 1]`.
pub fn deletion_insertion(
    model: &dyn Forward,
    x: &Tensor,
    maps: &Tensor,
    baseline: &Tensor,
    target: &Target,
    steps: usize,
) -> Result<(Curves, Curves)> {
    let (xs, ms) = (x.size(), maps.size());
    if xs.len() != 4 || ms.len() != 3 || xs[0] != ms[0] || xs[2..] != ms[1..] {
        return Err(Error::input(format!(
            "deletion/insertion need images [B, C, H, W] and maps [B, H, W] of the same size, \
             got {xs:?} and {ms:?}"
        )));
    }
    if baseline.size() != xs {
        return Err(Error::input(format!(
            "the baseline {:?} must have the images' shape {xs:?}",
            baseline.size()
        )));
    }
    if steps == 0 {
        return Err(Error::config("deletion/insertion need at least one step"));
    }
    let (b, c, h, w) = (xs[0], xs[1], xs[2], xs[3]);
    let pixels = h * w;
    let out = tch::no_grad(|| model.try_forward_t(x, None, false))?;
    let classes: Vec<i64> = match target.resolve(&out, b)? {
        Target::Classes(cs) => cs,
        Target::Class(k) => vec![k; b as usize],
        Target::Predicted => return Err(Error::input("unresolved target")),
    };
    // Rank of each pixel by the map (0 = most salient).
    let order = maps.reshape([b, pixels]).argsort(1, true);
    let rank = order.argsort(1, false);
    let (mut del, mut ins) = (Vec::new(), Vec::new());
    for i in 0..b {
        let rank_i = rank.get(i).view([1, 1, h, w]);
        let thresholds: Vec<i64> = (0..=steps)
            .map(|k| (k as i64 * pixels) / steps as i64)
            .collect();
        let t = Tensor::from_slice(&thresholds)
            .to_device(x.device())
            .view([-1, 1, 1, 1]);
        // top_k[k] = the k/steps most salient pixels.
        let top = rank_i
            .lt_tensor(&t)
            .to_kind(x.kind())
            .expand([-1, c, h, w], false);
        let xi = x.get(i).unsqueeze(0);
        let bi = baseline.get(i).unsqueeze(0);
        let deleted = &top * &bi + (1.0 - &top) * &xi;
        let inserted = &top * &xi + (1.0 - &top) * &bi;
        let class = Target::Class(classes[i as usize]);
        let n = steps as i64 + 1;
        let probs = |imgs: &Tensor| -> Result<Vec<f64>> {
            let o = tch::no_grad(|| model.try_forward_t(imgs, None, false))?;
            let p = o.softmax(1, Kind::Double);
            Ok(Vec::<f64>::try_from(class.select(&p, n)?)?)
        };
        del.push(probs(&deleted)?);
        ins.push(probs(&inserted)?);
    }
    Ok((del, ins))
}

/// Area under a curve sampled at equal steps on [0, 1] (trapezoid rule).
pub fn auc(curve: &[f64]) -> f64 {
    if curve.len() < 2 {
        return curve.first().copied().unwrap_or(0.0);
    }
    let h = 1.0 / (curve.len() - 1) as f64;
    curve.windows(2).map(|w| (w[0] + w[1]) * h / 2.0).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointing_and_auc() {
        let mut m = vec![0.0f32; 100];
        m[3 * 10 + 7] = 1.0;
        let map = Tensor::from_slice(&m).view([10, 10]);
        let b = PixelBox {
            top: 2,
            left: 2,
            bottom: 4,
            right: 5,
        };
        assert!(!pointing_hit(&map, b, 0).unwrap());
        assert!(pointing_hit(&map, b, 2).unwrap());
        assert!((auc(&[1.0, 0.5, 0.0]) - 0.5).abs() < 1e-12);
        assert!((auc(&[1.0, 1.0]) - 1.0).abs() < 1e-12);
    }
}
