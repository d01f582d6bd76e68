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
    /// Whether the function never decreases (so it commutes with a maximum): true for ReLU,
    /// tanh, sigmoid, ELU, identity and leaky ReLU with a slope ≥ 0; false for GELU and SiLU,
    /// which dip below zero.
    pub fn is_non_decreasing(&self) -> bool {
        match self {
            Activation::Gelu | Activation::Silu => false,
            Activation::LeakyRelu(slope) => *slope >= 0.0,
            _ => true,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn non_decreasing_flag_matches_the_functions() {
        let xs = Tensor::linspace(-6.0, 6.0, 2001, (Kind::Double, Device::Cpu));
        for act in [
            Activation::Relu,
            Activation::Gelu,
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Silu,
            Activation::Elu,
            Activation::LeakyRelu(0.2),
            Activation::LeakyRelu(-0.3),
            Activation::Identity,
        ] {
            let ys = act.apply(&xs);
            let steps = ys.narrow(0, 1, 2000) - ys.narrow(0, 0, 2000);
            let never_down = steps.min().double_value(&[]) >= 0.0;
            assert_eq!(never_down, act.is_non_decreasing(), "{act:?}");
        }
    }
}
