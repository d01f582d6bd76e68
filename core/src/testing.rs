//! Helpers for the tests of every deepfield crate (unit tests and `tests/*.rs`): locating and
//! reading fixtures, comparing tensors with a message that names the worst element, and checking
//! the files a run writes (results folders, PNG plots, CSV tables).
//!
//! This module is meant for tests only; it is public, and behind no feature, so that the tests
//! of the domain crates can share it. Every function **panics** with a message that says what
//! was expected and what was found — the way a test fails — instead of returning an error.
//!
//! ```no_run
//! use deepfield_core::testing;
//! use deepfield_core::tch::Tensor;
//!
//! // `<crate>/tests/fixtures/reference.json` of the crate the test belongs to.
//! let reference: serde_json::Value = testing::read_json(&deepfield_core::fixture!("reference.json"));
//! let a = Tensor::from_slice(&[1.0f32, 2.0]);
//! testing::assert_close(&a, &(&a + 1e-7), 1e-6);
//! // A results folder: JSON parses, PNGs are real images, CSVs have a header and rows.
//! let metrics = testing::assert_results("results/x".as_ref(), &["metrics.json", "report.md", "plot.png"]);
//! ```
// Test helpers report failures by panicking, like `assert!`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use tch::{Device, Kind, Tensor};

mod binary;
mod layering;
pub use binary::{run_bin, BinOutput};
pub use layering::assert_only_reproductions_import_reproductions;

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// The fixture `name` of the crate whose manifest directory is `crate_dir`:
/// `<crate_dir>/tests/fixtures/<name>`. Panics, listing the fixtures that exist, when it is
/// missing. Usually called through [`fixture!`](crate::fixture), which passes the calling
/// crate's `CARGO_MANIFEST_DIR`.
#[track_caller]
pub fn fixture_path(crate_dir: impl AsRef<Path>, name: &str) -> PathBuf {
    let dir = crate_dir.as_ref().join("tests").join("fixtures");
    let path = dir.join(name);
    if !path.exists() {
        panic!(
            "no fixture {}; {} holds: {}",
            path.display(),
            dir.display(),
            list_dir(&dir)
        );
    }
    path
}

/// `<calling crate>/tests/fixtures/<name>` (see [`fixture_path`]); panics when it is missing.
#[macro_export]
macro_rules! fixture {
    ($name:expr) => {
        $crate::testing::fixture_path(env!("CARGO_MANIFEST_DIR"), $name)
    };
}

/// Parse the JSON file at `path` into `T`; panics with the path and the parse error.
#[track_caller]
pub fn read_json<T: DeserializeOwned>(path: &Path) -> T {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid: {e}", path.display()))
}

/// Every tensor of the safetensors file at `path` (on the CPU), by name; panics with the path
/// and the reason when the file cannot be read.
#[track_caller]
pub fn read_safetensors(path: &Path) -> BTreeMap<String, Tensor> {
    crate::checkpoint::read_tensors(path)
        .unwrap_or_else(|e| panic!("cannot read the tensors of {}: {e}", path.display()))
        .into_iter()
        .collect()
}

fn list_dir(dir: &Path) -> String {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if e.path().is_dir() {
                        name + "/"
                    } else {
                        name
                    }
                })
                .collect();
            names.sort();
            if names.is_empty() {
                "nothing".into()
            } else {
                names.join(", ")
            }
        }
        Err(e) => format!("(unreadable: {e})"),
    }
}

// ---------------------------------------------------------------------------------------------
// Tensors
// ---------------------------------------------------------------------------------------------

/// Both tensors as flat `f64` vectors on the CPU, after checking that their shapes agree.
#[track_caller]
fn flat_pair(a: &Tensor, b: &Tensor) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(a.size(), b.size(), "tensor shapes differ");
    let flat = |t: &Tensor| {
        Vec::<f64>::try_from(
            t.detach()
                .to_device(Device::Cpu)
                .to_kind(Kind::Double)
                .reshape([-1]),
        )
        .expect("tensor to Vec<f64>")
    };
    (flat(a), flat(b))
}

