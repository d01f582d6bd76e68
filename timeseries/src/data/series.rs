//! A multivariate time series: timestamps plus named numeric columns, read from CSV through
//! polars. Missing cells (`""`, `NA`, `NaN`, `null`) become `NaN` for [`super::clean`] to fill;
//! anything else that is not a number is an error naming the file, column, data row and cell.

use std::path::Path;

use polars::prelude::{Column, DataFrame, DataType, TimeUnit};
use tch::Tensor;

use super::time::parse_time_cell;
use crate::{Error, Result};

/// Timestamps (seconds since 1970, or integer steps) ascending, and one `Vec<f64>` per column.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    time: Vec<i64>,
    columns: Vec<String>,
    values: Vec<Vec<f64>>,
}

/// What to read from a CSV file.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The timestamp (or integer step) column.
    pub time_column: String,
    /// Value columns, in order; empty = every other column that is numeric.
    pub columns: Vec<String>,
    /// Keep only rows whose text column `.0` equals `.1` (e.g. `("Stock", "AAPL")`).
    pub filter: Option<(String, String)>,
    /// Average rows that share a timestamp instead of refusing them (NAB files repeat the
    /// hour of a daylight-saving change).
    pub merge_duplicates: bool,
}

impl LoadOptions {
    /// Read `columns` (empty: all numeric) against `time_column`.
    pub fn new(time_column: &str, columns: &[&str]) -> Self {
        LoadOptions {
            time_column: time_column.into(),
            columns: columns.iter().map(|s| s.to_string()).collect(),
            filter: None,
            merge_duplicates: false,
        }
    }

    /// Keep only rows where `column == value`.
    pub fn filter(mut self, column: &str, value: &str) -> Self {
        self.filter = Some((column.into(), value.into()));
        self
    }
}

fn is_missing(cell: &str) -> bool {
    matches!(
        cell.trim().to_ascii_lowercase().as_str(),
        "" | "na" | "nan" | "null" | "none"
    )
}

/// Cells of a column as text (numbers formatted), `None` for nulls.
fn text_cells(col: &Column) -> std::result::Result<Vec<Option<String>>, String> {
    if matches!(col.dtype(), DataType::String) {
        let ca = col.str().map_err(|e| e.to_string())?;
        Ok(ca.iter().map(|c| c.map(str::to_string)).collect())
    } else {
        let c = col.cast(&DataType::String).map_err(|e| e.to_string())?;
        let ca = c.str().map_err(|e| e.to_string())?;
        Ok(ca.iter().map(|c| c.map(str::to_string)).collect())
    }
}

/// Numeric values of a column; nulls and missing markers become `NaN`.
fn numeric_cells(path: &Path, name: &str, col: &Column) -> Result<Vec<f64>> {
    let dtype = col.dtype();
    if dtype.is_primitive_numeric() {
        let c = col
            .cast(&DataType::Float64)
            .map_err(|e| Error::data(path, format!("column \"{name}\": {e}")))?;
        let ca = c
            .f64()
            .map_err(|e| Error::data(path, format!("column \"{name}\": {e}")))?;
        return Ok(ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect());
    }
    let cells =
        text_cells(col).map_err(|e| Error::data(path, format!("column \"{name}\": {e}")))?;
    cells
        .iter()
        .enumerate()
        .map(|(r, cell)| match cell {
            None => Ok(f64::NAN),
            Some(c) if is_missing(c) => Ok(f64::NAN),
            Some(c) => c.trim().parse::<f64>().map_err(|_| {
                Error::data(
                    path,
                    format!(
                        "column \"{name}\" is not numeric: cell \"{c}\" at data row {}",
                        r + 1
                    ),
                )
            }),
        })
        .collect()
}

fn column<'a>(path: &Path, df: &'a DataFrame, name: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| {
        let have: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        Error::data(
            path,
            format!(
                "no column \"{name}\"; available columns: {}",
                have.join(", ")
            ),
        )
    })
}

/// Average the rows of sorted `time` that share a timestamp (missing values ignored).
fn merge_duplicates(time: &[i64], values: &[Vec<f64>]) -> (Vec<i64>, Vec<Vec<f64>>) {
    let mut t_out = Vec::new();
    let mut v_out: Vec<Vec<f64>> = vec![Vec::new(); values.len()];
    let mut i = 0;
    while i < time.len() {
        let mut j = i;
        while j < time.len() && time[j] == time[i] {
            j += 1;
        }
        t_out.push(time[i]);
        for (c, v) in values.iter().enumerate() {
            let ok: Vec<f64> = v[i..j].iter().copied().filter(|x| x.is_finite()).collect();
            v_out[c].push(if ok.is_empty() {
                f64::NAN
            } else {
                ok.iter().sum::<f64>() / ok.len() as f64
            });
        }
        i = j;
    }
    (t_out, v_out)
}

