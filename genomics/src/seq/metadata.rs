//! Metadata and label tables (one header row, e.g. Nextstrain's `metadata.tsv`, or a user's
//! `labels.csv`) and their join with sequence records on an id column. Tables are read with the
//! `csv` crate: TAB-separated for `.tsv`/`.tab`/`.txt`, comma-separated otherwise, RFC 4180
//! quoting (ids with commas or quotes round-trip), blank lines skipped.
//!
//! Rows with an unknown label (`?`, empty) and rows whose id matches no sequence are counted
//! warnings ([`JoinReport`]); a duplicated id, a missing column or a short row is an error
//! naming the file and line.

use std::collections::HashMap;
use std::path::Path;

use crate::{Error, Result};

/// `id → label` from a metadata table.
#[derive(Debug, Clone, Default)]
pub struct Metadata {
    /// `(id, label)` in file order, unknown labels left out.
    pub rows: Vec<(String, String)>,
    /// Rows whose label was `?` or empty.
    pub unknown_labels: usize,
    /// The id column that was read.
    pub id_column: String,
}

/// The field separator of a table file by its extension: TAB for `.tsv`, `.tab` and `.txt`,
/// a comma otherwise (core's [`delimiter_of`](deepfield_core::fsutil::delimiter_of), plus `.txt`).
pub fn delimiter_for(path: &Path) -> u8 {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("txt") => b'\t',
        _ => deepfield_core::fsutil::delimiter_of(path),
    }
}

/// Read `id_column` and `label_column` of a table (separator by extension, [`delimiter_for`]).
pub fn read_metadata(path: &Path, id_column: &str, label_column: &str) -> Result<Metadata> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_table(
        &bytes,
        delimiter_for(path),
        path,
        Some(id_column),
        label_column,
    )
}

/// Read the true labels of a user's records: `label_column`, keyed by `id_column` — or, when
/// none is given, by `strain` or `id` if the table has one, else its first other column.
pub fn read_labels(path: &Path, id_column: Option<&str>, label_column: &str) -> Result<Metadata> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_table(&bytes, delimiter_for(path), path, id_column, label_column)
}

/// The trimmed TAB-separated header of `text` and its remaining `(index, line)`s; `empty` is the
/// error message (at line 1 of `path`) when there is no header line.
pub(crate) fn tsv_header<'a>(
    text: &'a str,
    path: &Path,
    empty: &str,
) -> Result<(Vec<&'a str>, std::iter::Enumerate<std::str::Lines<'a>>)> {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) => Ok((h.split('\t').map(str::trim).collect(), lines)),
        None => Err(Error::parse(path, 1, empty)),
    }
}

/// Parse TAB-separated text (see [`read_metadata`]); `path` only names the file in errors.
pub fn parse_metadata(
    text: &str,
    path: &Path,
    id_column: &str,
    label_column: &str,
) -> Result<Metadata> {
    parse_table(text.as_bytes(), b'\t', path, Some(id_column), label_column)
}

/// Parse a table separated by `delimiter`; `path` only names the file in errors.
pub fn parse_table(
    bytes: &[u8],
    delimiter: u8,
    path: &Path,
    id_column: Option<&str>,
    label_column: &str,
) -> Result<Metadata> {
    let err = |line: usize, message: String| Error::parse(path, line, message);
    let table = deepfield_core::fsutil::parse_csv_records(bytes, delimiter, path)?;
    let header = &table.header;
    if header.is_empty() {
        return Err(err(1, "empty table (no header line)".into()));
    }
    let col = |name: &str| {
        header.iter().position(|c| c == name).ok_or_else(|| {
            err(
                1,
                format!(
                    "no column `{name}` in the header (columns: {})",
                    header.join(", ")
                ),
            )
        })
    };
    let label_col = col(label_column)?;
    if table.rows.is_empty() {
        return Err(err(
            1,
            "a header and no rows: the table labels nothing".into(),
        ));
    }
    let id_col = match id_column {
        Some(name) => col(name)?,
        None => ["strain", "id"]
            .iter()
            .find_map(|n| header.iter().position(|c| c == n))
            .filter(|&i| i != label_col)
            .or_else(|| (0..header.len()).find(|&i| i != label_col))
            .ok_or_else(|| {
                err(
                    1,
                    format!("no id column beside the label column `{label_column}`"),
                )
            })?,
    };
    let id_name = header[id_col].clone();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Metadata {
        id_column: id_name.clone(),
        ..Default::default()
    };
    for record in &table.rows {
        let line = record.line as usize;
        let fields = &record.fields;
        // A quote left open swallows the following lines into one field.
        if fields.iter().any(|f| f.contains('\n')) {
            return Err(err(
                line,
                "a field runs over several lines: is a quote left open?".into(),
            ));
        }
        let (Some(id), Some(label)) = (fields.get(id_col), fields.get(label_col)) else {
            return Err(err(
                line,
                format!("{} fields, the header has {}", fields.len(), header.len()),
            ));
        };
        if id.is_empty() {
            return Err(err(line, format!("empty `{id_name}`")));
        }
        if let Some(first) = seen.insert(id.to_string(), line) {
            return Err(err(
                line,
                format!("duplicated id `{id}` (first on line {first})"),
            ));
        }
        if label.is_empty() || label == "?" {
            out.unknown_labels += 1;
            continue;
        }
        out.rows.push((id.to_string(), label.to_string()));
    }
    Ok(out)
}

