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
pub fn assert_cases<N, B, F, T, E>(
    cases: Vec<(N, B, Vec<F>)>,
    read: impl Fn(&Path) -> std::result::Result<T, E>,
) where
    N: AsRef<str>,
    B: AsRef<[u8]>,
    F: AsRef<str>,
    E: Display,
{
    assert!(
        !cases.is_empty(),
        "no cases: a case table that reads as nothing tests nothing"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut failures = Vec::new();
    for (name, bytes, fragments) in cases {
        let name = name.as_ref();
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let expected: Vec<String> = std::iter::once(name.to_string())
            .chain(fragments.iter().map(|f| {
                let f = f.as_ref();
                match f.strip_prefix(':') {
                    Some(_) => format!("{name}{f}"),
                    None => f.to_string(),
                }
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

/// Cases for [`assert_cases`] written as a table, one a line: `file | contents | fragment | …`
/// (a line that starts with `|` goes on with the case above). Cells are trimmed (empty
/// fragments dropped); contents and fragments take the escapes `\n`, `\t`, `\r`, `\0`, `\\`,
/// `\|` and `\xNN` (any byte, e.g. Latin-1 in a UTF-8 reader's input); blank lines are skipped.
/// Panics on a line without contents or on an unknown escape.
///
/// (Compiled, not run: a doctest binary lives in a temporary folder where the run path to
/// libtorch does not reach; the unit tests below and every `bad_input` test run it.)
///
/// ```no_run
/// let cases = deepfield_core::testing::case_table(r"
///     short.csv | id,x\n1  | :2 | 1 field
///     latin1.csv | id\n\xe9\n | UTF-8
/// ");
/// assert_eq!(cases[1].1, b"id\n\xe9\n");
/// ```
#[track_caller]
pub fn case_table(table: &str) -> Vec<(String, Vec<u8>, Vec<String>)> {
    // A line that starts with `|` goes on with the case above it.
    let mut lines: Vec<String> = Vec::new();
    for l in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match lines.last_mut() {
            Some(last) if l.starts_with('|') => {
                last.push(' ');
                last.push_str(l);
            }
            _ => lines.push(l.to_string()),
        }
    }
    lines
        .iter()
        .map(|line| {
            let cells = split_cells(line);
            assert!(
                cells.len() >= 2,
                "case table line `{line}`: expected `file | contents | fragments…`"
            );
            let text = |cell: &str| {
                String::from_utf8(unescape(cell, line))
                    .unwrap_or_else(|e| panic!("case table line `{line}`: a fragment: {e}"))
            };
            let fragments = cells[2..]
                .iter()
                .filter(|c| !c.is_empty())
                .map(|c| text(c))
                .collect();
            (text(&cells[0]), unescape(&cells[1], line), fragments)
        })
        .collect()
}

/// The cells of a table line, split at `|` not escaped as `\|`, trimmed (escapes kept).
fn split_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let last = cells.last_mut().expect("a cell");
                last.push(c);
                last.extend(chars.next());
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut().expect("a cell").push(c),
        }
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The bytes of a cell with its escapes replaced.
#[track_caller]
fn unescape(cell: &str, line: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('r') => out.push(b'\r'),
            Some('0') => out.push(0),
            Some(c @ ('\\' | '|')) => out.push(c as u8),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                let byte = u8::from_str_radix(&hex, 16)
                    .unwrap_or_else(|_| panic!("case table line `{line}`: bad escape \\x{hex}"));
                out.push(byte);
            }
            other => panic!(
                "case table line `{line}`: unknown escape \\{}",
                other.unwrap_or(' ')
            ),
        }
    }
    out
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
        let table = case_table(
            r"
            a.txt |  x  | :3
                  | bad x
            b\|c.txt | \xff\0\n\t\\ |
        ",
        );
        assert_eq!(
            table[0],
            (
                "a.txt".into(),
                b"x".to_vec(),
                vec![":3".into(), "bad x".into()]
            )
        );
        assert_eq!(
            table[1],
            ("b|c.txt".into(), b"\xff\0\n\t\\".to_vec(), vec![])
        );
        assert_cases(table[..1].to_vec(), read);
        assert!(fails(|| case_table("no contents")).is_err());
        assert!(fails(|| assert_cases(case_table("\n  \n"), read)).is_err());
        assert!(fails(|| case_table("a | \\q")).is_err());
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
