//! CSV sheets in: one [`Sheet`] per file, a folder of them as a [`SheetSet`] that keeps the good
//! files and lists the bad ones.
//!
//! The parser is a small RFC 4180 reader written for sheets rather than tables: every line is a
//! row (blank lines included, so row `i` is line `i + 1` of a file without quoted line breaks,
//! as spreadsheet exports number them), rows may have any number of fields (ragged), fields are
//! kept untrimmed, `""` inside quotes is a quote, quoted fields may hold commas and line breaks,
//! and a quote inside an unquoted field is taken literally. Text is UTF-8 (a BOM is dropped),
//! UTF-16 with a BOM, or else Latin-1. Empty files, binary data and unterminated quotes are
//! refused with an error naming the file.

use std::path::{Path, PathBuf};

use crate::data::BadFile;
use crate::{Error, Result};

/// Sheets larger than this are refused (Excel's own limits are 1,048,576 × 16,384).
pub const MAX_ROWS: usize = 1_048_576;
/// See [`MAX_ROWS`].
pub const MAX_COLS: usize = 16_384;

/// One sheet: its cell values, row by row (rows may be shorter than [`Sheet::cols`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The file name (the id used in annotations and outputs).
    pub name: String,
    pub path: PathBuf,
    pub cells: Vec<Vec<String>>,
}

impl Sheet {
    /// A sheet from rows of values (tests, generated sheets).
    pub fn from_rows(name: &str, rows: &[&[&str]]) -> Self {
        Sheet {
            name: name.to_string(),
            path: PathBuf::from(name),
            cells: rows
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        }
    }

    /// Number of rows (lines).
    pub fn rows(&self) -> usize {
        self.cells.len()
    }

    /// Number of columns: the longest row's field count.
    pub fn cols(&self) -> usize {
        self.cells.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The value of a cell; `""` outside the rows' fields.
    pub fn get(&self, row: usize, col: usize) -> &str {
        self.cells
            .get(row)
            .and_then(|r| r.get(col))
            .map_or("", String::as_str)
    }

    /// Whether a cell holds anything but white space.
    pub fn filled(&self, row: usize, col: usize) -> bool {
        !self.get(row, col).trim().is_empty()
    }
}

/// The sheets of a folder (or one file) that parsed, and the files that did not.
#[derive(Debug, Default)]
pub struct SheetSet {
    pub sheets: Vec<Sheet>,
    pub bad: Vec<BadFile>,
}

/// Read one CSV sheet.
pub fn read_sheet(path: &Path) -> Result<Sheet> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::parse(path, 0, format!("cannot read: {e}")))?;
    parse_sheet(&bytes, path)
}

/// Read every `*.csv` file of `dir` (sorted by name) — or the one file `path` — keeping the
/// files that parse and listing the others with the reason. A folder without any CSV file, or a
/// path that does not exist, is an error.
pub fn read_folder(path: &Path) -> Result<SheetSet> {
    if path.is_file() {
        return Ok(SheetSet {
            sheets: vec![read_sheet(path)?],
            bad: vec![],
        });
    }
    if !path.is_dir() {
        return Err(Error::input(format!(
            "{} does not exist (give a CSV sheet or a folder of them)",
            path.display()
        )));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::parse(path, 0, format!("cannot list the folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::input(format!(
            "{} holds no .csv files",
            path.display()
        )));
    }
    let mut set = SheetSet::default();
    for f in files {
        match read_sheet(&f) {
            Ok(s) => set.sheets.push(s),
            Err(e) => set.bad.push(BadFile {
                path: f,
                reason: e.to_string(),
            }),
        }
    }
    Ok(set)
}

/// Decode the bytes of a text file: UTF-8 (BOM dropped), UTF-16 LE/BE with a BOM, else Latin-1.
/// Empty input and binary data (NUL bytes, many control characters) are refused.
pub fn decode_text(bytes: &[u8], path: &Path) -> Result<String> {
    if bytes.is_empty() {
        return Err(Error::parse(path, 0, "the file is empty (no rows)"));
    }
    let utf16 = |be: bool| -> Result<String> {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if be {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| {
            Error::parse(
                path,
                0,
                "invalid UTF-16 text after a UTF-16 byte-order mark",
            )
        })
    };
    let text = match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8_lossy(rest).into_owned(),
        [0xFF, 0xFE, ..] => utf16(false)?,
        [0xFE, 0xFF, ..] => utf16(true)?,
        _ => {
            if let Some(at) = bytes.iter().position(|&b| b == 0) {
                return Err(Error::parse(
                    path,
                    0,
                    format!("binary data (a NUL byte at offset {at}), not a CSV text file"),
                ));
            }
            match std::str::from_utf8(bytes) {
                Ok(s) => s.to_string(),
                Err(_) => bytes.iter().map(|&b| b as char).collect(),
            }
        }
    };
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if control * 20 > text.chars().count() {
        return Err(Error::parse(
            path,
            0,
            format!("binary data ({control} control characters), not a CSV text file"),
        ));
    }
    Ok(text)
}

/// Parse the bytes of a CSV sheet (`path` names it in errors and becomes its name).
pub fn parse_sheet(bytes: &[u8], path: &Path) -> Result<Sheet> {
    let text = decode_text(bytes, path)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut line = 1usize;
    let mut quote_line = 0usize;
    let mut chars = text.chars().peekable();
    let too_big = |what: &str, line: usize| {
        Error::parse(
            path,
            line,
            format!("more {what} than a sheet can hold ({MAX_ROWS} rows × {MAX_COLS} columns)"),
        )
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            ',' => {
                row.push(std::mem::take(&mut field));
                was_quoted = false;
                if row.len() > MAX_COLS {
                    return Err(too_big("columns", line));
                }
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                row.push(std::mem::take(&mut field));
                was_quoted = false;
                rows.push(std::mem::take(&mut row));
                if rows.len() > MAX_ROWS {
                    return Err(too_big("rows", line));
                }
                line += 1;
            }
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
                quote_line = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(Error::parse(
            path,
            quote_line,
            "a quoted field is never closed (unbalanced `\"`)",
        ));
    }
    if !field.is_empty() || !row.is_empty() || was_quoted {
        row.push(field);
        rows.push(row);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let sheet = Sheet {
        name,
        path: path.to_path_buf(),
        cells: rows,
    };
    if sheet.cols() > MAX_COLS {
        return Err(too_big("columns", 0));
    }
    if (0..sheet.rows()).all(|r| (0..sheet.cells[r].len()).all(|c| !sheet.filled(r, c))) {
        return Err(Error::parse(path, 0, "the sheet has no non-empty cell"));
    }
    Ok(sheet)
}
