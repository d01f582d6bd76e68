//! The detectors: StackVAE-G (this crate), a plain window VAE (core's
//! [`Autoencoder`], flattened windows) and an LSTM autoencoder (core's encoder–decoder LSTM with
//! the window as its own target), behind one type.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use deepfield_core::data::Batch;
use deepfield_core::nn::autoencoder::{Autoencoder, AutoencoderConfig};
use deepfield_core::nn::seq2seq::{Seq2Seq, Seq2SeqConfig};
use deepfield_core::train::LossModel;

use crate::models::{StackVaeG, StackVaeGConfig};
use crate::{ensure_config, Error, Result};

/// Which detector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectorKind {
    StackVaeG,
    Vae,
    LstmAe,
}

impl DetectorKind {
    /// Name in reports.
    pub fn name(self) -> &'static str {
        match self {
            DetectorKind::StackVaeG => "stackvae_g",
            DetectorKind::Vae => "vae",
            DetectorKind::LstmAe => "lstm_ae",
        }
    }
}

/// Hyper-parameters shared by the detectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectConfig {
    pub window: usize,
    /// Hidden width (MLP layers, LSTM units) and latent size per channel.
    pub hidden: i64,
    pub latent: i64,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    /// Rows between training windows.
    pub train_stride: usize,
    /// StackVAE-G graph settings (window/channels/hidden/latent are taken from above).
    pub stackvae: StackVaeGConfig,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig {
            window: 32,
            hidden: 64,
            latent: 8,
            epochs: 10,
            batch_size: 64,
            lr: 1e-3,
            train_stride: 1,
            stackvae: StackVaeGConfig::default(),
        }
    }
}

/// A built detector.
#[derive(Debug)]
pub enum Detector {
    StackVaeG(StackVaeG),
    Vae(Autoencoder),
    LstmAe(Seq2Seq),
}

impl Detector {
    /// Build `kind` for `channels` channels under `path`.
    pub fn build(
        kind: DetectorKind,
        cfg: &DetectConfig,
        channels: i64,
        path: &tch::nn::Path,
    ) -> Result<Self> {
        ensure_config!(
            cfg.window > 1 && cfg.epochs > 0 && cfg.batch_size > 0 && cfg.train_stride > 0,
            "detector: window > 1, epochs, batch_size and train_stride > 0 required"
        );
        let w = cfg.window as i64;
        Ok(match kind {
            DetectorKind::StackVaeG => {
                let c = StackVaeGConfig {
                    window: w,
                    channels,
                    hidden: vec![cfg.hidden],
                    latent: cfg.latent,
                    ..cfg.stackvae.clone()
                };
                Detector::StackVaeG(c.init(path)?)
            }
            DetectorKind::Vae => {
                let c = AutoencoderConfig::new(w * channels, [cfg.hidden], cfg.latent * channels)
                    .variational(cfg.stackvae.beta);
                Detector::Vae(c.init(path)?)
            }
            DetectorKind::LstmAe => {
                Detector::LstmAe(Seq2SeqConfig::new(channels, cfg.hidden, w, channels).init(path)?)
            }
        })
    }

    /// Training loss of windows `[B, W, C]`.
    pub fn loss(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        Ok(match self {
            Detector::StackVaeG(m) => m.loss(x, train)?.0,
            Detector::Vae(m) => m.loss(&x.f_flatten(1, -1)?, train)?.0,
            Detector::LstmAe(m) => m
                .try_forward(x, None, train)?
                .f_sub(x)?
                .f_square()?
                .f_sum(Kind::Float)?
                .f_div_scalar(x.size()[0] as f64)?,
        })
    }

    /// Reconstruction `[B, W, C]` (evaluation mode).
    pub fn reconstruct(&self, x: &Tensor) -> Result<Tensor> {
        self.reconstruct_t(x, false)
    }

    /// Reconstruction `[B, W, C]` in training (`train`) or evaluation mode.
    pub fn reconstruct_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        Ok(match self {
            Detector::StackVaeG(m) => m.run(x, train)?.0,
            Detector::Vae(m) => m
                .try_forward(&x.f_flatten(1, -1)?, train)?
                .f_reshape(x.size())?,
            Detector::LstmAe(m) => m.try_forward(x, None, train)?,
        })
    }

    /// The StackVAE-G adjacency, if this is one.
    pub fn adjacency(&self) -> Option<Result<Tensor>> {
        match self {
            Detector::StackVaeG(m) => Some(m.adjacency()),
            _ => None,
        }
    }
}

impl LossModel for Detector {
    /// [`Detector::loss`] of the batch's windows (inputs are their own targets).
    fn batch_loss(&self, batch: &Batch, train: bool) -> deepfield_core::Result<Tensor> {
        self.loss(&batch.x, train).map_err(|e| match e {
            crate::Error::Core(c) => c,
            other => deepfield_core::Error::domain("timeseries", other),
        })
    }
}

deepfield_core::forward_unmasked! {
    /// The reconstruction `[B, W, C]` of windows `[B, W, C]` ([`Detector::reconstruct_t`]).
    Detector, |m, xs, train| m.reconstruct_t(xs, train).map_err(Error::into_core)
}
