//! Class activation maps for any model with a captured feature map (a [`tap`] point whose
//! output is channels first, `[B, K, spatial…]`, 1-D or 2-D): which places of the input the
//! chosen class depends on, at the layer's resolution.
//!
//! * CAM (Zhou et al. 2016, "Learning Deep Features for Discriminative Localization"): the
//!   class's weights of a linear layer that follows global average pooling.
//! * Grad-CAM (Selvaraju et al. 2017): channel weights = spatial mean of ∂y_c/∂A.
//! * Grad-CAM++ (Chattopadhay et al. 2018): pixel-weighted positive gradients, with α from the
//!   "gradient-power" closed form for an exponential score (α = g² / (2g² + Σ A·g³)).
//! * Smooth Grad-CAM++ (Omeiza et al. 2019, "Smooth Grad-CAM++: An Enhanced Inference Level
//!   Visualization Technique for Deep Convolutional Neural Network Models" — the seed paper):
//!   the gradient powers of Grad-CAM++ averaged over copies of the input with Gaussian noise.
//! * Score-CAM (Wang et al. 2020): channel weights from the class score of the input masked by
//!   each upsampled, min–max normalised feature map (score gain over the plain input,
//!   softmax over channels).
//!
//! The maps equal `torchcam` 0.5's on the same weights (`core/tests/explain_torchcam.rs`) with
//! two deliberate differences, both where torchcam departs from the papers:
//! * torchcam's `GradCAMpp` divides a masked *copy* of g² (`alpha[mask].div_(…)`), so its α stays
//!   g²; ours is the paper's α, which is what torchcam's own `SmoothGradCAMpp` computes (with
//!   one sample and no noise it equals ours to 1e-4).
//! * torchcam's `SmoothGradCAMpp` multiplies α by the ReLU of the *last* noisy sample's gradient;
//!   ours uses the mean gradient over the samples, as the paper averages every derivative.
//!
//! Maps are ReLU'd (not CAM's, as in torchcam) and, when `normalized`, min–max scaled to [0, 1]
//! per example. [`upsample`] brings them to the input's size for overlays.
//!
//! [`tap`]: crate::nn::capture::tap

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::{Inputs, Target};
use crate::nn::capture::Capture;
use crate::{Error, Forward, Result};

const EPS: f64 = 1e-8;

/// Which class activation map to compute.
#[derive(Debug)]
pub enum CamMethod {
    /// CAM: the rows of the classifier weight `[classes, K]` that follows global average
    /// pooling of the captured `[B, K, …]` map.
    Cam {
        /// The linear layer's weight, e.g. the `head.out.weight` variable.
        fc_weight: Tensor,
    },
    /// Grad-CAM.
    GradCam,
    /// Grad-CAM++.
    GradCamPlusPlus,
    /// Smooth Grad-CAM++ (torchcam's defaults: 4 samples, σ = 0.3).
    SmoothGradCamPlusPlus {
        /// Noisy copies of the input.
        samples: usize,
        /// Standard deviation of the added Gaussian noise (in input units).
        std: f64,
    },
    /// Score-CAM, scoring masked inputs `batch_size` at a time (torchcam's default 32).
    ScoreCam {
        /// Masked inputs per forward pass.
        batch_size: usize,
    },
}

/// Named methods, as the CLI and configs spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CamKind {
    /// [`CamMethod::Cam`].
    Cam,
    /// [`CamMethod::GradCam`].
    GradCam,
    /// [`CamMethod::GradCamPlusPlus`].
    GradCamPlusPlus,
    /// [`CamMethod::SmoothGradCamPlusPlus`].
    SmoothGradCamPlusPlus,
    /// [`CamMethod::ScoreCam`].
    ScoreCam,
}

/// The captured feature map of `layer` for `xs` and the model output, with the input set to
/// require gradients so the map is in the autograd graph even for frozen weights.
fn capture(
    model: &dyn Forward,
    xs: &Tensor,
    mask: Option<&Tensor>,
    layer: &str,
) -> Result<(Tensor, Tensor)> {
    let x = xs.detach().set_requires_grad(true);
    let cap = Capture::layers([layer]);
    let out = cap.run(|| model.try_forward_t(&x, mask, false))?;
    let maps = cap.activations(layer);
    match maps.len() {
        1 => {}
        0 => {
            return Err(Error::input(format!(
                "the model has no captured layer {layer:?}; its layers are: {}",
                cap.seen().join(", ")
            )))
        }
        n => {
            return Err(Error::input(format!(
                "layer {layer:?} ran {n} times in one forward pass; class activation maps need \
                 a layer that runs once"
            )))
        }
    }
    let a = maps[0].shallow_clone();
    if a.dim() < 3 || a.size()[0] != xs.size()[0] {
        return Err(Error::input(format!(
            "layer {layer:?} gives {:?}: class activation maps need a channels-first feature \
             map [B, K, spatial…] with the input's batch size",
            a.size()
        )));
    }
    Ok((a, out))
}

