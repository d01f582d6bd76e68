//! Window forecasters built from deepfield-core's builders, one interface for all:
//! `[B, lookback, features]` in, `[B, horizon, targets]` out.
//!
//! * `mlp` — the "ANN" of the AMD kinetic-test paper: the window flattened into an MLP
//!   ([`deepfield_core::nn::mlp`]).
//! * `lstm` — an LSTM whose last state feeds a linear head ([`deepfield_core::nn::rnn`]).
//! * `ed_lstm` — the encoder–decoder LSTM of the AMD paper ([`deepfield_core::nn::seq2seq`],
//!   repeat-vector decoder).
//! * `cnn_lstm` — 1-D convolution, then an LSTM (Lu et al. 2020; [`deepfield_core::nn::cnn_lstm`]).

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use deepfield_core::nn::cnn::{ConvBlockConfig, PoolConfig};
use deepfield_core::nn::cnn_lstm::{CnnLstm, CnnLstmConfig};
use deepfield_core::nn::mlp::{Mlp, MlpConfig};
use deepfield_core::nn::rnn::{
    Cell, Pooling, RnnConfig, SequenceClassifier, SequenceClassifierConfig,
};
use deepfield_core::nn::seq2seq::{Seq2Seq, Seq2SeqConfig};
use deepfield_core::nn::Activation;
use deepfield_core::Forward;

use crate::{ensure_config, Result};

/// Which network, with its own hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ForecastModel {
    Mlp {
        hidden: Vec<i64>,
        dropout: f64,
    },
    Lstm {
        hidden: i64,
        layers: i64,
        dropout: f64,
    },
    EdLstm {
        hidden: i64,
        layers: i64,
    },
    CnnLstm {
        filters: i64,
        kernel: i64,
        pool: i64,
        activation: Activation,
        hidden: i64,
    },
}

impl ForecastModel {
    /// Short name used in reports and folders.
    pub fn name(&self) -> &'static str {
        match self {
            ForecastModel::Mlp { .. } => "mlp",
            ForecastModel::Lstm { .. } => "lstm",
            ForecastModel::EdLstm { .. } => "ed_lstm",
            ForecastModel::CnnLstm { .. } => "cnn_lstm",
        }
    }

    /// Lu et al. (2020)'s CNN-LSTM: 32 filters of kernel 1, tanh, no pooling, LSTM(64).
    pub fn cnn_lstm_paper() -> Self {
        ForecastModel::CnnLstm {
            filters: 32,
            kernel: 1,
            pool: 1,
            activation: Activation::Tanh,
            hidden: 64,
        }
    }
}

/// A forecaster: network plus the window geometry it serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecasterConfig {
    pub model: ForecastModel,
    /// Input steps and features per step.
    pub lookback: i64,
    pub features: i64,
    /// Forecast steps and targets per step.
    pub horizon: i64,
    pub targets: i64,
}

#[derive(Debug)]
enum Net {
    Mlp(Mlp),
    Lstm(SequenceClassifier),
    EdLstm(Seq2Seq),
    CnnLstm(CnnLstm),
}

/// A built forecaster; see [`ForecasterConfig`].
#[derive(Debug)]
pub struct Forecaster {
    net: Net,
    config: ForecasterConfig,
}

impl ForecasterConfig {
    /// Check sizes.
    pub fn validate(&self) -> Result<()> {
        for (n, v) in [
            ("lookback", self.lookback),
            ("features", self.features),
            ("horizon", self.horizon),
            ("targets", self.targets),
        ] {
            ensure_config!(v > 0, "forecaster: {n} must be > 0, got {v}");
        }
        Ok(())
    }

