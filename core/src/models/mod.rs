//! One model registry: a kind name → a serde config → a builder, and the one save/restore path
//! for every model.
//!
//! A model's config implements [`ModelConfig`]: a [`KIND`](ModelConfig::KIND) name, a
//! one-line [`DESCRIPTION`](ModelConfig::DESCRIPTION), and [`build`](ModelConfig::build), which
//! creates the parameters under a `tch::nn::Path`. The same `build` makes fresh weights and
//! rebuilds a saved model before its weights are loaded, so there is no separate loading code per
//! model (the "create and load through one path" pattern of candle's `Model::load`).
//!
//! * [`save_model`] writes a checkpoint folder (see [`crate::checkpoint`]): `model.safetensors`
//!   whose metadata records the kind and the config, `config.json` holding
//!   `{"kind": …, "config": …}`, and `metrics.json`.
//! * [`restore_model`] reads it back as a known config type; [`ModelRegistry::restore`] reads any
//!   registered kind behind `Box<dyn Forward>` (for `eval`/`predict` commands that do not know
//!   the model in advance).
//!
//! # Interfaces: tensor-in models and others
//!
//! Most models take one tensor batch and are used as `dyn Forward`: every [`Forward`] model is
//! a valid [`ModelConfig::Model`] as it is. A model with another input (a GNN takes node
//! features *and* the adjacency) is used through its domain's trait object, an [`Interface`]
//! (graph's `dyn GraphModel`); its model type says so with
//! [`into_boxed!`](crate::into_boxed)`(dyn GraphModel: NodeClassifier)`. Both kinds share one
//! registry, one kind namespace, one listing ([`ModelRegistry::kinds`]) and one folder layout;
//! [`ModelRegistry::restore_as`]`::<dyn GraphModel>` (and [`build_as`](ModelRegistry::build_as))
//! hand out the others, and asking for a kind through the wrong interface is an error that
//! says what the model takes.
//!
//! # Older folders
//!
//! Older checkpoints whose weights carry no metadata still restore: the kind is then taken from
//! `config.json`, either a `"kind"` field or the `"model"` tag of a
//! [`ModelSpec`](crate::nn::spec::ModelSpec) (`{"model": "mlp", "input": 8, …}`), or, for a
//! `config.json` naming no kind, from the registered config whose
//! [`from_older`](ModelConfig::from_older) recognises the layout.
//!
//! [`ModelRegistry::with_core`] registers core's models under the names of `ModelSpec`: `mlp`,
//! `cnn`, `rnn`, `cnn_lstm`, `transformer`, `seq2seq`, `autoencoder`.
//!
//! # Registering a domain crate's models
//!
//! Each domain crate implements [`ModelConfig`] for its configs and exposes one function,
//! `pub fn register(reg: &mut ModelRegistry) -> deepfield_core::Result<()>`, that registers
//! them; a binary builds its registry from core's and the crates it links (the same code runs
//! in `core/tests/model_registry.rs`):
//!
//! ```no_run
//! use deepfield_core::models::{self, ModelConfig, ModelRegistry};
//! use deepfield_core::nn::mlp::{Mlp, MlpConfig};
//! use deepfield_core::tch::{nn, nn::VarStore, Device, Kind, Tensor};
//! use deepfield_core::{Forward, Result};
//! use serde::{Deserialize, Serialize};
//!
//! // --- in the domain crate (say deepfield-audio) ---
//! /// A tiny "cough" classifier over 13 MFCCs.
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
//! pub struct CoughNetConfig {
//!     pub hidden: i64,
//!     pub classes: i64,
//! }
//!
//! impl ModelConfig for CoughNetConfig {
//!     const KIND: &'static str = "audio.cough_net";
//!     const DESCRIPTION: &'static str = "MLP over mean MFCCs (cough vs. no cough)";
//!     type Model = Mlp;
//!     fn validate(&self) -> Result<()> {
//!         deepfield_core::ensure_config!(self.classes >= 2, "cough_net: classes must be >= 2");
//!         Ok(())
//!     }
//!     fn build(&self, path: &nn::Path) -> Result<Mlp> {
//!         MlpConfig::new(13, [self.hidden], self.classes).init(path)
//!     }
//! }
//!
//! /// Register this crate's models.
//! pub fn register(reg: &mut ModelRegistry) -> Result<()> {
//!     reg.register::<CoughNetConfig>()
//! }
//!
//! // --- in a binary or a test ---
//! # fn main() -> Result<()> {
//! let mut reg = ModelRegistry::with_core();
//! register(&mut reg)?;
//!
//! let config = CoughNetConfig { hidden: 16, classes: 2 };
//! let vs = VarStore::new(Device::Cpu);
//! let model = config.build(&vs.root())?;
//! // ... train ...
//! let dir = std::path::Path::new("runs/cough_net");
//! models::save_model(dir, &vs, &config, Some(&serde_json::json!({"accuracy": 0.9})))?;
//!
//! // Any registered kind, behind `Box<dyn Forward>`:
//! let restored = reg.restore(dir, Device::Cpu)?;
//! assert_eq!(restored.kind, "audio.cough_net");
//! // Or typed, when the caller knows the config type:
//! let (config2, _vs, model2) = models::restore_model::<CoughNetConfig>(dir, Device::Cpu)?;
//! assert_eq!(config2, config);
//!
//! let x = Tensor::randn([4, 13], (Kind::Float, Device::Cpu));
//! assert!(model.predict(&x, None).equal(&restored.model.predict(&x, None)));
//! assert!(model.predict(&x, None).equal(&model2.predict(&x, None)));
//! # Ok(()) }
//! ```