/// Outcome of joining sequences with metadata.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JoinReport {
    /// `(sequence index, label)` of every sequence with a known label.
    #[serde(skip)]
    pub matched: Vec<(usize, String)>,
    /// Metadata rows whose id matches no sequence (a warning).
    pub metadata_without_sequence: usize,
    /// Sequences without a metadata row or with an unknown label (a warning).
    pub sequences_without_label: usize,
    /// Metadata rows with an unknown label.
    pub unknown_labels: usize,
}

/// Join sequence ids with metadata labels; an error when nothing matches.
pub fn join(ids: &[&str], meta: &Metadata) -> Result<JoinReport> {
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut rep = JoinReport {
        unknown_labels: meta.unknown_labels,
        ..Default::default()
    };
    for (id, label) in &meta.rows {
        match index.get(id.as_str()) {
            Some(&i) => rep.matched.push((i, label.clone())),
            None => rep.metadata_without_sequence += 1,
        }
    }
    rep.matched.sort_by_key(|m| m.0);
    rep.sequences_without_label = ids.len() - rep.matched.len();
    if rep.matched.is_empty() {
        return Err(Error::input(format!(
            "no sequence id matches a metadata row ({} sequences, {} labelled rows); \
             check the id column",
            ids.len(),
            meta.rows.len()
        )));
    }
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_join_and_errors() {
        let p = Path::new("m.tsv");
        let m = parse_metadata(
            "strain\tregion\na\tAsia\nb\t?\nc\tEurope\nz\tAsia\n",
            p,
            "strain",
            "region",
        )
        .unwrap();
        assert_eq!(m.rows.len(), 3);
        assert_eq!(m.unknown_labels, 1);
        let j = join(&["a", "b", "c", "d"], &m).unwrap();
        assert_eq!(
            j.matched,
            vec![(0, "Asia".to_string()), (2, "Europe".to_string())]
        );
        assert_eq!(j.metadata_without_sequence, 1);
        assert_eq!(j.sequences_without_label, 2);
        assert!(join(&["q"], &m).is_err());
        let e = parse_metadata("strain\tregion\na\tX\na\tY\n", p, "strain", "region").unwrap_err();
        assert!(e.to_string().contains("duplicated id `a`"), "{e}");
        let e = parse_metadata("strain\tregion\n", p, "strain", "country").unwrap_err();
        assert!(e.to_string().contains("no column `country`"), "{e}");
        let e = parse_metadata("strain\tregion\n\n", p, "strain", "region").unwrap_err();
        assert!(
            e.to_string().contains("m.tsv:1") && e.to_string().contains("labels nothing"),
            "{e}"
        );
        let e = parse_metadata("strain\tx\tregion\na\n", p, "strain", "region").unwrap_err();
        assert!(e.to_string().contains("m.tsv:2"), "{e}");
        // Line numbers count blank lines; a duplicate names both lines.
        let e = parse_metadata("strain\tregion\na\tX\n\na\tY\n", p, "strain", "region")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("m.tsv:4") && e.contains("first on line 2"),
            "{e}"
        );
    }

    #[test]
    fn labels_csv_quoted_ids_tsv_by_extension_and_default_id_column() {
        let dir = tempfile::tempdir().unwrap();
        // CSV with quoted ids holding a comma and quotes, a BOM, a trailing blank line.
        let csv = dir.path().join("labels.csv");
        std::fs::write(
            &csv,
            "\u{feff}name,country\n\"hCoV, \"\"A\"\"/1\",Spain\nB/2,?\n\n",
        )
        .unwrap();
        let m = read_labels(&csv, None, "country").unwrap();
        assert_eq!(m.id_column, "name");
        assert_eq!(m.rows, [("hCoV, \"A\"/1".to_string(), "Spain".to_string())]);
        assert_eq!(m.unknown_labels, 1);
        // The same table as TSV (by extension): `strain` is preferred as the id column.
        let tsv = dir.path().join("labels.tsv");
        std::fs::write(&tsv, "country\tx\tstrain\nChina\t1\tW,1\n").unwrap();
        let m = read_labels(&tsv, None, "country").unwrap();
        assert_eq!(m.id_column, "strain");
        assert_eq!(m.rows, [("W,1".to_string(), "China".to_string())]);
        let e = read_labels(&tsv, None, "region").unwrap_err().to_string();
        assert!(
            e.contains("labels.tsv:1") && e.contains("no column `region`"),
            "{e}"
        );
    }
}
