//! Classifiers over MFCC sequences `[B, T, F]` with a right-padding mask `[B, T]`, all built
//! with deepfield-core:
//!
//! * **BiLSTM** — the model of Balamurali, Hee, Kapoor, Teoh, Teng, Lee, Herremans & Chen,
//!   "Deep Neural Network-Based Respiratory Pathology Classification Using Cough Sounds",
//!   *Sensors* 21(16):5555, 2021: MFCC frames into a bidirectional LSTM, class posteriors per
//!   cough epoch. Core's masked [`SequenceClassifier`] packs the padded batch, so each sequence is
//!   processed at its own length.
//! * **CNN** — a 1-D convolution stack over time with global average pooling (a baseline; it sees
//!   the zero padding of shorter sequences).
//! * **MLP** — an MLP on the per-utterance mean and standard deviation of every coefficient over
//!   the real frames (the classic pooled-feature baseline).
//! * **CRNN** — convolutions with batch norm → BiGRU → attention pooling ([`crate::crnn`]).
//!
//! A trained classifier is saved and restored as one [`MfccClassifierConfig`] (registry kind
//! `audio.mfcc_classifier`, [`deepfield_core::models`]): the front end, the frame scaler, the
//! class names and the network's [`ModelConfig`], so a WAV file can be classified from the folder
//! alone.

use deepfield_core::models;
use deepfield_core::nn::cnn::{
    CnnClassifier, CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, Layout, PoolConfig,
};
use deepfield_core::nn::mlp::{Mlp, MlpConfig};
use deepfield_core::nn::rnn::{
    Cell, Pooling, RnnConfig, SequenceClassifier, SequenceClassifierConfig,
};
use deepfield_core::nn::LinearInit;
use deepfield_core::tch::{nn, Kind, Tensor};
use deepfield_core::Forward;
use serde::{Deserialize, Serialize};

use crate::crnn::{Crnn, CrnnConfig};
use crate::data::LabelRule;
use crate::error::ensure_config;
use crate::features::{FeatureConfig, FrameScaler};
use crate::Result;

/// An MLP over pooled per-coefficient statistics (mean and standard deviation over real frames).
/// Parameters: `mlp.hidden.{i}.*`, `mlp.out.*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PooledMlpConfig {
    /// Features per frame `F` (the MLP sees `2F`).
    pub input: i64,
    pub hidden: Vec<i64>,
    pub output: i64,
    pub dropout: f64,
    /// Initialisation of the MLP's linear layers (default: PyTorch's `nn.Linear`).
    #[serde(default)]
    pub init: LinearInit,
}

/// See [`PooledMlpConfig`].
#[derive(Debug)]
pub struct PooledMlp {
    mlp: Mlp,
}

impl PooledMlpConfig {
    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<PooledMlp> {
        let cfg = MlpConfig {
            input: 2 * self.input,
            hidden: self.hidden.clone(),
            output: self.output,
            dropout: self.dropout,
            init: self.init,
            ..Default::default()
        };
        Ok(PooledMlp {
            mlp: cfg.init(&(path / "mlp"))?,
        })
    }
}

/// `[mean, std]` over the real frames: `[B, T, F]`, `[B, T]` → `[B, 2F]`.
pub fn mean_std_pool(xs: &Tensor, mask: Option<&Tensor>) -> Tensor {
    let m = match mask {
        Some(m) => m.to_kind(xs.kind()).unsqueeze(-1),
        None => xs.ones_like().narrow(2, 0, 1),
    };
    let n = m.sum_dim_intlist(1, false, xs.kind()).clamp_min(1.0);
    let mean = (xs * &m).sum_dim_intlist(1, false, xs.kind()) / &n;
    let centred = (xs - mean.unsqueeze(1)) * &m;
    let var = centred.square().sum_dim_intlist(1, false, xs.kind()) / &n;
    Tensor::cat(&[mean, (var + 1e-8).sqrt()], 1)
}

impl Forward for PooledMlp {
    /// `[B, T, F]` with mask `[B, T]` → `[B, output]`.
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        self.mlp
            .try_forward_t(&mean_std_pool(xs, mask), None, train)
    }
}

/// Which classifier, with its configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConfig {
    Bilstm(SequenceClassifierConfig),
    Cnn(CnnClassifierConfig),
    Mlp(PooledMlpConfig),
    /// The CRNN ([`crate::crnn`]).
    Crnn(CrnnConfig),
}

impl ModelConfig {
    /// The paper's BiLSTM: one bidirectional LSTM layer (64 units per direction) over the frames,
    /// final states `[forward at the last real frame, backward at the first]`, dropout 0.3,
    /// linear softmax layer.
    pub fn bilstm(features: i64, classes: i64) -> Self {
        ModelConfig::Bilstm(SequenceClassifierConfig {
            rnn: RnnConfig::new(Cell::Lstm, features, 64, true),
            pooling: Pooling::Last,
            attention_hidden: 64,
            head_hidden: Vec::new(),
            output: classes,
            dropout: 0.3,
            init: LinearInit::Torch,
        })
    }

