//! The anomaly-detection pipeline: reconstruction models trained on sliding windows of a
//! (standardised) multivariate series, scored per time step, and saved for use on a user's CSV.
//!
//! Detectors: [`StackVaeG`] (this crate), a plain window VAE (core's
//! [`Autoencoder`](deepfield_core::nn::autoencoder::Autoencoder), flattened windows) and an
//! LSTM autoencoder (core's encoder–decoder LSTM with the window as its own target). The score
//! of time step `t` is the squared reconstruction error of the last step of the window ending at
//! `t`, summed over channels; the first `window − 1` steps take the first window's score.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use deepfield_core::checkpoint;
use deepfield_core::data::scale::FittedScaler;
use deepfield_core::data::Batch;
use deepfield_core::data::TensorDataset;
use deepfield_core::nn::autoencoder::{Autoencoder, AutoencoderConfig};
use deepfield_core::nn::seq2seq::{Seq2Seq, Seq2SeqConfig};
use deepfield_core::train::{LossModel, OptimizerConfig, Task, TrainConfig, Trainer};

use crate::data::clean::interpolate_missing;
use crate::data::{reconstruction_windows, LoadOptions, Series};
use crate::models::{StackVaeG, StackVaeGConfig};
use crate::{ensure_config, ensure_input, Result};

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
        Ok(match self {
            Detector::StackVaeG(m) => m.run(x, false)?.0,
            Detector::Vae(m) => m
                .try_forward(&x.f_flatten(1, -1)?, false)?
                .f_reshape(x.size())?,
            Detector::LstmAe(m) => m.try_forward(x, None, false)?,
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

/// A trained detector, its weights and per-epoch training losses.
pub struct TrainedDetector {
    pub vs: VarStore,
    pub detector: Detector,
    pub losses: Vec<f64>,
}

/// Train `kind` on windows of `data` `[n, C]` (already scaled).
pub fn fit(
    kind: DetectorKind,
    cfg: &DetectConfig,
    data: &Tensor,
    seed: u64,
) -> Result<TrainedDetector> {
    deepfield_core::seed(seed);
    let device = deepfield_core::device();
    let mut vs = VarStore::new(device);
    let detector = Detector::build(kind, cfg, data.size()[1], &vs.root())?;
    let (x, _) = reconstruction_windows(data, cfg.window, cfg.train_stride)?;
    let ds = TensorDataset::new(x.shallow_clone(), x)?;
    let train = TrainConfig {
        epochs: cfg.epochs,
        batch_size: cfg.batch_size,
        optimizer: OptimizerConfig::adam(cfg.lr),
        seed,
        ..Default::default()
    };
    let history = Trainer::new(train, Task::regression())?
        .fit_loss(&detector, &mut vs, &ds, None)
        .map_err(|e| match e {
            deepfield_core::Error::Input(m) => crate::Error::from(deepfield_core::Error::Input(
                format!("detector {}: {m}", kind.name()),
            )),
            other => other.into(),
        })?;
    let losses = history.epochs.iter().map(|e| e.train_loss).collect();
    Ok(TrainedDetector {
        vs,
        detector,
        losses,
    })
}

/// Per-time-step scores (length `n`) of `data` `[n, C]`.
pub fn scores(detector: &Detector, data: &Tensor, window: usize) -> Result<Vec<f64>> {
    let device = deepfield_core::device();
    let (x, starts) = reconstruction_windows(data, window, 1)?;
    let mut out = Vec::with_capacity(data.size()[0] as usize);
    let n = x.size()[0];
    let mut s = 0;
    while s < n {
        let b = (n - s).min(1024);
        let xb = x.narrow(0, s, b).to_device(device);
        let r = tch::no_grad(|| detector.reconstruct(&xb))?;
        let last = window as i64 - 1;
        let e = r
            .select(1, last)
            .f_sub(&xb.select(1, last))?
            .f_square()?
            .f_sum_dim_intlist(-1, false, None)?;
        out.extend(Vec::<f64>::try_from(
            e.to_device(tch::Device::Cpu).to_kind(Kind::Double),
        )?);
        s += b;
    }
    let first = out.first().copied().unwrap_or(0.0);
    let mut all = vec![first; window - 1];
    all.extend(out);
    debug_assert_eq!(all.len(), starts.len() + window - 1);
    Ok(all)
}

/// What is saved beside a detector's weights so it runs on a user's CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedDetector {
    /// Always `"detector"`.
    pub kind: String,
    pub id: String,
    pub detector: DetectorKind,
    pub config: DetectConfig,
    pub time_column: String,
    pub columns: Vec<String>,
    pub scaler: FittedScaler,
    /// Scores above this are flagged (the best-F1 threshold on the training series).
    pub threshold: f64,
}

/// Save a trained detector into `dir`.
pub fn save(
    dir: &Path,
    saved: &SavedDetector,
    t: &TrainedDetector,
    metrics: &serde_json::Value,
) -> Result<()> {
    Ok(checkpoint::save(dir, &t.vs, saved, Some(metrics))?)
}

/// Scores of a saved detector on `csv` (same column names as training); writes
/// `time,score,anomaly` to `out` if given. Returns `(times, scores, flags)`.
pub fn evaluate_csv(
    model_dir: &Path,
    csv: &Path,
    out: Option<&Path>,
) -> Result<(Vec<i64>, Vec<f64>, Vec<bool>)> {
    let saved: SavedDetector = checkpoint::load(model_dir)?;
    ensure_input!(
        saved.kind == "detector",
        "{} holds a {} model, not a detector",
        model_dir.display(),
        saved.kind
    );
    let mut vs = VarStore::new(deepfield_core::device());
    let det = Detector::build(
        saved.detector,
        &saved.config,
        saved.columns.len() as i64,
        &vs.root(),
    )?;
    checkpoint::load_weights(&checkpoint::weights_path(model_dir), &mut vs)?;
    let cols: Vec<&str> = saved.columns.iter().map(String::as_str).collect();
    let mut s = Series::from_file(csv, &LoadOptions::new(&saved.time_column, &cols))?;
    interpolate_missing(&mut s)?;
    let data = saved.scaler.transform(&s.to_tensor()?)?;
    let sc = scores(&det, &data, saved.config.window)?;
    let flags: Vec<bool> = sc.iter().map(|&v| v > saved.threshold).collect();
    if let Some(out) = out {
        let rows = s.time().iter().zip(&sc).zip(&flags).map(|((t, v), f)| {
            [
                crate::forecast::fmt_time(*t),
                v.to_string(),
                u8::from(*f).to_string(),
            ]
        });
        deepfield_core::fsutil::write_csv(out, ["time", "score", "anomaly"], rows)?;
    }
    Ok((s.time().to_vec(), sc, flags))
}
