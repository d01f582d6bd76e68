//! Data handling: reading series with polars ([`series`]), timestamps ([`time`]), cleaning
//! ([`clean`]: interpolation, resampling, alignment, outliers), sliding windows ([`window`]) and
//! chronological / walk-forward splits with training-only scalers ([`split`]).

pub mod clean;
pub mod input;
pub mod series;
pub mod split;
pub mod time;
pub mod window;

pub use series::{LoadOptions, Series};
pub use window::{forecast_windows, reconstruction_windows, WindowSpec, Windows};
