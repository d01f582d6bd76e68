//! CNN-LSTM for time-series forecasting (Lu, Li, Wang & Qin 2020, "A CNN-LSTM-based model to
//! forecast stock prices", Complexity): a 1-D convolution over time extracts local features from a
//! window of daily indicators, an LSTM runs over the (pooled) feature sequence, and a dense layer
//! maps its last state to the forecast.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::capture::{child, name_of, tap};
use super::cnn::{ConvBlockConfig, ConvStack, ConvStackConfig, PoolConfig};
use super::init::{linear, LinearInit};
use super::rnn::{Cell, Rnn, RnnConfig};
use super::{check_dropout, check_sequences, dropout, forward_by};
use crate::{ensure_config, Result};

/// CNN-LSTM configuration. Parameters: `cnn.blocks.{i}.conv.*` (and `.bn.*`), `lstm.*` (PyTorch
/// `nn.LSTM` names), `out.weight|bias`.
///
/// Capture points ([`super::capture`]): `cnn.blocks.{i}` (each block's output, channels
/// first), `lstm` (its outputs), `lstm.last` (its last state), `out` (the forecast).
///
/// Defaults: one block of 64 filters, kernel 3, "same" padding, ReLU, max-pool 2; a one-layer
/// unidirectional LSTM with 64 hidden units; one output (next value). Lu et al. (2020) report
/// 32 filters of kernel 1 with tanh, pool size 1 and LSTM(64) over windows of 10 days × 8
/// features; set `conv` to `[ConvBlockConfig { out_channels: 32, kernel: 1, activation: Tanh, .. }]`
/// to follow them exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CnnLstmConfig {
    /// Features per time step `F`.
    pub input: i64,
    /// Convolution blocks over time (1-D), at least one.
    pub conv: Vec<ConvBlockConfig>,
    /// LSTM hidden units.
    pub hidden: i64,
    /// Stacked LSTM layers.
    pub layers: i64,
    /// Dropout between LSTM layers and before the output layer.
    pub dropout: f64,
    /// Forecast outputs (targets or horizons).
    pub output: i64,
    /// Initialisation of the output layer `out` (default: PyTorch's `nn.Linear`); the
    /// convolutions and the LSTM are initialised like PyTorch's.
    pub init: LinearInit,
}

impl Default for CnnLstmConfig {
    fn default() -> Self {
        CnnLstmConfig {
            input: 8,
            conv: vec![ConvBlockConfig::new(64, 3).with_pool(PoolConfig::max(2))],
            hidden: 64,
            layers: 1,
            dropout: 0.0,
            output: 1,
            init: LinearInit::Torch,
        }
    }
}

impl CnnLstmConfig {
    /// The defaults with the given input features and outputs.
    pub fn new(input: i64, output: i64) -> Self {
        CnnLstmConfig {
            input,
            output,
            ..Default::default()
        }
    }

    fn cnn(&self) -> ConvStackConfig {
        ConvStackConfig {
            dims: 1,
            input: self.input,
            blocks: self.conv.clone(),
        }
    }

    fn lstm(&self) -> RnnConfig {
        RnnConfig {
            cell: Cell::Lstm,
            input: self.cnn().out_channels(),
            hidden: self.hidden,
            layers: self.layers,
            bidirectional: false,
            dropout: self.dropout,
        }
    }

    /// Check every part.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.output > 0,
            "cnn-lstm: output must be > 0, got {}",
            self.output
        );
        check_dropout("cnn-lstm", self.dropout)?;
        self.cnn().validate()?;
        self.lstm().validate()
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<CnnLstm> {
        self.validate()?;
        let cnn = self.cnn().init(&(path / "cnn"))?;
        let lstm = self.lstm().init(&(path / "lstm"))?;
        let out = linear(&(path / "out"), self.hidden, self.output, self.init)?;
        Ok(CnnLstm {
            cnn,
            lstm,
            out,
            out_name: child(&name_of(path), "out"),
            config: self.clone(),
        })
    }
}

/// A CNN-LSTM forecaster; see [`CnnLstmConfig`].
#[derive(Debug)]
pub struct CnnLstm {
    cnn: ConvStack,
    lstm: Rnn,
    out: nn::Linear,
    /// Capture name of the forecast.
    out_name: String,
    config: CnnLstmConfig,
}

impl CnnLstm {
    /// The config this model was built from.
    pub fn config(&self) -> &CnnLstmConfig {
        &self.config
    }

