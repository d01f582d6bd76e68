//! Running a crate's built binary the way a user does, for end-to-end tests of its commands.

use std::ffi::OsStr;
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

impl BinOutput {
    /// `(success, stdout, stderr)`, for tests that destructure the result.
    pub fn parts(self) -> (bool, String, String) {
        (self.success, self.stdout, self.stderr)
    }
}
