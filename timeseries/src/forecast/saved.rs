//! A trained forecaster as it is saved and restored (registry kind `timeseries.forecaster`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;

use deepfield_core::models::{save_model, ModelConfig};

use super::{ForecastSetup, Prepared, TargetTransform, Trained};
use crate::models::{Forecaster, ForecasterConfig};
use crate::{ensure_config, Error, Result};
use deepfield_core::data::scale::FittedScaler;

/// A trained forecaster as it is saved (registry kind `timeseries.forecaster`): the data setup
/// (CSV columns, window, cleaning), the input scaler and target transform fitted on the training
/// rows, and the network, which [`build`](ModelConfig::build) creates. Saved by [`save`], read
/// back by [`load`] (which also reads folders written before the registry).
///
/// The built model is the network alone: its input is windows of *scaled* inputs
/// `[B, lookback, features]` (`x_scaler`), its output `[B, horizon, targets]` in model space
/// (`target` maps it back to levels given each window's last values; [`evaluate_csv`] does all
/// of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPipelineConfig {
    /// The reproduction (or run) that trained it.
    pub id: String,
    pub setup: ForecastSetup,
    /// The network and its window geometry.
    pub model: ForecasterConfig,
    pub x_scaler: FittedScaler,
    pub target: TargetTransform,
}

/// The `kind` in `config.json` of forecaster folders written before the model registry.
pub const LEGACY_KIND: &str = "forecaster";

impl ForecastPipelineConfig {
    /// Check that setup, network, scaler and target transform agree.
    pub fn check(&self) -> Result<()> {
        self.setup.validate()?;
        self.model.validate()?;
        let (s, m) = (&self.setup, &self.model);
        ensure_config!(
            m.lookback == s.window.lookback as i64 && m.horizon == s.window.horizon as i64,
            "forecaster: the network reads lookback {} and forecasts horizon {}, the setup's \
             window has lookback {} and horizon {}",
            m.lookback,
            m.horizon,
            s.window.lookback,
            s.window.horizon
        );
        ensure_config!(
            m.features == s.inputs.len() as i64 && m.targets == s.targets.len() as i64,
            "forecaster: the network maps {} features to {} targets, the setup has {} inputs \
             and {} targets",
            m.features,
            m.targets,
            s.inputs.len(),
            s.targets.len()
        );
        ensure_config!(
            self.target.scale.len() == s.targets.len() && self.target.mean.len() == s.targets.len(),
            "forecaster: the target transform has {} scales for {} targets",
            self.target.scale.len(),
            s.targets.len()
        );
        Ok(())
    }
}

impl ModelConfig for ForecastPipelineConfig {
    const KIND: &'static str = "timeseries.forecaster";
    const DESCRIPTION: &'static str = "window forecaster (MLP/LSTM/ED-LSTM/CNN-LSTM) with its CSV \
         setup, input scaler and target transform; input scaled windows [B, L, F]";
    type Model = Forecaster;

    fn validate(&self) -> deepfield_core::Result<()> {
        self.check().map_err(Error::into_core)
    }

    fn build(&self, path: &tch::nn::Path) -> deepfield_core::Result<Forecaster> {
        self.model.init(path).map_err(Error::into_core)
    }
}

/// Save a trained forecaster (weights, config, metrics) into `dir` through
/// [`save_model`].
pub fn save<M: Serialize>(
    dir: &Path,
    id: &str,
    setup: &ForecastSetup,
    prep: &Prepared,
    t: &Trained,
    metrics: &M,
) -> Result<()> {
    let config = ForecastPipelineConfig {
        id: id.into(),
        setup: setup.clone(),
        model: t.model.config().clone(),
        x_scaler: prep.x_scaler.clone(),
        target: prep.target.clone(),
    };
    Ok(save_model(dir, &t.vs, &config, Some(metrics))?)
}

