//! The true labels of a user's recordings, from a CSV/TSV file: an id column `file` (the path
//! relative to the evaluated folder, as in the cough data set's own `labels.csv`, or just the
//! file name) and a label column (`label`, or the one `--label-column` names) holding a class
//! name or index.

use std::collections::HashMap;
use std::path::Path;

use deepfield_core::fsutil::{read_csv_records, CsvRecords};

use crate::{Error, Result};

/// The label column read when none is named.
pub const DEFAULT_LABEL_COLUMN: &str = "label";

/// Labels by file, read from a labels file.
#[derive(Debug, Clone, Default)]
pub struct LabelTable {
    /// Class index by the id as written (path separators normalised to `/`).
    by_path: HashMap<String, i64>,
    /// Class index by file name; `None` when two rows with different labels share the name.
    by_name: HashMap<String, Option<i64>>,
}

/// `path` with `\` as `/` and without a leading `./`.
fn normalise(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.strip_prefix("./").map(str::to_string).unwrap_or(p)
}

/// The last component of a `/`-separated path.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl LabelTable {
    /// Number of labelled files.
    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    /// True when no file is labelled.
    pub fn is_empty(&self) -> bool {
        self.by_path.is_empty()
    }

    /// The label of the file with id `rel` (its path relative to the evaluated folder): the row
    /// with that path, else the row with its file name when only one label goes by that name.
    pub fn get(&self, rel: &str) -> Option<i64> {
        let rel = normalise(rel);
        self.by_path
            .get(&rel)
            .copied()
            .or_else(|| self.by_name.get(file_name(&rel)).copied().flatten())
    }

    /// The rows that label none of `ids` (ids relative to the evaluated folder): neither by path
    /// nor by an unambiguous file name.
    pub fn unmatched<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> usize {
        let ids: Vec<String> = ids.into_iter().map(normalise).collect();
        let paths: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let names: std::collections::HashSet<&str> = ids.iter().map(|p| file_name(p)).collect();
        self.by_path
            .keys()
            .filter(|k| {
                let name = file_name(k);
                let by_name =
                    names.contains(name) && matches!(self.by_name.get(name), Some(Some(_)));
                !paths.contains(k.as_str()) && !by_name
            })
            .count()
    }
}

/// Read a `.csv` (comma) or `.tsv` (tab) file with a header row.
fn read_records(path: &Path) -> Result<CsvRecords> {
    let tsv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    if !tsv {
        return Ok(read_csv_records(path)?);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        let fields: Vec<String> = record.iter().map(str::to_string).collect();
        match header {
            None => {
                header = Some(
                    fields
                        .into_iter()
                        .map(|f| f.trim_start_matches('\u{feff}').to_string())
                        .collect(),
                )
            }
            Some(_) => rows.push(deepfield_core::fsutil::CsvRecord { line, fields }),
        }
    }
    Ok(CsvRecords {
        header: header.unwrap_or_default(),
        rows,
    })
}

