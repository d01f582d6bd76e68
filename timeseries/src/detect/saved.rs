//! A trained detector as it is saved and restored (registry kind `timeseries.detector`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;

use deepfield_core::data::scale::FittedScaler;
use deepfield_core::models::{save_model, ModelConfig};

use super::{DetectConfig, Detector, DetectorKind, TrainedDetector};
use crate::{Error, Result};

/// A trained detector as it is saved (registry kind `timeseries.detector`): which detector and
/// its hyper-parameters, the CSV columns, the scaler fitted on the training series and the
/// flagging threshold; [`build`](ModelConfig::build) creates the network. Saved by [`save`],
/// read back by [`load`] (which also reads folders written before the registry).
///
/// The built model is the detector's network: windows of *scaled* channels `[B, window, C]` in,
/// their reconstruction out ([`Detector::reconstruct`]); [`super::evaluate_csv`] turns a CSV into
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
    /// How a scored series is scaled (folders written before this field: `saved`).
    #[serde(default)]
    pub scaling: Scaling,
}

/// How `eval` scales the series it scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// With the scaler fitted on the training series (the columns must be the training ones).
    #[default]
    Saved,
    /// Standardised with the scored series' own mean and SD: a detector that scores any series
    /// of the same kind (a univariate detector on any value column).
    Input,
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
pub fn save<M: Serialize>(
    dir: &Path,
    saved: &DetectorPipelineConfig,
    t: &TrainedDetector,
    metrics: &M,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{reconstruction_windows, LoadOptions, Series};
    use crate::detect::{evaluate_csv, fit, EvalOptions};
    use crate::models::StackVaeGConfig;
    use deepfield_core::checkpoint;
    use deepfield_core::data::scale::StandardScaler;
    use deepfield_core::testing::write_csv;
    use deepfield_core::Forward;

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
        let spike = |t: f64| if t == 40.0 { 3.0 } else { 0.0 };
        let rows = (0..60)
            .map(|t| t as f64)
            .map(|x| [x, (x / 4.0).sin() + spike(x), (x / 6.0).cos()]);
        write_csv(&csv, &["t", "c1", "c2"], rows);
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
                scaling: Scaling::Saved,
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
            let a = evaluate_csv(&new_dir, &csv, &EvalOptions::default(), None).unwrap();
            let b = evaluate_csv(&old_dir, &csv, &EvalOptions::default(), None).unwrap();
            assert_eq!(a.scores.len(), 60);
            assert_eq!((&a.scores, &a.flags), (&b.scores, &b.flags));
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
