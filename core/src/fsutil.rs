//! Atomic file output: write to a uniquely named temporary file beside the target, fsync, then
//! rename it over the target. A crash never leaves a half-written checkpoint, report or metrics
//! file, and writers racing on one target each use their own temporary file (the last rename
//! wins; nobody sees a mix). CSV output goes through the `csv` crate ([`write_csv`],
//! [`csv_string`]), so fields with commas, quotes or newlines are quoted correctly.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Create `dir` and its parents.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
}

/// The folder of `path` (created if missing), where its temporary file goes.
fn parent_dir(path: &Path) -> Result<&Path> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => {
            create_dir_all(parent)?;
            Ok(parent)
        }
        None => Ok(Path::new(".")),
    }
}

/// A temporary file `.<name>.<random>.tmp` in the folder of `path`, created exclusively (so
/// concurrent writers never share one), readable like a file made by `File::create`.
fn temp_file(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = parent_dir(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile's default is 0600; results are meant to be shared like any other file
        // (the umask still applies).
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))
}

/// The file a write to `path` lands in: `path`, or the file it links to when `path` is a
/// symbolic link (so an atomic rename replaces the target and keeps the link).
fn write_target(path: &Path) -> std::borrow::Cow<'_, Path> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::read_link(path) {
            Ok(target) if target.is_absolute() => target.into(),
            Ok(target) => path.with_file_name(target).into(),
            Err(_) => path.into(),
        },
        _ => path.into(),
    }
}

/// Write `bytes` to `path` atomically (temp file + fsync + rename). Parents are created. A
/// symbolic link at `path` is written through (its target is replaced, the link kept).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = write_target(path);
    let path = target.as_ref();
    let mut tmp = temp_file(path)?;
    let written = tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all());
    written.map_err(|e| Error::io(tmp.path(), e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Let `write` produce a file at the given temporary path, then fsync it and rename it to
/// `path`. `write` may create the file anew or replace it. On any error the temporary file is
/// removed and `path` is untouched. Parents are created.
pub fn write_atomic_with(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let target = write_target(path);
    let path = target.as_ref();
    // Only the name is kept: `write` opens the file itself. Dropping `tmp` removes the file.
    let tmp = temp_file(path)?.into_temp_path();
    write(&tmp)?;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(&*tmp, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// One row of CSV fields: anything iterable over text or bytes (`["file", "score"]`, a
/// `Vec<String>`, an iterator of `&str`).
pub trait CsvFields: IntoIterator<Item: AsRef<[u8]>> {}
impl<T: IntoIterator<Item: AsRef<[u8]>>> CsvFields for T {}

/// Rows of CSV fields: anything iterable over [`CsvFields`].
pub trait CsvRows: IntoIterator<Item: CsvFields> {}
impl<T: IntoIterator<Item: CsvFields>> CsvRows for T {}

/// CSV text (RFC 4180, `\n` line ends): the `header` row, then `rows`. Fields are quoted when
/// they hold a comma, quote or line break; every row must have as many fields as the header.
pub fn csv_string<H: CsvFields, R: CsvRows>(header: H, rows: R) -> Result<String> {
    delimited_string(b',', header, rows)
}

/// The field separator of a table file by its extension: tab for `.tsv`/`.tab`, else comma.
pub fn delimiter_of(path: &Path) -> u8 {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab") => b'\t',
        _ => b',',
    }
}

/// [`csv_string`] with another field separator (`b'\t'` for TSV).
pub fn delimited_string<H: CsvFields, R: CsvRows>(
    delimiter: u8,
    header: H,
    rows: R,
) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let fail = |e: csv::Error| Error::input(format!("writing CSV: {e}"));
    w.write_record(header).map_err(fail)?;
    for (i, row) in rows.into_iter().enumerate() {
        w.write_record(row)
            .map_err(|e| Error::input(format!("writing CSV row {}: {e}", i + 1)))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::input(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::input(format!("writing CSV: {e}")))
}

/// Write `header` and `rows` as CSV to `path` atomically (see [`csv_string`] for the format;
/// a `.tsv` path is written tab-separated).
///
/// ```no_run
/// # fn main() -> deepfield_core::Result<()> {
/// use deepfield_core::fsutil::write_csv;
/// let rows = [("a,b \"c\".wav", 0.25), ("d.wav", 0.5)];
/// write_csv(
///     std::path::Path::new("predictions.csv"),
///     ["file", "probability"],
///     rows.iter().map(|(f, p)| [f.to_string(), format!("{p:.6}")]),
/// )?;
/// # Ok(())
/// # }
/// ```
pub fn write_csv<H: CsvFields, R: CsvRows>(path: &Path, header: H, rows: R) -> Result<()> {
    let text = delimited_string(delimiter_of(path), header, rows).map_err(|e| match e {
        Error::Input(m) => Error::Table {
            path: path.to_path_buf(),
            message: m,
        },
        other => other,
    })?;
    write_atomic(path, text.as_bytes())
}

/// A small CSV file read whole by [`read_csv_records`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecords {
    /// The header row, fields trimmed.
    pub header: Vec<String>,
    /// The records after the header, without blank ones.
    pub rows: Vec<CsvRecord>,
}

/// One record of a [`CsvRecords`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// The 1-based line of the file where the record starts (for error messages).
    pub line: u64,
    /// The fields, unquoted and trimmed; records may have fewer or more fields than the header.
    pub fields: Vec<String>,
}

/// Read a CSV file with a header row (RFC 4180 quoting; fields trimmed; blank lines skipped;
/// a `.tsv` file is tab-separated).
/// Malformed input is an error naming the file and line; checking columns is up to the caller.
pub fn read_csv_records(path: &Path) -> Result<CsvRecords> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_csv_records(&bytes, delimiter_of(path), path)
}

