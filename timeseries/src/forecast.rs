//! The forecasting pipeline shared by `amd-kinetic`, `stock-cnn-lstm` and `eval`: clean a
//! [`Series`], split it chronologically, fit scalers on the training rows, cut windows, train a
//! [`Forecaster`] with core's `Trainer`, and score forecasts per target in original units.
//!
//! Targets are learnt either as levels or as differences from the last observed value
//! ([`TargetMode`]); differences let a model extrapolate beyond the training range (a test that
//! keeps acidifying, a price that keeps rising), levels are what the AMD paper did.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use deepfield_core::data::scale::{FittedScaler, Scaler};
use deepfield_core::data::{dataset::index_tensor, TensorDataset};
use deepfield_core::metrics::regression_report;
use deepfield_core::models::{save_model, ModelConfig};
use deepfield_core::train::{History, Task, TrainConfig, Trainer};

use crate::data::clean::{interpolate_missing, remove_outliers, OutlierRule};
use crate::data::split::{assign, chronological, fit_scaler, Spans};
use crate::data::{forecast_windows, LoadOptions, Series, WindowSpec, Windows};
use crate::models::{ForecastModel, Forecaster, ForecasterConfig};
use crate::{ensure_config, ensure_input, Error, Result};

/// How targets are presented to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TargetMode {
    /// Standardised levels (training-span mean and SD).
    Level,
    /// Change from the last observed value, divided by the training-span SD of one-step changes.
    #[default]
    Difference,
}

/// Everything about the data side of a forecasting run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastSetup {
    pub time_column: String,
    pub inputs: Vec<String>,
    pub targets: Vec<String>,
    pub window: WindowSpec,
    pub scaler: Scaler,
    pub target_mode: TargetMode,
    pub outliers: OutlierRule,
    pub val_frac: f64,
    pub test_frac: f64,
    /// Split windows at random (seeded) instead of chronologically; scalers then see the whole
    /// series. This is the looser protocol many papers use; chronological is the default.
    #[serde(default)]
    pub shuffle_windows: Option<u64>,
}

/// The fitted target transform (per target: offset and scale).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetTransform {
    pub mode: TargetMode,
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl TargetTransform {
    fn fit(mode: TargetMode, targets: &Tensor, train_end: usize) -> Result<Self> {
        let t = targets.narrow(0, 0, train_end as i64).to_kind(Kind::Double);
        let (mean, sd) = match mode {
            TargetMode::Level => (
                t.mean_dim(0, false, Kind::Double),
                t.std_dim(0, false, false),
            ),
            TargetMode::Difference => {
                let d = t.narrow(0, 1, train_end as i64 - 1) - t.narrow(0, 0, train_end as i64 - 1);
                (
                    d.zeros_like().narrow(0, 0, 1).squeeze_dim(0),
                    d.std_dim(0, false, false),
                )
            }
        };
        let mean = Vec::<f64>::try_from(mean)?;
        let scale: Vec<f64> = Vec::<f64>::try_from(sd)?
            .into_iter()
            .map(|s| if s > 1e-12 { s } else { 1.0 })
            .collect();
        Ok(TargetTransform {
            mode,
            mean: if mode == TargetMode::Level {
                mean
            } else {
                vec![0.0; scale.len()]
            },
            scale,
        })
    }

    fn params(&self, device: tch::Device) -> (Tensor, Tensor) {
        let t = |v: &[f64]| Tensor::from_slice(v).to_kind(Kind::Float).to_device(device);
        (t(&self.mean), t(&self.scale))
    }

    /// Model space from levels `y` `[N, H, T]` and last values `last` `[N, T]`.
    pub fn forward(&self, y: &Tensor, last: &Tensor) -> Result<Tensor> {
        let (m, s) = self.params(y.device());
        let base = match self.mode {
            TargetMode::Level => y.f_sub(&m)?,
            TargetMode::Difference => y.f_sub(&last.f_unsqueeze(1)?)?,
        };
        Ok(base.f_div(&s)?)
    }

    /// Levels from model outputs `z` `[N, H, T]` and last values `last` `[N, T]`.
    pub fn inverse(&self, z: &Tensor, last: &Tensor) -> Result<Tensor> {
        let (m, s) = self.params(z.device());
        let y = z.f_mul(&s)?;
        Ok(match self.mode {
            TargetMode::Level => y.f_add(&m)?,
            TargetMode::Difference => y.f_add(&last.f_unsqueeze(1)?)?,
        })
    }
}

