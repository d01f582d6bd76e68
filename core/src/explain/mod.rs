//! Explanations for any deepfield model: which inputs a prediction depends on.
//!
//! Every method here takes a model as [`Forward`] — the interface the registry hands out — so
//! one implementation explains an image CNN, an audio BiLSTM, a genomics CNN or a tabular MLP.
//! Gradients are taken with respect to the input only (`torch.autograd.grad`, not `backward`),
//! so the model's own parameter gradients are never touched.
//!
//! * [`cam`] — CAM, Grad-CAM, Grad-CAM++, Smooth Grad-CAM++ and Score-CAM on any captured
//!   feature map.
//! * [`faithfulness`] — the pointing game and deletion/insertion curves that score maps.
//! * [`gradient`] — saliency and input × gradient (Simonyan et al. 2014; Shrikumar et al. 2016).
//! * [`integrated`] — integrated gradients with captum's quadratures and the completeness check
//!   (Sundararajan et al. 2017).
//! * [`neurons`] — a subset of neurons (channels, positions) of a layer as the explained
//!   output, for every method (the seed paper's neuron-subset maps).
//! * [`rsa`] — RDMs, RSA comparators and topological RSA (rsatoolbox definitions).
//! * [`shap`] — exact, kernel and permutation SHAP for any scoring function, differentiable or
//!   not, with a background set and feature groups (Lundberg & Lee 2017).
//! * [`smooth`] — SmoothGrad, SmoothGrad² and VarGrad around any attribution method
//!   (Smilkov et al. 2017; Adebayo et al. 2018), captum's `NoiseTunnel`.
//!
//! Numbers agree with captum 0.9 and torchcam 0.5 on the same weights
//! (`core/tests/explain_captum.rs`, `core/tests/explain_torchcam.rs`; fixtures and generator
//! scripts in `core/tests/fixtures/explain/`).

pub mod cam;
pub mod faithfulness;
pub mod gradient;
pub mod integrated;
pub mod neurons;
pub mod rsa;
pub mod run;
pub mod shap;
pub mod smooth;
mod target;

pub use cam::{class_activation_map, class_activation_map_of, CamKind, CamMethod};
pub use gradient::{input_x_gradient, saliency};
pub use integrated::{Baseline, IgAttribution, IntegratedGradients, Integration};
pub use neurons::{NeuronTarget, Neurons};
pub use shap::{Masker, ShapValues};
pub use smooth::{Noise, NoiseTunnel, Smoothing};
pub use target::Target;

use tch::Tensor;

use crate::{Error, Forward, Result};

/// The model's input batch and its (optional) padding mask, as [`Forward`] takes them.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The batch, batch first.
    pub xs: &'a Tensor,
    /// `[B, T]` bool for padded sequences.
    pub mask: Option<&'a Tensor>,
}

impl<'a> Inputs<'a> {
    /// A batch without a mask.
    pub fn new(xs: &'a Tensor) -> Self {
        Self { xs, mask: None }
    }

    /// A batch of padded sequences with its mask.
    pub fn masked(xs: &'a Tensor, mask: &'a Tensor) -> Self {
        Self {
            xs,
            mask: Some(mask),
        }
    }
}

/// The gradient of the target outputs with respect to `xs` (floating point, any shape, batch
/// first), and the selected outputs `[B]`. The model runs in eval mode.
pub fn input_gradient(
    model: &dyn Forward,
    xs: &Tensor,
    mask: Option<&Tensor>,
    target: &Target,
) -> Result<(Tensor, Tensor)> {
    if !matches!(
        xs.kind(),
        tch::Kind::Float | tch::Kind::Double | tch::Kind::Half | tch::Kind::BFloat16
    ) {
        return Err(Error::input(format!(
            "attributions need a floating-point input, got {:?} (token ids have no gradient: \
             explain an embedding-space input instead)",
            xs.kind()
        )));
    }
    if xs.dim() == 0 || xs.size()[0] == 0 {
        return Err(Error::input("attributions need a non-empty batch"));
    }
    let x = xs.detach().set_requires_grad(true);
    let out = model.try_forward_t(&x, mask, false)?;
    let selected = target.select(&out, xs.size()[0])?;
    let grads = Tensor::f_run_backward(&[selected.sum(selected.kind())], &[&x], false, false)?;
    let grad = grads
        .into_iter()
        .next()
        .ok_or_else(|| Error::input("the model's output does not depend on its input"))?;
    Ok((grad, selected.detach()))
}
