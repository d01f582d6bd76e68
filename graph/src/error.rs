//! The error type of deepfield-graph: parse errors with file and line, graph consistency errors,
//! and everything from [`deepfield_core::Error`].

use std::path::PathBuf;

/// Everything that can go wrong in deepfield-graph. Bad user input ends up here, never in a panic.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Errors from the shared core (torch, I/O, config, missing data, plots, checkpoints).
    #[error(transparent)]
    Core(#[from] deepfield_core::Error),

    /// A line of an input file could not be read (ragged row, non-numeric value, duplicate id,
    /// dangling edge, …). `line` is 1-based.
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// The graph as a whole is inconsistent (no nodes, a split larger than the graph, …).
    #[error("graph: {0}")]
    Invalid(String),

    /// A configuration value is out of range.
    #[error("invalid config: {0}")]
    Config(String),
}

/// `Result` with [`GraphError`].
pub type Result<T, E = GraphError> = std::result::Result<T, E>;

impl From<tch::TchError> for GraphError {
    fn from(e: tch::TchError) -> Self {
        GraphError::Core(deepfield_core::Error::Torch(e))
    }
}

/// Back into core's error, for graph code that runs inside core's training loop (a sampler's or
/// a model's error from a `TrainStep` or `BatchSource`): core errors unwrap, configuration errors
/// stay configuration errors, everything else is kept whole as a domain error (its message
/// unchanged, the graph error reachable as its source).
impl From<GraphError> for deepfield_core::Error {
    fn from(e: GraphError) -> Self {
        match e {
            GraphError::Core(c) => c,
            GraphError::Config(m) => deepfield_core::Error::Config(m),
            other => deepfield_core::Error::domain("graph", other),
        }
    }
}

impl GraphError {
    /// A parse error at `line` (1-based) of `path`.
    pub fn parse(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        GraphError::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// A graph consistency error.
    pub fn invalid(message: impl Into<String>) -> Self {
        GraphError::Invalid(message.into())
    }

    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        GraphError::Config(message.into())
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