/// ∂(selected outputs)/∂a.
fn grad_wrt(out: &Tensor, a: &Tensor, target: &Target, batch: i64) -> Result<Tensor> {
    let sel = target.select(out, batch)?;
    let g = Tensor::f_run_backward(&[sel.sum(sel.kind())], &[a], false, false)?;
    g.into_iter()
        .next()
        .ok_or_else(|| Error::input("the target output does not depend on the chosen layer"))
}

/// Sum over the spatial dimensions, keeping them as size 1.
fn spatial_sum(t: &Tensor) -> Tensor {
    let dims: Vec<i64> = (2..t.dim() as i64).collect();
    t.sum_dim_intlist(dims.as_slice(), true, t.kind())
}

/// Grad-CAM++ channel weights from the gradient powers and the feature map.
fn plus_plus_weights(a: &Tensor, g1: &Tensor, g2: &Tensor, g3: &Tensor) -> Tensor {
    let denom = g2 * 2.0 + spatial_sum(&(g3 * a));
    // α = g² / (2g² + Σ A·g³) where g² > 0, else 0 (where 0/0 would be NaN).
    let alpha = (g2 / (denom + EPS)).where_self(&g2.gt(0.0), &g2.zeros_like());
    (alpha * g1.relu())
        .flatten(2, -1)
        .sum_dim_intlist(-1, false, a.kind())
}

/// Per-example min–max scaling over the spatial dimensions (torchcam's `_normalize`).
pub fn normalize(maps: &Tensor) -> Tensor {
    let dims: Vec<i64> = (1..maps.dim() as i64).collect();
    let shifted = maps - maps.amin(dims.as_slice(), true);
    let top = shifted.amax(dims.as_slice(), true);
    shifted / (top + EPS)
}

/// Resize maps `[B, spatial…]` to `size` (bilinear for 2-D, linear for 1-D, corners not
/// aligned), e.g. to overlay them on the input.
pub fn upsample(maps: &Tensor, size: &[i64]) -> Result<Tensor> {
    let m = maps.unsqueeze(1);
    let out = match size.len() {
        1 => m.f_upsample_linear1d(size, false, None)?,
        2 => m.f_upsample_bilinear2d(size, false, None, None)?,
        n => {
            return Err(Error::input(format!(
                "maps can be resized over 1 or 2 dimensions, not {n}"
            )))
        }
    };
    Ok(out.squeeze_dim(1))
}

/// Class activation maps `[B, spatial…]` of `layer` (a tap name) for the target outputs.
/// A [`Target::Predicted`] target is the prediction on the clean input.
pub fn class_activation_map(
    model: &dyn Forward,
    inputs: Inputs,
    layer: &str,
    target: &Target,
    method: &CamMethod,
    normalized: bool,
) -> Result<Tensor> {
    class_activation_map_of(model, inputs, layer, target, method, normalized, None)
}

/// [`class_activation_map`] from chosen feature maps only: the channels of the layer in
/// `channels` (0-based) keep their weights, the others are left out of the sum — the seed
/// paper's maps of "a chosen feature map" or a subset of them. `None`: every channel.
pub fn class_activation_map_of(
    model: &dyn Forward,
    inputs: Inputs,
    layer: &str,
    target: &Target,
    method: &CamMethod,
    normalized: bool,
    channels: Option<&[i64]>,
) -> Result<Tensor> {
    let xs = inputs.xs;
    let b = xs.size().first().copied().unwrap_or(0);
    if b == 0 {
        return Err(Error::input("class activation maps need a non-empty batch"));
    }
    let (a, out) = capture(model, xs, inputs.mask, layer)?;
    let target = target.resolve(&out, b)?;
    let k = a.size()[1];
    let (weights, relu) = match method {
        CamMethod::Cam { fc_weight } => {
            let w = fc_weight.detach().to_device(a.device());
            if w.dim() != 2 || w.size()[1] != k {
                return Err(Error::input(format!(
                    "CAM needs the classifier weight [classes, {k}] of the layer after global \
                     pooling of {layer:?}, got {:?}",
                    w.size()
                )));
            }
            let rows = target.resolve(&out, b).and_then(|t| match t {
                Target::Class(c) => Ok(vec![c; b as usize]),
                Target::Classes(cs) => Ok(cs),
                Target::Predicted => Err(Error::input("unresolved target")),
            })?;
            let classes = w.size()[0];
            if let Some(bad) = rows.iter().find(|&&c| c < 0 || c >= classes) {
                return Err(Error::input(format!(
                    "target {bad} is out of range: the classifier weight has {classes} rows"
                )));
            }
            let idx = Tensor::from_slice(&rows).to_device(w.device());
            (w.index_select(0, &idx), false)
        }
        CamMethod::GradCam => {
            let g = grad_wrt(&out, &a, &target, b)?;
            (g.flatten(2, -1).mean_dim(-1, false, g.kind()), true)
        }
        CamMethod::GradCamPlusPlus => {
            let g = grad_wrt(&out, &a, &target, b)?;
            let g2 = &g * &g;
            let g3 = &g2 * &g;
            (plus_plus_weights(&a, &g, &g2, &g3), true)
        }
        CamMethod::SmoothGradCamPlusPlus { samples, std } => {
            if *samples == 0 || !(std.is_finite() && *std >= 0.0) {
                return Err(Error::config(format!(
                    "Smooth Grad-CAM++ needs ≥ 1 sample and a finite σ ≥ 0, got {samples} \
                     and {std}"
                )));
            }
            let (mut s1, mut s2, mut s3) = (a.zeros_like(), a.zeros_like(), a.zeros_like());
            for _ in 0..*samples {
                let noisy = xs.detach() + xs.randn_like() * *std;
                let (an, on) = capture(model, &noisy, inputs.mask, layer)?;
                let g = grad_wrt(&on, &an, &target, b)?;
                let g2 = &g * &g;
                s3 += &g2 * &g;
                s2 += g2;
                s1 += g;
            }
            let n = *samples as f64;
            let weights = plus_plus_weights(&a.detach(), &(s1 / n), &(s2 / n), &(s3 / n));
            (weights, true)
        }
        CamMethod::ScoreCam { batch_size } => (
            score_weights(model, inputs, &a, &out, &target, *batch_size)?,
            true,
        ),
    };
    let a = a.detach();
    let weights = match channels {
        None => weights,
        Some(cs) => {
            if cs.is_empty() {
                return Err(Error::input("choose at least one channel"));
            }
            if let Some(bad) = cs.iter().find(|&&c| c < 0 || c >= k) {
                return Err(Error::input(format!(
                    "channel {bad} is out of range: layer {layer:?} has {k} channels"
                )));
            }
            let mut keep = vec![0f32; k as usize];
            cs.iter().for_each(|&c| keep[c as usize] = 1.0);
            let keep = Tensor::from_slice(&keep)
                .to_device(weights.device())
                .view([1, k]);
            let kind = weights.kind();
            weights * keep.to_kind(kind)
        }
    };
    let mut shape = weights.size();
    shape.extend(std::iter::repeat_n(1, a.dim() - 2));
    let maps = (weights.detach().view(shape.as_slice()) * &a).nansum(1, false, a.kind());
    let maps = if relu { maps.relu() } else { maps };
    Ok(if normalized { normalize(&maps) } else { maps })
}

