//! Layer Sustainability Analysis and layer-wise regularised adversarial training: "Layer-wise
//! Regularized Adversarial Training using Layers Sustainability Analysis framework" (Khalooei,
//! Homayounpour & Amirmazlaghani, Neurocomputing 2023, arXiv 2202.02626).
//!
//! * **Comparison measure.** For each monitored layer `l` with representation `φ_l`, the
//!   relative error between clean and adversarial representations of a batch,
//!   `‖φ_l(x) − φ_l(x′)‖₂ / ‖φ_l(x)‖₂`, norms over the whole batch tensor (as the authors'
//!   `LayerSustainabilityAnalysis.representation_comparison`). Monitored layers: every
//!   capture point of the model ([`crate::nn::capture`]) except the last (the logits); for the
//!   core MLP these are the hidden layers after their ReLU, the authors' probes.
//! * **Most Vulnerable Layers.** The layers whose relative error is an outlier above the
//!   others: here, above `mean + k·std` of the layers' errors (`k = 0` by default: above the
//!   mean), always at least the most vulnerable one. (The paper picks the MVL from the LSA
//!   plot; this threshold is our reading of it.)
//! * **AT-LR.** Adversarial training whose loss adds `γ · Σ_{l ∈ MVL} RE_l(x, x′)` to the
//!   adversarial cross-entropy, pulling the vulnerable layers' adversarial representations
//!   towards the clean ones ([`AtLr`], a Trainer callback: `before_forward` makes `x′`,
//!   `penalty` adds the term).

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::{forward_fn, AttackConfig};
use crate::data::Batch;
use crate::nn::capture::Capture;
use crate::train::{Callback, Context, ForwardStep};
use crate::{ensure_config, Error, Forward, Result};

/// One layer's comparison measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerError {
    /// Capture name of the layer.
    pub layer: String,
    /// `‖φ(x) − φ(x′)‖ / ‖φ(x)‖` over the batch.
    pub relative_error: f64,
}

/// The relative error as a tensor (differentiable), `‖a − b‖ / ‖a‖`.
pub fn relative_error(clean: &Tensor, adv: &Tensor) -> Result<Tensor> {
    let num = clean.f_sub(adv)?.f_norm()?;
    let den = clean.f_norm()?.f_add_scalar(1e-12)?;
    Ok(num.f_div(&den)?)
}

/// The representations of the monitored layers (all capture points but the last, or
/// `layers`) of one forward pass of `run`, in first-seen order.
pub fn representations(
    layers: Option<&[String]>,
    run: impl FnOnce() -> Result<Tensor>,
) -> Result<Vec<(String, Tensor)>> {
    let cap = match layers {
        Some(l) => Capture::layers(l.iter().cloned()),
        None => Capture::all(),
    };
    let _ = cap.run(run)?;
    let mut names = cap.seen();
    match layers {
        Some(l) => {
            if let Some(missing) = l.iter().find(|n| !names.contains(n)) {
                return Err(Error::input(format!(
                    "lsa: the model has no layer `{missing}` (its layers: {})",
                    names.join(", ")
                )));
            }
            names = l.to_vec();
        }
        None => {
            names.pop();
        }
    }
    names
        .into_iter()
        .map(|n| {
            cap.activation(&n)
                .map(|a| (n.clone(), a))
                .ok_or_else(|| Error::input(format!("lsa: layer `{n}` recorded nothing")))
        })
        .collect()
}

/// LSA of `model` on a clean batch and its adversarial version: the relative error of every
/// monitored layer (all but the output, or `layers`), in forward order.
pub fn layer_errors<M: Forward + ?Sized>(
    model: &M,
    clean: &Tensor,
    adv: &Tensor,
    layers: Option<&[String]>,
) -> Result<Vec<LayerError>> {
    tch::no_grad(|| {
        let c = representations(layers, || model.try_forward_t(clean, None, false))?;
        let a = representations(layers, || model.try_forward_t(adv, None, false))?;
        c.iter()
            .zip(&a)
            .map(|((name, rc), (_, ra))| {
                Ok(LayerError {
                    layer: name.clone(),
                    relative_error: relative_error(rc, ra)?.f_double_value(&[])?,
                })
            })
            .collect()
    })
}

