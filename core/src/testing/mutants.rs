//! Seeded damage to valid input files, for checking that readers never panic.

use std::path::Path;

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

/// [`assert_reader_survives_mutants`], and assert that more than `more_than` of the `n`
/// mutants are refused: a reader that accepts damaged files too readily fails. Returns how
/// many were refused.
#[track_caller]
pub fn assert_mutants_refused<T, E: std::fmt::Display>(
    name: &str,
    valid: &[u8],
    (seed, n): (u64, usize),
    more_than: usize,
    read: impl Fn(&Path) -> std::result::Result<T, E>,
) -> usize {
    let refused = assert_reader_survives_mutants(name, valid, seed, n, read);
    assert!(
        refused > more_than,
        "{name}: only {refused} of {n} damaged files refused (seed {seed}; expected more than \
         {more_than}): the reader is too lenient"
    );
    refused
}
