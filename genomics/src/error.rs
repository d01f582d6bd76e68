//! The genomics error type. Every bad input (a malformed FASTA line, an empty record, a duplicated
//! id, a PennCNV file without its columns) ends up here with the file and line, never as a panic.

use std::path::PathBuf;

/// Everything that can go wrong in deepfield-genomics.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the shared core (torch, I/O, checkpoints, data directory, plots, …).
    #[error(transparent)]
    Core(#[from] deepfield_core::Error),

    /// A sequence, metadata or signal file is malformed at a given line (1-based).
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// Input data has the wrong shape, length or values.
    #[error("invalid input: {0}")]
    Input(String),

    /// A configuration value is invalid.
    #[error("invalid config: {0}")]
    Config(String),
}

/// `Result` with the genomics [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error tied to its path (core's [`deepfield_core::Error::Io`]).
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Core(deepfield_core::Error::io(path, source))
    }

    /// A parse error at `line` (1-based) of `path`.
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

/// Reproductions report through the core's error type; genomics errors keep their message.
impl From<Error> for deepfield_core::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Core(c) => c,
            Error::Config(m) => deepfield_core::Error::Config(m),
            other => deepfield_core::Error::domain("genomics", other),
        }
    }
}