/// A series made ready for training.
#[derive(Debug)]
pub struct Prepared {
    pub series: Series,
    /// Windows of scaled inputs; `y` and `last` in original units.
    pub windows: Windows,
    pub x_scaler: FittedScaler,
    pub target: TargetTransform,
    pub spans: Spans,
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
    /// Outlier cells replaced before training.
    pub outliers_removed: usize,
}

impl ForecastSetup {
    /// Check fractions and names.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            !self.inputs.is_empty() && !self.targets.is_empty(),
            "forecast: inputs and targets must not be empty"
        );
        ensure_config!(self.window.horizon > 0, "forecast: horizon must be > 0");
        ensure_config!(
            (0.0..1.0).contains(&(self.val_frac + self.test_frac)),
            "forecast: val_frac + test_frac must be in [0, 1)"
        );
        Ok(())
    }

    /// Columns to read from a CSV (inputs, then targets not among them).
    pub fn columns(&self) -> Vec<String> {
        let mut c = self.inputs.clone();
        c.extend(
            self.targets
                .iter()
                .filter(|t| !self.inputs.contains(t))
                .cloned(),
        );
        c
    }

    /// Read `path` with the setup's columns.
    pub fn load(&self, path: &Path) -> Result<Series> {
        let cols: Vec<String> = self.columns();
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        Series::from_file(path, &LoadOptions::new(&self.time_column, &refs))
    }

    /// Clean, split, scale and window `series`.
    pub fn prepare(&self, series: &Series) -> Result<Prepared> {
        self.validate()?;
        let mut s = series.clone();
        interpolate_missing(&mut s)?;
        let outliers_removed = remove_outliers(&mut s, self.outliers)?.len();
        let spans = chronological(s.len(), self.val_frac, self.test_frac)?;
        s.check_not_constant(0, spans.train_end)?;
        let x = s.select(&names(&self.inputs))?.to_tensor()?;
        let y = s.select(&names(&self.targets))?.to_tensor()?;
        self.window.check(s.len())?;
        let fit_rows = if self.shuffle_windows.is_some() {
            s.len()
        } else {
            spans.train_end
        };
        let x_scaler = fit_scaler(&self.scaler, &x, fit_rows)?;
        let target = TargetTransform::fit(self.target_mode, &y, fit_rows)?;
        let windows = forecast_windows(&x_scaler.transform(&x)?, &y, self.window)?;
        let (train, val, test) = match self.shuffle_windows {
            None => assign(&windows, &spans),
            Some(seed) => {
                let sp = deepfield_core::data::random_split(
                    windows.len(),
                    self.val_frac,
                    self.test_frac,
                    seed,
                )?;
                (sp.train, sp.val, sp.test)
            }
        };
        ensure_input!(
            !train.is_empty(),
            "forecast: no training window ({} rows, training span {} rows, window {} + {})",
            s.len(),
            spans.train_end,
            self.window.lookback,
            self.window.horizon
        );
        Ok(Prepared {
            series: s,
            windows,
            x_scaler,
            target,
            spans,
            train,
            val,
            test,
            outliers_removed,
        })
    }
}

impl Prepared {
    /// A core dataset of windows `idx` with targets in model space.
    pub fn dataset(&self, idx: &[usize]) -> Result<TensorDataset> {
        let i = index_tensor(idx, tch::Device::Cpu);
        let w = &self.windows;
        let y = self
            .target
            .forward(&w.y.index_select(0, &i), &w.last.index_select(0, &i))?;
        Ok(TensorDataset::new(w.x.index_select(0, &i), y)?)
    }

    /// Forecaster geometry for `model`.
    pub fn forecaster(&self, model: ForecastModel) -> ForecasterConfig {
        let s = self.windows.x.size();
        let y = self.windows.y.size();
        ForecasterConfig {
            model,
            lookback: s[1],
            features: s[2],
            horizon: y[1],
            targets: y[2],
        }
    }

    /// Inputs, truth and last values of windows `idx`.
    pub fn pick(&self, idx: &[usize]) -> (Tensor, Tensor, Tensor) {
        let i = index_tensor(idx, tch::Device::Cpu);
        let w = &self.windows;
        (
            w.x.index_select(0, &i),
            w.y.index_select(0, &i),
            w.last.index_select(0, &i),
        )
    }
}

/// A trained forecaster and its history.
pub struct Trained {
    pub vs: VarStore,
    pub model: Forecaster,
    pub history: History,
}