    /// 1-D CNN baseline: conv(64, 5) → BN → ReLU → max-pool 2, conv(64, 5) → BN → ReLU, global
    /// average pooling, dropout 0.3, linear layer.
    pub fn cnn(features: i64, classes: i64) -> Self {
        let block = |c| ConvBlockConfig::new(c, 5).with_batch_norm(true);
        let stack = ConvStackConfig {
            blocks: vec![block(64).with_pool(PoolConfig::max(2)), block(64)],
            ..ConvStackConfig::new(1, features, [64, 64], 5)
        };
        ModelConfig::Cnn(CnnClassifierConfig {
            stack,
            layout: Layout::ChannelsLast,
            head_hidden: Vec::new(),
            output: classes,
            dropout: 0.3,
            ..Default::default()
        })
    }

    /// Pooled-feature MLP baseline: `[mean, std]` (2F) → 64 → classes, dropout 0.3.
    pub fn mlp(features: i64, classes: i64) -> Self {
        ModelConfig::Mlp(PooledMlpConfig {
            input: features,
            hidden: vec![64],
            output: classes,
            dropout: 0.3,
            init: LinearInit::Torch,
        })
    }

    /// The CRNN ([`CrnnConfig::speech`]).
    pub fn crnn(features: i64, classes: i64) -> Self {
        ModelConfig::Crnn(CrnnConfig::speech(features, classes))
    }

    /// Short name for tables.
    pub fn name(&self) -> &'static str {
        match self {
            ModelConfig::Bilstm(_) => "BiLSTM",
            ModelConfig::Cnn(_) => "CNN",
            ModelConfig::Mlp(_) => "MLP (pooled)",
            ModelConfig::Crnn(_) => "CRNN",
        }
    }

    /// Lower-case key for folders and tables: `bilstm`, `cnn` or `mlp` (a results folder saves
    /// each model as `model-<key>/`).
    pub fn key(&self) -> &'static str {
        match self {
            ModelConfig::Bilstm(_) => "bilstm",
            ModelConfig::Cnn(_) => "cnn",
            ModelConfig::Mlp(_) => "mlp",
            ModelConfig::Crnn(_) => "crnn",
        }
    }

    /// Features per frame the network reads.
    pub fn input(&self) -> i64 {
        match self {
            ModelConfig::Bilstm(c) => c.rnn.input,
            ModelConfig::Cnn(c) => c.stack.input,
            ModelConfig::Mlp(c) => c.input,
            ModelConfig::Crnn(c) => c.conv.input,
        }
    }

    /// Number of classes (logits per sample).
    pub fn classes(&self) -> i64 {
        match self {
            ModelConfig::Bilstm(c) => c.output,
            ModelConfig::Cnn(c) => c.output,
            ModelConfig::Mlp(c) => c.output,
            ModelConfig::Crnn(c) => c.seq.output,
        }
    }

    /// Build the model under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<AudioModel> {
        Ok(match self {
            ModelConfig::Bilstm(c) => AudioModel::Bilstm(c.init(path)?),
            ModelConfig::Cnn(c) => AudioModel::Cnn(c.init(path)?),
            ModelConfig::Mlp(c) => AudioModel::Mlp(c.init(path)?),
            ModelConfig::Crnn(c) => AudioModel::Crnn(c.init(path)?),
        })
    }
}

/// A built classifier.
#[derive(Debug)]
pub enum AudioModel {
    Bilstm(SequenceClassifier),
    Cnn(CnnClassifier),
    Mlp(PooledMlp),
    Crnn(Crnn),
}

impl Forward for AudioModel {
    /// `xs [B, T, F]`, `mask [B, T]` → logits `[B, classes]`.
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        match self {
            AudioModel::Bilstm(m) => m.try_forward_t(xs, mask, train),
            AudioModel::Cnn(m) => m.try_forward_t(xs, mask, train),
            AudioModel::Mlp(m) => m.try_forward_t(xs, mask, train),
            AudioModel::Crnn(m) => m.try_forward_t(xs, mask, train),
        }
    }
}

impl AudioModel {
    /// Log-probabilities `[B, classes]`, with errors instead of panics for the BiLSTM.
    pub fn log_probs(&self, xs: &Tensor, mask: Option<&Tensor>) -> Result<Tensor> {
        let logits = match self {
            AudioModel::Bilstm(m) => m.f_forward_t(xs, mask, false)?,
            AudioModel::Cnn(m) => m.f_forward_t(xs, false)?,
            AudioModel::Mlp(m) => m.forward_t(xs, mask, false),
            AudioModel::Crnn(m) => m.f_forward_t(xs, mask, false)?,
        };
        Ok(logits.f_log_softmax(-1, Kind::Float)?)
    }
}

