//! Hand-made bad-input cases: each file must be refused with an error holding given fragments.

use std::path::Path;

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
