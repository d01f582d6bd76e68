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

mod binary;
mod cases;
mod fixtures;
mod layering;
mod mutants;
mod png;
mod results;
mod tables;
mod tensors;

pub use binary::{run_bin, run_line, BinOutput};
pub use cases::{assert_cases, assert_err, assert_refused_without_output, case_table, lacking};
pub use fixtures::{fixture_path, load_prefixed, read_json, read_safetensors};
pub use layering::{assert_only_reproductions_import_reproductions, source_lines_matching};
pub use mutants::{assert_mutants_refused, assert_reader_survives_mutants, mutants};
pub use png::PngStats;
#[cfg(feature = "plots")]
pub use png::{assert_png, png_stats};
pub use results::{
    assert_contains, assert_history, assert_json_close, assert_repro_results, assert_results,
    run_quick, QuickRun, HISTORY_COLUMNS, MIN_PLOT_SIZE, REPRO_FILES,
};
pub use tables::{assert_csv, read_csv, write_csv};
pub use tensors::{assert_close, assert_close_slice, max_abs_diff};

/// The panic message of `f`, which must panic (for the tests of these helpers).
#[cfg(test)]
fn fails<R>(f: impl FnOnce() -> R) -> std::result::Result<R, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => Ok(r),
        Err(e) => Err(e
            .downcast::<String>()
            .map(|s| *s)
            .unwrap_or_else(|_| "(no message)".into())),
    }
}