/// The Most Vulnerable Layers: relative error above `mean + k·std` of all layers' errors
/// (at least the largest one), in forward order.
pub fn most_vulnerable(errors: &[LayerError], k: f64) -> Vec<String> {
    let n = errors.len() as f64;
    if errors.is_empty() {
        return Vec::new();
    }
    let mean = errors.iter().map(|e| e.relative_error).sum::<f64>() / n;
    let var = errors
        .iter()
        .map(|e| (e.relative_error - mean).powi(2))
        .sum::<f64>()
        / n;
    let threshold = mean + k * var.sqrt();
    let mut mvl: Vec<String> = errors
        .iter()
        .filter(|e| e.relative_error > threshold)
        .map(|e| e.layer.clone())
        .collect();
    if mvl.is_empty() {
        if let Some(top) = errors
            .iter()
            .max_by(|a, b| a.relative_error.total_cmp(&b.relative_error))
        {
            mvl.push(top.layer.clone());
        }
    }
    mvl
}

/// AT-LR settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtLrConfig {
    /// The attack making the training examples.
    pub attack: AttackConfig,
    /// The regularised layers (the MVL list).
    pub layers: Vec<String>,
    /// Weight γ of the layer-wise term.
    pub gamma: f64,
}

impl AtLrConfig {
    /// Check the attack, γ and that there are layers.
    pub fn validate(&self) -> Result<()> {
        self.attack.validate()?;
        ensure_config!(
            self.gamma.is_finite() && self.gamma >= 0.0,
            "at-lr: gamma must be finite and >= 0, got {}",
            self.gamma
        );
        ensure_config!(!self.layers.is_empty(), "at-lr: no layers to regularise");
        Ok(())
    }
}

/// AT-LR as a Trainer callback: trains on adversarial inputs and adds
/// `γ · Σ_{l ∈ layers} RE_l(x, x′)` to the loss.
pub struct AtLr {
    pub config: AtLrConfig,
    clean: Option<Tensor>,
}

impl AtLr {
    /// The callback; fails on an invalid config.
    pub fn new(config: AtLrConfig) -> Result<Self> {
        config.validate()?;
        Ok(AtLr {
            config,
            clean: None,
        })
    }

    /// The layer-wise term for a clean batch and its adversarial version (training mode,
    /// differentiable).
    pub fn penalty_of<M: Forward + ?Sized>(
        &self,
        model: &M,
        clean: &Tensor,
        adv: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        let layers = Some(self.config.layers.as_slice());
        let c = representations(layers, || model.try_forward_t(clean, mask, true))?;
        let a = representations(layers, || model.try_forward_t(adv, mask, true))?;
        let mut sum = Tensor::f_zeros([], (Kind::Float, clean.device()))?;
        for ((_, rc), (_, ra)) in c.iter().zip(&a) {
            sum = sum.f_add(&relative_error(rc, ra)?)?;
        }
        Ok(sum * self.config.gamma)
    }
}

impl<M, L> Callback<ForwardStep<'_, M, L>, Batch> for AtLr
where
    M: Forward + ?Sized,
{
    fn before_forward(
        &mut self,
        ctx: &mut Context<'_, ForwardStep<'_, M, L>>,
        batch: &mut Batch,
    ) -> Result<()> {
        let f = forward_fn(ctx.model.model, batch.mask.as_ref());
        let adv = self.config.attack.perturb(&f, &batch.x, &batch.y)?;
        self.clean = Some(std::mem::replace(&mut batch.x, adv));
        Ok(())
    }

    fn penalty(
        &mut self,
        ctx: &mut Context<'_, ForwardStep<'_, M, L>>,
        batch: &Batch,
    ) -> Result<Option<Tensor>> {
        let Some(clean) = self.clean.take() else {
            return Ok(None);
        };
        if self.config.gamma == 0.0 {
            return Ok(None);
        }
        self.penalty_of(ctx.model.model, &clean, &batch.x, batch.mask.as_ref())
            .map(Some)
    }
}
