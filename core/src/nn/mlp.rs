//! Multi-layer perceptron (the "ANN" of the AMD kinetic-test paper and the tabular baselines).

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::activation::ActivationLayer;
use super::capture::{name_of, tap};
use super::init::{linear, LinearInit};
use super::{check_dropout, dropout, Activation, Forward};
use crate::{ensure_config, Result};

/// MLP configuration. Parameters are named `hidden.{i}.weight|bias` and `out.weight|bias`
/// (PyTorch: `nn.ModuleList` `hidden` of `nn.Linear` and an `nn.Linear` `out`).
///
/// Capture points ([`super::capture`]): each hidden layer's output after its activation and
/// dropout, named like its parameters (`hidden.0`, …, or `head.hidden.0` under a `head` path),
/// and the output layer's (`out`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MlpConfig {
    /// Input features.
    pub input: i64,
    /// Hidden layer widths, in order; empty gives a linear model.
    pub hidden: Vec<i64>,
    /// Output features (classes for classification, targets for regression).
    pub output: i64,
    /// Non-linearity after each hidden layer.
    pub activation: Activation,
    /// Dropout after each hidden activation.
    pub dropout: f64,
    /// Initialisation of every linear layer (default: PyTorch's `nn.Linear`).
    pub init: LinearInit,
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig {
            input: 1,
            hidden: vec![64, 64],
            output: 1,
            activation: Activation::Relu,
            dropout: 0.0,
            init: LinearInit::Torch,
        }
    }
}

impl MlpConfig {
    /// A config with the given sizes and the other fields at their defaults.
    pub fn new(input: i64, hidden: impl Into<Vec<i64>>, output: i64) -> Self {
        MlpConfig {
            input,
            hidden: hidden.into(),
            output,
            ..Default::default()
        }
    }

    /// Check sizes and dropout.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.input > 0, "mlp: input must be > 0, got {}", self.input);
        ensure_config!(
            self.output > 0,
            "mlp: output must be > 0, got {}",
            self.output
        );
        ensure_config!(
            self.hidden.iter().all(|&h| h > 0),
            "mlp: hidden sizes must be > 0, got {:?}",
            self.hidden
        );
        check_dropout("mlp", self.dropout)
    }

    /// Create the parameters under `path`, initialised by [`init`](Self::init).
    pub fn init(&self, path: &nn::Path) -> Result<Mlp> {
        self.validate()?;
        let mut hidden = Vec::with_capacity(self.hidden.len());
        let mut acts = Vec::with_capacity(self.hidden.len());
        let mut names = Vec::with_capacity(self.hidden.len() + 1);
        let mut d = self.input;
        let hp = path / "hidden";
        for (i, &h) in self.hidden.iter().enumerate() {
            let p = &hp / i;
            hidden.push(linear(&p, d, h, self.init)?);
            // PReLU's slopes live under `act.<i>` (no variables for the other activations).
            acts.push(self.activation.layer(&(path / "act" / i), h));
            names.push(name_of(&p));
            d = h;
        }
        let op = path / "out";
        let out = linear(&op, d, self.output, self.init)?;
        Ok(Mlp {
            hidden,
            acts,
            out,
            names: {
                names.push(name_of(&op));
                names.into_boxed_slice()
            },
            config: self.clone(),
        })
    }
}

/// A multi-layer perceptron; see [`MlpConfig`].
#[derive(Debug)]
pub struct Mlp {
    hidden: Vec<nn::Linear>,
    acts: Vec<ActivationLayer>,
    out: nn::Linear,
    /// Capture names of the hidden layers, then of the output layer.
    names: Box<[String]>,
    config: MlpConfig,
}

impl Mlp {
    /// The config this model was built from.
    pub fn config(&self) -> &MlpConfig {
        &self.config
    }
}

impl Forward for Mlp {
    /// # Shapes
    /// * `xs`: `[B, input]` (or `[..., input]`)
    /// * returns `[B, output]`
    fn try_forward_t(&self, xs: &Tensor, _mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let last = xs.size().last().copied().unwrap_or(0);
        crate::ensure_input!(
            last == self.config.input,
            "mlp: expected [..., {}] inputs, got {:?}",
            self.config.input,
            xs.size()
        );
        let mut h = xs.shallow_clone();
        for ((layer, act), name) in self.hidden.iter().zip(&self.acts).zip(&self.names) {
            let z = h.f_linear(&layer.ws, layer.bs.as_ref())?;
            crate::profile::counter::linear(name, &h, &layer.ws, layer.bs.as_ref(), &z);
            let a = act.apply(&z);
            h = tap(name, dropout(a, self.config.dropout, train));
        }
        let out_name = &self.names[self.hidden.len()];
        let y = h.f_linear(&self.out.ws, self.out.bs.as_ref())?;
        crate::profile::counter::linear(out_name, &h, &self.out.ws, self.out.bs.as_ref(), &y);
        Ok(tap(out_name, y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn shapes_and_parameter_names() {
        let vs = nn::VarStore::new(Device::Cpu);
        let m = MlpConfig::new(8, [16, 4], 3).init(&vs.root()).unwrap();
        let y = m.predict(&Tensor::zeros([5, 8], (Kind::Float, Device::Cpu)), None);
        assert_eq!(y.size(), vec![5, 3]);
        let mut names: Vec<String> = vs.variables().into_keys().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "hidden.0.bias",
                "hidden.0.weight",
                "hidden.1.bias",
                "hidden.1.weight",
                "out.bias",
                "out.weight"
            ]
        );
    }

    #[test]
    fn bad_config_is_an_error() {
        let vs = nn::VarStore::new(Device::Cpu);
        assert!(MlpConfig::new(0, [4], 1).init(&vs.root()).is_err());
        let mut c = MlpConfig::new(2, [4], 1);
        c.dropout = 1.5;
        assert!(c.init(&vs.root()).is_err());
    }
}
