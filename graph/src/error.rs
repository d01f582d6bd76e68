//! The error type of deepfield-graph: parse errors with file and line, graph consistency errors,
//! and everything from [`deepfield_core::Error`].

use std::path::PathBuf;

/// Everything that can go wrong in deepfield-graph. Bad user input ends up here, never in a panic.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Errors from the shared core (torch, I/O, config, missing data, plots, checkpoints).
    #[error(transparent)]
    Core(#[from] deepfield_core::Error),

    /// The graph as a whole is inconsistent (no nodes, a split larger than the graph, …).
    #[error("graph: {0}")]
    Invalid(String),

    /// A configuration value is out of range.
    #[error("invalid config: {0}")]
    Config(String),

    /// A line of an input file could not be read (ragged row, non-numeric value, duplicate id,
    /// dangling edge, …). `line` is 1-based.
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

// `config`/`parse` constructors, `From<tch::TchError>` and the way back into core's error (for
// graph code that runs inside core's training loop: a sampler's or a model's error from a
// `TrainStep` or `BatchSource`).
deepfield_core::domain_error!(GraphError, "graph", [parse], []);

impl GraphError {
    /// A graph consistency error.
    pub fn invalid(message: impl Into<String>) -> Self {
        GraphError::Invalid(message.into())
    }
}

/// Return `Err(GraphError::Config(..))` unless `cond` holds.
macro_rules! ensure_cfg {
    ($cond:expr, $($arg:tt)+) => {
        if !($cond) {
            return Err($crate::error::GraphError::Config(format!($($arg)+)));
        }
    };
}
pub(crate) use ensure_cfg;
