//! One error type for deepfield-core. Domain crates wrap it with `#[from] deepfield_core::Error`.

use std::path::PathBuf;

/// Everything that can go wrong in deepfield-core. User input never panics: it ends up here.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A libtorch operation failed (shape mismatch, dtype, device, …).
    #[error("torch: {0}")]
    Torch(#[from] tch::TchError),

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// JSON (config, metrics) could not be read or written.
    #[error("{context}: {source}")]
    Json {
        context: String,
        #[source]
        source: serde_json::Error,
    },

    /// A CSV/table could not be read or has the wrong content.
    #[error("table {path}: {message}")]
    Table { path: PathBuf, message: String },

    /// A data file is malformed (a bad IDX header, truncated gzip data, a labels file that does
    /// not match its images). `line` is 1-based, 0 where the file has no lines (binary formats).
    #[error("{}", show_parse(path, *line, message))]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },

    /// A dataset folder or file of the data directory is missing.
    #[error("{0}")]
    MissingData(String),

    /// A configuration value is invalid (checked once, before any work).
    #[error("invalid config: {0}")]
    Config(String),

    /// Input data has the wrong shape, length or values.
    #[error("invalid input: {0}")]
    Input(String),

    /// A checkpoint is missing a tensor, has one of the wrong shape, or does not match the model.
    #[error("checkpoint {path}: {message}")]
    Checkpoint { path: PathBuf, message: String },

    /// Drawing a plot failed.
    #[error("plot {path}: {message}")]
    Plot { path: PathBuf, message: String },

    /// A reproduction that failed: its results folder `out` was left as it was (the run wrote
    /// into a temporary folder beside it, removed or replaced by the next run).
    #[error("{id}: the run failed and {} was left as it was: {source}", out.display())]
    Run {
        id: String,
        out: PathBuf,
        #[source]
        source: Box<Error>,
    },

    /// A domain crate's error crossing into core (a reproduction, a training step, an
    /// evaluator): its message is shown unchanged and the original error stays reachable
    /// through [`std::error::Error::source`] and [`Error::domain_source`].
    #[error("{source}")]
    Domain {
        /// The crate it came from (`audio`, `graph`, …).
        domain: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

fn show_parse(path: &std::path::Path, line: usize, message: &str) -> String {
    if line == 0 {
        format!("{}: {message}", path.display())
    } else {
        format!("{}:{line}: {message}", path.display())
    }
}

/// `Result` with deepfield-core's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error tied to the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A parse error at `line` (1-based; 0 for binary formats) of `path`.
    pub fn parse(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// A configuration error.
    pub fn config(msg: impl Into<String>) -> Self {
        Error::Config(msg.into())
    }

    /// An input error.
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }

    /// Wrap a domain crate's error, keeping it as the source (no flattening to a string).
    pub fn domain(
        domain: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Domain {
            domain,
            source: Box::new(source),
        }
    }

    /// The domain error inside, downcast to its type (`e.domain_source::<GraphError>()`).
    pub fn domain_source<E: std::error::Error + 'static>(&self) -> Option<&E> {
        match self {
            Error::Domain { source, .. } => source.downcast_ref::<E>(),
            _ => None,
        }
    }
}

/// The longest message a reader's error keeps (a malformed file can make a parser quote
/// kilobytes of it); see [`clip`].
pub const MAX_MESSAGE_CHARS: usize = 1000;

/// `message` cut to [`MAX_MESSAGE_CHARS`] characters, saying how much was left out.
pub fn clip(message: &str) -> String {
    clip_to(message, MAX_MESSAGE_CHARS)
}

/// `message` cut to `max` characters, saying how much was left out.
pub fn clip_to(message: &str, max: usize) -> String {
    let n = message.chars().count();
    if n <= max {
        return message.to_string();
    }
    let kept: String = message.chars().take(max).collect();
    format!("{kept}… ({} more characters)", n - max)
}

/// The first `max` of `items` joined with `sep`, then "… and N more" when there were more.
pub fn list_some(items: &[String], max: usize, sep: &str) -> String {
    let mut s = items
        .iter()
        .take(max)
        .map(|i| clip_to(i, 120))
        .collect::<Vec<_>>()
        .join(sep);
    if items.len() > max {
        s.push_str(&format!("{sep}… and {} more", items.len() - max));
    }
    s
}

