//! A saved detector on a user's series (`deepfield-timeseries eval`): the channels it was
//! trained on, any value column for a univariate detector (`--column`), or a fresh detector of
//! the saved kind and settings trained on the user's series without labels (`--fit`, the
//! unsupervised protocol of the reproduction). With labels, precision/recall/F1 as flagged and
//! point-adjusted, and the best F1 over thresholds.

use std::path::{Path, PathBuf};

use serde::Serialize;

use deepfield_core::data::scale::StandardScaler;

use super::labels::{label_column, read_labels, LabelMetrics};
use super::{fit, load, scores, DetectorPipelineConfig, Scaling};
use crate::data::clean::interpolate_missing;
use crate::data::input::InputTable;
use crate::data::LoadOptions;
use crate::{Error, Result};

/// What to score and against which labels.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// Value columns to score (empty: the detector's own, or the only numeric column).
    pub columns: Vec<String>,
    /// The time column (default: the detector's).
    pub time_column: Option<String>,
    /// Labels per timestamp (`--labels`).
    pub labels: Option<PathBuf>,
    /// A label column of the scored file (`--label-column`).
    pub label_column: Option<String>,
    /// Train a fresh detector of the saved kind on the series instead of using the saved weights.
    pub fit: bool,
    /// Seed of `fit`.
    pub seed: u64,
}

/// Scores of a detector on a user's series.
#[derive(Debug, Clone, Serialize)]
pub struct DetectEval {
    /// The columns scored.
    pub columns: Vec<String>,
    pub time: Vec<i64>,
    pub scores: Vec<f64>,
    /// `score > threshold`.
    pub flags: Vec<bool>,
    pub threshold: f64,
    /// Where the threshold comes from (saved, or chosen on this series).
    pub threshold_source: String,
    /// Per row, when labels were given.
    pub labels: Option<Vec<Option<bool>>>,
    pub metrics: Option<LabelMetrics>,
}

/// The value columns to score in `table`.
fn pick_columns(
    saved: &DetectorPipelineConfig,
    table: &InputTable,
    time: &str,
    opts: &EvalOptions,
) -> Result<Vec<String>> {
    let have = table.columns();
    if !opts.columns.is_empty() {
        return Ok(opts.columns.clone());
    }
    if saved.columns.iter().all(|c| have.contains(c)) {
        return Ok(saved.columns.clone());
    }
    let mut skip = vec![time];
    if let Some(l) = &opts.label_column {
        skip.push(l);
    }
    let numeric = table.numeric_columns(&skip)?;
    let univariate = saved.columns.len() == 1;
    match numeric.as_slice() {
        [one] if univariate || opts.fit => Ok(vec![one.clone()]),
        [_, _, ..] if opts.fit => Ok(numeric),
        _ => Err(Error::data(
            &table.path,
            format!(
                "the detector was trained on {} (missing here); {}",
                saved.columns.join(", "),
                if univariate {
                    format!(
                        "name the value column to score with --column (numeric columns: {})",
                        numeric.join(", ")
                    )
                } else {
                    format!(
                        "give --fit to train a {} detector on your series (all numeric columns, \
                         or those named with --column: {}), or score a univariate detector \
                         (results/stackvae-g/model_univariate) with --column",
                        saved.detector.name(),
                        numeric.join(", ")
                    )
                }
            ),
        )),
    }
}