/// Score-CAM channel weights `[B, K]`.
fn score_weights(
    model: &dyn Forward,
    inputs: Inputs,
    a: &Tensor,
    out: &Tensor,
    target: &Target,
    batch_size: usize,
) -> Result<Tensor> {
    if batch_size == 0 {
        return Err(Error::config("Score-CAM needs a batch size of at least 1"));
    }
    let xs = inputs.xs.detach();
    let (b, k) = (a.size()[0], a.size()[1]);
    let spatial = &xs.size()[2.min(xs.dim())..];
    if xs.dim() != a.dim() {
        return Err(Error::input(format!(
            "Score-CAM masks the input with the feature maps, so the input {:?} must be channels \
             first with the same spatial rank as the layer's {:?}",
            xs.size(),
            a.size()
        )));
    }
    let base = target.select(&out.detach(), b)?;
    // Per channel: min–max normalised over space, resized to the input (nearest for 1-D as
    // torchcam does, bilinear for 2-D).
    let norm = normalize(&a.detach().flatten(0, 1)).unsqueeze(1);
    let masks = match spatial.len() {
        1 => norm.f_upsample_nearest1d(spatial, None)?,
        2 => norm.f_upsample_bilinear2d(spatial, false, None, None)?,
        n => {
            return Err(Error::input(format!(
                "Score-CAM supports 1-D and 2-D inputs, not {n}-D"
            )))
        }
    };
    let owner: Vec<i64> = (0..b)
        .flat_map(|i| std::iter::repeat_n(i, k as usize))
        .collect();
    let classes: Vec<i64> = match target {
        Target::Classes(cs) => cs.clone(),
        Target::Class(c) => vec![*c; b as usize],
        Target::Predicted => return Err(Error::input("unresolved target")),
    };
    let mut scores = Vec::with_capacity(owner.len());
    for chunk in (0..owner.len()).collect::<Vec<_>>().chunks(batch_size) {
        let (lo, n) = (chunk[0] as i64, chunk.len() as i64);
        let idx =
            Tensor::from_slice(&owner[chunk[0]..chunk[0] + chunk.len()]).to_device(xs.device());
        let masked = masks.narrow(0, lo, n) * xs.index_select(0, &idx);
        let mask = inputs.mask.map(|m| m.index_select(0, &idx));
        let o = tch::no_grad(|| model.try_forward_t(&masked, mask.as_ref(), false))?;
        let t = Target::Classes(
            owner[chunk[0]..chunk[0] + chunk.len()]
                .iter()
                .map(|&i| classes[i as usize])
                .collect(),
        );
        let s = t.select(&o, n)? - base.index_select(0, &idx);
        scores.push(s);
    }
    Ok(Tensor::cat(&scores, 0)
        .view([b, k])
        .softmax(-1, Kind::Float))
}
