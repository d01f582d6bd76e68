//! Tabular data from CSV (and, with the `parquet` feature, Parquet) files through polars into
//! `f32` tensors.
//!
//! [`read_csv`] reads a file with a header row into a polars [`DataFrame`] (column types inferred
//! from the whole file); [`read_table`] picks the reader from the file's extension; [`numeric_matrix`] turns chosen columns into an `[N, k]` `f32` tensor,
//! refusing anything that is not a finite number. Errors name the file (through [`Table`]), the
//! column, and the 1-based data row (the header line is not counted, so data row `r` is line
//! `r + 1` of the file).

use std::path::{Path, PathBuf};

use polars::prelude::{CsvParseOptions, CsvReadOptions, DataFrame, DataType, SerReader};
use tch::Tensor;

use crate::{Error, Result};

/// Read a CSV file with a header row. Column types are inferred from all rows; empty cells are
/// nulls. A missing file is an I/O error naming the path; a malformed one is [`Error::Table`].
pub fn read_csv(path: impl AsRef<Path>) -> Result<DataFrame> {
    let path = path.as_ref();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(table_error(path, "is not a file"));
    }
    // `.tsv` (and `.tab`) files are tab-separated; everything else is comma-separated.
    let tab = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab"));
    let parse = CsvParseOptions::default().with_separator(if tab { b'\t' } else { b',' });
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .with_parse_options(parse)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|reader| reader.finish())
        .and_then(drop_blank_rows)
        .map_err(|e| table_error(path, format!("cannot read CSV: {e}")))
}

/// `df` without the rows whose every cell is empty (blank lines, e.g. a trailing one).
fn drop_blank_rows(df: DataFrame) -> polars::prelude::PolarsResult<DataFrame> {
    let mut keep: Option<polars::prelude::BooleanChunked> = None;
    for col in df.columns() {
        let present = col.is_not_null();
        keep = Some(match keep {
            Some(k) => &k | &present,
            None => present,
        });
    }
    match keep {
        Some(k) if !k.all() => df.filter(&k),
        _ => Ok(df),
    }
}

/// Read an Apache Parquet file (every column, types from its schema).
#[cfg(feature = "parquet")]
pub fn read_parquet(path: impl AsRef<Path>) -> Result<DataFrame> {
    use polars::prelude::ParquetReader;
    let path = path.as_ref();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(table_error(path, "is not a file"));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| table_error(path, format!("cannot read Parquet: {e}")))
}

/// Write `df` as Parquet (zstd-compressed), atomically (temp file, then rename).
#[cfg(feature = "parquet")]
pub fn write_parquet(path: impl AsRef<Path>, df: &DataFrame) -> Result<()> {
    use polars::prelude::ParquetWriter;
    let path = path.as_ref();
    let mut df = df.clone();
    crate::fsutil::write_atomic_with(path, |tmp| {
        let file = std::fs::File::create(tmp).map_err(|e| Error::io(tmp, e))?;
        ParquetWriter::new(file)
            .finish(&mut df)
            .map(|_| ())
            .map_err(|e| table_error(path, format!("cannot write Parquet: {e}")))
    })
}

/// The table formats [`read_table`] knows, by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// `.csv`, `.tsv`, `.txt` or no extension: text with a header row.
    Csv,
    /// `.parquet` / `.pq`.
    Parquet,
}

impl TableFormat {
    /// The format of `path` by its extension (case-insensitive).
    pub fn of(path: &Path) -> TableFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("parquet" | "pq") => TableFormat::Parquet,
            _ => TableFormat::Csv,
        }
    }
}

/// Read a CSV or Parquet file, chosen by [`TableFormat::of`]. Parquet needs deepfield-core's
/// `parquet` feature; without it a Parquet path is a clear error.
pub fn read_table(path: impl AsRef<Path>) -> Result<DataFrame> {
    let path = path.as_ref();
    match TableFormat::of(path) {
        TableFormat::Csv => read_csv(path),
        #[cfg(feature = "parquet")]
        TableFormat::Parquet => read_parquet(path),
        #[cfg(not(feature = "parquet"))]
        TableFormat::Parquet => Err(table_error(
            path,
            "Parquet support is not compiled in (enable deepfield-core's `parquet` feature)",
        )),
    }
}

fn table_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Table {
        path: path.to_path_buf(),
        message: crate::error::clip(&message.into()),
    }
}