/// Score `input` (CSV, TSV or Parquet) with the detector saved in `model_dir`; write the file's
/// time and id columns as read, the scored columns as read, `score`, `anomaly` (and `label`) to
/// `out` if given.
pub fn evaluate_csv(
    model_dir: &Path,
    input: &Path,
    opts: &EvalOptions,
    out: Option<&Path>,
) -> Result<DetectEval> {
    let (saved, _vs, det) = load(model_dir, deepfield_core::device())?;
    let table = InputTable::read(input)?;
    let time_column = opts
        .time_column
        .clone()
        .unwrap_or_else(|| saved.time_column.clone());
    let columns = pick_columns(&saved, &table, &time_column, opts)?;
    if !opts.fit && columns.len() != saved.columns.len() {
        return Err(Error::input(format!(
            "{}: the detector scores {} channel(s) ({}), {} given ({}); give --fit to train one \
             on these columns",
            model_dir.display(),
            saved.columns.len(),
            saved.columns.join(", "),
            columns.len(),
            columns.join(", ")
        )));
    }
    let refs: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut load_opts = LoadOptions::new(&time_column, &refs);
    load_opts.merge_duplicates = true;
    let (mut s, rows) = table.series(&load_opts)?;
    interpolate_missing(&mut s)?;
    let raw = s.to_tensor()?;
    let own_scale = opts.fit || saved.scaling == Scaling::Input || columns != saved.columns;
    let data = if own_scale {
        StandardScaler::fit(&raw)?.transform(&raw)?
    } else {
        saved.scaler.transform(&raw)?
    };
    let window = saved.config.window;
    crate::ensure_input!(
        s.len() > window,
        "{}: {} rows, the detector's window is {window}",
        input.display(),
        s.len()
    );
    let sc = if opts.fit {
        let t = fit(saved.detector, &saved.config, &data, opts.seed)?;
        scores(&t.detector, &data, window)?
    } else {
        scores(&det, &data, window)?
    };
    let labels: Option<Vec<Option<bool>>> = match (&opts.labels, &opts.label_column) {
        (Some(_), Some(_)) => {
            return Err(Error::input(
                "give labels either as a file (--labels) or as a column (--label-column), not both",
            ))
        }
        (Some(file), None) => {
            let by_time = read_labels(file, &time_column)?;
            let l: Vec<Option<bool>> = s.time().iter().map(|t| by_time.get(t).copied()).collect();
            if !by_time.is_empty() && l.iter().all(Option::is_none) {
                return Err(Error::data(
                    file,
                    format!(
                        "no timestamp matches one of {} (first there: {})",
                        input.display(),
                        crate::forecast::fmt_time(s.time()[0])
                    ),
                ));
            }
            Some(l)
        }
        (None, Some(col)) => {
            let per_row = label_column(&table, col)?;
            Some(rows.iter().map(|&r| per_row[r]).collect())
        }
        (None, None) => None,
    };
    // The threshold: the saved one for the saved weights; for a fresh fit, the best-F1 one when
    // labels are given, else mean + 3 SD of the scores.
    let (threshold, threshold_source) = if !opts.fit {
        (
            saved.threshold,
            "saved (best F1 on the training series)".to_string(),
        )
    } else {
        let best = match &labels {
            Some(l) => LabelMetrics::of(&sc, &vec![false; sc.len()], l)?.best,
            None => None,
        };
        match best {
            Some(b) => (
                b.threshold,
                "best F1 on these labels (optimistic)".to_string(),
            ),
            None => {
                let n = sc.len() as f64;
                let mean = sc.iter().sum::<f64>() / n;
                let sd = (sc.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
                (mean + 3.0 * sd, "mean + 3 SD of the scores".to_string())
            }
        }
    };
    let flags: Vec<bool> = sc.iter().map(|&v| v > threshold).collect();
    let metrics = match &labels {
        Some(l) => Some(LabelMetrics::of(&sc, &flags, l)?),
        None => None,
    };
    if let Some(out) = out {
        let ids = table.id_columns(&time_column, &columns)?;
        let text: Vec<Vec<String>> = ids
            .iter()
            .chain(&columns)
            .map(|c| table.text(c))
            .collect::<Result<_>>()?;
        let header: Vec<String> = ids
            .iter()
            .chain(&columns)
            .cloned()
            .chain(["score".to_string(), "anomaly".to_string()])
            .chain(labels.as_ref().map(|_| "label".to_string()))
            .collect();
        let lines = (0..s.len()).map(|i| {
            text.iter()
                .map(|c| c[rows[i]].clone())
                .chain([sc[i].to_string(), u8::from(flags[i]).to_string()])
                .chain(
                    labels
                        .as_ref()
                        .map(|l| l[i].map(|b| u8::from(b).to_string()).unwrap_or_default()),
                )
                .collect::<Vec<String>>()
        });
        deepfield_core::fsutil::write_csv(out, header, lines)?;
    }
    Ok(DetectEval {
        columns,
        time: s.time().to_vec(),
        scores: sc,
        flags,
        threshold,
        threshold_source,
        labels,
        metrics,
    })
}
