//! [`ModelSpec`]: one serde enum that builds any core model, so a run is reproducible from its
//! saved `config.json` alone.
//!
//! ```json
//! { "model": "mlp", "input": 8, "hidden": [64, 64], "output": 1 }
//! { "model": "rnn", "rnn": { "cell": "lstm", "input": 13, "hidden": 64, "bidirectional": true }, "output": 2 }
//! ```

use serde::{Deserialize, Serialize};
use tch::nn;

use super::autoencoder::AutoencoderConfig;
use super::cnn::CnnClassifierConfig;
use super::cnn_lstm::CnnLstmConfig;
use super::mlp::MlpConfig;
use super::rnn::SequenceClassifierConfig;
use super::seq2seq::Seq2SeqConfig;
use super::transformer::TransformerEncoderConfig;
use super::Forward;
use crate::Result;

/// Any model core can build, tagged by `"model"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ModelSpec {
    /// [`MlpConfig`].
    Mlp(MlpConfig),
    /// 1-D/2-D CNN with a pooled MLP head ([`CnnClassifierConfig`]).
    Cnn(CnnClassifierConfig),
    /// LSTM/GRU sequence classifier or regressor ([`SequenceClassifierConfig`]).
    Rnn(SequenceClassifierConfig),
    /// CNN-LSTM ([`CnnLstmConfig`]).
    CnnLstm(CnnLstmConfig),
    /// Transformer encoder ([`TransformerEncoderConfig`]).
    Transformer(TransformerEncoderConfig),
    /// Encoder-decoder LSTM forecaster ([`Seq2SeqConfig`]).
    Seq2seq(Seq2SeqConfig),
    /// Autoencoder / VAE ([`AutoencoderConfig`]); the forward pass is the reconstruction.
    Autoencoder(AutoencoderConfig),
}

/// A built model behind the [`Forward`] interface.
pub type DynModel = Box<dyn Forward + Send>;

impl ModelSpec {
    /// The tag used in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Mlp(_) => "mlp",
            ModelSpec::Cnn(_) => "cnn",
            ModelSpec::Rnn(_) => "rnn",
            ModelSpec::CnnLstm(_) => "cnn_lstm",
            ModelSpec::Transformer(_) => "transformer",
            ModelSpec::Seq2seq(_) => "seq2seq",
            ModelSpec::Autoencoder(_) => "autoencoder",
        }
    }

    /// Build the model's parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<DynModel> {
        Ok(match self {
            ModelSpec::Mlp(c) => Box::new(c.init(path)?),
            ModelSpec::Cnn(c) => Box::new(c.init(path)?),
            ModelSpec::Rnn(c) => Box::new(c.init(path)?),
            ModelSpec::CnnLstm(c) => Box::new(c.init(path)?),
            ModelSpec::Transformer(c) => Box::new(c.init(path)?),
            ModelSpec::Seq2seq(c) => Box::new(c.init(path)?),
            ModelSpec::Autoencoder(c) => Box::new(c.init(path)?),
        })
    }

    /// Parse from JSON text, with the error naming what is wrong.
    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|source| crate::Error::Json {
            context: "model spec".into(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind, Tensor};

    fn all_specs() -> Vec<(ModelSpec, Vec<i64>, Vec<i64>)> {
        let mut cnn = CnnClassifierConfig::default();
        cnn.stack.input = 3;
        cnn.output = 4;
        let rnn = SequenceClassifierConfig {
            output: 3,
            ..Default::default()
        };
        let cnn_lstm = CnnLstmConfig {
            input: 5,
            output: 2,
            ..Default::default()
        };
        let tr = TransformerEncoderConfig {
            input: Some(6),
            d_model: 16,
            heads: 2,
            layers: 1,
            feedforward: 32,
            output: Some(2),
            ..Default::default()
        };
        let s2s = Seq2SeqConfig {
            input: 3,
            hidden: 8,
            horizon: 4,
            output: 2,
            ..Default::default()
        };
        let ae = AutoencoderConfig {
            input: 10,
            variational: true,
            ..Default::default()
        };
        vec![
            (
                ModelSpec::Mlp(MlpConfig::new(7, [5], 2)),
                vec![4, 7],
                vec![4, 2],
            ),
            (ModelSpec::Cnn(cnn), vec![4, 3, 32], vec![4, 4]),
            (ModelSpec::Rnn(rnn), vec![4, 9, 13], vec![4, 3]),
            (ModelSpec::CnnLstm(cnn_lstm), vec![4, 12, 5], vec![4, 2]),
            (ModelSpec::Transformer(tr), vec![4, 9, 6], vec![4, 2]),
            (ModelSpec::Seq2seq(s2s), vec![4, 9, 3], vec![4, 4, 2]),
            (ModelSpec::Autoencoder(ae), vec![4, 10], vec![4, 10]),
        ]
    }

    #[test]
    fn every_spec_round_trips_through_json_and_rebuilds_identically() {
        for (spec, input, output) in all_specs() {
            let json = serde_json::to_string(&spec).unwrap();
            assert!(
                json.contains(&format!("\"model\":\"{}\"", spec.name())),
                "{json}"
            );
            let back = ModelSpec::from_json(&json).unwrap();
            assert_eq!(back, spec);
            let x = Tensor::randn(input.as_slice(), (Kind::Float, Device::Cpu));
            let run = |s: &ModelSpec| {
                tch::manual_seed(11);
                let vs = nn::VarStore::new(Device::Cpu);
                let m = s.init(&vs.root()).unwrap();
                m.predict(&x, None)
            };
            let (a, b) = (run(&spec), run(&back));
            assert_eq!(a.size(), output, "{}", spec.name());
            assert!(a.equal(&b), "{}: rebuilt model differs", spec.name());
        }
    }

    #[test]
    fn json_with_paper_defaults_and_bad_specs() {
        let s = ModelSpec::from_json(r#"{"model":"mlp","input":8,"output":1}"#).unwrap();
        match &s {
            ModelSpec::Mlp(c) => assert_eq!(c.hidden, vec![64, 64]),
            other => panic!("{other:?}"),
        }
        assert!(ModelSpec::from_json(r#"{"model":"nope"}"#).is_err());
        let bad = ModelSpec::from_json(r#"{"model":"mlp","input":0,"output":1}"#).unwrap();
        let vs = nn::VarStore::new(Device::Cpu);
        assert!(bad.init(&vs.root()).is_err());
    }
}