/// Largest `|a − b|` over all elements of two tensors of the same shape (any kind or device);
/// 0 for empty tensors, NaN if a difference is NaN (so `max_abs_diff(..) < tol` fails).
/// Panics when the shapes differ.
#[track_caller]
pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    let (x, y) = flat_pair(a, b);
    let mut worst = 0.0f64;
    for (p, q) in x.iter().zip(&y) {
        let d = (p - q).abs();
        if d.is_nan() {
            return f64::NAN;
        }
        worst = worst.max(d);
    }
    worst
}

/// The multi-index of the flat (row-major) position `i` in a tensor of `shape`.
fn unravel(mut i: usize, shape: &[i64]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (k, &n) in shape.iter().enumerate().rev() {
        let n = n.max(1) as usize;
        idx[k] = i % n;
        i /= n;
    }
    idx
}

/// Assert that `a` and `b` (same shape, any kind or device) agree to `|a − b| <= tol` in every
/// element; a NaN in either fails. The message names the worst element: its index, both values,
/// the difference, and how many elements are out of tolerance.
#[track_caller]
pub fn assert_close(a: &Tensor, b: &Tensor, tol: f64) {
    let shape = a.size();
    let (x, y) = flat_pair(a, b);
    let mut worst: Option<(usize, f64)> = None;
    let mut bad = 0usize;
    for (i, (p, q)) in x.iter().zip(&y).enumerate() {
        let d = (p - q).abs();
        // NaN compares false: it counts as out of tolerance and as the worst element.
        if d <= tol {
            continue;
        }
        bad += 1;
        let d = if d.is_nan() { f64::INFINITY } else { d };
        if worst.is_none_or(|(_, w)| d > w) {
            worst = Some((i, d));
        }
    }
    if let Some((i, _)) = worst {
        panic!(
            "tensors of shape {shape:?} differ by more than {tol}: worst at {:?}: {} vs {} \
             (|diff| {:e}); {bad} of {} elements out of tolerance",
            unravel(i, &shape),
            x[i],
            y[i],
            (x[i] - y[i]).abs(),
            x.len()
        );
    }
}

/// Assert that two slices agree elementwise to `|a − b| <= tol`, naming the worst index.
#[track_caller]
pub fn assert_close_slice(a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len(), "slice lengths differ");
    assert_close(&Tensor::from_slice(a), &Tensor::from_slice(b), tol);
}

// ---------------------------------------------------------------------------------------------
// Output files
// ---------------------------------------------------------------------------------------------

/// Smallest plot [`assert_results`] accepts, in pixels (width, height).
pub const MIN_PLOT_SIZE: (u32, u32) = (200, 150);

