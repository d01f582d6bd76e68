//! The layering rule every domain crate keeps: inference never names a reproduction.

use std::path::Path;

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

/// The layering test of a domain crate, written once: a `#[cfg(test)] mod layering` whose test
/// `only_reproductions_import_reproductions` runs
/// [`assert_only_reproductions_import_reproductions`] on the calling crate (its
/// `CARGO_MANIFEST_DIR`), skipping the files named (e.g. `"repro.rs"`). Put it in `lib.rs`:
/// `deepfield_core::layering_test!();`.
#[macro_export]
macro_rules! layering_test {
    ($($skip:expr),* $(,)?) => {
        #[cfg(test)]
        mod layering {
            /// Inference and the other library modules never name a reproduction: `crate::` or
            /// `super::` followed by `repro` appears only under `src/repro/` (and in the
            /// binary).
            #[test]
            fn only_reproductions_import_reproductions() {
                $crate::testing::assert_only_reproductions_import_reproductions(
                    env!("CARGO_MANIFEST_DIR"),
                    &[$($skip),*],
                );
            }
        }
    };
}
