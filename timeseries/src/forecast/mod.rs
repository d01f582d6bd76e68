//! The forecasting pipeline shared by `amd-kinetic`, `stock-cnn-lstm` and `eval`: clean a
//! [`Series`](crate::data::Series), split it chronologically, fit scalers on the training rows,
//! cut windows ([`setup`]), train a [`Forecaster`](crate::models::Forecaster) with core's
//! `Trainer` ([`train`]), score forecasts per target in original units ([`metrics`]), save and
//! restore the trained pipeline ([`saved`]) and run it on a user's file ([`eval`]).
//!
//! Targets are learnt either as levels or as differences from the last observed value
//! ([`TargetMode`]); differences let a model extrapolate beyond the training range (a test that
//! keeps acidifying, a price that keeps rising), levels are what the AMD paper did.

pub mod eval;
pub mod metrics;
pub mod saved;
pub mod setup;
pub mod target;
pub mod train;

pub use eval::{evaluate_csv, EvalMetrics, ForecastOutput};
pub use metrics::{direction_accuracy, target_metrics, TargetMetrics};
pub use saved::{load, save, ForecastPipelineConfig, LEGACY_KIND};
pub use setup::{ForecastSetup, Prepared, TargetMode};
pub use target::TargetTransform;
pub use train::{predict_levels, train, Trained};

pub(crate) fn names(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Timestamps that look like step numbers stay numbers; others are formatted as dates.
pub fn fmt_time(t: i64) -> String {
    if (0..1_000_000).contains(&t) {
        t.to_string()
    } else {
        crate::data::time::format_timestamp(t)
    }
}
