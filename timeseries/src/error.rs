//! The error type of deepfield-timeseries. Every bad input ends up here with a message that
//! names the file, column, row or size at fault; nothing in the library panics on user data.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the shared core (I/O, tables, configs, checkpoints, plots, torch).
    #[error(transparent)]
    Core(#[from] deepfield_core::Error),

    /// A data file could not be read or has the wrong content.
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },

    /// A timestamp cell could not be parsed.
    #[error(
        "column \"{column}\": bad timestamp \"{value}\" at data row {row} (expected YYYY-MM-DD, \
         YYYY-MM-DD HH:MM[:SS[.ffffff]], YYYY-MM or an integer step)"
    )]
    Timestamp {
        column: String,
        row: usize,
        value: String,
    },

    /// A column holds one value only, so it carries no signal (and cannot be scaled).
    #[error("column \"{column}\" is constant ({value}) over the {rows} rows used; drop it or use a longer span")]
    ConstantColumn {
        column: String,
        value: f64,
        rows: usize,
    },

    /// A sliding window does not fit into the series.
    #[error(
        "a window of {needed} steps (lookback {lookback} + horizon {horizon}) is longer than the \
         series ({len} steps)"
    )]
    WindowTooLong {
        lookback: usize,
        horizon: usize,
        needed: usize,
        len: usize,
    },

    /// Input data has the wrong shape, length or values.
    #[error("invalid input: {0}")]
    Input(String),

    /// A configuration value is invalid.
    #[error("invalid config: {0}")]
    Config(String),
}

// `Result`, the constructors, `From<tch::TchError>` and the way back into core's error.
deepfield_core::domain_error!(Error, "timeseries", [input], [Input]);

impl Error {
    /// A data-file error tied to its path.
    pub fn data(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Data {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Return `Err(Error::Input(..))` unless `cond` holds.
#[macro_export]
macro_rules! ensure_input {
    ($cond:expr, $($arg:tt)+) => {
        if !($cond) {
            return Err($crate::Error::Input(format!($($arg)+)));
        }
    };
}

/// Return `Err(Error::Config(..))` unless `cond` holds.
#[macro_export]
macro_rules! ensure_config {
    ($cond:expr, $($arg:tt)+) => {
        if !($cond) {
            return Err($crate::Error::Config(format!($($arg)+)));
        }
    };
}
