//! A user's anomaly labels: a file of `timestamp,label` rows (`--labels`) or a label column of
//! the scored file (`--label-column`), and the metrics computed over the labelled rows.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::anomaly::{best_f1, point_adjust, BestF1};
use crate::data::input::InputTable;
use crate::data::time::parse_time_cell;
use crate::{Error, Result};

/// Names a label column goes by, tried in this order.
const LABEL_NAMES: [&str; 4] = ["label", "anomaly", "is_anomaly", "labels"];

/// One label cell: `1`/`0`, `true`/`false`, `yes`/`no`, `anomaly`/`normal`; empty: unlabelled.
fn parse_label(cell: &str) -> std::result::Result<Option<bool>, ()> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" | "na" | "nan" => Ok(None),
        "1" | "1.0" | "true" | "yes" | "anomaly" | "anomalous" => Ok(Some(true)),
        "0" | "0.0" | "false" | "no" | "normal" => Ok(Some(false)),
        _ => Err(()),
    }
}

/// The labels of column `column` of `table` (one per file row; `None`: unlabelled).
pub fn label_column(table: &InputTable, column: &str) -> Result<Vec<Option<bool>>> {
    table
        .text(column)?
        .iter()
        .enumerate()
        .map(|(r, c)| {
            parse_label(c).map_err(|()| {
                Error::data(
                    &table.path,
                    format!(
                        "column \"{column}\", data row {}: label \"{c}\" is not 0/1, true/false \
                         or yes/no",
                        r + 1
                    ),
                )
            })
        })
        .collect()
}

/// Labels per timestamp from `path`: a CSV/TSV/Parquet with a time column (`time_column`, or
/// `timestamp`/`time`/`date`, or the first column) and a label column (`label`, `anomaly`,
/// `is_anomaly`, or the only other column).
pub fn read_labels(path: &Path, time_column: &str) -> Result<HashMap<i64, bool>> {
    let t = InputTable::read(path)?;
    let cols = t.columns();
    let find = |names: &[&str]| {
        cols.iter()
            .find(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
            .cloned()
    };
    let time = find(&[time_column, "timestamp", "time", "date"])
        .or_else(|| cols.first().cloned())
        .ok_or_else(|| Error::data(path, "no columns"))?;
    let label = find(&LABEL_NAMES)
        .or_else(|| match cols.as_slice() {
            [a, b] if *a == time => Some(b.clone()),
            _ => None,
        })
        .ok_or_else(|| {
            Error::data(
                path,
                format!(
                    "no label column: name it one of {} (columns: {})",
                    LABEL_NAMES.join(", "),
                    cols.join(", ")
                ),
            )
        })?;
    let times = t.text(&time)?;
    let labels = label_column(&t, &label)?;
    let mut out = HashMap::new();
    // The data row each timestamp was first labelled on, to refuse conflicting labels.
    let mut first_row: HashMap<i64, usize> = HashMap::new();
    for (r, (cell, l)) in times.iter().zip(labels).enumerate() {
        let ts = parse_time_cell(cell).ok_or_else(|| {
            Error::data(
                path,
                format!(
                    "column \"{time}\", data row {}: bad timestamp \"{cell}\"",
                    r + 1
                ),
            )
        })?;
        if let Some(l) = l {
            if let Some(previous) = out.insert(ts, l) {
                if previous != l {
                    return Err(Error::data(
                        path,
                        format!(
                            "column \"{time}\": timestamp \"{cell}\" is labelled twice, \
                             differently (data rows {} and {})",
                            first_row.get(&ts).copied().unwrap_or(0),
                            r + 1
                        ),
                    ));
                }
            } else {
                first_row.insert(ts, r + 1);
            }
        }
    }
    Ok(out)
}

/// Precision, recall and F1 of flags against labels; `None` where undefined (no flag: no
/// precision; no labelled anomaly: no recall; F1 needs both).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prf {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Prf {
    /// Of `pred` against `labels`.
    pub fn of(pred: &[bool], labels: &[bool]) -> Self {
        let count = |f: fn(bool, bool) -> bool| {
            pred.iter().zip(labels).filter(|(p, l)| f(**p, **l)).count() as f64
        };
        let (tp, fp, fn_) = (
            count(|p, l| p && l),
            count(|p, l| p && !l),
            count(|p, l| !p && l),
        );
        let precision = (tp + fp > 0.0).then(|| tp / (tp + fp));
        let recall = (tp + fn_ > 0.0).then(|| tp / (tp + fn_));
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }
}

/// Metrics of scores and flags over the labelled rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelMetrics {
    /// Rows with a label, and how many of them are anomalous.
    pub labelled: usize,
    pub anomalous: usize,
    /// The flags (`score > threshold`) as they are.
    pub at_threshold: Prf,
    /// The flags point-adjusted (a labelled segment counts as found when any of its rows is
    /// flagged).
    pub point_adjusted: Prf,
    /// The best F1 over score thresholds, plain and point-adjusted (`None` without anomalies).
    pub best: Option<BestF1>,
    pub best_point_adjusted: Option<BestF1>,
}

impl LabelMetrics {
    /// Over the rows where `labels` is `Some` (in time order).
    pub fn of(scores: &[f64], flags: &[bool], labels: &[Option<bool>]) -> Result<Self> {
        let keep: Vec<usize> = (0..labels.len()).filter(|&i| labels[i].is_some()).collect();
        let l: Vec<bool> = keep.iter().map(|&i| labels[i] == Some(true)).collect();
        let f: Vec<bool> = keep.iter().map(|&i| flags[i]).collect();
        let s: Vec<f64> = keep.iter().map(|&i| scores[i]).collect();
        let anomalous = l.iter().filter(|&&x| x).count();
        let (best, best_point_adjusted) = if anomalous > 0 {
            (
                Some(best_f1(&s, &l, false, 300)?),
                Some(best_f1(&s, &l, true, 300)?),
            )
        } else {
            (None, None)
        };
        Ok(LabelMetrics {
            labelled: keep.len(),
            anomalous,
            at_threshold: Prf::of(&f, &l),
            point_adjusted: Prf::of(&point_adjust(&f, &l), &l),
            best,
            best_point_adjusted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_undefined_metrics_stay_undefined() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("l.csv");
        std::fs::write(
            &p,
            "timestamp,label\n2020-01-01 00:00,1\n2020-01-01 00:05,\n",
        )
        .unwrap();
        let m = read_labels(&p, "when").unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m.values().next(), Some(&true));
        std::fs::write(&p, "timestamp,label\n2020-01-01 00:00,maybe\n").unwrap();
        let e = read_labels(&p, "timestamp").unwrap_err().to_string();
        assert!(e.contains("data row 1") && e.contains("\"maybe\""), "{e}");
        // One labelled, normal row: nothing flagged, nothing to find — all undefined, no error.
        let m = LabelMetrics::of(&[0.1, 0.2], &[false, false], &[None, Some(false)]).unwrap();
        assert_eq!((m.labelled, m.anomalous), (1, 0));
        assert_eq!(m.at_threshold.f1, None);
        assert_eq!(m.at_threshold.recall, None);
        assert!(m.best.is_none());
        // One labelled anomalous row, flagged: everything is 1.
        let m = LabelMetrics::of(&[0.1, 0.9], &[false, true], &[None, Some(true)]).unwrap();
        assert_eq!(m.point_adjusted.f1, Some(1.0));
    }
}