/// The column names of `df`, in order.
pub fn columns(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The values of column `name` as text, as they read in the file (numbers in their shortest
/// round-trip form, empty cells as empty strings): for carrying id columns and targets from a
/// user's input to an output file unchanged.
pub fn column_strings(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let col = df
        .column(name)
        .map_err(|_| Error::input(format!("no column `{name}`")))?;
    let text = col
        .cast(&DataType::String)
        .map_err(|e| Error::input(format!("column `{name}`: {e}")))?;
    let ca = text
        .str()
        .map_err(|e| Error::input(format!("column `{name}`: {e}")))?;
    Ok(ca
        .iter()
        .map(|v| v.map(str::to_string).unwrap_or_default())
        .collect())
}

/// The given columns of `df` as an `[N, k]` `f32` tensor (`k = columns.len()`), in that order.
///
/// Integer and float columns are accepted, and text columns whose every cell parses as a number.
/// Errors ([`Error::Input`]) name a missing column (listing the available ones), a non-numeric
/// column or cell, or an empty/NaN/infinite cell with its 1-based data row.
pub fn numeric_matrix(df: &DataFrame, columns: &[&str]) -> Result<Tensor> {
    matrix(df, columns).map_err(Error::Input)
}

/// [`numeric_matrix`] with a plain message, so [`Table`] can attach its path.
fn matrix(df: &DataFrame, names: &[&str]) -> std::result::Result<Tensor, String> {
    if names.is_empty() {
        return Err("no columns requested".into());
    }
    let (n, k) = (df.height(), names.len());
    let mut buf = vec![0f32; n * k];
    for (j, name) in names.iter().enumerate() {
        for (r, v) in column_values(df, name)?.into_iter().enumerate() {
            buf[r * k + j] = v as f32;
        }
    }
    Tensor::f_from_slice(&buf)
        .and_then(|t| t.f_reshape([n as i64, k as i64]))
        .map_err(|e| e.to_string())
}

/// All values of column `name` as finite `f64`s, or a message naming the column and data row.
fn column_values(df: &DataFrame, name: &str) -> std::result::Result<Vec<f64>, String> {
    let col = df.column(name).map_err(|_| {
        format!(
            "no column \"{name}\"; available columns: {}",
            columns(df).join(", ")
        )
    })?;
    let empty = |r: usize| format!("column \"{name}\" has an empty cell at data row {}", r + 1);
    let finite = |r: usize, v: f64| -> std::result::Result<f64, String> {
        if v.is_finite() {
            Ok(v)
        } else {
            Err(format!(
                "column \"{name}\" has a non-finite value ({v}) at data row {}",
                r + 1
            ))
        }
    };
    let dtype = col.dtype();
    if dtype.is_primitive_numeric() {
        let col = col
            .cast(&DataType::Float64)
            .map_err(|e| format!("column \"{name}\": {e}"))?;
        let ca = col.f64().map_err(|e| format!("column \"{name}\": {e}"))?;
        ca.iter()
            .enumerate()
            .map(|(r, v)| v.ok_or_else(|| empty(r)).and_then(|v| finite(r, v)))
            .collect()
    } else if matches!(dtype, DataType::String) {
        let ca = col.str().map_err(|e| format!("column \"{name}\": {e}"))?;
        ca.iter()
            .enumerate()
            .map(|(r, cell)| {
                let cell = cell.ok_or_else(|| empty(r))?;
                let v = cell.trim().parse::<f64>().map_err(|_| {
                    format!(
                        "column \"{name}\" is not numeric: cell \"{cell}\" at data row {}",
                        r + 1
                    )
                })?;
                finite(r, v)
            })
            .collect()
    } else {
        Err(format!("column \"{name}\" has type {dtype}, not a number"))
    }
}

/// A CSV file read into memory, remembering its path for error messages.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    df: DataFrame,
}

impl Table {
    /// Read `path` with [`read_table`] (CSV, or Parquet by extension).
    pub fn read(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Ok(Table {
            df: read_table(path)?,
            path: path.to_path_buf(),
        })
    }

    /// Read `path` and return `(x [N, features.len()], y [N, targets.len()])`, both `f32`.
    /// For class labels convert `y`, e.g. `y.squeeze_dim(1).to_kind(Kind::Int64)`.
    pub fn load_xy(
        path: impl AsRef<Path>,
        features: &[&str],
        targets: &[&str],
    ) -> Result<(Tensor, Tensor)> {
        let table = Table::read(path)?;
        Ok((table.matrix(features)?, table.matrix(targets)?))
    }

    /// The given columns as an `[N, k]` `f32` tensor ([`numeric_matrix`]); errors name the file.
    /// A table without data rows (only a header) is an error.
    pub fn matrix(&self, columns: &[&str]) -> Result<Tensor> {
        if self.df.height() == 0 {
            return Err(table_error(&self.path, "no data rows (only a header)"));
        }
        matrix(&self.df, columns).map_err(|m| table_error(&self.path, m))
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The data.
    pub fn df(&self) -> &DataFrame {
        &self.df
    }

    /// Column names, in order.
    pub fn columns(&self) -> Vec<String> {
        columns(&self.df)
    }

    /// Number of data rows.
    pub fn height(&self) -> usize {
        self.df.height()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const CSV: &str = "\
a,b,name,c,d,e
1,2.5,x,7,1,0.5
3,-1,y,,oops,1.5
5,0.25,z,9,3,NaN
";

    fn write_csv(dir: &tempfile::TempDir) -> PathBuf {
        let path = dir.path().join("data.csv");
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(CSV.as_bytes()))
            .unwrap();
        path
    }

    fn values(t: &Tensor) -> Vec<f32> {
        Vec::<f32>::try_from(&t.flatten(0, -1)).unwrap()
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn parquet_round_trip_keeps_columns_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("t.csv");
        std::fs::write(&csv, "a,b,name\n1,2.5,x\n3,-4.25,y\n").unwrap();
        let df = read_csv(&csv).unwrap();
        let pq = dir.path().join("t.parquet");
        write_parquet(&pq, &df).unwrap();
        assert_eq!(TableFormat::of(&pq), TableFormat::Parquet);
        let back = read_table(&pq).unwrap();
        assert_eq!(columns(&back), ["a", "b", "name"]);
        let m = Table::read(&pq).unwrap().matrix(&["a", "b"]).unwrap();
        assert_eq!(
            Vec::<f32>::try_from(m.reshape([-1])).unwrap(),
            [1.0, 2.5, 3.0, -4.25]
        );
        // A CSV renamed .parquet is a clear error naming the file, not a panic.
        let fake = dir.path().join("fake.parquet");
        std::fs::copy(&csv, &fake).unwrap();
        let err = read_table(&fake).unwrap_err().to_string();
        assert!(
            err.contains("fake.parquet") && err.contains("Parquet"),
            "{err}"
        );
    }

    #[test]
    fn reads_values_into_f32_matrices() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_csv(&dir);
        let table = Table::read(&path).unwrap();
        assert_eq!(table.columns(), ["a", "b", "name", "c", "d", "e"]);
        assert_eq!(table.height(), 3);
        let (x, y) = Table::load_xy(&path, &["b", "a"], &["a"]).unwrap();
        assert_eq!((x.size(), y.size()), (vec![3, 2], vec![3, 1]));
        assert_eq!(x.kind(), tch::Kind::Float);
        assert_eq!(values(&x), [2.5, 1.0, -1.0, 3.0, 0.25, 5.0]);
        assert_eq!(values(&y), [1.0, 3.0, 5.0]);
        let df = read_csv(&path).unwrap();
        assert_eq!(columns(&df).len(), 6);
        assert_eq!(
            values(&numeric_matrix(&df, &["a"]).unwrap()),
            [1.0, 3.0, 5.0]
        );
    }

    #[test]
    fn errors_name_file_column_and_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_csv(&dir);
        let table = Table::read(&path).unwrap();
        let msg = |cols: &[&str]| table.matrix(cols).unwrap_err().to_string();

        let missing = msg(&["a", "zz"]);
        assert!(missing.contains("data.csv"), "{missing}");
        assert!(
            missing.contains("\"zz\"") && missing.contains("a, b, name, c, d, e"),
            "{missing}"
        );
        let text = msg(&["d"]);
        assert!(
            text.contains("\"d\"") && text.contains("\"oops\"") && text.contains("row 2"),
            "{text}"
        );
        let empty = msg(&["c"]);
        assert!(
            empty.contains("\"c\"") && empty.contains("empty") && empty.contains("row 2"),
            "{empty}"
        );
        let nan = msg(&["e"]);
        assert!(
            nan.contains("\"e\"") && nan.contains("NaN") && nan.contains("row 3"),
            "{nan}"
        );
        assert!(msg(&["name"]).contains("\"x\" at data row 1"));
        assert!(msg(&[]).contains("no columns"));

        let err = numeric_matrix(table.df(), &["zz"]).unwrap_err();
        assert!(matches!(err, Error::Input(_)), "{err}");

        let absent = dir.path().join("absent.csv");
        let err = read_csv(&absent).unwrap_err().to_string();
        assert!(err.contains("absent.csv"), "{err}");
        assert!(Table::read(dir.path())
            .unwrap_err()
            .to_string()
            .contains("not a file"));
    }
}

