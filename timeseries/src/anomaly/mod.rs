//! Anomaly detection evaluation: labels from annotated windows, point adjustment,
//! precision/recall/F1 at the best threshold, and the NAB label files.

pub mod metrics;
pub mod nab;

pub use metrics::{best_f1, labels_from_windows, point_adjust, prf, BestF1};
