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

// `Result`, the constructors, `From<tch::TchError>` and the way back into core's error.
deepfield_core::domain_error!(Error, "genomics", [input, io, parse], []);