/// Read the labels of `path`: the `file` column and `label_column` (case-insensitive; default
/// [`DEFAULT_LABEL_COLUMN`]), each label a name of `class_names` or an index into it.
pub fn read_labels(
    path: &Path,
    label_column: Option<&str>,
    class_names: &[String],
) -> Result<LabelTable> {
    let table = read_records(path)?;
    let find = |name: &str| {
        table
            .header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    };
    let wanted = label_column.unwrap_or(DEFAULT_LABEL_COLUMN);
    let columns = table.header.join(", ");
    let fc = find("file").ok_or_else(|| {
        Error::input(format!(
            "{}: no `file` column (the recordings' paths relative to INPUT, or their names); \
             columns are: {columns}",
            path.display()
        ))
    })?;
    let lc = find(wanted).ok_or_else(|| {
        let hint = if label_column.is_none() {
            " — name the label column with --label-column NAME"
        } else {
            ""
        };
        Error::input(format!(
            "{}: no `{wanted}` column{hint}; columns are: {columns}",
            path.display()
        ))
    })?;
    let mut out = LabelTable::default();
    // The line each id was first seen on, to refuse a file labelled twice differently.
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for row in &table.rows {
        // A quote left open swallows the rest of the file into one field.
        let open_quote = if row.fields.iter().any(|f| f.contains('\n')) {
            " (a field runs over several lines: is a quote left open?)"
        } else {
            ""
        };
        let (Some(file), Some(label)) = (row.fields.get(fc), row.fields.get(lc)) else {
            return Err(Error::input(format!(
                "{} line {}: too few fields{open_quote}",
                path.display(),
                row.line
            )));
        };
        let idx = class_names
            .iter()
            .position(|c| c == label)
            .map(|i| i as i64)
            .or_else(|| {
                label
                    .parse::<i64>()
                    .ok()
                    .filter(|&k| k >= 0 && (k as usize) < class_names.len())
            })
            .ok_or_else(|| {
                Error::input(format!(
                    "{} line {}: label {label:?} in column `{}` is not one of the model's classes {class_names:?}{open_quote}",
                    path.display(),
                    row.line,
                    table.header[lc]
                ))
            })?;
        let id = normalise(file);
        if let Some(&first) = first_line.get(&id) {
            if out.by_path.get(&id) != Some(&idx) {
                return Err(Error::input(format!(
                    "{} line {}: `{file}` is labelled twice, differently (first on line {first})",
                    path.display(),
                    row.line
                )));
            }
        } else {
            first_line.insert(id.clone(), row.line);
        }
        out.by_name
            .entry(file_name(&id).to_string())
            .and_modify(|v| {
                if *v != Some(idx) {
                    *v = None;
                }
            })
            .or_insert(Some(idx));
        out.by_path.insert(id, idx);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["none", "hand", "elbow"].map(String::from).to_vec()
    }

    #[test]
    fn labels_read_quoted_names_paths_and_report_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.csv");
        std::fs::write(
            &p,
            "File,Label\n\"a,b \"\"c\"\".wav\",hand\n\nsub/x.wav, 2\n./other/x.wav,none\n",
        )
        .unwrap();
        let m = read_labels(&p, None, &names()).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m.get("a,b \"c\".wav"), Some(1));
        assert_eq!(m.get("sub/x.wav"), Some(2));
        assert_eq!(m.get("other/x.wav"), Some(0));
        // By name only when the name is not ambiguous.
        assert_eq!(m.get("elsewhere/x.wav"), None);
        assert_eq!(m.get("deep/a,b \"c\".wav"), Some(1));
        assert_eq!(m.unmatched(["sub/x.wav", "a,b \"c\".wav"]), 1);

        std::fs::write(&p, "file,label\nx.wav,none\n\ny.wav,sneeze\n").unwrap();
        let e = read_labels(&p, None, &names()).unwrap_err().to_string();
        assert!(
            e.contains("labels.csv line 4") && e.contains("sneeze"),
            "{e}"
        );
        std::fs::write(&p, "file,label\nx.wav\n").unwrap();
        let e = read_labels(&p, None, &names()).unwrap_err().to_string();
        assert!(e.contains("labels.csv line 2: too few fields"), "{e}");
        std::fs::write(&p, "file,etiquette\nx.wav,none\n").unwrap();
        let e = read_labels(&p, None, &names()).unwrap_err().to_string();
        assert!(
            e.contains("no `label` column")
                && e.contains("--label-column")
                && e.contains("etiquette"),
            "{e}"
        );
        // The data set's own column name, chosen with --label-column.
        let m = read_labels(&p, Some("Etiquette"), &names()).unwrap();
        assert_eq!(m.get("x.wav"), Some(0));
        let e = read_labels(&p, Some("class"), &names())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `class` column;"), "{e}");
        std::fs::write(&p, "name,label\nx.wav,none\n").unwrap();
        let e = read_labels(&p, None, &names()).unwrap_err().to_string();
        assert!(e.contains("no `file` column"), "{e}");
    }

    #[test]
    fn tsv_labels_are_tab_separated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.tsv");
        std::fs::write(&p, "file\tlabel\na, b.wav\thand\n\n").unwrap();
        let m = read_labels(&p, None, &names()).unwrap();
        assert_eq!((m.len(), m.get("a, b.wav")), (1, Some(1)));
    }
}