    /// Build the network under `path` through core's builders.
    pub fn init(&self, path: &nn::Path) -> Result<Forecaster> {
        self.validate()?;
        let out = self.horizon * self.targets;
        let net = match &self.model {
            ForecastModel::Mlp { hidden, dropout } => {
                let c = MlpConfig {
                    dropout: *dropout,
                    ..MlpConfig::new(self.lookback * self.features, hidden.clone(), out)
                };
                Net::Mlp(c.init(path)?)
            }
            ForecastModel::Lstm {
                hidden,
                layers,
                dropout,
            } => {
                let c = SequenceClassifierConfig {
                    rnn: RnnConfig {
                        layers: *layers,
                        dropout: if *layers > 1 { *dropout } else { 0.0 },
                        ..RnnConfig::new(Cell::Lstm, self.features, *hidden, false)
                    },
                    pooling: Pooling::Last,
                    output: out,
                    dropout: *dropout,
                    ..Default::default()
                };
                Net::Lstm(c.init(path)?)
            }
            ForecastModel::EdLstm { hidden, layers } => {
                let c = Seq2SeqConfig {
                    layers: *layers,
                    ..Seq2SeqConfig::new(self.features, *hidden, self.horizon, self.targets)
                };
                Net::EdLstm(c.init(path)?)
            }
            ForecastModel::CnnLstm {
                filters,
                kernel,
                pool,
                activation,
                hidden,
            } => {
                let mut block = ConvBlockConfig {
                    activation: *activation,
                    ..ConvBlockConfig::new(*filters, *kernel)
                };
                if *pool > 1 {
                    block = block.with_pool(PoolConfig::max(*pool));
                }
                let c = CnnLstmConfig {
                    conv: vec![block],
                    hidden: *hidden,
                    ..CnnLstmConfig::new(self.features, out)
                };
                Net::CnnLstm(c.init(path)?)
            }
        };
        Ok(Forecaster {
            net,
            config: self.clone(),
        })
    }
}

impl Forecaster {
    /// The config this model was built from.
    pub fn config(&self) -> &ForecasterConfig {
        &self.config
    }

    /// The forward pass with errors instead of panics.
    ///
    /// # Shapes
    /// * `xs`: `[B, lookback, features]`; returns `[B, horizon, targets]`
    pub fn try_forward(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let s = xs.size();
        crate::ensure_input!(
            s.len() == 3 && s[1] == c.lookback && s[2] == c.features,
            "forecaster: expected input [B, {}, {}], got {s:?}",
            c.lookback,
            c.features
        );
        let b = s[0];
        let y = match &self.net {
            Net::Mlp(m) => m.forward_t(&xs.f_reshape([b, c.lookback * c.features])?, None, train),
            Net::Lstm(m) => m.f_forward_t(xs, None, train)?,
            Net::EdLstm(m) => m.try_forward(xs, None, train)?,
            Net::CnnLstm(m) => m.f_forward_t(xs, train)?,
        };
        Ok(y.f_reshape([b, c.horizon, c.targets])?)
    }
}

deepfield_core::forward_unmasked! {
    /// # Shapes
    /// * `xs`: `[B, lookback, features]`; returns `[B, horizon, targets]`
    Forecaster, |m, xs, train| m.try_forward(xs, train).map_err(crate::Error::into_core)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn every_model_maps_windows_to_horizon_by_targets() {
        let models = [
            ForecastModel::Mlp {
                hidden: vec![8],
                dropout: 0.0,
            },
            ForecastModel::Lstm {
                hidden: 8,
                layers: 1,
                dropout: 0.0,
            },
            ForecastModel::EdLstm {
                hidden: 8,
                layers: 1,
            },
            ForecastModel::cnn_lstm_paper(),
            ForecastModel::CnnLstm {
                filters: 4,
                kernel: 3,
                pool: 2,
                activation: Activation::Relu,
                hidden: 8,
            },
        ];
        for m in models {
            let vs = nn::VarStore::new(Device::Cpu);
            let cfg = ForecasterConfig {
                model: m.clone(),
                lookback: 6,
                features: 3,
                horizon: 2,
                targets: 4,
            };
            let f = cfg.init(&vs.root()).unwrap();
            let y = f
                .try_forward(&Tensor::randn([5, 6, 3], (Kind::Float, Device::Cpu)), false)
                .unwrap();
            assert_eq!(y.size(), [5, 2, 4], "{}", m.name());
            assert!(f
                .try_forward(&Tensor::randn([5, 7, 3], (Kind::Float, Device::Cpu)), false)
                .is_err());
        }
        let bad = ForecasterConfig {
            model: ForecastModel::EdLstm {
                hidden: 8,
                layers: 1,
            },
            lookback: 0,
            features: 1,
            horizon: 1,
            targets: 1,
        };
        assert!(bad.init(&nn::VarStore::new(Device::Cpu).root()).is_err());
    }
}