/// [`read_csv_records`] of text already read, separated by `delimiter` (`b','`, `b'\t'`);
/// `path` only names the file in errors.
pub fn parse_csv_records(bytes: &[u8], delimiter: u8, path: &Path) -> Result<CsvRecords> {
    // The csv crate dates a record from the end of the previous one, before the blank lines it
    // skips; count those to name the line the record really starts on.
    let start_line = |pos: &csv::Position| {
        let mut line = pos.line();
        for &b in bytes.get(pos.byte() as usize..).unwrap_or_default() {
            match b {
                b'\n' => line += 1,
                b'\r' => {}
                _ => break,
            }
        }
        line
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let fail = |e: csv::Error| {
        let line = e.position().map(start_line);
        let message = e.to_string();
        match (e.into_kind(), line) {
            (csv::ErrorKind::Io(io), _) => Error::io(path, io),
            (_, Some(line)) => Error::input(format!(
                "{} line {line}: {}",
                path.display(),
                crate::error::clip(&message)
            )),
            (_, None) => Error::input(format!("{}: {message}", path.display())),
        }
    };
    let mut header = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(fail)?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map_or(0, start_line);
        let mut fields: Vec<String> = record.iter().map(str::to_string).collect();
        if header.is_none() {
            // A byte-order mark (spreadsheet exports) is not part of the first column's name.
            if let Some(first) = fields.first_mut() {
                *first = first.trim_start_matches('\u{feff}').trim().to_string();
            }
            header = Some(fields);
        } else {
            rows.push(CsvRecord { line, fields });
        }
    }
    Ok(CsvRecords {
        header: header.unwrap_or_default(),
        rows,
    })
}

/// Serialize `value` as pretty JSON to `path`, atomically.
pub fn write_json<T: serde::Serialize + ?Sized>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|source| Error::Json {
        context: format!("serializing {}", path.display()),
        source,
    })?;
    write_atomic(path, text.as_bytes())
}

/// Read JSON from `path`.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|source| Error::Json {
        context: format!("reading {}", path.display()),
        source,
    })
}

/// `.<name>.<suffix>` beside `dest`.
pub fn sibling(dest: &Path, suffix: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".to_string());
    dest.with_file_name(format!(".{name}.{suffix}"))
}

/// Remove a folder if it is there.
pub fn remove_dir_if_present(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(dir, e)),
        _ => Ok(()),
    }
}

