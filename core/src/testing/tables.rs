//! CSV tables a run writes: read with the `csv` crate, checked for header, rows and widths.

use std::path::Path;

/// Header and rows of the CSV file at `path`, read by the `csv` crate (RFC 4180: quoted
/// fields, quotes and newlines inside them; rows of any width, checked by the callers). Panics
/// if it is unreadable, malformed or empty.
#[track_caller]
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut records = reader.records().map(|r| {
        r.unwrap_or_else(|e| panic!("{}: malformed CSV: {e}", path.display()))
            .iter()
            .map(str::to_string)
            .collect::<Vec<String>>()
    });
    let header = records
        .next()
        .unwrap_or_else(|| panic!("{} is empty", path.display()));
    (header, records.collect())
}

#[track_caller]
pub(super) fn check_widths(path: &Path, header: &[String], rows: &[Vec<String>]) {
    if let Some((i, r)) = rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != header.len())
    {
        panic!(
            "{}: data row {} has {} fields, the header {} ({header:?})",
            path.display(),
            i + 1,
            r.len(),
            header.len()
        );
    }
}

/// Write a fixture CSV at `path`: the columns `header`, then one row per item of `rows`, each
/// field written with `Display` (`1.0_f64` as `1`) and quoted where RFC 4180 asks (by the
/// `csv` crate), lines ending in `\n`. Panics when it cannot be written.
#[track_caller]
pub fn write_csv<R, F>(path: &Path, header: &[&str], rows: impl IntoIterator<Item = R>)
where
    R: IntoIterator<Item = F>,
    F: std::fmt::Display,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    let fail = |e: csv::Error| panic!("cannot write {}: {e}", path.display());
    w.write_record(header).unwrap_or_else(fail);
    for row in rows {
        let fields: Vec<String> = row.into_iter().map(|f| f.to_string()).collect();
        w.write_record(&fields).unwrap_or_else(fail);
    }
    w.flush()
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Assert that the CSV file at `path` has exactly the columns `header` and `rows` data rows,
/// each as wide as the header; returns the rows.
#[track_caller]
pub fn assert_csv(path: &Path, header: &[&str], rows: usize) -> Vec<Vec<String>> {
    let (h, data) = read_csv(path);
    assert_eq!(h, header, "{}: header", path.display());
    assert_eq!(data.len(), rows, "{}: number of data rows", path.display());
    check_widths(path, &h, &data);
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assert_results;
    use crate::testing::fails;

    #[test]
    fn csv_lines_split_like_rfc_4180() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let rows = (0..3).map(|t| [t as f64, t as f64 / 2.0]);
        write_csv(&p, &["t", "x, y"], rows);
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text, "t,\"x, y\"\n0,0\n1,0.5\n2,1\n");
        std::fs::write(&p, "a,b,c\n\"x,y\",\"say \"\"hi\"\"\nthere\",\n").unwrap();
        let (h, rows) = read_csv(&p);
        assert_eq!(h, ["a", "b", "c"]);
        assert_eq!(rows, [["x,y", "say \"hi\"\nthere", ""]]);
        std::fs::write(&p, "id,label\n1,\"a,b\"\n2,c\n").unwrap();
        assert_eq!(assert_csv(&p, &["id", "label"], 2)[0], ["1", "a,b"]);
        assert!(fails(|| assert_csv(&p, &["id"], 2)).is_err());
        assert!(fails(|| assert_csv(&p, &["id", "label"], 3)).is_err());
        std::fs::write(&p, "id,label\n1,a,extra\n").unwrap();
        assert!(fails(|| assert_results(dir.path(), &["t.csv"])).is_err());
    }
}