/// A serde error about a settings file in a user's words: "lacks the setting `input`", "has
/// an unknown setting `inptu` (known: …)", "setting `lr`: expected a number, found a string"
/// — without serde's "at line 89 column 3" unless the JSON itself is malformed.
pub fn explain_serde(e: &serde_json::Error) -> String {
    let raw = e.to_string();
    // serde_json appends " at line L column C" to every message.
    let msg = match raw.rfind(" at line ") {
        Some(i) if e.is_data() => raw[..i].to_string(),
        _ => raw.clone(),
    };
    let quoted = |m: &str, prefix: &str| -> Option<String> {
        let rest = m.strip_prefix(prefix)?;
        let start = rest.find('`')?;
        let end = rest[start + 1..].find('`')?;
        Some(rest[start + 1..start + 1 + end].to_string())
    };
    if let Some(f) = quoted(&msg, "missing field") {
        return format!("lacks the setting `{f}`");
    }
    if let Some(f) = quoted(&msg, "unknown field") {
        let known = msg
            .split_once(", expected ")
            .map(|(_, k)| format!(" (expected {k})"))
            .unwrap_or_default();
        return format!("has an unknown setting `{f}`{known}");
    }
    if let Some(v) = quoted(&msg, "unknown variant") {
        let known = msg
            .split_once(", expected ")
            .map(|(_, k)| format!(" (expected {k})"))
            .unwrap_or_default();
        return format!("has an unknown choice `{v}`{known}");
    }
    if e.is_syntax() || e.is_eof() {
        return format!("is not valid JSON: {raw}");
    }
    msg.replace("invalid type: ", "has a setting of the wrong type: ")
}

/// The part every domain crate's error type shares, written once:
/// `domain_error!(Error, "domain", [constructors…], [variants kept as core's…])` for an enum
/// `Error` with the variants `Core(deepfield_core::Error)` (`#[from]`) and `Config(String)`
/// defines `Result<T, E = Error>` and implements
///
/// * `Error::config(message)`, and the constructors listed: `input(message)` (an
///   `Input(String)` variant), `io(path, source)` (core's I/O error, path kept) and
///   `parse(path, line, message)` (a `Parse { path, line, message }` variant, `line` 1-based);
/// * `From<tch::TchError>` (through core's `Torch`);
/// * `Error::into_core` and `From<Error> for deepfield_core::Error`: core errors unwrapped,
///   `Config` as core's `Config`, the variants listed last (e.g. `Input`) as core's variants of
///   the same name, everything else kept whole as a [`Error::domain`] error of `"domain"` (the
///   message unchanged, the domain error reachable through [`Error::domain_source`]).
///
/// Each crate keeps its own enum, variants and messages; this writes only the glue.
///
/// ```ignore
/// deepfield_core::domain_error!(Error, "genomics", [input, io, parse], []);
/// ```
#[macro_export]
macro_rules! domain_error {
    ($ty:ident, $domain:literal, [$($ctor:ident),* $(,)?], [$($keep:ident),* $(,)?] $(,)?) => {
        /// `Result` with this crate's error.
        pub type Result<T, E = $ty> = std::result::Result<T, E>;

        impl $ty {
            /// A configuration error.
            pub fn config(message: impl Into<String>) -> Self {
                $ty::Config(message.into())
            }

            /// As a core error: core errors unwrapped, configuration errors (and those named
            /// by the crate) as core's, the rest as a domain error whose message is unchanged.
            pub fn into_core(self) -> $crate::Error {
                match self {
                    $ty::Core(c) => c,
                    $ty::Config(m) => $crate::Error::Config(m),
                    $($ty::$keep(m) => $crate::Error::$keep(m),)*
                    other => $crate::Error::domain($domain, other),
                }
            }
        }

        $($crate::domain_error!(@ctor $ty $ctor);)*

        impl From<$crate::tch::TchError> for $ty {
            fn from(e: $crate::tch::TchError) -> Self {
                $ty::Core($crate::Error::Torch(e))
            }
        }

        /// Back into core's error (see `into_core`), for code that runs inside core's training
        /// loop, model registry or reproductions.
        impl From<$ty> for $crate::Error {
            fn from(e: $ty) -> Self {
                e.into_core()
            }
        }
    };
    (@ctor $ty:ident input) => {
        impl $ty {
            /// An input error.
            pub fn input(message: impl Into<String>) -> Self {
                $ty::Input(message.into())
            }
        }
    };
    (@ctor $ty:ident io) => {
        impl $ty {
            /// An I/O error tied to its path (core's [`Error::Io`]($crate::Error::Io)).
            pub fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
                $ty::Core($crate::Error::io(path, source))
            }
        }
    };
    (@ctor $ty:ident parse) => {
        impl $ty {
            /// A parse error at `line` (1-based) of `path`.
            pub fn parse(
                path: impl Into<std::path::PathBuf>,
                line: usize,
                message: impl Into<String>,
            ) -> Self {
                $ty::Parse {
                    path: path.into(),
                    line,
                    message: message.into(),
                }
            }
        }
    };
}

