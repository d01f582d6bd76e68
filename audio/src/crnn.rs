//! CRNN — a convolutional recurrent network for short utterances: 1-D convolution blocks with
//! batch norm over time (channels = feature coefficients) that halve the frame rate, a
//! bidirectional GRU over the downsampled frames and attention pooling over the real frames,
//! then a linear softmax layer.
//!
//! After Choi, Fazekas, Sandler & Cho, "Convolutional Recurrent Neural Networks for Music
//! Classification", ICASSP 2017 (conv front end → GRU summariser) and the keyword-spotting CRNN
//! of Arik et al., "Convolutional Recurrent Neural Networks for Small-Footprint Keyword
//! Spotting", Interspeech 2017 (conv → bidirectional GRU on MFCC/PCEN features); attention
//! pooling over time as in de Andrade et al., "A neural attention model for speech command
//! recognition", 2018. Differences: 1-D convolutions over MFCC + Δ + ΔΔ instead of 2-D over
//! spectrograms, sizes chosen for FSDD (see [`CrnnConfig::speech`]), and the GRU runs on the
//! padded batch with a validity mask downsampled with the convolutions, so each utterance is
//! summarised over its own frames (padded frames enter the convolutions as zeros, like "same"
//! padding; batch-norm statistics in training include them).
//!
//! Parameters: `conv.{i}.*` (core [`ConvStack`]), `seq.rnn.*`, `seq.pool.*`, `seq.head.*` (core
//! [`SequenceClassifier`]).

use deepfield_core::nn::cnn::{ConvBlockConfig, ConvStack, ConvStackConfig, Padding, PoolConfig};
use deepfield_core::nn::rnn::{
    Cell, Pooling, RnnConfig, SequenceClassifier, SequenceClassifierConfig,
};
use deepfield_core::nn::LinearInit;
use deepfield_core::tch::{nn, Kind, Tensor};
use deepfield_core::Forward;
use serde::{Deserialize, Serialize};

use crate::error::ensure_config;
use crate::Result;

/// See the [module](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrnnConfig {
    /// Convolutions over time, `dims = 1`, `input` = features per frame, "same" padding.
    pub conv: ConvStackConfig,
    /// Recurrent summariser; `rnn.input` = the convolutions' output channels.
    pub seq: SequenceClassifierConfig,
}

impl CrnnConfig {
    /// The speech CRNN: conv(64, 5) → BN → ReLU → max-pool 2, conv(96, 3) → BN → ReLU →
    /// max-pool 2 (frame rate ÷ 4, 40 ms), dropout 0.1 after each block; bidirectional GRU(64);
    /// attention pooling (64); dropout 0.3; linear layer to `classes`.
    pub fn speech(features: i64, classes: i64) -> Self {
        let block = |c, k| {
            let mut b = ConvBlockConfig::new(c, k)
                .with_batch_norm(true)
                .with_pool(PoolConfig::max(2));
            b.dropout = 0.1;
            b
        };
        let conv = ConvStackConfig {
            blocks: vec![block(64, 5), block(96, 3)],
            ..ConvStackConfig::new(1, features, [64, 96], 5)
        };
        CrnnConfig {
            seq: SequenceClassifierConfig {
                rnn: RnnConfig::new(Cell::Gru, conv.out_channels(), 64, true),
                pooling: Pooling::Attention,
                attention_hidden: 64,
                head_hidden: Vec::new(),
                output: classes,
                dropout: 0.3,
                init: LinearInit::Torch,
            },
            conv,
        }
    }

