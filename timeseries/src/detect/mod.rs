//! The anomaly-detection pipeline: reconstruction models trained on sliding windows of a
//! (standardised) multivariate series ([`detector`], [`fit`]), scored per time step, saved
//! ([`saved`]) and run on a user's series with or without labels ([`eval`], [`labels`]).
//!
//! Detectors: [`StackVaeG`](crate::models::StackVaeG) (this crate), a plain window VAE (core's
//! [`Autoencoder`](deepfield_core::nn::autoencoder::Autoencoder), flattened windows) and an
//! LSTM autoencoder (core's encoder–decoder LSTM with the window as its own target). The score
//! of time step `t` is the squared reconstruction error of the last step of the window ending at
//! `t`, summed over channels; the first `window − 1` steps take the first window's score.

pub mod detector;
pub mod eval;
pub mod fit;
pub mod labels;
pub mod saved;

pub use detector::{DetectConfig, Detector, DetectorKind};
pub use eval::{evaluate_csv, DetectEval, EvalOptions};
pub use fit::{fit, scores, TrainedDetector};
pub use labels::{LabelMetrics, Prf};
pub use saved::{load, save, DetectorPipelineConfig, Scaling, LEGACY_KIND};
