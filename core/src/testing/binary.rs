//! Running a crate's built binary the way a user does, for end-to-end tests of its commands.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;

/// What a binary run left: whether it succeeded, and its stdout and stderr as text.
#[derive(Debug, Clone)]
pub struct BinOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Run the binary `bin` (a test's `env!("CARGO_BIN_EXE_<name>")`) with `args`, one libtorch
/// thread and no progress bars (`OMP_NUM_THREADS=1`, `CI=1`), and collect what it printed.
/// Arguments may be strings or paths. Panics only when the binary cannot be started.
#[track_caller]
pub fn run_bin<I, S>(bin: &str, args: I) -> BinOutput
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let o = Command::new(bin)
        .args(args)
        .env("OMP_NUM_THREADS", "1")
        .env("CI", "1")
        .output()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    BinOutput {
        success: o.status.success(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Run the binary `bin` (see [`run_bin`]) with the command line `line`: its words split on
/// white space, each word `{}` replaced by the next of `paths`, whole (spaces, commas and
/// quotes in a path stay one argument). Panics when the `{}` and the paths do not pair up.
///
/// ```no_run
/// # let (model, data) = (std::path::PathBuf::from("m"), std::path::PathBuf::from("my data"));
/// let out = deepfield_core::testing::run_line("deepfield-x", "eval --model {} {} --threads 1", &[&model, &data]);
/// ```
#[track_caller]
pub fn run_line(bin: &str, line: &str, paths: &[&dyn AsRef<Path>]) -> BinOutput {
    let mut paths = paths.iter();
    let args: Vec<OsString> = line
        .split_whitespace()
        .map(|w| match w {
            "{}" => paths
                .next()
                .unwrap_or_else(|| panic!("`{line}`: more {{}} than paths"))
                .as_ref()
                .as_os_str()
                .to_owned(),
            w => w.into(),
        })
        .collect();
    assert!(paths.next().is_none(), "`{line}`: more paths than {{}}");
    run_bin(bin, args)
}

impl BinOutput {
    /// `(success, stdout, stderr)`, for tests that destructure the result.
    pub fn parts(self) -> (bool, String, String) {
        (self.success, self.stdout, self.stderr)
    }

    /// Assert that the run succeeded (showing both streams otherwise); returns its stdout.
    #[track_caller]
    pub fn assert_ok(&self) -> &str {
        assert!(self.success, "{}\n{}", self.stdout, self.stderr);
        &self.stdout
    }

    /// Assert that the run failed with every one of `fragments` on stderr; returns stderr.
    #[track_caller]
    pub fn assert_fails_with(&self, fragments: &[&str]) -> &str {
        assert!(
            !self.success,
            "succeeded:\n{}\n{}",
            self.stdout, self.stderr
        );
        let lacks = super::lacking("stderr", &self.stderr, fragments);
        assert!(lacks.is_empty(), "{}", lacks.join("\n"));
        &self.stderr
    }
}
