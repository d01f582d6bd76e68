//! The acoustic model: log-mel frames → a small 2-D CNN front end (time subsampled by 2) → a
//! bidirectional LSTM (core's masked [`Rnn`]) → per-frame log-probabilities over the CTC blank
//! and the units (Graves et al. 2006, "Connectionist Temporal Classification").
//!
//! The seed paper (Knowledge-driven Subword Grammar Modeling for ASR in Tamil and Kannada)
//! trains larger end-to-end/hybrid models on real speech; this one is sized for a CPU and a
//! synthetic corpus of a few hours. Defaults: 32 channels, 2 BiLSTM layers of 192 units,
//! dropout 0.2.

use deepfield_core::nn::rnn::{Rnn, RnnConfig};
use deepfield_core::tch::{nn, nn::Module, Kind, Reduction, Tensor};
use deepfield_core::train::{StepOutput, TrainStep};
use deepfield_core::Forward;
use serde::{Deserialize, Serialize};

use crate::error::ensure_config;
use crate::{Error, Result};

/// The network's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AcousticConfig {
    /// Log-mel bands per frame.
    pub n_mels: i64,
    /// Channels of both convolutions.
    pub channels: i64,
    /// LSTM units per direction.
    pub hidden: i64,
    pub layers: i64,
    pub dropout: f64,
    /// Output classes: blank + units.
    pub n_classes: i64,
}

impl Default for AcousticConfig {
    fn default() -> Self {
        AcousticConfig {
            n_mels: 40,
            channels: 32,
            hidden: 192,
            layers: 2,
            dropout: 0.2,
            n_classes: 2,
        }
    }
}

impl AcousticConfig {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.n_mels >= 4, "acoustic: n_mels must be ≥ 4");
        ensure_config!(
            self.channels > 0 && self.hidden > 0 && self.layers > 0,
            "acoustic: channels, hidden and layers must be > 0"
        );
        ensure_config!(
            (0.0..1.0).contains(&self.dropout),
            "acoustic: dropout must be in [0, 1)"
        );
        ensure_config!(
            self.n_classes >= 2,
            "acoustic: need blank + at least one unit"
        );
        Ok(())
    }

    /// Features after the convolutions, per frame.
    fn conv_out(&self) -> i64 {
        self.channels * ((((self.n_mels + 1) / 2) + 1) / 2)
    }

    /// Build under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<AcousticModel> {
        self.validate()?;
        let c2 = |stride: [i64; 2]| nn::ConvConfigND::<[i64; 2]> {
            stride,
            padding: [1, 1],
            ..Default::default()
        };
        let conv1 = nn::conv(path / "conv1", 1, self.channels, [3, 3], c2([2, 2]));
        let conv2 = nn::conv(
            path / "conv2",
            self.channels,
            self.channels,
            [3, 3],
            c2([1, 2]),
        );
        let mut rc = RnnConfig::new(Default::default(), self.conv_out(), self.hidden, true);
        rc.layers = self.layers;
        rc.dropout = self.dropout;
        let rnn = rc.init(&(path / "rnn"))?;
        let out = nn::linear(
            path / "out",
            2 * self.hidden,
            self.n_classes,
            Default::default(),
        );
        Ok(AcousticModel {
            cfg: self.clone(),
            conv1,
            conv2,
            rnn,
            out,
        })
    }
}

/// The built network.
#[derive(Debug)]
pub struct AcousticModel {
    cfg: AcousticConfig,
    conv1: nn::Conv2D,
    conv2: nn::Conv2D,
    rnn: Rnn,
    out: nn::Linear,
}

/// Frames after the time subsampling of a sequence of `t` frames.
pub fn subsampled(t: i64) -> i64 {
    (t + 1) / 2
}

impl AcousticModel {
    /// Log-probabilities and the mask after subsampling.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, n_mels]`, `mask`: `[B, T]` bool (right padding)
    /// * returns `([B, T', n_classes], [B, T'] bool)` with `T' = ceil(T / 2)`
    pub fn log_probs(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let size = xs.size();
        if size.len() != 3 || size[2] != self.cfg.n_mels {
            return Err(Error::input(format!(
                "acoustic model: expected [B, T, {}] log-mel frames, got {size:?}",
                self.cfg.n_mels
            )));
        }
        let h = self.conv1.forward(&xs.f_unsqueeze(1)?).relu();
        let h = self.conv2.forward(&h).relu(); // [B, C, T', F']
        let s = h.size();
        let h = h
            .f_permute([0, 2, 1, 3])?
            .f_reshape([s[0], s[2], s[1] * s[3]])?;
        let m = match mask {
            Some(m) => Some(m.f_slice(1, 0, size[1], 2)?.f_to_kind(Kind::Bool)?),
            None => None,
        };
        let (o, _) = self.rnn.f_forward_seq(&h, m.as_ref(), train)?;
        let o = o.f_dropout(self.cfg.dropout, train)?;
        Ok((self.out.forward(&o).f_log_softmax(-1, Kind::Float)?, m))
    }
}

impl Forward for AcousticModel {
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        self.log_probs(xs, mask, train)
            .map(|r| r.0)
            .map_err(Error::into_core)
    }
}

/// A padded batch of utterances.
pub struct AsrBatch {
    /// `[B, T, n_mels]` scaled log-mel frames.
    pub x: Tensor,
    /// `[B, T]` bool.
    pub mask: Tensor,
    /// `[B, S]` unit classes (1-based: 0 is blank), zero padded.
    pub targets: Tensor,
    /// Frames of every utterance.
    pub frames: Vec<i64>,
    /// Units of every target.
    pub target_lengths: Vec<i64>,
}

/// Mean CTC loss of a batch (PyTorch `reduction="mean"`: each loss over its target length,
/// then averaged; impossible alignments count zero).
pub fn ctc_loss(log_probs: &Tensor, batch: &AsrBatch) -> Result<Tensor> {
    let lens: Vec<i64> = batch.frames.iter().map(|&t| subsampled(t)).collect();
    Ok(Tensor::f_ctc_loss(
        &log_probs.f_transpose(0, 1)?,
        &batch.targets,
        lens.as_slice(),
        batch.target_lengths.as_slice(),
        0,
        Reduction::Mean,
        true,
    )?)
}

impl TrainStep<AsrBatch> for AcousticModel {
    fn step(&self, batch: &AsrBatch, train: bool) -> deepfield_core::Result<StepOutput> {
        let run = || -> Result<StepOutput> {
            let (lp, _) = self.log_probs(&batch.x, Some(&batch.mask), train)?;
            Ok(StepOutput::new(
                ctc_loss(&lp, batch)?,
                batch.frames.len() as i64,
            ))
        };
        run().map_err(Error::into_core)
    }
}
