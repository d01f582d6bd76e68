//! Type C: early fusion — the modality encoders' outputs concatenated at the input of one
//! shared trunk: an MLP over the pooled vectors (the seed's "fully connected" fusion), or an
//! LSTM over the per-step concatenation of the token sequences (its "LSTM" fusion; Thao et al.
//! 2019, "Multimodal deep models for predicting affective responses evoked by movies").

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use super::Tokens;
use crate::nn::mlp::{Mlp, MlpConfig};
use crate::nn::rnn::{Cell, Rnn, RnnConfig};
use crate::nn::Forward;
use crate::{ensure_config, ensure_input, Result};

/// The shared trunk of early fusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Trunk {
    /// Fully connected: `concat_m(mean-pooled tokens_m)` → MLP (`fusion.trunk.hidden.{i}.*`).
    #[default]
    Mlp,
    /// LSTM over `concat_m(tokens_m[t])` per step (`fusion.trunk.*`, PyTorch `nn.LSTM` names);
    /// the last hidden state is the fused vector. Token sequences must have one common length
    /// `T`, or length 1 (a vector, repeated at every step).
    Lstm,
}

/// Type C settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EarlyConfig {
    /// The trunk.
    pub trunk: Trunk,
    /// MLP hidden widths, or the LSTM's hidden size (first entry).
    pub hidden: Vec<i64>,
}

impl Default for EarlyConfig {
    fn default() -> Self {
        EarlyConfig {
            trunk: Trunk::Mlp,
            hidden: vec![128],
        }
    }
}

impl EarlyConfig {
    /// Check sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.hidden.iter().all(|&h| h > 0),
            "fusion type C: hidden sizes must be > 0, got {:?}",
            self.hidden
        );
        ensure_config!(
            self.trunk == Trunk::Mlp || !self.hidden.is_empty(),
            "fusion type C: the LSTM trunk needs its hidden size in `hidden`"
        );
        Ok(())
    }

    /// Width of the fused vector for `m` modalities of width `d`.
    pub(super) fn out_width(&self, m: i64, d: i64) -> i64 {
        match (self.trunk, self.hidden.last()) {
            (Trunk::Lstm, _) => self.hidden[0],
            (Trunk::Mlp, Some(&h)) => h,
            (Trunk::Mlp, None) => m * d,
        }
    }
}

/// The built type-C trunk.
#[derive(Debug)]
pub(super) enum EarlyFusion {
    Mlp(Option<Mlp>),
    Lstm(Rnn),
}

impl EarlyFusion {
    pub(super) fn new(path: &nn::Path, c: &EarlyConfig, m: i64, d: i64, p: f64) -> Result<Self> {
        let tp = path / "trunk";
        Ok(match c.trunk {
            Trunk::Mlp if c.hidden.is_empty() => EarlyFusion::Mlp(None),
            Trunk::Mlp => {
                // The MLP's `out` layer has the last hidden width; a ReLU follows it.
                let Some((last, rest)) = c.hidden.split_last() else {
                    return Ok(EarlyFusion::Mlp(None));
                };
                let mut cfg = MlpConfig::new(m * d, rest.to_vec(), *last);
                cfg.dropout = p;
                EarlyFusion::Mlp(Some(cfg.init(&tp)?))
            }
            Trunk::Lstm => {
                let cfg = RnnConfig::new(Cell::Lstm, m * d, c.hidden[0], false);
                EarlyFusion::Lstm(cfg.init(&tp)?)
            }
        })
    }

    pub(super) fn forward(&self, tokens: &[Tokens], train: bool) -> Result<Tensor> {
        match self {
            EarlyFusion::Mlp(mlp) => {
                let v = tokens
                    .iter()
                    .map(Tokens::pooled)
                    .collect::<Result<Vec<_>>>()?;
                let x = Tensor::f_cat(&v, 1)?;
                match mlp {
                    Some(mlp) => Ok(mlp.try_forward_t(&x, None, train)?.f_relu()?),
                    None => Ok(x),
                }
            }
            EarlyFusion::Lstm(rnn) => {
                let t = tokens.iter().map(|k| k.x.size()[1]).max().unwrap_or(1);
                let seqs = tokens
                    .iter()
                    .map(|k| {
                        let (b, n, d) = k.x.size3()?;
                        ensure_input!(
                            n == t || n == 1,
                            "fusion type C (LSTM trunk): token sequences of lengths {n} and {t} \
                             cannot be aligned (equal lengths, or 1 for a vector modality)"
                        );
                        Ok(k.x.f_expand([b, t, d], false)?)
                    })
                    .collect::<Result<Vec<_>>>()?;
                let x = Tensor::f_cat(&seqs, 2)?;
                Ok(rnn.f_forward_seq(&x, None, train)?.1)
            }
        }
    }
}
