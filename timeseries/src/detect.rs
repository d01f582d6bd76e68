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

use deepfield_core::data::scale::FittedScaler;
use deepfield_core::data::Batch;
use deepfield_core::data::TensorDataset;
use deepfield_core::models::{save_model, ModelConfig};
use deepfield_core::nn::autoencoder::{Autoencoder, AutoencoderConfig};
use deepfield_core::nn::seq2seq::{Seq2Seq, Seq2SeqConfig};
use deepfield_core::train::{LossModel, OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::Forward;

use crate::data::clean::interpolate_missing;
use crate::data::{reconstruction_windows, LoadOptions, Series};
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

impl Forward for Detector {
    /// The reconstruction `[B, W, C]` of windows `[B, W, C]` ([`Detector::reconstruct_t`]).
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        self.reconstruct_t(xs, train).map_err(Error::into_core)
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

/// A trained detector as it is saved (registry kind `timeseries.detector`): which detector and
/// its hyper-parameters, the CSV columns, the scaler fitted on the training series and the
/// flagging threshold; [`build`](ModelConfig::build) creates the network. Saved by [`save`],
/// read back by [`load`] (which also reads folders written before the registry).
///
/// The built model is the detector's network: windows of *scaled* channels `[B, window, C]` in,
/// their reconstruction out ([`Detector::reconstruct`]); [`evaluate_csv`] turns a CSV into
/// per-step scores and flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorPipelineConfig {
    /// The reproduction (or run) that trained it.
    pub id: String,
    pub detector: DetectorKind,
    pub config: DetectConfig,
    pub time_column: String,
    /// The channels, in order.
    pub columns: Vec<String>,
    pub scaler: FittedScaler,
    /// Scores above this are flagged (the best-F1 threshold on the training series).
    pub threshold: f64,
}

/// The `kind` in `config.json` of detector folders written before the model registry.
pub const LEGACY_KIND: &str = "detector";

impl ModelConfig for DetectorPipelineConfig {
    const KIND: &'static str = "timeseries.detector";
    const DESCRIPTION: &'static str =
        "anomaly detector (StackVAE-G, window VAE, LSTM autoencoder) \
         with its columns, scaler and threshold; input scaled windows [B, W, C]";
    type Model = Detector;

    fn validate(&self) -> deepfield_core::Result<()> {
        if self.columns.is_empty() {
            return Err(deepfield_core::Error::config("detector: no columns"));
        }
        if self.threshold.is_nan() {
            return Err(deepfield_core::Error::config("detector: threshold is NaN"));
        }
        Ok(())
    }

    fn build(&self, path: &tch::nn::Path) -> deepfield_core::Result<Detector> {
        Detector::build(self.detector, &self.config, self.columns.len() as i64, path)
            .map_err(Error::into_core)
    }
}

/// Save a trained detector into `dir` through [`save_model`].
pub fn save(
    dir: &Path,
    saved: &DetectorPipelineConfig,
    t: &TrainedDetector,
    metrics: &serde_json::Value,
) -> Result<()> {
    Ok(save_model(dir, &t.vs, saved, Some(metrics))?)
}

/// Restore the detector saved in `dir` on `device`: its config, weights and network. Reads
/// registry folders and the older layout (`config.json` with `"kind": "detector"` beside the
/// config's fields).
pub fn load(
    dir: &Path,
    device: tch::Device,
) -> Result<(DetectorPipelineConfig, VarStore, Detector)> {
    crate::models::restore(dir, device, LEGACY_KIND)
}

/// Scores of a saved detector on `csv` (same column names as training); writes
/// `time,score,anomaly` to `out` if given. Returns `(times, scores, flags)`.
pub fn evaluate_csv(
    model_dir: &Path,
    csv: &Path,
    out: Option<&Path>,
) -> Result<(Vec<i64>, Vec<f64>, Vec<bool>)> {
    let (saved, _vs, det) = load(model_dir, deepfield_core::device())?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::checkpoint;
    use deepfield_core::data::scale::StandardScaler;

    /// The `config.json` of detector folders written before the registry (`SavedDetector`,
    /// saved with `checkpoint::save`: weights without metadata).
    #[derive(Serialize)]
    struct OldSavedDetector {
        kind: String,
        id: String,
        detector: DetectorKind,
        config: DetectConfig,
        time_column: String,
        columns: Vec<String>,
        scaler: FittedScaler,
        threshold: f64,
    }

    #[test]
    fn detectors_restore_through_the_registry_and_old_folders_still_evaluate() {
        let tmp = tempfile::tempdir().unwrap();
        let csv = tmp.path().join("series.csv");
        let mut text = String::from("t,c1,c2\n");
        for t in 0..60 {
            let x = t as f64;
            let spike = if t == 40 { 3.0 } else { 0.0 };
            text += &format!("{t},{},{}\n", (x / 4.0).sin() + spike, (x / 6.0).cos());
        }
        std::fs::write(&csv, text).unwrap();
        let columns = vec!["c1".to_string(), "c2".to_string()];
        let s = Series::from_file(&csv, &LoadOptions::new("t", &["c1", "c2"])).unwrap();
        let raw = s.to_tensor().unwrap();
        let scaler = StandardScaler::fit(&raw).unwrap();
        let data = scaler.transform(&raw).unwrap();
        let cfg = DetectConfig {
            window: 8,
            hidden: 8,
            latent: 2,
            epochs: 1,
            batch_size: 16,
            ..Default::default()
        };
        let reg = crate::models().unwrap();
        for k in [
            DetectorPipelineConfig::KIND,
            StackVaeGConfig::KIND,
            "autoencoder",
        ] {
            assert!(reg.contains(k), "{k}");
        }
        let metrics = serde_json::json!({"f1": 0.5});
        let (x, _) = reconstruction_windows(&data, cfg.window, 1).unwrap();
        for (i, kind) in [
            DetectorKind::StackVaeG,
            DetectorKind::Vae,
            DetectorKind::LstmAe,
        ]
        .into_iter()
        .enumerate()
        {
            let t = fit(kind, &cfg, &data, 1).unwrap();
            let dev = t.vs.device();
            let config = DetectorPipelineConfig {
                id: "test".into(),
                detector: kind,
                config: cfg.clone(),
                time_column: "t".into(),
                columns: columns.clone(),
                scaler: FittedScaler::Standard(scaler.clone()),
                threshold: 1.0,
            };
            let new_dir = tmp.path().join(format!("new{i}"));
            save(&new_dir, &config, &t, &metrics).unwrap();
            let old_dir = tmp.path().join(format!("old{i}"));
            let old = OldSavedDetector {
                kind: "detector".into(),
                id: config.id.clone(),
                detector: kind,
                config: cfg.clone(),
                time_column: "t".into(),
                columns: columns.clone(),
                scaler: config.scaler.clone(),
                threshold: 1.0,
            };
            checkpoint::save(&old_dir, &t.vs, &old, Some(&metrics)).unwrap();

            let x = x.to_device(dev);
            // Inference without gradients, as `scores` and core's `predict` run it (the LSTM
            // takes another kernel with gradients, one ulp apart).
            let pred = |m: &dyn Forward| tch::no_grad(|| m.predict(&x, None));
            let want = pred(&t.detector);
            assert!(want.equal(&tch::no_grad(|| t.detector.reconstruct(&x)).unwrap()));
            let restored = reg.restore(&new_dir, dev).unwrap();
            assert_eq!(restored.kind, "timeseries.detector");
            assert!(pred(&restored.model).equal(&want), "{kind:?}");
            let (c_new, _, d_new) = load(&new_dir, dev).unwrap();
            let (c_old, _, d_old) = load(&old_dir, dev).unwrap();
            assert_eq!(c_new, c_old);
            assert_eq!(c_new.detector, kind);
            assert!(pred(&d_new).equal(&want));
            assert!(pred(&d_old).equal(&want));
            assert!(reg.restore(&old_dir, dev).is_err());
            // `eval` gives the same scores and flags from both folders.
            let a = evaluate_csv(&new_dir, &csv, None).unwrap();
            let b = evaluate_csv(&old_dir, &csv, None).unwrap();
            assert_eq!(a.1.len(), 60);
            assert_eq!(a, b);
            // A detector is not a forecaster.
            let e = crate::forecast::evaluate_csv(&new_dir, &csv, None)
                .unwrap_err()
                .to_string();
            assert!(e.contains("not a `timeseries.forecaster` model"), "{e}");
        }

        // The bare StackVAE-G network.
        let net = StackVaeGConfig {
            window: 8,
            channels: 2,
            hidden: vec![8],
            latent: 2,
            ..Default::default()
        };
        let vs = VarStore::new(tch::Device::Cpu);
        let m = net.init(&vs.root()).unwrap();
        let dir = tmp.path().join("stackvae_g");
        save_model::<_, ()>(&dir, &vs, &net, None).unwrap();
        let r = reg.restore(&dir, tch::Device::Cpu).unwrap();
        assert_eq!(r.kind, "timeseries.stackvae_g");
        let x = x.to_device(tch::Device::Cpu);
        assert!(r.model.predict(&x, None).equal(&m.predict(&x, None)));
    }
}