/// Restore the forecaster saved in `dir` on `device`: its config, weights and network. Reads
/// registry folders and the older layout (`config.json` with `"kind": "forecaster"` beside the
/// config's fields).
pub fn load(
    dir: &Path,
    device: tch::Device,
) -> Result<(ForecastPipelineConfig, VarStore, Forecaster)> {
    crate::models::restore(dir, device, LEGACY_KIND).map_err(|e| match e {
        Error::Config(m) | Error::Core(deepfield_core::Error::Config(m)) => Error::data(
            dir,
            format!("the saved forecaster's config.json does not describe its network: {m}"),
        ),
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::clean::OutlierRule;
    use crate::data::WindowSpec;
    use crate::forecast::{evaluate_csv, train, TargetMode};
    use crate::models::ForecastModel;
    use deepfield_core::checkpoint;
    use deepfield_core::data::scale::Scaler;
    use deepfield_core::testing::write_csv;
    use deepfield_core::train::TrainConfig;
    use deepfield_core::Forward;

    /// The `config.json` of forecaster folders written before the registry (`SavedForecaster`,
    /// saved with `checkpoint::save`: weights without metadata).
    #[derive(Serialize)]
    struct OldSavedForecaster {
        kind: String,
        id: String,
        setup: ForecastSetup,
        model: ForecasterConfig,
        x_scaler: FittedScaler,
        target: TargetTransform,
    }

    #[test]
    fn forecasters_restore_through_the_registry_and_old_folders_still_evaluate() {
        let tmp = tempfile::tempdir().unwrap();
        let csv = tmp.path().join("series.csv");
        let b = |x: f64| 0.5 * (x / 7.0).cos() + x / 100.0;
        let rows = (0..80)
            .map(|t| t as f64)
            .map(|x| [x, (x / 5.0).sin(), b(x)]);
        write_csv(&csv, &["t", "a", "b"], rows);
        let setup = ForecastSetup {
            time_column: "t".into(),
            inputs: vec!["a".into(), "b".into()],
            targets: vec!["a".into()],
            window: WindowSpec::new(6, 2),
            scaler: Scaler::Standard,
            target_mode: TargetMode::Difference,
            outliers: OutlierRule::None,
            val_frac: 0.2,
            test_frac: 0.0,
            shuffle_windows: None,
        };
        let prep = setup.prepare(&setup.load(&csv).unwrap()).unwrap();
        let reg = crate::models().unwrap();
        assert!(reg.contains(ForecastPipelineConfig::KIND));
        let tc = TrainConfig {
            epochs: 1,
            batch_size: 16,
            progress: false,
            ..Default::default()
        };
        let metrics = serde_json::json!({"nse": 0.5});
        let nets = [
            ForecastModel::Mlp {
                hidden: vec![8],
                dropout: 0.1,
            },
            ForecastModel::EdLstm {
                hidden: 8,
                layers: 1,
            },
        ];
        for (i, net) in nets.into_iter().enumerate() {
            let t = train(&prep, net, &tc, 3).unwrap();
            let dev = t.vs.device();
            let new_dir = tmp.path().join(format!("new{i}"));
            save(&new_dir, "test", &setup, &prep, &t, &metrics).unwrap();
            let old_dir = tmp.path().join(format!("old{i}"));
            let old = OldSavedForecaster {
                kind: "forecaster".into(),
                id: "test".into(),
                setup: setup.clone(),
                model: t.model.config().clone(),
                x_scaler: prep.x_scaler.clone(),
                target: prep.target.clone(),
            };
            checkpoint::save(&old_dir, &t.vs, &old, Some(&metrics)).unwrap();

            let x = prep.pick(&prep.train).0.to_device(dev);
            let pred = |m: &dyn Forward| tch::no_grad(|| m.predict(&x, None));
            let want = pred(&t.model);
            let restored = reg.restore(&new_dir, dev).unwrap();
            assert_eq!(restored.kind, "timeseries.forecaster");
            assert!(pred(&restored.model).equal(&want));
            let (c_new, _, m_new) = load(&new_dir, dev).unwrap();
            let (c_old, _, m_old) = load(&old_dir, dev).unwrap();
            assert_eq!(c_new, c_old);
            assert_eq!(c_new.setup, setup);
            assert_eq!(&c_new.model, t.model.config());
            assert!(pred(&m_new).equal(&want));
            assert!(pred(&m_old).equal(&want));
            // The old layout's kind is not a registered one.
            assert!(reg.restore(&old_dir, dev).is_err());
            // `eval` gives the same forecasts from both folders.
            let a = evaluate_csv(&new_dir, &csv, None).unwrap();
            let b = evaluate_csv(&old_dir, &csv, None).unwrap();
            assert_eq!(a.origin.len(), 80 - 6 + 1);
            assert_eq!(a.forecast, b.forecast);
        }

        // A folder whose config.json gives another horizon than its network's is a clear error
        // naming the folder (eval used to index past the forecasts).
        let t = train(
            &prep,
            ForecastModel::EdLstm {
                hidden: 8,
                layers: 1,
            },
            &tc,
            5,
        )
        .unwrap();
        let dir = tmp.path().join("horizon mismatch");
        let mut long = setup.clone();
        long.window.horizon = 3;
        let old = OldSavedForecaster {
            kind: "forecaster".into(),
            id: "test".into(),
            setup: long,
            model: t.model.config().clone(),
            x_scaler: prep.x_scaler.clone(),
            target: prep.target.clone(),
        };
        checkpoint::save(&dir, &t.vs, &old, Some(&metrics)).unwrap();
        let e = evaluate_csv(&dir, &csv, None).unwrap_err().to_string();
        assert!(
            e.contains("horizon mismatch") && e.contains("horizon 2") && e.contains("horizon 3"),
            "{e}"
        );

        // A config that disagrees with its network is refused.
        let t = train(&prep, ForecastModel::cnn_lstm_paper(), &tc, 4).unwrap();
        let mut bad = ForecastPipelineConfig {
            id: "bad".into(),
            setup: setup.clone(),
            model: t.model.config().clone(),
            x_scaler: prep.x_scaler.clone(),
            target: prep.target.clone(),
        };
        bad.setup.targets.push("b".into());
        let e = save_model::<_, ()>(&tmp.path().join("bad"), &t.vs, &bad, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("timeseries.forecaster") && e.contains("2 targets"),
            "{e}"
        );
    }
}