impl Series {
    /// A series from timestamps and per-column values; lengths must agree, timestamps must be
    /// strictly increasing, column names distinct.
    pub fn new(time: Vec<i64>, columns: Vec<String>, values: Vec<Vec<f64>>) -> Result<Self> {
        crate::ensure_input!(!time.is_empty(), "series: no rows");
        crate::ensure_input!(!columns.is_empty(), "series: no value columns");
        crate::ensure_input!(
            columns.len() == values.len(),
            "series: {} column names but {} value columns",
            columns.len(),
            values.len()
        );
        for (c, v) in columns.iter().zip(&values) {
            crate::ensure_input!(
                v.len() == time.len(),
                "series: column \"{c}\" has {} values but there are {} timestamps",
                v.len(),
                time.len()
            );
        }
        for (i, w) in time.windows(2).enumerate() {
            crate::ensure_input!(
                w[0] < w[1],
                "series: timestamps must be strictly increasing (rows {} and {}: {} then {})",
                i + 1,
                i + 2,
                w[0],
                w[1]
            );
        }
        let mut seen = std::collections::HashSet::new();
        for c in &columns {
            crate::ensure_input!(seen.insert(c), "series: column \"{c}\" appears twice");
        }
        Ok(Series {
            time,
            columns,
            values,
        })
    }

    /// Read a CSV file (header row) through polars, sort it by time and check it.
    pub fn from_csv(path: &Path, opts: &LoadOptions) -> Result<Self> {
        let df = deepfield_core::data::read_csv(path)?;
        Self::from_frame(path, &df, opts)
    }

    /// Read a CSV or Parquet file (by extension: `.parquet` / `.pq` is Parquet), sort it by time
    /// and check it. Parquet timestamps may be integer, date/datetime or text columns.
    pub fn from_file(path: &Path, opts: &LoadOptions) -> Result<Self> {
        let df = deepfield_core::data::read_table(path)?;
        Self::from_frame(path, &df, opts)
    }

    /// Build from an already-read polars frame; `path` is only used in messages.
    pub fn from_frame(path: &Path, df: &DataFrame, opts: &LoadOptions) -> Result<Self> {
        Self::from_frame_rows(path, df, opts).map(|(s, _)| s)
    }

