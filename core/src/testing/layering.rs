//! The layering rule every domain crate keeps: inference never names a reproduction.

use std::path::Path;

use super::source_lines_matching;

/// Assert that no library module of the crate at `crate_dir` (its `CARGO_MANIFEST_DIR`) names
/// a reproduction module: `crate::` or `super::` followed by `repro` appears only under
/// `src/repro/` and `src/bin/`, and in the files named in `skip_files` (e.g. a crate's
/// `repro.rs` beside its `repro/` folder). Panics listing the offending lines.
#[track_caller]
pub fn assert_only_reproductions_import_reproductions(
    crate_dir: impl AsRef<Path>,
    skip_files: &[&str],
) {
    const PATTERNS: [&str; 2] = [concat!("crate", "::repro"), concat!("super", "::repro")];
    let hits = source_lines_matching(
        &crate_dir.as_ref().join("src"),
        &PATTERNS,
        &["bin", "repro"],
        skip_files,
    );
    assert!(hits.is_empty(), "{hits:#?}");
}