/// Build a whole folder atomically: `fill` writes into `.<dest>.partial` (created empty), and
/// only when it succeeds is that folder swapped in for `dest` (a previous `dest` moves aside to
/// `.<dest>.old`, then goes). On failure `dest` is left as it was; a leftover partial folder is
/// removed by the next call.
pub fn write_dir_atomic<T>(dest: &Path, fill: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all(parent)?;
    }
    let partial = sibling(dest, "partial");
    let old = sibling(dest, "old");
    remove_dir_if_present(&partial)?;
    remove_dir_if_present(&old)?;
    create_dir_all(&partial)?;
    let value = fill(&partial)?;
    let had_old = dest.exists();
    if had_old {
        std::fs::rename(dest, &old).map_err(|e| Error::io(dest, e))?;
    }
    if let Err(e) = std::fs::rename(&partial, dest) {
        if had_old {
            let _ = std::fs::rename(&old, dest);
        }
        return Err(Error::io(dest, e));
    }
    remove_dir_if_present(&old)?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_symlinked_output_is_written_through_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write_csv(&link, ["a"], [["1"]]).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "a\n1\n");
    }

    #[test]
    fn tsv_paths_are_written_and_read_tab_separated() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.tsv");
        write_csv(&p, ["file", "p"], [["a, b\tc.wav", "0.5"], ["d.wav", "1"]]).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(text, "file\tp\n\"a, b\tc.wav\"\t0.5\nd.wav\t1\n");
        let back = read_csv_records(&p).unwrap();
        assert_eq!(back.header, ["file", "p"]);
        assert_eq!(back.rows[0].fields, ["a, b\tc.wav", "0.5"]);
        assert_eq!(back.rows.len(), 2);
    }

    #[test]
    fn atomic_write_replaces_and_failed_write_leaves_old_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/a.json");
        write_json(&p, &vec![1, 2, 3]).unwrap();
        let v: Vec<i32> = read_json(&p).unwrap();
        assert_eq!(v, vec![1, 2, 3]);
        let r = write_atomic_with(&p, |tmp| {
            std::fs::write(tmp, b"partial").unwrap();
            Err(Error::input("boom"))
        });
        assert!(r.is_err());
        let v: Vec<i32> = read_json(&p).unwrap();
        assert_eq!(v, vec![1, 2, 3]);
        let leftovers: Vec<_> = std::fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "temp file left behind");
    }

    #[test]
    fn concurrent_writers_of_one_file_all_succeed_and_one_wins_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("shared.txt");
        // Distinct, fairly large contents, so an interleaving would show.
        let contents: Vec<Vec<u8>> = (0..8u8)
            .map(|t| {
                std::iter::repeat_n(format!("writer {t}\n"), 20_000)
                    .collect::<String>()
                    .into_bytes()
            })
            .collect();
        let barrier = std::sync::Barrier::new(contents.len());
        std::thread::scope(|s| {
            let handles: Vec<_> = contents
                .iter()
                .enumerate()
                .map(|(t, bytes)| {
                    let (p, barrier) = (&p, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        if t % 2 == 0 {
                            write_atomic(p, bytes)
                        } else {
                            write_atomic_with(p, |tmp| {
                                std::fs::write(tmp, bytes).map_err(|e| Error::io(tmp, e))
                            })
                        }
                    })
                })
                .collect();
            for (t, h) in handles.into_iter().enumerate() {
                h.join()
                    .unwrap()
                    .unwrap_or_else(|e| panic!("writer {t}: {e}"));
            }
        });
        let got = std::fs::read(&p).unwrap();
        assert!(
            contents.contains(&got),
            "the file is not exactly one writer's content ({} bytes)",
            got.len()
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec!["shared.txt".to_string()],
            "temporary files left"
        );
    }

    #[cfg(unix)]
    #[test]
    fn atomic_files_are_not_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"x").unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&plain));
    }

    #[test]
    fn csv_fields_with_commas_quotes_and_newlines_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let rows = vec![
            vec!["a,b \"c\".wav".to_string(), "1".to_string()],
            vec!["two\nlines".to_string(), String::new()],
            vec!["plain".to_string(), "-0.5".to_string()],
        ];
        write_csv(&p, ["file", "value"], &rows).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.starts_with("file,value\n\"a,b \"\"c\"\".wav\",1\n"),
            "{text}"
        );
        let mut r = csv::Reader::from_path(&p).unwrap();
        assert_eq!(r.headers().unwrap(), vec!["file", "value"]);
        let back: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(back, rows);

        // A row of the wrong length is an error naming the file, and nothing is written.
        let q = dir.path().join("bad.csv");
        let e = write_csv(&q, ["a", "b"], [["1"].as_slice()]).unwrap_err();
        assert!(e.to_string().contains("bad.csv"), "{e}");
        assert!(!q.exists());
        assert_eq!(csv_string(["x"], Vec::<Vec<&str>>::new()).unwrap(), "x\n");
    }

    #[test]
    fn csv_records_are_unquoted_trimmed_and_know_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.csv");
        std::fs::write(
            &p,
            "\u{feff}file , label\n\n\"a,b \"\"c\"\".wav\", none\n  \nx.wav\n\"two\nlines.wav\",1\n",
        )
        .unwrap();
        let r = read_csv_records(&p).unwrap();
        assert_eq!(r.header, vec!["file", "label"]);
        let rows: Vec<(u64, Vec<&str>)> = r
            .rows
            .iter()
            .map(|r| (r.line, r.fields.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (3, vec!["a,b \"c\".wav", "none"]),
                (5, vec!["x.wav"]),
                (6, vec!["two\nlines.wav", "1"]),
            ]
        );
        let missing = dir.path().join("missing.csv");
        let e = read_csv_records(&missing).unwrap_err().to_string();
        assert!(e.contains("missing.csv"), "{e}");
        std::fs::write(&p, b"file,label\nok.wav,1\n\xff\xfe.wav,2\n").unwrap();
        let e = read_csv_records(&p).unwrap_err().to_string();
        assert!(e.contains("labels.csv line 3"), "{e}");
    }
}
