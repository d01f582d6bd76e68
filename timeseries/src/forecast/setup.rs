//! The data side of a forecasting run: which columns, which windows, how to clean, split and
//! scale ([`ForecastSetup`]), and the series made ready for training ([`Prepared`]).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Tensor;

use deepfield_core::data::scale::{FittedScaler, Scaler};
use deepfield_core::data::{dataset::index_tensor, TensorDataset};

use super::{names, TargetTransform};
use crate::data::clean::{interpolate_missing, remove_outliers, OutlierRule};
use crate::data::split::{assign, chronological, fit_scaler, Spans};
use crate::data::{forecast_windows, LoadOptions, Series, WindowSpec, Windows};
use crate::models::{ForecastModel, ForecasterConfig};
use crate::{ensure_config, ensure_input, Result};

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
