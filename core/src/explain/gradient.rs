//! Plain gradient attributions.
//!
//! * Saliency (Simonyan, Vedaldi & Zisserman 2014, "Deep Inside Convolutional Networks"): the
//!   gradient of the explained output with respect to the input, by default its absolute value
//!   (captum `Saliency(abs=True)`).
//! * Input × gradient (Shrikumar et al. 2016): the gradient times the input, a first-order
//!   Taylor attribution against a zero baseline (captum `InputXGradient`).

use tch::Tensor;

use super::{input_gradient, Inputs, Target};
use crate::{Forward, Result};

/// Saliency: ∂output/∂input, of the same shape as the input; `abs` takes its absolute value.
pub fn saliency(model: &dyn Forward, inputs: Inputs, target: &Target, abs: bool) -> Result<Tensor> {
    let (grad, _) = input_gradient(model, inputs.xs, inputs.mask, target)?;
    Ok(if abs { grad.abs() } else { grad })
}

/// Input × gradient, of the same shape as the input.
pub fn input_x_gradient(model: &dyn Forward, inputs: Inputs, target: &Target) -> Result<Tensor> {
    let (grad, _) = input_gradient(model, inputs.xs, inputs.mask, target)?;
    Ok(grad * inputs.xs.detach())
}