    /// [`Series::from_frame`], also returning for each row of the series the 0-based row of
    /// `df` it came from (the first of a group of merged duplicates), so that a caller can
    /// carry the frame's other columns to its output.
    pub fn from_frame_rows(
        path: &Path,
        df: &DataFrame,
        opts: &LoadOptions,
    ) -> Result<(Self, Vec<usize>)> {
        crate::ensure_input!(df.height() > 0, "{}: no data rows", path.display());
        let keep: Vec<bool> = match &opts.filter {
            Some((col, want)) => {
                let cells = text_cells(column(path, df, col)?).map_err(|e| Error::data(path, e))?;
                cells
                    .iter()
                    .map(|c| c.as_deref().map(str::trim) == Some(want.as_str()))
                    .collect()
            }
            None => vec![true; df.height()],
        };
        let rows: Vec<usize> = (0..df.height()).filter(|&r| keep[r]).collect();
        if rows.is_empty() {
            let (col, want) = opts.filter.clone().unwrap_or_default();
            return Err(Error::data(path, format!("no row has {col} = \"{want}\"")));
        }

        let tcol = column(path, df, &opts.time_column)?;
        // Seconds per stored unit of a date/datetime column (Parquet keeps them as integers).
        let unit = match tcol.dtype() {
            DataType::Date => Some(86_400),
            DataType::Datetime(TimeUnit::Milliseconds, _) => Some(-1_000),
            DataType::Datetime(TimeUnit::Microseconds, _) => Some(-1_000_000),
            DataType::Datetime(TimeUnit::Nanoseconds, _) => Some(-1_000_000_000),
            d if d.is_integer() => Some(1),
            _ => None,
        };
        let time_all: Vec<Option<i64>> = if let Some(unit) = unit {
            let c = tcol
                .to_physical_repr()
                .cast(&DataType::Int64)
                .map_err(|e| Error::data(path, e.to_string()))?;
            let ca = c.i64().map_err(|e| Error::data(path, e.to_string()))?;
            // Positive: multiply to seconds; negative: divide (floor) to seconds.
            ca.iter()
                .map(|t| {
                    t.map(|t| {
                        if unit > 0 {
                            t * unit
                        } else {
                            t.div_euclid(-unit)
                        }
                    })
                })
                .collect()
        } else {
            let cells = text_cells(tcol).map_err(|e| Error::data(path, e))?;
            cells
                .iter()
                .map(|c| c.as_deref().and_then(parse_time_cell))
                .collect()
        };
        let mut time = Vec::with_capacity(rows.len());
        for &r in &rows {
            match time_all[r] {
                Some(t) => time.push(t),
                None => {
                    let value = text_cells(tcol)
                        .ok()
                        .and_then(|c| c[r].clone())
                        .unwrap_or_else(|| "<empty>".into());
                    // Named with the file: a user's `eval` reads several.
                    let bad = Error::Timestamp {
                        column: opts.time_column.clone(),
                        row: r + 1,
                        value,
                    };
                    return Err(Error::data(path, bad.to_string()));
                }
            }
        }

        let names: Vec<String> = if opts.columns.is_empty() {
            df.columns()
                .iter()
                .filter(|c| c.name().as_str() != opts.time_column)
                .filter(|c| {
                    numeric_cells(path, c.name(), c).is_ok_and(|v| v.iter().any(|x| x.is_finite()))
                })
                .map(|c| c.name().to_string())
                .collect()
        } else {
            opts.columns.clone()
        };
        crate::ensure_input!(
            !names.is_empty(),
            "{}: no numeric value column",
            path.display()
        );
        let mut values = Vec::with_capacity(names.len());
        for name in &names {
            let all = numeric_cells(path, name, column(path, df, name)?)?;
            if let Some((r, v)) = all.iter().enumerate().find(|(_, v)| v.is_infinite()) {
                return Err(Error::data(
                    path,
                    format!("column \"{name}\" has {v} at data row {}", r + 1),
                ));
            }
            values.push(rows.iter().map(|&r| all[r]).collect::<Vec<f64>>());
        }

        // Sort by time (files may be descending), then refuse duplicates.
        let mut order: Vec<usize> = (0..time.len()).collect();
        order.sort_by_key(|&i| time[i]);
        let mut time: Vec<i64> = order.iter().map(|&i| time[i]).collect();
        let mut values: Vec<Vec<f64>> = values
            .into_iter()
            .map(|v| order.iter().map(|&i| v[i]).collect())
            .collect();
        let mut source: Vec<usize> = order.iter().map(|&i| rows[i]).collect();
        if opts.merge_duplicates {
            let firsts: Vec<usize> = (0..time.len())
                .filter(|&i| i == 0 || time[i] != time[i - 1])
                .collect();
            source = firsts.iter().map(|&i| source[i]).collect();
            (time, values) = merge_duplicates(&time, &values);
        }
        if let Some(w) = time.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::data(
                path,
                format!(
                    "duplicate timestamp {} in column \"{}\"",
                    super::time::format_timestamp(w[0]),
                    opts.time_column
                ),
            ));
        }
        Ok((Series::new(time, names, values)?, source))
    }

    /// Number of time steps.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// True when there are no rows (never, for a constructed series).
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Timestamps.
    pub fn time(&self) -> &[i64] {
        &self.time
    }

    /// Column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// All value columns.
    pub fn values(&self) -> &[Vec<f64>] {
        &self.values
    }

    /// Mutable value columns (same lengths must be kept).
    pub(crate) fn values_mut(&mut self) -> &mut [Vec<f64>] {
        &mut self.values
    }

    /// The values of one column.
    pub fn column(&self, name: &str) -> Result<&[f64]> {
        self.index_of(name).map(|i| self.values[i].as_slice())
    }

    /// Position of a column, or an error listing the available ones.
    pub fn index_of(&self, name: &str) -> Result<usize> {
        self.columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::input(format!(
                "no column \"{name}\"; available columns: {}",
                self.columns.join(", ")
            ))
        })
    }

    /// A series with only the given columns, in that order.
    pub fn select(&self, names: &[&str]) -> Result<Series> {
        let idx: Vec<usize> = names
            .iter()
            .map(|n| self.index_of(n))
            .collect::<Result<_>>()?;
        Series::new(
            self.time.clone(),
            idx.iter().map(|&i| self.columns[i].clone()).collect(),
            idx.iter().map(|&i| self.values[i].clone()).collect(),
        )
    }

    /// Rows `start..end`.
    pub fn slice(&self, start: usize, end: usize) -> Result<Series> {
        crate::ensure_input!(
            start < end && end <= self.len(),
            "series: bad row range {start}..{end} of {}",
            self.len()
        );
        Series::new(
            self.time[start..end].to_vec(),
            self.columns.clone(),
            self.values.iter().map(|v| v[start..end].to_vec()).collect(),
        )
    }

    /// Number of missing (`NaN`) cells per column.
    pub fn missing(&self) -> Vec<usize> {
        self.values
            .iter()
            .map(|v| v.iter().filter(|x| x.is_nan()).count())
            .collect()
    }

    /// Error ([`Error::ConstantColumn`]) if a column is constant over rows `start..end`.
    pub fn check_not_constant(&self, start: usize, end: usize) -> Result<()> {
        let end = end.min(self.len());
        for (c, v) in self.columns.iter().zip(&self.values) {
            let span: Vec<f64> = v[start.min(end)..end]
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .collect();
            if let Some(&first) = span.first() {
                if span.iter().all(|&x| x == first) {
                    return Err(Error::ConstantColumn {
                        column: c.clone(),
                        value: first,
                        rows: end - start,
                    });
                }
            }
        }
        Ok(())
    }

    /// Row-major `[len, columns]` `f32` tensor; an error if a cell is still missing.
    pub fn to_tensor(&self) -> Result<Tensor> {
        let (n, k) = (self.len(), self.columns.len());
        let mut buf = vec![0f32; n * k];
        for (j, v) in self.values.iter().enumerate() {
            for (r, &x) in v.iter().enumerate() {
                if !x.is_finite() {
                    return Err(Error::input(format!(
                        "column \"{}\" is missing a value at row {} (interpolate first)",
                        self.columns[j],
                        r + 1
                    )));
                }
                buf[r * k + j] = x as f32;
            }
        }
        Ok(Tensor::f_from_slice(&buf)?.f_reshape([n as i64, k as i64])?)
    }

    /// The median spacing of the timestamps (0 for a single row).
    pub fn median_step(&self) -> i64 {
        let mut d: Vec<i64> = self.time.windows(2).map(|w| w[1] - w[0]).collect();
        if d.is_empty() {
            return 0;
        }
        d.sort_unstable();
        d[d.len() / 2]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_sorts_filters_and_marks_missing() {
        let d = tempfile::tempdir().unwrap();
        let p = write(
            d.path(),
            "a.csv",
            "Date,Close,Volume,Stock\n2017-01-03,2.0,10,X\n2017-01-02,1.0,NA,X\n2017-01-02,5,5,Y\n",
        );
        let s = Series::from_csv(
            &p,
            &LoadOptions::new("Date", &["Close", "Volume"]).filter("Stock", "X"),
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.column("Close").unwrap(), &[1.0, 2.0]);
        assert!(s.column("Volume").unwrap()[0].is_nan());
        assert_eq!(s.missing(), vec![0, 1]);
        assert_eq!(s.time()[1] - s.time()[0], 86_400);
        let all =
            Series::from_csv(&p, &LoadOptions::new("Date", &[]).filter("Stock", "X")).unwrap();
        assert_eq!(all.columns(), &["Close", "Volume"]);
    }

    #[test]
    fn bad_inputs_are_clear_errors() {
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "t.csv", "t,v\n2017-01-01,1\n2017-02-30,2\n");
        let e = Series::from_csv(&p, &LoadOptions::new("t", &["v"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("bad timestamp \"2017-02-30\"") && e.contains("row 2"),
            "{e}"
        );
        let p = write(d.path(), "n.csv", "t,v\n2017-01-01,1\n2017-01-02,abc\n");
        let e = Series::from_csv(&p, &LoadOptions::new("t", &["v"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not numeric") && e.contains("\"abc\"") && e.contains("row 2"),
            "{e}"
        );
        let e = Series::from_csv(&p, &LoadOptions::new("t", &["w"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no column \"w\"") && e.contains("available"),
            "{e}"
        );
        let p = write(d.path(), "dup.csv", "t,v\n2017-01-01,1\n2017-01-01,2\n");
        let e = Series::from_csv(&p, &LoadOptions::new("t", &["v"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate timestamp"), "{e}");
        let mut o = LoadOptions::new("t", &["v"]);
        o.merge_duplicates = true;
        assert_eq!(
            Series::from_csv(&p, &o).unwrap().column("v").unwrap(),
            &[1.5]
        );
        let p = write(d.path(), "c.csv", "t,v\n1,3\n2,3\n3,3\n");
        let s = Series::from_csv(&p, &LoadOptions::new("t", &["v"])).unwrap();
        assert!(matches!(
            s.check_not_constant(0, 3),
            Err(Error::ConstantColumn { .. })
        ));
        assert!(s.to_tensor().is_ok());
    }
}
