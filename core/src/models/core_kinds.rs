//! Core's models in the registry, under the names of [`ModelSpec`](crate::nn::spec::ModelSpec):
//! `mlp`, `cnn`, `rnn`, `cnn_lstm`, `transformer`, `seq2seq`, `autoencoder`.

use tch::{nn, Kind, Tensor};

use crate::profile::Example;

use super::{ModelConfig, ModelRegistry};
use crate::nn::autoencoder::{Autoencoder, AutoencoderConfig};
use crate::nn::cnn::{CnnClassifier, CnnClassifierConfig};
use crate::nn::cnn_lstm::{CnnLstm, CnnLstmConfig};
use crate::nn::mlp::{Mlp, MlpConfig};
use crate::nn::rnn::{SequenceClassifier, SequenceClassifierConfig};
use crate::nn::seq2seq::{Seq2Seq, Seq2SeqConfig};
use crate::nn::ssm::{Mamba, MambaConfig};
use crate::nn::transformer::{TransformerEncoder, TransformerEncoderConfig};
use crate::spiking::mlp::{SpikingMlp, SpikingMlpConfig};
use crate::Result;

impl ModelRegistry {
    /// A registry with every core model: `mlp`, `cnn`, `rnn`, `cnn_lstm`, `transformer`,
    /// `seq2seq`, `autoencoder` (the tags of [`crate::nn::spec::ModelSpec`]).
    pub fn with_core() -> Self {
        let mut reg = Self::new();
        reg.insert::<MlpConfig>();
        reg.insert::<CnnClassifierConfig>();
        reg.insert::<SequenceClassifierConfig>();
        reg.insert::<CnnLstmConfig>();
        reg.insert::<TransformerEncoderConfig>();
        reg.insert::<Seq2SeqConfig>();
        reg.insert::<AutoencoderConfig>();
        reg.insert::<MambaConfig>();
        reg.insert::<SpikingMlpConfig>();
        reg.insert::<crate::nn::fusion::FusionConfig>();
        reg.insert::<crate::automl::factory::FactoryNetConfig>();
        reg.insert::<crate::automl::factory::SupernetConfig>();
        reg
    }
}

/// The example batch a core kind profiles with: one sample of its default config's input.
fn example_of<C: ModelConfig + Default>(shape: impl Fn(&C) -> Vec<i64>) -> Option<Example<C>>
where
    C::Model: crate::Forward,
{
    let c = C::default();
    let x = Tensor::randn(shape(&c), (Kind::Float, crate::device()));
    Some(Example::tensor(c, x))
}

macro_rules! core_model {
    ($config:ty, $model:ty, $kind:literal, $description:literal $(, $shape:expr)?) => {
        impl ModelConfig for $config {
            const KIND: &'static str = $kind;
            const DESCRIPTION: &'static str = $description;
            type Model = $model;

            fn validate(&self) -> Result<()> {
                // The inherent method (inherent items take precedence over the trait's).
                <$config>::validate(self)
            }

            fn build(&self, path: &nn::Path) -> Result<$model> {
                self.init(path)
            }

            $(
            fn example() -> Option<Example<Self>> {
                example_of::<Self>($shape)
            }
            )?
        }
    };
}

core_model!(
    MlpConfig,
    Mlp,
    "mlp",
    "multi-layer perceptron over feature vectors",
    |c: &MlpConfig| vec![1, c.input]
);
core_model!(
    CnnClassifierConfig,
    CnnClassifier,
    "cnn",
    "1-D/2-D CNN with global pooling and an MLP head",
    |c: &CnnClassifierConfig| {
        let mut s = vec![1, c.stack.input];
        s.extend(std::iter::repeat_n(64, c.stack.dims as usize));
        s
    }
);
core_model!(
    SequenceClassifierConfig,
    SequenceClassifier,
    "rnn",
    "LSTM/GRU sequence classifier or regressor",
    |c: &SequenceClassifierConfig| vec![1, 100, c.rnn.input]
);
core_model!(
    CnnLstmConfig,
    CnnLstm,
    "cnn_lstm",
    "1-D CNN front end feeding an LSTM (sequence classifier or regressor)",
    |c: &CnnLstmConfig| vec![1, 64, c.input]
);
core_model!(
    TransformerEncoderConfig,
    TransformerEncoder,
    "transformer",
    "transformer encoder over sequences",
    |c: &TransformerEncoderConfig| vec![1, 64, c.input.unwrap_or(c.d_model)]
);
core_model!(
    MambaConfig,
    Mamba,
    "mamba",
    "Mamba (selective state-space) sequence classifier or regressor"
);
core_model!(
    Seq2SeqConfig,
    Seq2Seq,
    "seq2seq",
    "encoder-decoder LSTM forecaster"
);
core_model!(
    AutoencoderConfig,
    Autoencoder,
    "autoencoder",
    "autoencoder / VAE; the forward pass is the reconstruction",
    |c: &AutoencoderConfig| vec![1, c.input]
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::registry::valid_kind_name;
    use crate::nn::spec::ModelSpec;

    #[test]
    fn core_kinds_are_the_model_spec_tags() {
        let reg = ModelRegistry::with_core();
        let kinds: Vec<&str> = reg.kinds().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            kinds,
            [
                "autoencoder",
                "cnn",
                "cnn_lstm",
                "factory_net",
                "factory_supernet",
                "fusion",
                "mamba",
                "mlp",
                "rnn",
                "seq2seq",
                "spiking_mlp",
                "transformer"
            ]
        );
        let specs = [
            ModelSpec::Mlp(MlpConfig::default()),
            ModelSpec::Cnn(CnnClassifierConfig::default()),
            ModelSpec::Rnn(SequenceClassifierConfig::default()),
            ModelSpec::CnnLstm(CnnLstmConfig::default()),
            ModelSpec::Transformer(TransformerEncoderConfig::default()),
            ModelSpec::Seq2seq(Seq2SeqConfig::default()),
            ModelSpec::Autoencoder(AutoencoderConfig::default()),
        ];
        for spec in specs {
            assert!(reg.contains(spec.name()), "{}", spec.name());
        }
        assert!(!reg.contains("gcn"));
    }

    #[test]
    fn kind_names_are_checked() {
        assert!(valid_kind_name("graph.gcn"));
        assert!(valid_kind_name("cnn_lstm-2"));
        assert!(!valid_kind_name(""));
        assert!(!valid_kind_name("My Model"));
        assert!(!valid_kind_name("Mlp"));
    }
}

core_model!(
    SpikingMlpConfig,
    SpikingMlp,
    "spiking_mlp",
    "spiking MLP of LIF neurons over T time steps (surrogate-gradient BPTT)",
    |c: &SpikingMlpConfig| vec![1, c.input]
);
