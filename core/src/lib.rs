//! # deepfield-core
//!
//! The shared core of deepfield over libtorch (through `tch`): device and seeding, data sets and
//! splits, layer and model builders from serde configs, one [`train::Trainer`], metrics,
//! safetensors checkpoints and result reports. Domain crates (`deepfield-audio`,
//! `deepfield-graph`, …) do their own preprocessing and call these builders.
//!
//! Reading order: [`data`] → [`nn`] → [`train`] → [`metrics`] → [`checkpoint`] → [`report`] →
//! [`repro`]. Tests of every crate share the helpers of [`testing`].
//!
//! ```no_run
//! use deepfield_core::data::TensorDataset;
//! use deepfield_core::models::{restore_model, save_model};
//! use deepfield_core::nn::mlp::MlpConfig;
//! use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
//! use deepfield_core::train::{predict, Task, TrainConfig, Trainer};
//!
//! # fn main() -> deepfield_core::Result<()> {
//! deepfield_core::seed(0);
//! let x = Tensor::rand([256, 2], (Kind::Float, Device::Cpu));
//! let y = (x.select(1, 0) - x.select(1, 1)).unsqueeze(1);
//! let data = TensorDataset::new(x, y)?;
//!
//! // A model from its serde config, trained by the one Trainer (MSE regression by default).
//! let config = MlpConfig::new(2, [16], 1);
//! let mut vs = VarStore::new(deepfield_core::device());
//! let model = config.init(&vs.root())?;
//! let trainer = Trainer::new(TrainConfig { epochs: 20, ..Default::default() }, Task::default())?;
//! let history = trainer.fit(&model, &mut vs, &data, None)?;
//! println!("last loss {:?}", history.last().map(|e| e.train_loss));
//!
//! // Saved with its kind and config; restored without knowing anything but the folder.
//! save_model(std::path::Path::new("my-model"), &vs, &config, None::<&()>)?;
//! let (_config, _vs, restored) = restore_model::<MlpConfig>("my-model".as_ref(), Device::Cpu)?;
//! let predictions = predict(&restored, &data, 256)?;
//! # let _ = predictions;
//! # Ok(())
//! # }
//! ```
//!
//! Features (all on by default): `tables` (CSV tables through polars), `plots` (PNG charts
//! through plotters), `cli` (the binaries' shared commands through clap), `parquet`. A program
//! that only trains, saves and runs models can use `default-features = false`.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod allocator;
pub mod automl;
pub mod checkpoint;
#[cfg(feature = "cli")]
pub mod compress_cli;
pub mod continual;
pub mod data;
pub mod device;
pub mod domain;
pub mod error;
pub mod explain;
pub mod fsutil;
pub mod metrics;
pub mod models;
pub mod nn;
pub mod overrides;
pub mod profile;
pub mod progress;
pub mod prune;
pub mod python;
pub mod quant;
pub mod report;
pub mod repro;
pub mod rng;
pub mod robust;
#[cfg(feature = "serve")]
pub mod serve;
pub mod spiking;
pub mod tabular;
pub mod testing;
pub mod train;

pub use device::{device, seed};
pub use error::{Error, Result};
pub use nn::Forward;
pub use rng::Rng;

/// Re-export of `tch`, so domain crates use the very same version.
pub use tch;
