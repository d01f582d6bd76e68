//! The error type of deepfield-text. A malformed CoNLL, qrels or word-vector file ends up here
//! with its path and line, never as a panic.

use std::path::PathBuf;

/// Everything that can go wrong in deepfield-text.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the shared core (torch, I/O, checkpoints, data directory, plots, …).
    #[error(transparent)]
    Core(#[from] deepfield_core::Error),

    /// A file is malformed: a wrong column count, a bad token ID, a broken BIO sequence that
    /// cannot be repaired, a word vector of the wrong dimension. `line` is 1-based, 0 where the
    /// problem belongs to the whole file.
    #[error("{}", show_parse(path, *line, message))]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// Input data has the wrong shape, size or values.
    #[error("invalid input: {0}")]
    Input(String),

    /// A configuration value is invalid.
    #[error("invalid config: {0}")]
    Config(String),
}

fn show_parse(path: &std::path::Path, line: usize, message: &str) -> String {
    if line == 0 {
        format!("{}: {message}", path.display())
    } else {
        format!("{}:{line}: {message}", path.display())
    }
}

// `Result`, the constructors, `From<tch::TchError>` and the way back into core's error.
deepfield_core::domain_error!(Error, "text", [input, io, parse], []);
