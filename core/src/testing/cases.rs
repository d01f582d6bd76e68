//! Hand-made bad-input cases: each file must be refused with an error that names it and holds
//! given fragments, and a refused input must leave no output behind.

use std::fmt::Display;
use std::path::Path;

/// The complaints about error `err` of case `name`: one per expected fragment it lacks.
pub fn lacking(name: &str, err: &str, fragments: &[&str]) -> Vec<String> {
    fragments
        .iter()
        .filter(|f| !err.contains(**f))
        .map(|f| format!("{name}: `{err}` lacks `{f}`"))
        .collect()
}

/// Write each `(file name, contents, fragments)` case (contents as text or bytes) into a temporary folder, run `read` on
/// it and assert that every case is refused with an error that names the file and holds all
/// its fragments; a fragment that starts with `:` is the file name followed by it (`":3"` in
/// case `a.txt` is `a.txt:3`, the file and line). All failures are listed at once. The
/// hand-made half of each crate's `tests/bad_input.rs`.
#[track_caller]
pub fn assert_cases<B: AsRef<[u8]>, T, E: Display>(
    cases: Vec<(&str, B, Vec<&str>)>,
    read: impl Fn(&Path) -> std::result::Result<T, E>,
) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut failures = Vec::new();
    for (name, bytes, fragments) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let expected: Vec<String> = std::iter::once(name.to_string())
            .chain(fragments.iter().map(|f| match f.strip_prefix(':') {
                Some(_) => format!("{name}{f}"),
                None => f.to_string(),
            }))
            .collect();
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        match read(&p) {
            Ok(_) => failures.push(format!("{name}: read, expected an error")),
            Err(e) => failures.extend(lacking(name, &e.to_string(), &expected)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Assert that `result` is an error whose message holds every one of `fragments`; returns the
/// message.
#[track_caller]
pub fn assert_err<T, E: Display>(result: std::result::Result<T, E>, fragments: &[&str]) -> String {
    let msg = match result {
        Ok(_) => panic!("succeeded, expected an error with {fragments:?}"),
        Err(e) => e.to_string(),
    };
    let lacks = lacking("error", &msg, fragments);
    assert!(lacks.is_empty(), "{}", lacks.join("\n"));
    msg
}

/// Assert that `result` is an error holding every one of `fragments` ([`assert_err`]) and that
/// nothing was written to `out`: refused input never leaves a half-written output.
#[track_caller]
pub fn assert_refused_without_output<T, E: Display>(
    result: std::result::Result<T, E>,
    fragments: &[&str],
    out: &Path,
) -> String {
    let msg = assert_err(result, fragments);
    assert!(
        !out.exists(),
        "{} was written for refused input ({msg})",
        out.display()
    );
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fails;

    #[test]
    fn cases_need_the_file_name_and_every_fragment() {
        let read = |p: &Path| -> std::result::Result<(), String> {
            let text = std::fs::read_to_string(p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            match text.as_str() {
                "ok" => Ok(()),
                "anonymous" => Err("line 3: bad".into()),
                _ => Err(format!("{name}:3: bad {text}")),
            }
        };
        assert_cases(vec![("a.txt", b"x".to_vec(), vec![":3", "bad x"])], read);
        for (bytes, fragments) in [
            ("ok", vec![]),
            ("anonymous", vec!["line 3"]),
            ("x", vec![":4"]),
            ("x", vec!["bad y"]),
        ] {
            let msg = fails(|| assert_cases(vec![("a.txt", bytes, fragments)], read));
            assert!(msg.is_err(), "{bytes}");
        }
        let out = tempfile::tempdir().unwrap();
        let missing = out.path().join("out.csv");
        let err: std::result::Result<(), &str> = Err("in.csv: no rows");
        assert_eq!(
            assert_refused_without_output(err, &["in.csv", "no rows"], &missing),
            "in.csv: no rows"
        );
        assert!(fails(|| assert_err(Ok::<(), &str>(()), &[])).is_err());
        assert!(fails(|| assert_err(err, &["in.csv", "nothing"])).is_err());
        std::fs::write(&missing, "half").unwrap();
        assert!(fails(|| assert_refused_without_output(err, &["in.csv"], &missing)).is_err());
    }
}
