//! A user's file for `eval`: CSV (`,`), TSV (`.tsv`, tab) or Parquet, read so that its cells can
//! be written back exactly as they were (CSV/TSV columns are read as text and parsed by
//! [`Series`]), with the id columns to carry to the output.

use std::path::{Path, PathBuf};

use polars::prelude::{
    BooleanChunked, CsvParseOptions, CsvReadOptions, DataFrame, DataType, NewChunkedArray,
    SerReader,
};

use super::series::{LoadOptions, Series};
use crate::{Error, Result};

/// A user's table and where it came from.
#[derive(Debug, Clone)]
pub struct InputTable {
    pub path: PathBuf,
    pub frame: DataFrame,
}

/// True for a `.tsv` file (tab-separated).
fn is_tsv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"))
}

/// Polars' CSV error in the user's terms where its own words are about polars' internals; a
/// row with more fields than the header is found again (with core's record reader) to name its
/// line.
fn explain(path: &Path, e: &polars::prelude::PolarsError) -> String {
    let msg = e.to_string();
    if !msg.contains("found more fields than defined in 'Schema'") {
        return msg;
    }
    let long_row = deepfield_core::fsutil::read_csv_records(path)
        .ok()
        .and_then(|t| {
            let width = t.header.len();
            t.rows
                .into_iter()
                .find(|r| r.fields.len() > width)
                .map(|r| (r.line, r.fields.len(), width))
        });
    match long_row {
        Some((line, found, width)) => format!(
            "line {line}: the row has more fields than the header has column names ({found} \
             fields, {width} columns)"
        ),
        None => "a row has more fields than the header has column names".into(),
    }
}

impl InputTable {
    /// Read `path`: Parquet by extension (`.parquet`, `.pq`), otherwise delimited text with a
    /// header row, tab-separated for `.tsv`, every column kept as text. Blank lines are not rows.
    pub fn read(path: &Path) -> Result<Self> {
        use deepfield_core::data::table::TableFormat;
        let meta = std::fs::metadata(path).map_err(|e| deepfield_core::Error::io(path, e))?;
        if !meta.is_file() {
            return Err(Error::data(path, "is not a file"));
        }
        let frame = match TableFormat::of(path) {
            TableFormat::Parquet => deepfield_core::data::read_table(path)?,
            TableFormat::Csv => CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .with_parse_options(CsvParseOptions::default().with_separator(if is_tsv(path) {
                    b'\t'
                } else {
                    b','
                }))
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .and_then(|r| r.finish())
                .map_err(|e| {
                    Error::data(
                        path,
                        format!("cannot read the table: {}", explain(path, &e)),
                    )
                })?,
        };
        // A line of empty fields (a trailing blank line read as text) is not a data row.
        let mut keep = vec![false; frame.height()];
        for col in frame.columns() {
            let c = col
                .cast(&DataType::String)
                .map_err(|e| Error::data(path, format!("column \"{}\": {e}", col.name())))?;
            let ca = c
                .str()
                .map_err(|e| Error::data(path, format!("column \"{}\": {e}", col.name())))?;
            for (k, v) in keep.iter_mut().zip(ca.iter()) {
                *k |= v.is_some_and(|v| !v.trim().is_empty());
            }
        }
        let frame = if keep.iter().all(|&k| k) {
            frame
        } else {
            let mask = BooleanChunked::from_slice("keep".into(), &keep);
            frame
                .filter(&mask)
                .map_err(|e| Error::data(path, e.to_string()))?
        };
        crate::ensure_input!(frame.height() > 0, "{}: no data rows", path.display());
        Ok(InputTable {
            path: path.to_path_buf(),
            frame,
        })
    }