/// A trained MFCC classifier as it is saved (registry kind `audio.mfcc_classifier`): everything
/// that turns a WAV file into class posteriors — the front end, the scaler fitted on the training
/// frames, the class names and the file-name label rule — and the network, which
/// [`build`](models::ModelConfig::build) creates. Saved with [`models::save_model`], restored
/// with [`crate::predict::load`] (which also reads folders written before the registry).
///
/// The built model is the network alone: its input is *scaled* MFCC frames `[B, T, F]`
/// (`(x − scaler.mean) / scaler.std`, zero at padded frames) with an optional mask `[B, T]`,
/// its output logits `[B, classes]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfccClassifierConfig {
    /// The reproduction (or run) that trained it.
    pub id: String,
    /// The front end (resampling rate, MFCC settings, deltas).
    pub features: FeatureConfig,
    /// How labels are read from file names (for evaluation on labelled folders).
    pub label_rule: LabelRule,
    /// Class names in logit order.
    pub class_names: Vec<String>,
    /// Per-coefficient mean and standard deviation of the training frames.
    pub scaler: FrameScaler,
    /// The network.
    pub model: ModelConfig,
}

impl MfccClassifierConfig {
    /// Check that front end, scaler, class names and network agree.
    pub fn check(&self) -> Result<()> {
        self.features.validate()?;
        let f = self.features.n_features();
        ensure_config!(
            self.scaler.mean.len() == f && self.scaler.std.len() == f,
            "mfcc classifier: the scaler has {}/{} coefficients, the front end makes {f}",
            self.scaler.mean.len(),
            self.scaler.std.len()
        );
        ensure_config!(
            self.model.input() == f as i64,
            "mfcc classifier: the network reads {} features per frame, the front end makes {f}",
            self.model.input()
        );
        ensure_config!(
            self.class_names.len() >= 2 && self.model.classes() == self.class_names.len() as i64,
            "mfcc classifier: {} class names for a network with {} outputs",
            self.class_names.len(),
            self.model.classes()
        );
        Ok(())
    }
}

impl models::ModelConfig for MfccClassifierConfig {
    const KIND: &'static str = "audio.mfcc_classifier";
    const DESCRIPTION: &'static str = "MFCC front end + frame scaler + BiLSTM/CNN/pooled-MLP/CRNN \
         classifier (cough-bilstm, spoken-digits); input scaled frames [B, T, F]";
    type Model = AudioModel;

    fn validate(&self) -> deepfield_core::Result<()> {
        self.check().map_err(crate::Error::into_core)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<AudioModel> {
        self.model.init(path).map_err(crate::Error::into_core)
    }

    /// cough-bilstm's BiLSTM (16 kHz MFCC front end, 3 classes) on one 100-frame clip.
    fn example() -> Option<deepfield_core::profile::Example<Self>> {
        let features = FeatureConfig::speech(16_000);
        let f = features.n_features();
        let label_rule = LabelRule::CoughEtiquette;
        let class_names = label_rule.class_names();
        let config = MfccClassifierConfig {
            id: "cough-bilstm".into(),
            model: ModelConfig::bilstm(f as i64, class_names.len() as i64),
            features,
            label_rule,
            class_names,
            scaler: FrameScaler {
                mean: vec![0.0; f],
                std: vec![1.0; f],
            },
        };
        let x = Tensor::randn([1, 100, f as i64], (Kind::Float, deepfield_core::device()));
        Some(deepfield_core::profile::Example::tensor(config, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::tch::Device;

    #[test]
    fn every_model_maps_padded_batches_to_logits() {
        let xs = Tensor::randn([3, 7, 6], (Kind::Float, Device::Cpu));
        let mask = Tensor::from_slice(&[
            1i64, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0,
        ])
        .view([3, 7])
        .to_kind(Kind::Bool);
        for cfg in [
            ModelConfig::bilstm(6, 4),
            ModelConfig::cnn(6, 4),
            ModelConfig::mlp(6, 4),
            ModelConfig::crnn(6, 4),
        ] {
            let vs = nn::VarStore::new(Device::Cpu);
            let m = cfg.init(&vs.root()).unwrap();
            let lp = tch_no_grad(|| m.log_probs(&xs, Some(&mask)).unwrap());
            assert_eq!(lp.size(), [3, 4], "{}", cfg.name());
            let total = lp.exp().sum(Kind::Float).double_value(&[]);
            assert!((total - 3.0).abs() < 1e-4);
        }
        // Pooling ignores padded frames.
        let p = mean_std_pool(&xs, Some(&mask));
        let alone = mean_std_pool(&xs.narrow(0, 2, 1).narrow(1, 0, 2), None);
        let d = (p.narrow(0, 2, 1) - alone).abs().max().double_value(&[]);
        assert!(d < 1e-5, "{d}");
    }

    fn tch_no_grad<T>(f: impl FnOnce() -> T) -> T {
        deepfield_core::tch::no_grad(f)
    }
}
