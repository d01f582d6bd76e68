//! The audio crate's error type. Every failure on user input ends here, naming the file it
//! concerns; library code never panics on bad audio.

use std::path::PathBuf;

/// Everything that can go wrong in deepfield-audio.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the shared core (torch, I/O, config, checkpoint, …).
    #[error(transparent)]
    Core(#[from] deepfield_core::Error),

    /// A file is not a readable WAV, or its content is unusable (empty, NaN, too long, …).
    #[error("{path}: {message}")]
    BadAudio { path: PathBuf, message: String },

    /// A feature or model parameter is invalid.
    #[error("invalid config: {0}")]
    Config(String),

    /// Input data (signals, labels, folders) has the wrong shape or content.
    #[error("invalid input: {0}")]
    Input(String),
}

// `Result`, the constructors, `From<tch::TchError>` and the way back into core's error.
deepfield_core::domain_error!(Error, "audio", [input], []);

impl Error {
    /// A bad-audio error for `path`.
    pub fn bad_audio(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::BadAudio {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Return `Err(Error::Config(..))` unless `cond` holds.
macro_rules! ensure_config {
    ($cond:expr, $($arg:tt)+) => {{
        let ok: bool = $cond;
        if !ok {
            return Err($crate::Error::Config(format!($($arg)+)));
        }
    }};
}
pub(crate) use ensure_config;
