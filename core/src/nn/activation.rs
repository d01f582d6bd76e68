//! Activation functions, named in configs: one enum for every crate (graph layers included).
//!
//! Most are plain functions ([`Activation::apply`]); PReLU has a learned slope, so a model
//! holds an [`ActivationLayer`] per place it is used ([`Activation::layer`]), which owns that
//! parameter (named `weight`, as `torch.nn.PReLU`'s).

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

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
    /// Parametric ReLU with one learned slope per channel (last dimension), initialised at 0.25
    /// (DGI, BGRL).
    Prelu,
    /// Parametric ReLU with one learned slope for all channels (`torch.nn.PReLU()`).
    PreluShared,
}

/// PyTorch's initial PReLU slope.
pub const PRELU_INIT: f64 = 0.25;

impl Activation {
    /// Whether the function never decreases (so it commutes with a maximum): true for ReLU,
    /// tanh, sigmoid, ELU, identity and leaky ReLU with a slope ≥ 0; false for GELU and SiLU,
    /// which dip below zero.
    pub fn is_non_decreasing(&self) -> bool {
        match self {
            Activation::Gelu | Activation::Silu => false,
            // A learned slope may turn negative.
            Activation::Prelu | Activation::PreluShared => false,
            Activation::LeakyRelu(slope) => *slope >= 0.0,
            _ => true,
        }
    }

    /// Whether it has a learned parameter (PReLU): then models use [`Activation::layer`].
    pub fn is_parametric(&self) -> bool {
        matches!(self, Activation::Prelu | Activation::PreluShared)
    }

    /// The activation as a layer for `channels` channels under `p`, creating PReLU's slope
    /// (`p/weight`, `[channels]`, or `[1]` when shared, at 0.25); parameter-free otherwise.
    pub fn layer(&self, p: &nn::Path, channels: i64) -> ActivationLayer {
        let slope = match self {
            Activation::Prelu => Some(p.var("weight", &[channels], nn::Init::Const(PRELU_INIT))),
            Activation::PreluShared => Some(p.var("weight", &[1], nn::Init::Const(PRELU_INIT))),
            _ => None,
        };
        ActivationLayer { act: *self, slope }
    }

    /// Apply to `xs`. A PReLU applied this way, without its layer, uses the initial slope 0.25
    /// (nothing is learned): models built with PReLU apply it through [`Activation::layer`].
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
            Activation::Prelu | Activation::PreluShared => xs.relu() - (-xs).relu() * PRELU_INIT,
        }
    }
}

/// An [`Activation`] with its parameters (PReLU's slope); see [`Activation::layer`].
#[derive(Debug)]
pub struct ActivationLayer {
    act: Activation,
    slope: Option<Tensor>,
}

impl ActivationLayer {
    /// Build `act` for `channels` channels under `p` (same as [`Activation::layer`]).
    pub fn new(p: &nn::Path, act: Activation, channels: i64) -> Self {
        act.layer(p, channels)
    }

    /// The activation.
    pub fn activation(&self) -> Activation {
        self.act
    }

    /// Apply (channels in the last dimension).
    pub fn apply(&self, x: &Tensor) -> Tensor {
        match &self.slope {
            Some(a) => x.relu() - (-x).relu() * a,
            None => self.act.apply(x),
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

    #[test]
    fn prelu_layers_learn_a_slope_per_channel_or_one_shared() {
        let vs = nn::VarStore::new(Device::Cpu);
        let a = Activation::Prelu.layer(&(vs.root() / "a"), 2);
        let y = a.apply(&Tensor::from_slice(&[-4.0f32, 2.0]).view([1, 2]));
        assert_eq!(Vec::<f32>::try_from(y.flatten(0, -1)).unwrap(), [-1.0, 2.0]);
        let s = Activation::PreluShared.layer(&(vs.root() / "s"), 3);
        let vars = vs.variables();
        assert_eq!(vars["a.weight"].size(), [2]);
        assert_eq!(vars["s.weight"].size(), [1]);
        let y = s.apply(&Tensor::from_slice(&[-4.0f32, 2.0, -8.0]).view([1, 3]));
        assert_eq!(
            Vec::<f32>::try_from(y.flatten(0, -1)).unwrap(),
            [-1.0, 2.0, -2.0]
        );
        // Parameter-free activations make no variables; names read as in configs.
        let r = Activation::Relu.layer(&(vs.root() / "r"), 3);
        assert_eq!(vs.variables().len(), 2);
        assert_eq!(r.activation(), Activation::Relu);
        let parsed: Activation = serde_json::from_str("\"prelu_shared\"").unwrap();
        assert_eq!(parsed, Activation::PreluShared);
    }
}
