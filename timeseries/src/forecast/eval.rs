//! A saved forecaster on a user's file (`deepfield-timeseries eval`): one forecast per window of
//! `lookback` rows, the last one beyond the end of the file, written with the file's own
//! timestamps, id columns and target cells as they were read.

use std::path::Path;

use serde::Serialize;
use tch::{Kind, Tensor};

use deepfield_core::metrics::{mae, mape, nse, rmse};

use super::{load, names, predict_levels};
use crate::data::clean::{interpolate_missing, remove_outliers};
use crate::data::input::InputTable;
use crate::data::LoadOptions;
use crate::{ensure_input, Error, Result};

/// Metrics of one target over the windows whose targets are all in the file; `None` where a
/// metric is undefined (NSE of a single or constant value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalMetrics {
    pub target: String,
    /// Forecast values compared (complete windows × horizon).
    pub n: usize,
    pub nse: Option<f64>,
    pub rmse: Option<f64>,
    pub mae: Option<f64>,
    pub mape: Option<f64>,
}

impl EvalMetrics {
    fn of(target: &str, truth: &[f64], pred: &[f64]) -> Self {
        EvalMetrics {
            target: target.to_string(),
            n: truth.len(),
            nse: nse(truth, pred).ok(),
            rmse: rmse(truth, pred).ok(),
            mae: mae(truth, pred).ok(),
            mape: mape(truth, pred).ok(),
        }
    }
}

/// Forecasts of a saved model on a user's file.
#[derive(Debug, Clone)]
pub struct ForecastOutput {
    /// Per window: timestamp of its last input row (the forecast origin).
    pub origin: Vec<i64>,
    /// `[windows][horizon][targets]` forecasts; `actual` the same where the file has the cells.
    pub forecast: Vec<Vec<Vec<f64>>>,
    pub actual: Vec<Vec<Vec<Option<f64>>>>,
    /// Windows whose targets are all in the file (the ones `metrics` are computed over).
    pub complete_windows: usize,
    /// Per target; empty when no window is complete.
    pub metrics: Vec<EvalMetrics>,
}

/// Run the forecaster saved in `model_dir` on `input` (CSV, TSV or Parquet with the training
/// column names): one forecast per window of `lookback` rows, including the one after the last
/// row. Writes to `out` (CSV) if given: the origin row's time and id columns as read, `step`,
/// `forecast_time` (the forecast row's time as read, empty beyond the file), `<target>_forecast`
/// and `<target>_actual` (the cell as read).
pub fn evaluate_csv(model_dir: &Path, input: &Path, out: Option<&Path>) -> Result<ForecastOutput> {
    let (saved, _vs, model) = load(model_dir, deepfield_core::device())?;
    let setup = &saved.setup;
    let table = InputTable::read(input)?;
    let cols = setup.columns();
    let (raw, rows) = table.series(&LoadOptions::new(&setup.time_column, &names(&cols)))?;
    let mut s = raw.clone();
    interpolate_missing(&mut s)?;
    remove_outliers(&mut s, setup.outliers)?;
    let l = setup.window.lookback;
    let (h, nt) = (saved.model.horizon as usize, setup.targets.len());
    ensure_input!(
        s.len() >= l,
        "{}: {} rows, the model needs at least lookback = {l}",
        input.display(),
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
    let xw = x.f_index_select(0, &Tensor::from_slice(&idx))?.f_reshape([
        starts.len() as i64,
        l as i64,
        -1,
    ])?;
    let last_rows: Vec<i64> = starts.iter().map(|&st| (st + l - 1) as i64).collect();
    let last = y.f_index_select(0, &Tensor::from_slice(&last_rows))?;
    let pred = predict_levels(&model, &saved.target, &xw, &last)?;
    let want = [starts.len() as i64, h as i64, nt as i64];
    if pred.size() != want {
        return Err(Error::data(
            model_dir,
            format!(
                "the saved model forecasts {:?} (windows, horizon, targets), its config says \
                 {want:?}: config.json and the weights do not belong together",
                pred.size()
            ),
        ));
    }
    let pv = Vec::<f64>::try_from(pred.to_kind(Kind::Double).flatten(0, -1))?;
    let raw_targets: Vec<&[f64]> = setup
        .targets
        .iter()
        .map(|t| raw.column(t))
        .collect::<Result<_>>()?;
    let mut forecast = Vec::with_capacity(starts.len());
    let mut actual = Vec::with_capacity(starts.len());
    for (w, &st) in starts.iter().enumerate() {
        let f: Vec<Vec<f64>> = (0..h)
            .map(|k| (0..nt).map(|t| pv[(w * h + k) * nt + t]).collect())
            .collect();
        let a: Vec<Vec<Option<f64>>> = (0..h)
            .map(|k| {
                let row = st + l + k;
                raw_targets
                    .iter()
                    .map(|v| v.get(row).copied().filter(|x| x.is_finite()))
                    .collect()
            })
            .collect();
        forecast.push(f);
        actual.push(a);
    }
    let origin: Vec<i64> = starts.iter().map(|&st| s.time()[st + l - 1]).collect();
    let complete: Vec<usize> = (0..starts.len())
        .filter(|&w| actual[w].iter().flatten().all(Option::is_some))
        .collect();
    let metrics = if complete.is_empty() {
        Vec::new()
    } else {
        setup
            .targets
            .iter()
            .enumerate()
            .map(|(t, name)| {
                let (actual, forecast) = (&actual, &forecast);
                let (truth, p): (Vec<f64>, Vec<f64>) = complete
                    .iter()
                    .flat_map(|&w| {
                        (0..h)
                            .map(move |k| (actual[w][k][t].unwrap_or(f64::NAN), forecast[w][k][t]))
                    })
                    .unzip();
                EvalMetrics::of(name, &truth, &p)
            })
            .collect()
    };
    if let Some(out) = out {
        let ids = table.id_columns(&setup.time_column, &cols)?;
        let id_text: Vec<Vec<String>> = ids.iter().map(|c| table.text(c)).collect::<Result<_>>()?;
        let time_text = table.text(&setup.time_column)?;
        let target_text: Vec<Vec<String>> = setup
            .targets
            .iter()
            .map(|c| table.text(c))
            .collect::<Result<_>>()?;
        let header: Vec<String> = ids
            .iter()
            .cloned()
            .chain(["step".to_string(), "forecast_time".to_string()])
            .chain(setup.targets.iter().map(|t| format!("{t}_forecast")))
            .chain(setup.targets.iter().map(|t| format!("{t}_actual")))
            .collect();
        let mut lines = Vec::with_capacity(starts.len() * h);
        for (w, &st) in starts.iter().enumerate() {
            let origin_row = rows[st + l - 1];
            for (k, step) in forecast[w].iter().enumerate() {
                let file_row = rows.get(st + l + k).copied();
                let cell = |col: &Vec<String>| file_row.map(|r| col[r].clone()).unwrap_or_default();
                let line: Vec<String> = id_text
                    .iter()
                    .map(|c| c[origin_row].clone())
                    .chain([(k + 1).to_string(), cell(&time_text)])
                    .chain(step.iter().map(|v| v.to_string()))
                    .chain(target_text.iter().map(cell))
                    .collect();
                lines.push(line);
            }
        }
        deepfield_core::fsutil::write_csv(out, header, lines)?;
    }
    Ok(ForecastOutput {
        origin,
        forecast,
        actual,
        complete_windows: complete.len(),
        metrics,
    })
}
