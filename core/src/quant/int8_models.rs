//! Whole core models in int8 (dynamic quantization), built from a trained model's variables: the
//! [`Mlp`](crate::nn::mlp::Mlp) and the one-layer, one-direction LSTM
//! [`SequenceClassifier`](crate::nn::rnn::SequenceClassifier) with last-step pooling. Every
//! linear and recurrent product runs through [`super::int8`]; activations and gates stay `f32`.

use std::collections::HashMap;

use tch::nn::VarStore;
use tch::Tensor;

use super::int8::{Int8Linear, Int8Lstm};
use crate::nn::mlp::MlpConfig;
use crate::nn::rnn::{Cell, Pooling, SequenceClassifierConfig};
use crate::nn::Activation;
use crate::{ensure_config, Error, Result};

/// The variable `name` of a model, detached; a missing one is a config error naming it.
pub(super) fn var(vars: &HashMap<String, Tensor>, name: &str) -> Result<Tensor> {
    vars.get(name)
        .map(|t| t.detach())
        .ok_or_else(|| Error::config(format!("int8 model: no variable `{name}` in the model")))
}

/// An MLP whose layers run in int8.
#[derive(Debug)]
pub struct Int8Mlp {
    layers: Vec<Int8Linear>,
    activation: Activation,
}

impl Int8Mlp {
    /// From the variables of an MLP built by `config` under `prefix` (`""` at the root,
    /// `"head"` for a classifier's head).
    pub fn from_vs(vs: &VarStore, prefix: &str, config: &MlpConfig) -> Result<Self> {
        let vars = vs.variables();
        let p = |s: String| {
            if prefix.is_empty() {
                s
            } else {
                format!("{prefix}.{s}")
            }
        };
        let mut names: Vec<String> = (0..config.hidden.len())
            .map(|i| p(format!("hidden.{i}")))
            .collect();
        names.push(p("out".to_string()));
        let layers = names
            .iter()
            .map(|n| {
                let b = vars.get(&format!("{n}.bias")).map(|t| t.detach());
                Int8Linear::new(&var(&vars, &format!("{n}.weight"))?, b.as_ref(), false)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Int8Mlp {
            layers,
            activation: config.activation,
        })
    }

    /// # Shapes
    /// * `x`: `[B, input]` → `[B, output]`
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.shallow_clone();
        let last = self.layers.len().saturating_sub(1);
        for (i, l) in self.layers.iter().enumerate() {
            h = l.forward(&h)?;
            if i < last {
                h = self.activation.apply(&h);
            }
        }
        Ok(h)
    }
}

/// An LSTM sequence classifier (one layer, one direction, last-step pooling) in int8.
#[derive(Debug)]
pub struct Int8SequenceClassifier {
    lstm: Int8Lstm,
    head: Int8Mlp,
}

impl Int8SequenceClassifier {
    /// From the variables of a model built by `config`.
    pub fn from_vs(vs: &VarStore, config: &SequenceClassifierConfig) -> Result<Self> {
        let r = &config.rnn;
        ensure_config!(
            r.cell == Cell::Lstm
                && r.layers == 1
                && !r.bidirectional
                && config.pooling == Pooling::Last,
            "int8 sequence classifier: only a one-layer, one-direction LSTM with last-step pooling"
        );
        let vars = vs.variables();
        let lstm = Int8Lstm::new(
            &var(&vars, "rnn.weight_ih_l0")?,
            &var(&vars, "rnn.weight_hh_l0")?,
            Some(&var(&vars, "rnn.bias_ih_l0")?),
            Some(&var(&vars, "rnn.bias_hh_l0")?),
        )?;
        let head = Int8Mlp::from_vs(vs, "head", &config.head())?;
        Ok(Int8SequenceClassifier { lstm, head })
    }

    /// # Shapes
    /// * `xs`: `[B, T, F]` → `[B, output]`
    pub fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let (_, last) = self.lstm.forward(xs)?;
        self.head.forward(&last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::rnn::RnnConfig;
    use crate::Forward;
    use tch::{Device, Kind};

    #[test]
    fn int8_models_follow_their_f32_models() {
        tch::manual_seed(0);
        let cpu = (Kind::Float, Device::Cpu);
        let vs = VarStore::new(Device::Cpu);
        let cfg = MlpConfig::new(20, [32, 16], 4);
        let m = cfg.init(&vs.root()).unwrap();
        let x = Tensor::randn([8, 20], cpu);
        let q = Int8Mlp::from_vs(&vs, "", &cfg).unwrap();
        let d = (q.forward(&x).unwrap() - m.predict(&x, None))
            .abs()
            .max()
            .double_value(&[]);
        assert!(d > 0.0 && d < 0.05, "{d}");

        let vs = VarStore::new(Device::Cpu);
        let cfg = SequenceClassifierConfig {
            rnn: RnnConfig::new(Cell::Lstm, 6, 24, false),
            pooling: Pooling::Last,
            head_hidden: vec![],
            output: 3,
            ..Default::default()
        };
        let m = cfg.init(&vs.root()).unwrap();
        let xs = Tensor::randn([4, 10, 6], cpu);
        let q = Int8SequenceClassifier::from_vs(&vs, &cfg).unwrap();
        let d = (q.forward(&xs).unwrap() - m.predict(&xs, None))
            .abs()
            .max()
            .double_value(&[]);
        assert!(d > 0.0 && d < 0.05, "{d}");
        let bi = SequenceClassifierConfig {
            rnn: RnnConfig::new(Cell::Lstm, 6, 24, true),
            ..cfg
        };
        assert!(Int8SequenceClassifier::from_vs(&vs, &bi).is_err());
    }
}
