//! Activation functions, named in configs.

use serde::{Deserialize, Serialize};
use tch::Tensor;

/// An element-wise non-linearity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    #[default]
    Relu,
    Gelu,
    Tanh,
    Sigmoid,
    Silu,
    Elu,
    /// Leaky ReLU with the given negative slope.
    LeakyRelu(f64),
    Identity,
}

impl Activation {
    /// Apply to `xs`.
    pub fn apply(&self, xs: &Tensor) -> Tensor {
        match self {
            Activation::Relu => xs.relu(),
            Activation::Gelu => xs.gelu("none"),
            Activation::Tanh => xs.tanh(),
            Activation::Sigmoid => xs.sigmoid(),
            Activation::Silu => xs.silu(),
            Activation::Elu => xs.elu(),
            Activation::LeakyRelu(slope) => xs.maximum(&(xs * *slope)),
            Activation::Identity => xs.shallow_clone(),
        }
    }
}
