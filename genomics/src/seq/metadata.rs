//! Metadata tables (TAB-separated, one header line, e.g. Nextstrain's `metadata.tsv`) and their
//! join with sequence records on an id column.
//!
//! Rows with an unknown label (`?`, empty) and rows whose id matches no sequence are counted
//! warnings ([`JoinReport`]); a duplicated id, a missing column or a ragged row is an error.

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
}

/// Read `id_column` and `label_column` of a TSV file.
pub fn read_metadata(path: &Path, id_column: &str, label_column: &str) -> Result<Metadata> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_metadata(&text, path, id_column, label_column)
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

/// Parse TSV text (see [`read_metadata`]); `path` only names the file in errors.
pub fn parse_metadata(
    text: &str,
    path: &Path,
    id_column: &str,
    label_column: &str,
) -> Result<Metadata> {
    let err = |line: usize, message: String| Error::parse(path, line, message);
    let (header, lines) = tsv_header(text, path, "empty metadata file (no header line)")?;
    let col = |name: &str| {
        header.iter().position(|c| *c == name).ok_or_else(|| {
            err(
                1,
                format!(
                    "no column `{name}` in the header (columns: {})",
                    header.join(", ")
                ),
            )
        })
    };
    let (id_col, label_col) = (col(id_column)?, col(label_column)?);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Metadata::default();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() <= id_col.max(label_col) {
            return Err(err(
                i + 1,
                format!("{} fields, the header has {}", fields.len(), header.len()),
            ));
        }
        let id = fields[id_col].trim();
        if id.is_empty() {
            return Err(err(i + 1, format!("empty `{id_column}`")));
        }
        if let Some(first) = seen.insert(id.to_string(), i + 1) {
            return Err(err(
                i + 1,
                format!("duplicated id `{id}` (first on line {first})"),
            ));
        }
        let label = fields[label_col].trim();
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
        let e = parse_metadata("strain\tx\tregion\na\n", p, "strain", "region").unwrap_err();
        assert!(e.to_string().contains("m.tsv:2"), "{e}");
    }
}