#[cfg(test)]
mod reader_tests {
    use super::*;

    #[test]
    fn tsv_by_extension_blank_rows_dropped_and_long_errors_clipped() {
        let dir = tempfile::tempdir().unwrap();
        let tsv = dir.path().join("t.tsv");
        std::fs::write(&tsv, "id\tx\nA, b\t1.5\nc\t2\n\n").unwrap();
        let df = read_table(&tsv).unwrap();
        assert_eq!(columns(&df), ["id", "x"]);
        assert_eq!(df.height(), 2);
        assert_eq!(column_strings(&df, "id").unwrap(), ["A, b", "c"]);
        assert_eq!(column_strings(&df, "x").unwrap(), ["1.5", "2.0"]);

        // An unclosed quote followed by 30 KB: the error stays short and names the file.
        let bad = dir.path().join("bad.csv");
        let body: String = (0..3000).map(|i| format!("{i},row {i}\n")).collect();
        std::fs::write(&bad, format!("a,b\n1,\"unclosed\n{body}")).unwrap();
        if let Err(e) = read_csv(&bad).and_then(|df| numeric_matrix(&df, &["a", "b"]).map(|_| ())) {
            let msg = e.to_string();
            assert!(msg.chars().count() < 1200, "{} chars", msg.chars().count());
            assert!(msg.contains("bad.csv") || msg.contains("column"), "{msg}");
        } else {
            panic!("an unclosed quote must not read as numbers");
        }
    }
}