    /// Column names, in file order.
    pub fn columns(&self) -> Vec<String> {
        self.frame
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// The series of `opts` and, per series row, the row of the file it came from.
    pub fn series(&self, opts: &LoadOptions) -> Result<(Series, Vec<usize>)> {
        Series::from_frame_rows(&self.path, &self.frame, opts)
    }

    /// The cells of column `name` as text, as they were in the file (empty for a missing cell).
    pub fn text(&self, name: &str) -> Result<Vec<String>> {
        let col = self.frame.column(name).map_err(|_| {
            Error::data(
                &self.path,
                format!(
                    "no column \"{name}\"; available columns: {}",
                    self.columns().join(", ")
                ),
            )
        })?;
        let c = col
            .cast(&DataType::String)
            .map_err(|e| Error::data(&self.path, format!("column \"{name}\": {e}")))?;
        let ca = c
            .str()
            .map_err(|e| Error::data(&self.path, format!("column \"{name}\": {e}")))?;
        Ok(ca.iter().map(|v| v.unwrap_or("").to_string()).collect())
    }

    /// The id columns to carry to an output: `time_column` first, then every column that is not
    /// in `used` and holds text that is not a number (a ticker, a sensor name, an id).
    pub fn id_columns(&self, time_column: &str, used: &[String]) -> Result<Vec<String>> {
        let mut ids = vec![time_column.to_string()];
        for name in self.columns() {
            if name == time_column || used.contains(&name) {
                continue;
            }
            let cells = self.text(&name)?;
            let texty = cells
                .iter()
                .any(|c| !c.trim().is_empty() && c.trim().parse::<f64>().is_err());
            if texty || name.eq_ignore_ascii_case("id") {
                ids.push(name);
            }
        }
        Ok(ids)
    }

    /// The value columns a user could mean: every column but `skip` with at least one number.
    pub fn numeric_columns(&self, skip: &[&str]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for name in self.columns() {
            if skip.contains(&name.as_str()) {
                continue;
            }
            let cells = self.text(&name)?;
            let mut any = false;
            let mut all = true;
            for c in cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
                match c.parse::<f64>() {
                    Ok(_) => any = true,
                    Err(_)
                        if matches!(
                            c.to_ascii_lowercase().as_str(),
                            "na" | "nan" | "null" | "none"
                        ) => {}
                    Err(_) => all = false,
                }
            }
            if any && all {
                out.push(name);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_is_tab_separated_cells_stay_as_written_and_ids_are_found() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a b.tsv");
        std::fs::write(
            &p,
            "when\tsite\tvalue\n2020-01-02\tx,1\t0.10000000000000001\n2020-01-01\tx,1\t2.5\n\n",
        )
        .unwrap();
        let t = InputTable::read(&p).unwrap();
        assert_eq!(t.columns(), ["when", "site", "value"]);
        assert_eq!(t.frame.height(), 2, "the trailing blank line is not a row");
        assert_eq!(t.text("value").unwrap(), ["0.10000000000000001", "2.5"]);
        assert_eq!(
            t.id_columns("when", &["value".into()]).unwrap(),
            ["when", "site"]
        );
        assert_eq!(t.numeric_columns(&["when"]).unwrap(), ["value"]);
        let (s, rows) = t.series(&LoadOptions::new("when", &["value"])).unwrap();
        assert_eq!(
            rows,
            [1, 0],
            "sorted by time, rows point back into the file"
        );
        assert_eq!(s.column("value").unwrap(), &[2.5, 0.1]);
        let e = t.text("nope").unwrap_err().to_string();
        assert!(
            e.contains("a b.tsv") && e.contains("no column \"nope\""),
            "{e}"
        );
    }

    #[test]
    fn a_row_with_extra_fields_is_named_by_its_line() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("ragged.csv");
        std::fs::write(&p, "t,value\n1,0.5\n\n2,0.7,9\n3,0.1\n").unwrap();
        let e = InputTable::read(&p).unwrap_err().to_string();
        assert!(
            e.contains("ragged.csv")
                && e.contains("line 4")
                && e.contains("more fields than the header")
                && e.contains("(3 fields, 2 columns)"),
            "{e}"
        );
    }
}
