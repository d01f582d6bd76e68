//! The error type of deepfield-vision. A corrupt, truncated or mislabelled image or IDX file ends
//! up here with its path (and, where it has one, its line), never as a panic.

use std::path::PathBuf;

/// Everything that can go wrong in deepfield-vision.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the shared core (torch, I/O, checkpoints, data directory, plots, …).
    #[error(transparent)]
    Core(#[from] deepfield_core::Error),

    /// A file is malformed: a bad IDX header, an image that does not decode, a labels row that
    /// does not parse. `line` is 1-based, 0 where the file has no lines (binary formats).
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

/// `Result` with the vision [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error tied to its path (core's [`deepfield_core::Error::Io`]).
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Core(deepfield_core::Error::io(path, source))
    }

    /// A malformed file: `line` 1-based, or 0 for a binary file.
    pub fn parse(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// An input error.
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }

    /// A configuration error.
    pub fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }
}

impl From<tch::TchError> for Error {
    fn from(e: tch::TchError) -> Self {
        Error::Core(e.into())
    }
}

/// Reproductions report through the core's error type; vision errors keep their source.
impl From<Error> for deepfield_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Core(c) => c,
            Error::Config(m) => deepfield_core::Error::Config(m),
            other => deepfield_core::Error::domain("vision", other),
        }
    }
}