/// Return `Err(Error::Config(..))` unless `cond` holds.
#[macro_export]
macro_rules! ensure_config {
    ($cond:expr, $($arg:tt)+) => {
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        let ok = $cond;
        if !ok {
            return Err($crate::Error::Config(format!($($arg)+)));
        }
    };
}

/// Return `Err(Error::Input(..))` unless `cond` holds.
#[macro_export]
macro_rules! ensure_input {
    ($cond:expr, $($arg:tt)+) => {
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        let ok = $cond;
        if !ok {
            return Err($crate::Error::Input(format!($($arg)+)));
        }
    };
}

#[cfg(test)]
mod domain_tests {
    use super::Error;

    #[derive(Debug, thiserror::Error)]
    #[error("graph file {0}: bad edge")]
    struct GraphLike(String);

    #[test]
    fn a_domain_error_keeps_its_message_and_source() {
        let e = Error::domain("graph", GraphLike("cora.csv".into()));
        assert_eq!(e.to_string(), "graph file cora.csv: bad edge");
        let inner = e.domain_source::<GraphLike>().expect("downcast");
        assert_eq!(inner.0, "cora.csv");
        let src = std::error::Error::source(&e).expect("source");
        assert_eq!(src.to_string(), "graph file cora.csv: bad edge");
        assert!(Error::input("x").domain_source::<GraphLike>().is_none());
    }

    /// A domain crate's error as `domain_error!` completes it.
    #[derive(Debug, thiserror::Error)]
    pub enum DomainLike {
        #[error("invalid input: {0}")]
        Input(String),
        #[error("invalid config: {0}")]
        Config(String),
        #[error("{path}:{line}: {message}")]
        Parse {
            path: std::path::PathBuf,
            line: usize,
            message: String,
        },
        #[error(transparent)]
        Core(#[from] Error),
    }

    crate::domain_error!(DomainLike, "like", [input, io, parse], [Input]);

    #[test]
    fn domain_error_writes_the_constructors_and_the_way_back_into_core() {
        let parse = DomainLike::parse("a.csv", 3, "bad row");
        assert_eq!(parse.to_string(), "a.csv:3: bad row");
        let back: Error = parse.into();
        assert!(
            matches!(back, Error::Domain { domain: "like", .. }),
            "{back:?}"
        );
        assert_eq!(back.to_string(), "a.csv:3: bad row");
        assert!(back.domain_source::<DomainLike>().is_some());
        // Config and the variants named last become core's own; core errors unwrap.
        assert!(matches!(DomainLike::config("c").into_core(), Error::Config(m) if m == "c"));
        assert!(matches!(DomainLike::input("i").into_core(), Error::Input(m) if m == "i"));
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let io = DomainLike::io("x.csv", io);
        assert!(matches!(io.into_core(), Error::Io { ref path, .. } if path.ends_with("x.csv")));
        let torch: DomainLike = tch::TchError::Torch("t".into()).into();
        assert!(matches!(torch.into_core(), Error::Torch(_)));
        let refuse = |m: &str| -> Result<()> { Err(DomainLike::input(m)) };
        assert_eq!(refuse("r").unwrap_err().to_string(), "invalid input: r");
    }
}

#[cfg(test)]
mod serde_words {
    use super::explain_serde;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Cfg {
        input: i64,
        #[serde(default)]
        mode: Option<Mode>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Mode {
        Fast,
        Slow,
    }

    fn words(text: &str) -> String {
        explain_serde(&serde_json::from_str::<Cfg>(text).unwrap_err())
    }

    #[test]
    fn serde_errors_read_as_settings() {
        assert_eq!(words("{\n\n}"), "lacks the setting `input`");
        assert_eq!(
            words(r#"{"input": 1, "inptu": 2}"#),
            "has an unknown setting `inptu` (expected `input` or `mode`)"
        );
        assert_eq!(
            words(r#"{"input": 1, "mode": "quick"}"#),
            "has an unknown choice `quick` (expected `fast` or `slow`)"
        );
        let w = words(r#"{"input": "one"}"#);
        assert!(
            w.starts_with("has a setting of the wrong type") && !w.contains("line"),
            "{w}"
        );
        assert!(
            words("{\"input\": ").starts_with("is not valid JSON"),
            "{}",
            words("{")
        );
    }
}