/// Check the files `files` (paths relative to `dir`; a name ending in `/` is a folder that must
/// hold something) of a results or model folder by type:
///
/// * every file exists and is not empty;
/// * `.json` parses as JSON;
/// * `.png` is a real image of at least [`MIN_PLOT_SIZE`] with something drawn ([`assert_png`]);
/// * `.csv` has a header and at least one row, every row as wide as the header;
/// * `.safetensors` holds at least one tensor;
/// * `.md` is UTF-8 text.
///
/// Returns `metrics.json` parsed when it is among `files` (else `Value::Null`). Panics on the
/// first problem, listing what the folder holds.
#[track_caller]
pub fn assert_results(dir: &Path, files: &[&str]) -> serde_json::Value {
    let mut metrics = serde_json::Value::Null;
    for &f in files {
        let p = dir.join(f);
        if let Some(sub) = f.strip_suffix('/') {
            let entries = std::fs::read_dir(&p).map(|e| e.count()).unwrap_or(0);
            assert!(
                entries > 0,
                "{}: folder `{sub}` missing or empty; {} holds: {}",
                dir.display(),
                dir.display(),
                list_dir(dir)
            );
            continue;
        }
        let len = p.metadata().map(|m| m.len()).unwrap_or(0);
        assert!(
            len > 0,
            "missing or empty {}; {} holds: {}",
            p.display(),
            p.parent().unwrap_or(dir).display(),
            list_dir(p.parent().unwrap_or(dir))
        );
        match p.extension().and_then(|e| e.to_str()) {
            Some("json") => {
                let v: serde_json::Value = read_json(&p);
                if p.file_name().is_some_and(|n| n == "metrics.json") {
                    // The run record ([`crate::repro::RunInfo`]) is not part of the metrics.
                    metrics = v;
                    if let Some(m) = metrics.as_object_mut() {
                        m.remove("run");
                    }
                }
            }
            #[cfg(feature = "plots")]
            Some("png") => {
                assert_png(&p, MIN_PLOT_SIZE);
            }
            Some("csv") => {
                let (header, rows) = read_csv(&p);
                assert!(!rows.is_empty(), "{}: header only, no rows", p.display());
                check_widths(&p, &header, &rows);
            }
            Some("safetensors") => {
                assert!(
                    !read_safetensors(&p).is_empty(),
                    "{}: no tensors",
                    p.display()
                );
            }
            Some("md") => {
                std::fs::read_to_string(&p)
                    .unwrap_or_else(|e| panic!("{} is not UTF-8 text: {e}", p.display()));
            }
            _ => {}
        }
    }
    metrics
}

/// Assert that two JSON values have the same structure and equal strings, booleans and nulls,
/// and numbers within `tol · max(1, |want|)`; the message names the JSON path of the first
/// difference. For metrics read back from a file: serde_json's float parsing may differ from
/// the written value in the last bit.
#[track_caller]
pub fn assert_json_close(got: &serde_json::Value, want: &serde_json::Value, tol: f64) {
    if let Err(msg) = json_close(got, want, tol, "$") {
        panic!("JSON values differ: {msg}");
    }
}

fn json_close(
    got: &serde_json::Value,
    want: &serde_json::Value,
    tol: f64,
    path: &str,
) -> std::result::Result<(), String> {
    use serde_json::Value;
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            if (a - b).abs() <= tol * b.abs().max(1.0) {
                Ok(())
            } else {
                Err(format!("{path}: {a} vs {b}"))
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!("{path}: {} vs {} elements", a.len(), b.len()));
            }
            a.iter()
                .zip(b)
                .enumerate()
                .try_for_each(|(i, (x, y))| json_close(x, y, tol, &format!("{path}[{i}]")))
        }
        (Value::Object(a), Value::Object(b)) => {
            let (ka, kb): (Vec<&String>, Vec<&String>) = (a.keys().collect(), b.keys().collect());
            if ka != kb {
                return Err(format!("{path}: keys {ka:?} vs {kb:?}"));
            }
            a.iter()
                .try_for_each(|(k, x)| json_close(x, &b[k], tol, &format!("{path}.{k}")))
        }
        (a, b) if a == b => Ok(()),
        (a, b) => Err(format!("{path}: {a} vs {b}")),
    }
}

/// Assert that `text` contains `needle`, showing the text otherwise (for reports).
#[track_caller]
pub fn assert_contains(text: &str, needle: &str) {
    assert!(
        text.contains(needle),
        "expected {needle:?} in the text:\n{text}"
    );
}

/// Decoded facts about a PNG: size and how much of it is not background.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PngStats {
    pub width: u32,
    pub height: u32,
    /// Distinct pixel values.
    pub colours: usize,
    /// Fraction of pixels that differ from the most common value (the background).
    pub drawn: f64,
}