mod config;
mod core_kinds;
mod registry;
mod stored;
mod unmasked;

pub use config::{Interface, IntoBoxed, ModelConfig};
pub use registry::{ModelRegistry, Restored};

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use tch::nn::VarStore;
use tch::Device;

use crate::checkpoint::{self, META_CONFIG, META_KIND};
#[cfg(doc)]
use crate::Forward;
use crate::{Error, Result};
use config::{in_kind, parse_config};
use stored::stored_model;

/// The `config.json` that [`save_model`] writes.
#[derive(Serialize)]
struct SavedModel<'a, C> {
    kind: &'a str,
    config: &'a C,
}

/// Save a model into the checkpoint folder `dir` (created): its weights to
/// `model.safetensors` with [`META_KIND`] and [`META_CONFIG`] in the header's metadata,
/// `{"kind": KIND, "config": config}` to `config.json`, and `metrics` to `metrics.json` (a
/// stale one is removed when `metrics` is `None`). Every file is written atomically. Read it back
/// with [`restore_model`] or [`ModelRegistry::restore`].
pub fn save_model<C: ModelConfig, M: Serialize>(
    dir: &Path,
    vs: &VarStore,
    config: &C,
    metrics: Option<&M>,
) -> Result<()> {
    config.validate().map_err(|e| in_kind(C::KIND, e))?;
    let text = serde_json::to_string(config).map_err(|source| Error::Json {
        context: format!("serializing the `{}` config", C::KIND),
        source,
    })?;
    let metadata = BTreeMap::from([
        (META_KIND.to_string(), C::KIND.to_string()),
        (META_CONFIG.to_string(), text),
    ]);
    let saved = SavedModel {
        kind: C::KIND,
        config,
    };
    checkpoint::save_with_metadata(dir, vs, &saved, metrics, &metadata)
}

/// Restore a model of the known config type `C` from the checkpoint folder `dir` on `device`:
/// its config, its parameters and the built model. The checkpoint must hold a `C::KIND` model
/// (or be a folder in one of `C`'s older layouts, [`ModelConfig::from_older`]).
pub fn restore_model<C: ModelConfig>(
    dir: &Path,
    device: Device,
) -> Result<(C, VarStore, C::Model)> {
    let older = |json: &serde_json::Value| {
        C::from_older(json).and_then(|c| Some((C::KIND, serde_json::to_value(c).ok()?)))
    };
    let (kind, config) = stored_model(dir, &older)?;
    if kind != C::KIND {
        return Err(Error::Checkpoint {
            path: dir.to_path_buf(),
            message: format!("holds a `{kind}` model, not a `{}` model", C::KIND),
        });
    }
    let config = parse_config::<C>(&config)?;
    restore_with_config(dir, device, config)
}

/// The kind and JSON config of the model saved in the checkpoint folder `dir` (without building
/// it): what the run registry's model zoo lists.
pub fn stored_kind(dir: &Path) -> Result<(String, serde_json::Value)> {
    stored_model(dir, &|_| None)
}

/// Build the model of `config` on `device` and load the weights of the checkpoint folder `dir`
/// into it: the second half of [`restore_model`], for callers that obtain the config
/// themselves — e.g. from a folder written before the registry, whose `config.json` has another
/// layout. The config is validated first.
pub fn restore_with_config<C: ModelConfig>(
    dir: &Path,
    device: Device,
    config: C,
) -> Result<(C, VarStore, C::Model)> {
    config.validate().map_err(|e| in_kind(C::KIND, e))?;
    let mut vs = VarStore::new(device);
    let model = config.build(&vs.root()).map_err(|e| in_kind(C::KIND, e))?;
    checkpoint::load_weights(&checkpoint::weights_path(dir), &mut vs)?;
    Ok((config, vs, model))
}
