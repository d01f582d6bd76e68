//! The recurrent sequence classifier: [`Rnn`] → pooling over time → MLP head.

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::super::attention::{AttentionPooling, AttentionPoolingConfig};
use super::super::capture::{self, child, tap};
use super::super::init::LinearInit;
use super::super::mlp::{Mlp, MlpConfig};
use super::super::{check_dropout, dropout, forward_by, Forward};
use super::{max_pool, mean_pool, Rnn, RnnConfig};
use crate::Result;

/// How a [`SequenceClassifier`] summarises the recurrent outputs over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// [`mean_pool`] over real steps.
    Mean,
    /// [`max_pool`] over real steps.
    Max,
    /// The final states `[fwd at last real step, bwd at first step]` (the classic BiLSTM
    /// classifier).
    #[default]
    Last,
    /// [`AttentionPooling`] over real steps (parameters `pool.*`).
    Attention,
}

/// A recurrent sequence classifier (or regressor): [`Rnn`] → pooling over time → dropout →
/// [`Mlp`] head. Parameters: `rnn.*` (PyTorch `nn.LSTM` names), `pool.*` (attention only),
/// `head.hidden.{i}.*`, `head.out.*`.
///
/// Capture points: the [`Rnn`]'s (`rnn`, `rnn.last`, `rnn.l{i}`), the pooled summary under
/// `pool` (with attention pooling: [`AttentionPooling`]'s `pool` and `pool.weights`), and the
/// head's (`head.hidden.{i}`, `head.out`).
///
/// The default is a one-layer BiLSTM(64) over 13 MFCCs, final-state pooling, a linear head to 2
/// classes (the cough-classification BiLSTM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceClassifierConfig {
    /// The recurrent layer.
    pub rnn: RnnConfig,
    /// Summary over time.
    pub pooling: Pooling,
    /// Width of the attention projection ([`Pooling::Attention`] only).
    pub attention_hidden: i64,
    /// Hidden widths of the head (ReLU); empty gives a linear head.
    pub head_hidden: Vec<i64>,
    /// Output features (classes or targets).
    pub output: i64,
    /// Dropout on the pooled vector and after each head hidden layer.
    pub dropout: f64,
    /// Initialisation of the head's and the attention's linear layers (default: PyTorch's
    /// `nn.Linear`); the recurrent layer is always initialised like PyTorch's.
    pub init: LinearInit,
}

impl Default for SequenceClassifierConfig {
    fn default() -> Self {
        SequenceClassifierConfig {
            rnn: RnnConfig::default(),
            pooling: Pooling::Last,
            attention_hidden: 64,
            head_hidden: Vec::new(),
            output: 2,
            dropout: 0.0,
            init: LinearInit::Torch,
        }
    }
}

impl SequenceClassifierConfig {
    /// The head's MLP config (its input is the pooled width).
    pub fn head(&self) -> MlpConfig {
        MlpConfig {
            input: self.rnn.output_size(),
            hidden: self.head_hidden.clone(),
            output: self.output,
            dropout: self.dropout,
            init: self.init,
            ..Default::default()
        }
    }

    fn attention(&self) -> AttentionPoolingConfig {
        AttentionPoolingConfig {
            init: self.init,
            ..AttentionPoolingConfig::new(self.rnn.output_size(), self.attention_hidden)
        }
    }

    /// Check every part.
    pub fn validate(&self) -> Result<()> {
        self.rnn.validate()?;
        if self.pooling == Pooling::Attention {
            self.attention().validate()?;
        }
        check_dropout("sequence classifier", self.dropout)?;
        self.head().validate()
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<SequenceClassifier> {
        self.validate()?;
        let rnn = self.rnn.init(&(path / "rnn"))?;
        let attention = match self.pooling {
            Pooling::Attention => Some(self.attention().init(&(path / "pool"))?),
            _ => None,
        };
        let head = self.head().init(&(path / "head"))?;
        Ok(SequenceClassifier {
            rnn,
            attention,
            head,
            pool_name: child(&capture::name_of(path), "pool").into_boxed_str(),
            config: self.clone(),
        })
    }
}

/// A recurrent sequence classifier; see [`SequenceClassifierConfig`].
#[derive(Debug)]
pub struct SequenceClassifier {
    rnn: Rnn,
    attention: Option<AttentionPooling>,
    head: Mlp,
    /// Capture name of the pooled summary (mean, max and last pooling).
    pool_name: Box<str>,
    config: SequenceClassifierConfig,
}

impl SequenceClassifier {
    /// The config this model was built from.
    pub fn config(&self) -> &SequenceClassifierConfig {
        &self.config
    }

    /// The recurrent layer.
    pub fn rnn(&self) -> &Rnn {
        &self.rnn
    }

    /// The pooled summary `[B, hidden × dirs]` fed to the head, and the attention weights `[B, T]`
    /// when pooling is [`Pooling::Attention`].
    pub fn f_pooled(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let (outputs, last) = self.rnn.f_forward_seq(xs, mask, train)?;
        Ok(match (self.config.pooling, &self.attention) {
            (Pooling::Attention, Some(att)) => {
                let (pooled, weights) = att.f_forward_weights(&outputs, mask)?;
                (pooled, Some(weights))
            }
            (Pooling::Mean, _) => (tap(&self.pool_name, mean_pool(&outputs, mask)?), None),
            (Pooling::Max, _) => (tap(&self.pool_name, max_pool(&outputs, mask)?), None),
            _ => (tap(&self.pool_name, last), None),
        })
    }

    /// The forward pass, with errors instead of panics.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]` right-padded (`None`: all steps real)
    /// * returns `[B, output]`
    pub fn f_forward_t(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let (pooled, _) = self.f_pooled(xs, mask, train)?;
        let pooled = dropout(pooled, self.config.dropout, train);
        self.head.try_forward_t(&pooled, None, train)
    }
}

forward_by! {
    /// # Shapes
    /// * `xs`: `[B, T, input]`, `mask`: `[B, T]` right-padded (`None`: all steps real)
    /// * returns `[B, output]`
    SequenceClassifier => f_forward_t(xs, mask, train)
}