/// Train `model` on the training windows (validation windows for early stopping if any).
pub fn train(
    prep: &Prepared,
    model: ForecastModel,
    cfg: &TrainConfig,
    seed: u64,
) -> Result<Trained> {
    deepfield_core::seed(seed);
    let device = deepfield_core::device();
    let vs = VarStore::new(device);
    let net = prep.forecaster(model).init(&vs.root())?;
    let mut vs = vs;
    let train = prep.dataset(&prep.train)?.to_device(device);
    let val = if prep.val.is_empty() {
        None
    } else {
        Some(prep.dataset(&prep.val)?.to_device(device))
    };
    let mut tc = cfg.clone();
    tc.seed = seed;
    if val.is_none() {
        tc.early_stopping = None;
    }
    let history = Trainer::new(tc, Task::regression())?.fit(&net, &mut vs, &train, val.as_ref())?;
    Ok(Trained {
        vs,
        model: net,
        history,
    })
}

/// Level forecasts `[N, H, T]` (CPU) of scaled windows `x` with last values `last`.
pub fn predict_levels(
    model: &Forecaster,
    target: &TargetTransform,
    x: &Tensor,
    last: &Tensor,
) -> Result<Tensor> {
    let device = deepfield_core::device();
    let mut outs = Vec::new();
    let n = x.size()[0];
    let mut s = 0;
    while s < n {
        let b = (n - s).min(512);
        let z = tch::no_grad(|| model.try_forward(&x.narrow(0, s, b).to_device(device), false))?;
        outs.push(z.to_device(tch::Device::Cpu));
        s += b;
    }
    ensure_input!(!outs.is_empty(), "predict: no window");
    target.inverse(&Tensor::f_cat(&outs, 0)?, last)
}

/// Metrics of one target over all forecast steps, in original units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetMetrics {
    pub target: String,
    pub nse: f64,
    pub rmse: f64,
    pub mae: f64,
    pub mape: f64,
}

/// Per-target NSE, RMSE, MAE and MAPE of `pred` against `truth` (`[N, H, T]`).
pub fn target_metrics(
    pred: &Tensor,
    truth: &Tensor,
    names: &[String],
) -> Result<Vec<TargetMetrics>> {
    ensure_input!(
        pred.size() == truth.size(),
        "metrics: pred {:?} and truth {:?} differ",
        pred.size(),
        truth.size()
    );
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let col = |t: &Tensor| {
                Vec::<f64>::try_from(t.select(2, k as i64).flatten(0, -1).to_kind(Kind::Double))
            };
            let (p, t) = (col(pred)?, col(truth)?);
            let r = regression_report(&t, &p)?;
            Ok(TargetMetrics {
                target: name.clone(),
                nse: r.nse,
                rmse: r.rmse,
                mae: r.mae,
                mape: r.mape,
            })
        })
        .collect()
}

/// Share of windows whose one-step forecast moves in the same direction as the truth
/// (first target, first step; a zero forecast change counts as "up").
pub fn direction_accuracy(pred: &Tensor, truth: &Tensor, last: &Tensor) -> Result<f64> {
    let get = |t: &Tensor| Vec::<f64>::try_from(t.select(1, 0).select(1, 0).to_kind(Kind::Double));
    let (p, t, l) = (
        get(pred)?,
        get(truth)?,
        Vec::<f64>::try_from(last.select(1, 0).to_kind(Kind::Double))?,
    );
    ensure_input!(!p.is_empty(), "direction accuracy: no window");
    let hits = p
        .iter()
        .zip(&t)
        .zip(&l)
        .filter(|((p, t), l)| (**p - **l >= 0.0) == (**t - **l >= 0.0))
        .count();
    Ok(hits as f64 / p.len() as f64)
}

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
            "forecaster: the network serves windows {} + {}, the setup cuts {} + {}",
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
pub fn save(
    dir: &Path,
    id: &str,
    setup: &ForecastSetup,
    prep: &Prepared,
    t: &Trained,
    metrics: &serde_json::Value,
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
    crate::models::restore(dir, device, LEGACY_KIND)
}

/// Forecasts of a saved model on a user's CSV.
#[derive(Debug, Clone)]
pub struct ForecastOutput {
    /// Per window: timestamp of its last input row.
    pub origin: Vec<i64>,
    /// `[windows][horizon][targets]` forecasts; `actual` the same where the CSV has the rows.
    pub forecast: Vec<Vec<Vec<f64>>>,
    pub actual: Vec<Vec<Vec<Option<f64>>>>,
    pub metrics: Option<Vec<TargetMetrics>>,
}