/// Decode the PNG at `path` (signature, chunks, checksums and pixel data are all checked by the
/// decoder) and measure it.
#[cfg(feature = "plots")]
#[track_caller]
pub fn png_stats(path: &Path) -> PngStats {
    let file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: broken PNG data: {e}", path.display()));
    let bytes_per_sample = if info.bit_depth == png::BitDepth::Sixteen {
        2
    } else {
        1
    };
    let px = info.color_type.samples() * bytes_per_sample;
    let data = &buf[..info.buffer_size()];
    let mut counts: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for row in data.chunks(info.line_size) {
        for p in row[..info.width as usize * px].chunks_exact(px) {
            *counts.entry(p).or_default() += 1;
        }
    }
    let total = info.width as usize * info.height as usize;
    let background = counts.values().copied().max().unwrap_or(0);
    PngStats {
        width: info.width,
        height: info.height,
        colours: counts.len(),
        drawn: if total == 0 {
            0.0
        } else {
            1.0 - background as f64 / total as f64
        },
    }
}

/// Assert that `path` is a valid PNG of at least `min_size` (width, height) pixels with
/// something drawn on it: at least 3 distinct colours and at least 0.2 % of the pixels differing
/// from the background (an axis frame alone on a 640×480 plot is ≈ 0.4 %). Returns its stats.
#[cfg(feature = "plots")]
#[track_caller]
pub fn assert_png(path: &Path, min_size: (u32, u32)) -> PngStats {
    let s = png_stats(path);
    assert!(
        s.width >= min_size.0 && s.height >= min_size.1,
        "{}: {}×{} pixels, expected at least {}×{}",
        path.display(),
        s.width,
        s.height,
        min_size.0,
        min_size.1
    );
    assert!(
        s.colours >= 3 && s.drawn >= 0.002,
        "{}: nearly blank ({} colours, {:.3} % of pixels off the background)",
        path.display(),
        s.colours,
        100.0 * s.drawn
    );
    s
}

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
fn check_widths(path: &Path, header: &[String], rows: &[Vec<String>]) {
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

/// Lines (`path:line: text`) of the `.rs` files under `dir` that contain any of `patterns`,
/// skipping folders named in `skip_dirs` and files named in `skip_files` — for tests that keep
/// a layer (e.g. inference modules) free of references to another (e.g. `repro`).
pub fn source_lines_matching(
    dir: &Path,
    patterns: &[&str],
    skip_dirs: &[&str],
    skip_files: &[&str],
) -> Vec<String> {
    fn visit(dir: &Path, pats: &[&str], dirs: &[&str], files: &[&str], hits: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut paths: Vec<_> = entries
            .map(|e| {
                e.unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                    .path()
            })
            .collect();
        paths.sort();
        for p in paths {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if p.is_dir() {
                if !dirs.contains(&name) {
                    visit(&p, pats, dirs, files, hits);
                }
            } else if name.ends_with(".rs") && !files.contains(&name) {
                let text =
                    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                for (i, line) in text.lines().enumerate() {
                    if pats.iter().any(|pat| line.contains(pat)) {
                        hits.push(format!("{}:{}: {line}", p.display(), i + 1));
                    }
                }
            }
        }
    }
    let mut hits = Vec::new();
    visit(dir, patterns, skip_dirs, skip_files, &mut hits);
    hits
}

/// The complaints about error `err` of case `name`: one per expected fragment it lacks.
pub fn lacking(name: &str, err: &str, fragments: &[&str]) -> Vec<String> {
    fragments
        .iter()
        .filter(|f| !err.contains(**f))
        .map(|f| format!("{name}: `{err}` lacks `{f}`"))
        .collect()
}

/// Write each `(file name, contents, fragments)` case into a temporary folder, run `read` on
/// it and assert that every case is refused with all its fragments in the message; all
/// failures are listed at once. The hand-made half of each crate's `tests/bad_input.rs`.
#[track_caller]
pub fn assert_cases<T, E: std::fmt::Display>(
    cases: Vec<(&str, Vec<u8>, Vec<&str>)>,
    read: impl Fn(&Path) -> std::result::Result<T, E>,
) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut failures = Vec::new();
    for (name, bytes, fragments) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        match read(&p) {
            Ok(_) => failures.push(format!("{name}: read, expected an error")),
            Err(e) => failures.extend(lacking(name, &e.to_string(), &fragments)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Seeded mutants of a valid input file, for checking that a reader never panics on damaged
/// input: each applies 1–4 edits drawn from byte flips, truncation, deleting or duplicating a
/// span, and inserting bytes that readers trip on (quotes, separators, newlines, NUL, `NaN`,
/// huge or negative numbers, invalid UTF-8).
pub fn mutants(seed: u64, valid: &[u8], n: usize) -> Vec<Vec<u8>> {
    const INSERTS: &[&[u8]] = &[
        b"\"",
        b",",
        b"\t",
        b"\n",
        b"\r\n",
        b"\0",
        b"NaN",
        b"inf",
        b"-1",
        b"1e309",
        b"99999999999999999999",
        b"4000000000",
        b"\xff\xfe",
        b"\"\"",
        b" ",
        b"#",
        b">",
        b"{",
    ];
    let mut rng = crate::Rng::new(seed);
    (0..n)
        .map(|_| {
            let mut b = valid.to_vec();
            for _ in 0..1 + rng.below(4) {
                let len = b.len().max(1);
                let at = rng.below(len).min(b.len());
                match rng.below(6) {
                    0 if !b.is_empty() => {
                        let i = at.min(b.len() - 1);
                        b[i] ^= 1 << rng.below(8);
                    }
                    1 => b.truncate(at),
                    2 => {
                        let end = (at + 1 + rng.below(64)).min(b.len());
                        b.drain(at..end);
                    }
                    3 => {
                        let end = (at + 1 + rng.below(64)).min(b.len());
                        let span = b[at..end].to_vec();
                        b.splice(at..at, span);
                    }
                    _ => {
                        let ins = INSERTS[rng.below(INSERTS.len())];
                        b.splice(at..at, ins.iter().copied());
                    }
                }
            }
            b
        })
        .collect()
}

/// Run `read` on `n` seeded [`mutants`] of `valid`, each written to a file named `name` in a
/// temporary folder, and assert it never panics and every error it returns is short (at most
/// 1,500 characters) and not empty. Returns how many mutants were refused (the rest were
/// read: a mutation can leave a file valid).
#[track_caller]
pub fn assert_reader_survives_mutants<T, E: std::fmt::Display>(
    name: &str,
    valid: &[u8],
    seed: u64,
    n: usize,
    read: impl Fn(&Path) -> std::result::Result<T, E>,
) -> usize {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join(name);
    let mut refused = 0;
    for (i, m) in mutants(seed, valid, n).into_iter().enumerate() {
        std::fs::write(&path, &m).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(&path)));
        match outcome {
            Err(_) => panic!(
                "{name}: mutant {i} (seed {seed}) made the reader panic; its bytes: {:?}",
                String::from_utf8_lossy(&m)
            ),
            Ok(Err(e)) => {
                let msg = e.to_string();
                assert!(!msg.trim().is_empty(), "{name}: mutant {i}: empty error");
                assert!(
                    msg.chars().count() <= 1500,
                    "{name}: mutant {i}: a {}-character error: {}…",
                    msg.chars().count(),
                    msg.chars().take(300).collect::<String>()
                );
                refused += 1;
            }
            Ok(Ok(_)) => {}
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The panic message of `f`, which must panic.
    fn fails<R>(f: impl FnOnce() -> R) -> std::result::Result<R, String> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(r) => Ok(r),
            Err(e) => Err(e
                .downcast::<String>()
                .map(|s| *s)
                .unwrap_or_else(|_| "(no message)".into())),
        }
    }

    #[test]
    fn max_abs_diff_and_assert_close() {
        let a = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).reshape([2, 2]);
        let b = Tensor::from_slice(&[1.0f64, 2.5, 3.0, 3.9]).reshape([2, 2]);
        assert!((max_abs_diff(&a, &b) - 0.5).abs() < 1e-12);
        assert_close(&a, &b, 0.5);
        let msg = fails(|| assert_close(&a, &b, 0.2)).unwrap_err();
        assert!(
            msg.contains("worst at [0, 1]: 2 vs 2.5") && msg.contains("1 of 4 elements"),
            "{msg}"
        );
        let nan = Tensor::from_slice(&[1.0f32, f32::NAN, 3.0, 4.0]).reshape([2, 2]);
        assert!(max_abs_diff(&a, &nan).is_nan());
        let msg = fails(|| assert_close(&a, &nan, 1.0)).unwrap_err();
        assert!(msg.contains("worst at [0, 1]: 2 vs NaN"), "{msg}");
        assert!(fails(|| max_abs_diff(&a, &a.reshape([4]))).is_err());
        let empty = Tensor::zeros([0, 3], (Kind::Float, Device::Cpu));
        assert_eq!(max_abs_diff(&empty, &empty), 0.0);
        assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
        assert_eq!(unravel(0, &[]), Vec::<usize>::new());
        assert_close_slice(&[1.0, 2.0], &[1.0, 2.0 + 1e-9], 1e-8);
    }

    #[test]
    fn csv_lines_split_like_rfc_4180() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
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

    #[test]
    fn png_checks_tell_a_plot_from_a_blank_image() {
        use plotters::prelude::*;
        let draw = |path: &Path, lines: bool| {
            let root = BitMapBackend::new(path, (320, 240)).into_drawing_area();
            root.fill(&WHITE).unwrap();
            if lines {
                root.draw(&Rectangle::new(
                    [(20, 20), (300, 220)],
                    BLACK.stroke_width(2),
                ))
                .unwrap();
                let sine =
                    (0..280).map(|x| (20 + x, 120 + (50.0 * (x as f64 / 20.0).sin()) as i32));
                root.draw(&PathElement::new(
                    sine.collect::<Vec<_>>(),
                    RED.stroke_width(2),
                ))
                .unwrap();
            }
            root.present().unwrap();
        };
        let dir = tempfile::tempdir().unwrap();
        let blank = dir.path().join("blank.png");
        draw(&blank, false);
        let s = png_stats(&blank);
        assert_eq!((s.width, s.height, s.colours), (320, 240, 1));
        assert_eq!(s.drawn, 0.0);
        assert!(fails(|| assert_png(&blank, (100, 100))).is_err());

        let plot = dir.path().join("plot.png");
        draw(&plot, true);
        let s = assert_png(&plot, MIN_PLOT_SIZE);
        assert!(s.drawn > 0.01, "{s:?}");
        assert!(fails(|| assert_png(&plot, (5000, 10))).is_err());

        std::fs::write(dir.path().join("fake.png"), "not a png").unwrap();
        assert!(fails(|| png_stats(&dir.path().join("fake.png"))).is_err());
        std::fs::write(dir.path().join("metrics.json"), r#"{"acc": 0.5}"#).unwrap();
        let m = assert_results(dir.path(), &["metrics.json", "plot.png"]);
        assert_eq!(m["acc"], 0.5);
        let close = serde_json::json!({"acc": 0.5 + 1e-13, "n": [1, "a", null]});
        let far = serde_json::json!({"acc": 0.5 + 1e-13, "n": [1, "b", null]});
        assert_json_close(
            &close,
            &serde_json::json!({"acc": 0.5, "n": [1, "a", null]}),
            1e-12,
        );
        let msg = fails(|| assert_json_close(&far, &close, 1e-12)).unwrap_err();
        assert!(msg.contains("$.n[1]"), "{msg}");
        assert!(fails(|| assert_json_close(&m, &close, 1e-12)).is_err());
        assert!(fails(|| assert_results(dir.path(), &["blank.png"])).is_err());
        assert!(fails(|| assert_results(dir.path(), &["model/"])).is_err());
    }
}
