//! `deepfield-vision eval tables`: a saved table detector (`vision.tablesense`) run over a CSV
//! sheet or a folder of them, every detected table as an A1 range and 0-based row/column
//! indices. Files that do not parse are listed and left out.

use std::path::{Path, PathBuf};

use deepfield_core::models::restore_model;

use super::{read_folder, CellBox};
use crate::data::BadFile;
use crate::models::tablesense::TableSenseConfig;
use crate::Result;

/// The tables found in one sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetTables {
    pub sheet: String,
    pub rows: usize,
    pub cols: usize,
    pub tables: Vec<CellBox>,
}

/// The outcome of [`detect_tables`].
#[derive(Debug)]
pub struct DetectedTables {
    pub sheets: Vec<SheetTables>,
    pub bad: Vec<BadFile>,
    /// The CSV text: `sheet,table,range,top_row,left_col,bottom_row,right_col` (0-based).
    pub csv: String,
}

/// The CSV header of [`DetectedTables::csv`].
pub const HEADER: [&str; 7] = [
    "sheet",
    "table",
    "range",
    "top_row",
    "left_col",
    "bottom_row",
    "right_col",
];

/// Restore the detector in `model`, find the tables of every sheet of `input` (a CSV file or a
/// folder of them) and write the table list to `out` (atomically) when given.
pub fn detect_tables(model: &Path, input: &Path, out: Option<&PathBuf>) -> Result<DetectedTables> {
    let device = deepfield_core::device();
    let (_, _vs, net) = restore_model::<TableSenseConfig>(model, device)?;
    let set = read_folder(input)?;
    let mut sheets = Vec::new();
    let mut rows = Vec::new();
    for s in &set.sheets {
        let tables = net.detect(s, device)?;
        for (i, b) in tables.iter().enumerate() {
            rows.push(vec![
                s.name.clone(),
                (i + 1).to_string(),
                b.a1(),
                b.top.to_string(),
                b.left.to_string(),
                b.bottom.to_string(),
                b.right.to_string(),
            ]);
        }
        sheets.push(SheetTables {
            sheet: s.name.clone(),
            rows: s.rows(),
            cols: s.cols(),
            tables,
        });
    }
    let csv = deepfield_core::fsutil::csv_string(&HEADER, &rows)?;
    if let Some(out) = out {
        deepfield_core::fsutil::write_atomic(out, csv.as_bytes())?;
    }
    Ok(DetectedTables {
        sheets,
        bad: set.bad,
        csv,
    })
}

impl DetectedTables {
    /// A human-readable listing: per sheet its size and every table as an A1 range with its
    /// 0-based rows and columns.
    pub fn listing(&self) -> String {
        let mut s = String::new();
        for sh in &self.sheets {
            s.push_str(&format!(
                "{} ({} rows × {} columns): {} table{}\n",
                sh.sheet,
                sh.rows,
                sh.cols,
                sh.tables.len(),
                if sh.tables.len() == 1 { "" } else { "s" }
            ));
            for (i, b) in sh.tables.iter().enumerate() {
                s.push_str(&format!(
                    "  {}. {}  rows {}–{}, columns {}–{} (0-based)\n",
                    i + 1,
                    b.a1(),
                    b.top,
                    b.bottom,
                    b.left,
                    b.right
                ));
            }
        }
        s
    }
}
