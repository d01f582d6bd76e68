//! Runs out of the registry: a flat table (CSV, or Parquet for pandas/polars) and a chart of a
//! final metric against any config field or trial parameter.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::Run;
use crate::{fsutil, Error, Result};

/// Fixed leading columns of the table.
const COLUMNS: [&str; 17] = [
    "id",
    "study",
    "trial",
    "source",
    "kind",
    "dataset",
    "split",
    "seed",
    "state",
    "value",
    "started",
    "finished",
    "duration_s",
    "host",
    "code_version",
    "checkpoint",
    "config",
];

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The runs as a header and rows of text: the fixed columns, then one `param.<name>` column
/// per trial parameter and one `metric.<name>` column per final metric seen in any run.
pub fn table(runs: &[Run]) -> (Vec<String>, Vec<Vec<String>>) {
    let params: BTreeSet<&String> = runs
        .iter()
        .filter_map(|r| r.params.as_ref())
        .flat_map(|p| p.keys())
        .collect();
    let metrics: BTreeSet<&String> = runs.iter().flat_map(|r| r.metrics.keys()).collect();
    let mut header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    header.extend(params.iter().map(|p| format!("param.{p}")));
    header.extend(metrics.iter().map(|m| format!("metric.{m}")));
    let rows = runs
        .iter()
        .map(|r| {
            let mut row = vec![
                r.id.to_string(),
                r.study.clone().unwrap_or_default(),
                r.trial.map(|t| t.to_string()).unwrap_or_default(),
                r.source.clone(),
                r.kind.clone(),
                r.dataset.clone().unwrap_or_default(),
                r.split.clone().unwrap_or_default(),
                r.seed.map(|s| s.to_string()).unwrap_or_default(),
                r.state.as_str().to_string(),
                num(r.value),
                num(Some(r.started)),
                num(r.finished),
                num(r.duration_s),
                r.host.clone().unwrap_or_default(),
                r.code_version.clone().unwrap_or_default(),
                r.checkpoint.clone().unwrap_or_default(),
                r.config.to_string(),
            ];
            for p in &params {
                row.push(
                    r.params
                        .as_ref()
                        .and_then(|ps| ps.get(*p))
                        .map(text)
                        .unwrap_or_default(),
                );
            }
            for m in &metrics {
                row.push(num(r.metrics.get(*m).copied()));
            }
            row
        })
        .collect();
    (header, rows)
}

/// Write the runs to `path`: Parquet when it ends in `.parquet` (feature `parquet`), else CSV
/// (TSV for `.tsv`). Written atomically.
pub fn write(path: &Path, runs: &[Run]) -> Result<()> {
    let (header, rows) = table(runs);
    let is_parquet = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    if !is_parquet {
        return fsutil::write_csv(path, &header, &rows);
    }
    write_parquet(path, &header, &rows)
}

#[cfg(feature = "parquet")]
fn write_parquet(path: &Path, header: &[String], rows: &[Vec<String>]) -> Result<()> {
    use polars::prelude::{Column, DataFrame};
    // Numeric columns become Float64 (empty cells null); the rest stay text.
    let columns = header
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let cells: Vec<&str> = rows.iter().map(|r| r[j].as_str()).collect();
            let numeric = j != 0
                && !matches!(name.as_str(), "study" | "seed" | "trial" | "config")
                && cells
                    .iter()
                    .all(|c| c.is_empty() || c.parse::<f64>().is_ok());
            if name == "id" || name == "trial" || name == "seed" {
                let v: Vec<Option<i64>> = cells.iter().map(|c| c.parse().ok()).collect();
                Column::new(name.as_str().into(), v)
            } else if numeric {
                let v: Vec<Option<f64>> = cells.iter().map(|c| c.parse().ok()).collect();
                Column::new(name.as_str().into(), v)
            } else {
                Column::new(name.as_str().into(), cells)
            }
        })
        .collect::<Vec<_>>();
    let df = DataFrame::new(rows.len(), columns).map_err(|e| Error::Table {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    crate::data::table::write_parquet(path, &df)
}

#[cfg(not(feature = "parquet"))]
fn write_parquet(path: &Path, _: &[String], _: &[Vec<String>]) -> Result<()> {
    Err(Error::config(format!(
        "{}: Parquet export needs deepfield-core's `parquet` feature (or export to .csv)",
        path.display()
    )))
}

/// A scatter chart of final `metric` against config field or parameter `field`, one colour per
/// model kind; categorical field values are placed at their index (listed in the axis label).
#[cfg(feature = "plots")]
pub fn plot(path: &Path, runs: &[Run], metric: &str, field: &str) -> Result<usize> {
    let mut categories: Vec<String> = Vec::new();
    let mut kinds: Vec<String> = Vec::new();
    let (mut points, mut labels) = (Vec::new(), Vec::new());
    for r in runs {
        let (Some(y), Some(v)) = (r.metric(metric), r.config_field(field)) else {
            continue;
        };
        let x = match v.as_f64() {
            Some(x) => x,
            None => {
                let t = text(v);
                let i = categories.iter().position(|c| *c == t).unwrap_or_else(|| {
                    categories.push(t);
                    categories.len() - 1
                });
                i as f64
            }
        };
        let k = kinds.iter().position(|k| *k == r.kind).unwrap_or_else(|| {
            kinds.push(r.kind.clone());
            kinds.len() - 1
        });
        points.push((x, y));
        labels.push(k);
    }
    if points.is_empty() {
        return Err(Error::input(format!(
            "registry plot: no run has both metric `{metric}` and config field `{field}`"
        )));
    }
    let x_label = if categories.is_empty() {
        field.to_string()
    } else {
        format!("{field} (0..: {})", categories.join(", "))
    };
    crate::report::plots::scatter_classes_with_axes(
        path,
        &format!("{metric} vs {field} ({} runs)", points.len()),
        (&x_label, metric),
        &points,
        &labels,
        &kinds,
    )?;
    Ok(points.len())
}
