//! SNP arrays: signal files, the simulator, windows, the Deep SNP model, the change-point
//! baseline, inference with a trained model and the `deep-snp` reproduction.
//! Reading order: [`signal`] → [`simulate`] → [`window`] → [`model`] / [`changepoint`] →
//! [`threshold`] → [`detector`] (a saved model) → [`predict`] → [`repro`].

pub mod changepoint;
pub mod detector;
pub mod model;
pub mod predict;
pub mod repro;
pub mod signal;
pub mod simulate;
pub mod threshold;
pub mod window;

pub use detector::DeepSnpDetectorConfig;
pub use model::{DeepSnp, DeepSnpConfig};
pub use predict::{predict_signal, SignalPredictions, SkippedChromosome};
pub use repro::{DeepSnpMetrics, DeepSnpRepro, DeepSnpRunConfig};
pub use signal::{read_penncnv, write_penncnv, SnpSignal};
pub use simulate::{simulate, CopyState, SimConfig};
pub use window::{windows, Window, WindowConfig};
