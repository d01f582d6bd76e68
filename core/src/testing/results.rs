//! Checking the files a run writes (results and model folders) and the values in them.

use std::path::Path;

#[cfg(feature = "plots")]
use super::assert_png;
use super::fixtures::list_dir;
use super::tables::check_widths;
use super::{read_csv, read_json, read_safetensors};

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

/// The files every typed reproduction that trains writes into its results folder
/// ([`crate::repro::Typed`]: the metrics as JSON and as a tidy CSV, the report and the
/// configuration; the training loop's `history.csv`).
pub const REPRO_FILES: [&str; 5] = [
    "metrics.json",
    "metrics.csv",
    "history.csv",
    "report.md",
    "config.json",
];

/// [`assert_results`] on a reproduction's results folder: the [`REPRO_FILES`] and `more` (its
/// plots, tables and saved models). Returns `metrics.json` parsed.
#[track_caller]
pub fn assert_repro_results(dir: &Path, more: &[&str]) -> serde_json::Value {
    let files: Vec<&str> = REPRO_FILES.iter().chain(more).copied().collect();
    assert_results(dir, &files)
}

/// The columns every `history.csv` of core's training loop starts with; the metrics a run
/// monitors follow them.
pub const HISTORY_COLUMNS: [&str; 6] = ["run", "epoch", "train_loss", "val_loss", "lr", "seconds"];

/// Read the `history.csv` at `path` and assert that its columns are [`HISTORY_COLUMNS`] followed
/// by `metrics`, and that every row is as wide as the header; returns the rows.
#[track_caller]
pub fn assert_history(path: &Path, metrics: &[&str]) -> Vec<Vec<String>> {
    let (header, rows) = read_csv(path);
    let want: Vec<&str> = HISTORY_COLUMNS.iter().chain(metrics).copied().collect();
    assert_eq!(header, want, "{}: header", path.display());
    check_widths(path, &header, &rows);
    rows
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

/// A quick run of a reproduction in a temporary folder, as the reproductions' integration tests
/// start: one libtorch thread, `ReproOptions::quick`, the run through [`crate::repro::Typed`].
pub struct QuickRun<M> {
    /// Keeps the temporary folder alive.
    pub tmp: tempfile::TempDir,
    /// The results folder (`<tmp>/<id>`).
    pub out: std::path::PathBuf,
    /// The run's typed metrics.
    pub metrics: M,
}

/// Run `experiment` in quick mode (seed 0) into a fresh temporary folder on one thread.
///
/// # Panics
/// When the run fails (a test helper).
#[track_caller]
pub fn run_quick<E: crate::repro::Experiment>(experiment: E) -> QuickRun<E::Metrics> {
    crate::device::set_threads(1);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let id = experiment.id();
    let out = tmp.path().join(id);
    let opts = crate::repro::ReproOptions::quick(id, &out);
    let metrics = crate::repro::Typed(experiment)
        .run_typed(&opts)
        .unwrap_or_else(|e| panic!("{id} --quick: {e}"));
    QuickRun { tmp, out, metrics }
}