/// Run a saved forecaster on `csv` (same column names as training): one forecast per window
/// of `lookback` rows, including the one after the last row. Writes
/// `origin_time,step,<target>_forecast…,<target>_actual…` to `out` if given.
pub fn evaluate_csv(model_dir: &Path, csv: &Path, out: Option<&Path>) -> Result<ForecastOutput> {
    let (saved, _vs, model) = load(model_dir, deepfield_core::device())?;
    let setup = &saved.setup;
    let mut s = setup.load(csv)?;
    interpolate_missing(&mut s)?;
    remove_outliers(&mut s, setup.outliers)?;
    let (l, h) = (setup.window.lookback, setup.window.horizon);
    ensure_input!(
        s.len() >= l,
        "{}: {} rows, the model needs at least lookback = {l}",
        csv.display(),
        s.len()
    );
    let x = saved
        .x_scaler
        .transform(&s.select(&names(&setup.inputs))?.to_tensor()?)?;
    let y = s.select(&names(&setup.targets))?.to_tensor()?;
    let n = s.len();
    let starts: Vec<usize> = (0..=n - l).collect();
    let idx: Vec<i64> = starts
        .iter()
        .flat_map(|&st| (st..st + l).map(|r| r as i64))
        .collect();
    let xw =
        x.index_select(0, &Tensor::from_slice(&idx))
            .reshape([starts.len() as i64, l as i64, -1]);
    let last_rows: Vec<i64> = starts.iter().map(|&st| (st + l - 1) as i64).collect();
    let last = y.index_select(0, &Tensor::from_slice(&last_rows));
    let pred = predict_levels(&model, &saved.target, &xw, &last)?;
    let pv = Vec::<f64>::try_from(pred.to_kind(Kind::Double).flatten(0, -1))?;
    let nt = setup.targets.len();
    let yv: Vec<Vec<f64>> = s.select(&names(&setup.targets))?.values().to_vec();
    let mut forecast = Vec::new();
    let mut actual = Vec::new();
    for (w, &st) in starts.iter().enumerate() {
        let mut f = Vec::new();
        let mut a: Vec<Vec<Option<f64>>> = Vec::new();
        for k in 0..h {
            f.push((0..nt).map(|t| pv[(w * h + k) * nt + t]).collect());
            let row = st + l + k;
            a.push((0..nt).map(|t| (row < n).then(|| yv[t][row])).collect());
        }
        forecast.push(f);
        actual.push(a);
    }
    let origin: Vec<i64> = starts.iter().map(|&st| s.time()[st + l - 1]).collect();
    // Metrics over windows whose targets are all in the file.
    let full: Vec<usize> = (0..starts.len())
        .filter(|&w| starts[w] + l + h <= n)
        .collect();
    let metrics = if full.is_empty() {
        None
    } else {
        let sel = |v: &Vec<Vec<Vec<f64>>>| {
            let flat: Vec<f32> = full
                .iter()
                .flat_map(|&w| v[w].iter().flatten().map(|&x| x as f32))
                .collect();
            Tensor::from_slice(&flat).reshape([full.len() as i64, h as i64, nt as i64])
        };
        let act: Vec<Vec<Vec<f64>>> = actual
            .iter()
            .map(|w| {
                w.iter()
                    .map(|r| r.iter().map(|v| v.unwrap_or(f64::NAN)).collect())
                    .collect()
            })
            .collect();
        target_metrics(&sel(&forecast), &sel(&act), &setup.targets).ok()
    };
    if let Some(out) = out {
        let header: Vec<String> = ["origin_time".to_string(), "step".to_string()]
            .into_iter()
            .chain(setup.targets.iter().map(|t| format!("{t}_forecast")))
            .chain(setup.targets.iter().map(|t| format!("{t}_actual")))
            .collect();
        let mut rows = Vec::with_capacity(starts.len() * h);
        for w in 0..starts.len() {
            for k in 0..h {
                let row: Vec<String> = [fmt_time(origin[w]), (k + 1).to_string()]
                    .into_iter()
                    .chain(forecast[w][k].iter().map(|v| format!("{v}")))
                    .chain(
                        actual[w][k]
                            .iter()
                            .map(|v| v.map(|x| format!("{x}")).unwrap_or_default()),
                    )
                    .collect();
                rows.push(row);
            }
        }
        deepfield_core::fsutil::write_csv(out, header, rows).map_err(Error::from)?;
    }
    Ok(ForecastOutput {
        origin,
        forecast,
        actual,
        metrics,
    })
}

fn names(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Timestamps that look like step numbers stay numbers; others are formatted as dates.
pub fn fmt_time(t: i64) -> String {
    if (0..1_000_000).contains(&t) {
        t.to_string()
    } else {
        crate::data::time::format_timestamp(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::checkpoint;
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
        let mut text = String::from("t,a,b\n");
        for t in 0..80 {
            let x = t as f64;
            text += &format!(
                "{t},{},{}\n",
                (x / 5.0).sin(),
                0.5 * (x / 7.0).cos() + x / 100.0
            );
        }
        std::fs::write(&csv, text).unwrap();
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