    /// The forward pass, with errors instead of panics.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]` (fixed-length windows; no mask)
    /// * returns `[B, output]`
    pub fn f_forward_t(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        check_sequences("cnn-lstm", xs, self.config.input)?;
        // Time stays second when the blocks allow it (im2col convolutions); else the general
        // [B, C, T] path. Both compute the same function of the same parameters.
        let features = match self.cnn.f_forward_channels_last(xs, train)? {
            Some(f) => f,
            None => self
                .cnn
                .f_forward_t(&xs.f_transpose(1, 2)?, train)?
                .f_transpose(1, 2)?,
        }; // [B, T', C]
        let (_, last) = self.lstm.f_forward_seq(&features, None, train)?;
        let last = dropout(last, self.config.dropout, train);
        Ok(tap(
            &self.out_name,
            last.f_linear(&self.out.ws, self.out.bs.as_ref())?,
        ))
    }
}

forward_by! {
    /// # Shapes
    /// * `xs`: `[B, T, input]`; `mask` is ignored (the model expects fixed-length windows:
    ///   convolution and pooling would mix padded steps into real ones)
    /// * returns `[B, output]`
    CnnLstm => f_forward_t(xs, train)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Activation;
    use crate::nn::Forward;
    use tch::{Device, Kind};

    #[test]
    fn shapes_and_parameter_names() {
        let vs = nn::VarStore::new(Device::Cpu);
        let model = CnnLstmConfig::new(5, 2).init(&vs.root()).unwrap();
        let mut names: Vec<String> = vs.variables().into_keys().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "cnn.blocks.0.conv.bias",
                "cnn.blocks.0.conv.weight",
                "lstm.bias_hh_l0",
                "lstm.bias_ih_l0",
                "lstm.weight_hh_l0",
                "lstm.weight_ih_l0",
                "out.bias",
                "out.weight",
            ]
        );
        let vars = vs.variables();
        assert_eq!(vars["cnn.blocks.0.conv.weight"].size(), [64, 5, 3]);
        assert_eq!(vars["lstm.weight_ih_l0"].size(), [256, 64]);
        assert_eq!(vars["out.weight"].size(), [2, 64]);
        let xs = Tensor::randn([4, 10, 5], (Kind::Float, Device::Cpu));
        assert_eq!(model.forward_t(&xs, None, true).size(), [4, 2]);
        assert_eq!(model.predict(&xs, None).size(), [4, 2]);
        assert!(model
            .f_forward_t(
                &Tensor::randn([4, 10, 4], (Kind::Float, Device::Cpu)),
                false
            )
            .is_err());
        // A window of 1 step cannot be max-pooled by 2.
        assert!(model
            .f_forward_t(&Tensor::randn([4, 1, 5], (Kind::Float, Device::Cpu)), false)
            .is_err());
    }

    #[test]
    fn output_is_the_dense_map_of_the_lstm_last_state() {
        tch::manual_seed(5);
        let vs = nn::VarStore::new(Device::Cpu);
        let cfg = CnnLstmConfig {
            input: 3,
            conv: vec![ConvBlockConfig {
                out_channels: 4,
                kernel: 1,
                activation: Activation::Tanh,
                ..Default::default()
            }],
            hidden: 6,
            output: 1,
            ..Default::default()
        };
        let model = cfg.init(&vs.root()).unwrap();
        let xs = Tensor::randn([2, 7, 3], (Kind::Float, Device::Cpu));
        // By hand: kernel-1 conv = per-step linear map, tanh, LSTM, last step, linear.
        let vars = vs.variables();
        let w = vars["cnn.blocks.0.conv.weight"].squeeze_dim(-1);
        let feats = xs.linear(&w, Some(&vars["cnn.blocks.0.conv.bias"])).tanh();
        let (outputs, _) = model.lstm.forward_seq(&feats, None, false);
        let expected = outputs
            .select(1, 6)
            .linear(&vars["out.weight"], Some(&vars["out.bias"]));
        let got = model.predict(&xs, None);
        assert!((got - expected).abs().max().double_value(&[]) < 1e-6);
    }

    #[test]
    fn bad_configs_are_errors() {
        let vs = nn::VarStore::new(Device::Cpu);
        assert!(CnnLstmConfig::new(0, 1).init(&vs.root()).is_err());
        assert!(CnnLstmConfig::new(3, 0).init(&vs.root()).is_err());
        let c = CnnLstmConfig {
            conv: vec![],
            ..Default::default()
        };
        assert!(c.validate().is_err());
        let c = CnnLstmConfig {
            hidden: 0,
            ..Default::default()
        };
        assert!(c.validate().is_err());
    }
}