    /// Check that the parts fit together.
    pub fn validate(&self) -> Result<()> {
        self.conv.validate()?;
        self.seq.validate()?;
        ensure_config!(self.conv.dims == 1, "crnn: conv.dims must be 1");
        ensure_config!(
            self.conv.blocks.iter().all(|b| b.padding == Padding::Same),
            "crnn: every convolution needs \"same\" padding (the mask follows the pools)"
        );
        ensure_config!(
            self.seq.rnn.input == self.conv.out_channels(),
            "crnn: the GRU reads {} features, the convolutions give {}",
            self.seq.rnn.input,
            self.conv.out_channels()
        );
        Ok(())
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<Crnn> {
        self.validate()?;
        Ok(Crnn {
            conv: self.conv.init(&(path / "conv"))?,
            seq: self.seq.init(&(path / "seq"))?,
            config: self.clone(),
        })
    }

    /// Frames per output step of the convolutions (product of strides and pool steps).
    fn reduction(&self) -> i64 {
        self.conv
            .blocks
            .iter()
            .map(|b| b.stride * b.pool.as_ref().map_or(1, |p| p.stride.unwrap_or(p.size)))
            .product::<i64>()
            .max(1)
    }
}

/// A built [`CrnnConfig`].
#[derive(Debug)]
pub struct Crnn {
    conv: ConvStack,
    seq: SequenceClassifier,
    config: CrnnConfig,
}

impl Crnn {
    /// The validity mask after the convolutions: strided like each block, max-pooled like its
    /// pool (an output frame is real when any input frame under it is).
    fn downsample_mask(&self, mask: &Tensor) -> Result<Tensor> {
        let mut m = mask.f_to_kind(Kind::Float)?.f_unsqueeze(1)?;
        for b in &self.config.conv.blocks {
            if b.stride > 1 {
                let n = m.size()[2];
                m = m.f_slice(2, 0, n, b.stride)?;
            }
            if let Some(p) = &b.pool {
                let step = p.stride.unwrap_or(p.size);
                m = m.f_max_pool1d([p.size], [step], [0], [1], false)?;
            }
        }
        Ok(m.f_squeeze_dim(1)?.f_gt(0.5)?)
    }

    /// Logits.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, F]`, `mask`: `[B, T]` right-padded (`None`: all frames real); batches
    ///   shorter than the convolutions' reduction are padded
    /// * returns `[B, classes]`
    pub fn f_forward_t(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let size = xs.size();
        ensure_config!(
            size.len() == 3 && size[2] == self.config.conv.input,
            "crnn: expected input [B, T, {}], got {size:?}",
            self.config.conv.input
        );
        let (b, t) = (size[0], size[1]);
        let mask = match mask {
            Some(m) => m.f_to_kind(Kind::Bool)?,
            None => Tensor::f_ones([b, t], (Kind::Bool, xs.device()))?,
        };
        let need = self.config.reduction();
        let (xs, mask) = if t < need {
            let pad = need - t;
            (
                xs.f_constant_pad_nd([0, 0, 0, pad])?,
                mask.f_constant_pad_nd([0, pad])?,
            )
        } else {
            (xs.shallow_clone(), mask)
        };
        // Padded frames enter the convolutions as zeros, whatever the batch held there.
        let xs = xs.f_mul(&mask.f_unsqueeze(-1)?.f_to_kind(xs.kind())?)?;
        let ys = self
            .conv
            .f_forward_t(&xs.f_transpose(1, 2)?, train)?
            .f_transpose(1, 2)?
            .f_contiguous()?;
        let m = self.downsample_mask(&mask)?;
        ensure_config!(
            m.size()[1] == ys.size()[1],
            "crnn: the mask has {} steps after the convolutions, the features {}",
            m.size()[1],
            ys.size()[1]
        );
        Ok(self.seq.f_forward_t(&ys, Some(&m), train)?)
    }
}

impl Forward for Crnn {
    /// `xs [B, T, F]`, `mask [B, T]` → logits `[B, classes]`.
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        self.f_forward_t(xs, mask, train)
            .map_err(crate::Error::into_core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::tch::Device;

    #[test]
    fn padded_frames_do_not_change_an_utterance() {
        let vs = nn::VarStore::new(Device::Cpu);
        let m = CrnnConfig::speech(6, 4).init(&vs.root()).unwrap();
        let xs = Tensor::randn([2, 21, 6], (Kind::Float, Device::Cpu));
        let mut mv = vec![true; 42];
        mv[21 + 9..].fill(false);
        let mask = Tensor::from_slice(&mv).view([2, 21]);
        let out = m.f_forward_t(&xs, Some(&mask), false).unwrap();
        assert_eq!(out.size(), [2, 4]);
        // Whatever the padded frames hold, the logits are the same.
        let noisy = xs.copy();
        let _ = noisy.narrow(0, 1, 1).narrow(1, 9, 12).fill_(5.0);
        let a = m.f_forward_t(&noisy, Some(&mask), false).unwrap();
        let d = (a - &out).abs().max().double_value(&[]);
        assert!(d < 1e-5, "{d}");
        // Short inputs are padded, wrong widths are errors.
        let short = Tensor::randn([1, 2, 6], (Kind::Float, Device::Cpu));
        assert_eq!(m.f_forward_t(&short, None, false).unwrap().size(), [1, 4]);
        assert!(m
            .f_forward_t(
                &Tensor::zeros([1, 5, 7], (Kind::Float, Device::Cpu)),
                None,
                false
            )
            .is_err());
    }
}
