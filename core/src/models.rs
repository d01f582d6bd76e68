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
//! Older checkpoints whose weights carry no metadata still restore: the kind is then taken from
//! `config.json`, either a `"kind"` field or the `"model"` tag of a
//! [`ModelSpec`](crate::nn::spec::ModelSpec) (`{"model": "mlp", "input": 8, …}`).
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

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tch::nn::{self, VarStore};
use tch::Device;

use crate::checkpoint::{self, META_CONFIG, META_KIND};
use crate::nn::autoencoder::{Autoencoder, AutoencoderConfig};
use crate::nn::cnn::{CnnClassifier, CnnClassifierConfig};
use crate::nn::cnn_lstm::{CnnLstm, CnnLstmConfig};
use crate::nn::mlp::{Mlp, MlpConfig};
use crate::nn::rnn::{SequenceClassifier, SequenceClassifierConfig};
use crate::nn::seq2seq::{Seq2Seq, Seq2SeqConfig};
use crate::nn::transformer::{TransformerEncoder, TransformerEncoderConfig};
use crate::{Error, Forward, Result};

/// A model config that the registry can build: a kind name, a serde config, a builder.
pub trait ModelConfig: Serialize + DeserializeOwned + Clone + 'static {
    /// The kind name, unique in a registry, recorded in checkpoints: lowercase ASCII letters,
    /// digits, `_`, `-` and `.` (domain crates prefix theirs, e.g. `graph.gcn`).
    const KIND: &'static str;
    /// One line for listings (`deepfield-… models`).
    const DESCRIPTION: &'static str;
    /// The built model.
    type Model: Forward + 'static;

    /// Check the config before anything is built (default: nothing to check).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// Create the model's parameters under `path`. Called both for fresh weights and to rebuild
    /// a saved model before its weights are loaded.
    fn build(&self, path: &nn::Path) -> Result<Self::Model>;
}

/// Prefix an error of `kind`'s config with the kind name.
fn in_kind(kind: &str, e: Error) -> Error {
    match e {
        Error::Config(m) => Error::Config(format!("model `{kind}`: {m}")),
        other => other,
    }
}

/// Deserialize and validate a `C` from JSON.
fn parse_config<C: ModelConfig>(config: &Value) -> Result<C> {
    let c = C::deserialize(config).map_err(|e| {
        Error::Config(format!(
            "the config of model `{}` {}",
            C::KIND,
            crate::error::explain_serde(&e)
        ))
    })?;
    c.validate().map_err(|e| in_kind(C::KIND, e))?;
    Ok(c)
}

fn build_dyn<C: ModelConfig>(config: &Value, path: &nn::Path) -> Result<Box<dyn Forward>> {
    let c = parse_config::<C>(config)?;
    let model = c.build(path).map_err(|e| in_kind(C::KIND, e))?;
    Ok(Box::new(model))
}

type BuildFn = fn(&Value, &nn::Path) -> Result<Box<dyn Forward>>;

#[derive(Debug, Clone, Copy)]
struct Entry {
    description: &'static str,
    build: BuildFn,
}

/// Kind name → builder, for every model a program knows. See the [module docs](self).
#[derive(Debug, Clone, Default)]
pub struct ModelRegistry {
    entries: BTreeMap<&'static str, Entry>,
}

/// A model restored from a checkpoint folder by [`ModelRegistry::restore`].
pub struct Restored {
    /// The kind it was saved as.
    pub kind: String,
    /// Its config, as saved.
    pub config: Value,
    /// Its parameters, loaded from the checkpoint.
    pub vs: VarStore,
    /// The model, built on `vs`.
    pub model: Box<dyn Forward>,
}

impl std::fmt::Debug for Restored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restored")
            .field("kind", &self.kind)
            .field("config", &self.config)
            .field("variables", &self.vs.len())
            .finish_non_exhaustive()
    }
}

fn valid_kind_name(kind: &str) -> bool {
    !kind.is_empty()
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-.".contains(&b))
}

impl ModelRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry with every core model: `mlp`, `cnn`, `rnn`, `cnn_lstm`, `transformer`,
    /// `seq2seq`, `autoencoder` (the tags of [`crate::nn::spec::ModelSpec`]).
    pub fn with_core() -> Self {
        let mut reg = Self::new();
        reg.insert::<MlpConfig>();
        reg.insert::<CnnClassifierConfig>();
        reg.insert::<SequenceClassifierConfig>();
        reg.insert::<CnnLstmConfig>();
        reg.insert::<TransformerEncoderConfig>();
        reg.insert::<Seq2SeqConfig>();
        reg.insert::<AutoencoderConfig>();
        reg
    }

    fn insert<C: ModelConfig>(&mut self) {
        self.entries.insert(
            C::KIND,
            Entry {
                description: C::DESCRIPTION,
                build: build_dyn::<C>,
            },
        );
    }

    /// Register `C` under [`C::KIND`](ModelConfig::KIND). A kind registered already, or a kind
    /// name outside `[a-z0-9_.-]+`, is an error.
    pub fn register<C: ModelConfig>(&mut self) -> Result<()> {
        if !valid_kind_name(C::KIND) {
            return Err(Error::config(format!(
                "model kind `{}`: names use only a-z, 0-9, `_`, `-` and `.`",
                C::KIND
            )));
        }
        if let Some(existing) = self.entries.get(C::KIND) {
            return Err(Error::config(format!(
                "model kind `{}` is already registered ({})",
                C::KIND,
                existing.description
            )));
        }
        self.insert::<C>();
        Ok(())
    }

    /// Whether `kind` is registered.
    pub fn contains(&self, kind: &str) -> bool {
        self.entries.contains_key(kind)
    }

    /// Every registered `(kind, description)`, sorted by kind.
    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        self.entries
            .iter()
            .map(|(k, e)| (*k, e.description))
            .collect()
    }

    fn known(&self) -> String {
        let names: Vec<&str> = self.entries.keys().copied().collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    }

    fn entry(&self, kind: &str) -> Result<&Entry> {
        self.entries.get(kind).ok_or_else(|| {
            Error::config(format!(
                "unknown model kind `{kind}` (known kinds: {})",
                self.known()
            ))
        })
    }

    /// Build a model of `kind` from its JSON `config` under `path`. An unknown kind is an error
    /// listing the known ones; a config that does not deserialize or validate is an error naming
    /// the kind and the problem.
    pub fn build(&self, kind: &str, config: &Value, path: &nn::Path) -> Result<Box<dyn Forward>> {
        (self.entry(kind)?.build)(config, path)
    }

    /// Rebuild the model saved in the checkpoint folder `dir` (by [`save_model`], or an older
    /// checkpoint with its kind in `config.json`) on `device` and load its weights.
    pub fn restore(&self, dir: &Path, device: Device) -> Result<Restored> {
        let (kind, config) = stored_model(dir)?;
        let entry = self
            .entries
            .get(kind.as_str())
            .ok_or_else(|| Error::Checkpoint {
                path: dir.to_path_buf(),
                message: format!(
                    "holds a model of kind `{kind}`, which is not registered (known kinds: {}); \
                 register the crate that defines it",
                    self.known()
                ),
            })?;
        let mut vs = VarStore::new(device);
        let model = (entry.build)(&config, &vs.root())?;
        checkpoint::load_weights(&checkpoint::weights_path(dir), &mut vs)?;
        Ok(Restored {
            kind,
            config,
            vs,
            model,
        })
    }
}

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
/// its config, its parameters and the built model. The checkpoint must hold a `C::KIND` model.
pub fn restore_model<C: ModelConfig>(
    dir: &Path,
    device: Device,
) -> Result<(C, VarStore, C::Model)> {
    let (kind, config) = stored_model(dir)?;
    if kind != C::KIND {
        return Err(Error::Checkpoint {
            path: dir.to_path_buf(),
            message: format!("holds a `{kind}` model, not a `{}` model", C::KIND),
        });
    }
    let config = parse_config::<C>(&config)?;
    restore_with_config(dir, device, config)
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

/// The kind and JSON config of the model saved in `dir`: from the weights' metadata when it has
/// them, else from `config.json` (`{"kind", "config"}`, a flat `"kind"` field, or a
/// `ModelSpec` `"model"` tag).
fn stored_model(dir: &Path) -> Result<(String, Value)> {
    let weights = checkpoint::weights_path(dir);
    let metadata = checkpoint::read_metadata(&weights)?;
    let ckpt_error = |path: &Path, message: String| Error::Checkpoint {
        path: path.to_path_buf(),
        message,
    };
    if let (Some(kind), Some(text)) = (metadata.get(META_KIND), metadata.get(META_CONFIG)) {
        let config = serde_json::from_str(text).map_err(|e| {
            ckpt_error(
                &weights,
                format!("metadata `{META_CONFIG}` is not JSON ({e})"),
            )
        })?;
        return Ok((kind.clone(), config));
    }
    let json: Value = checkpoint::load(dir)?;
    let config_path = dir.join(checkpoint::CONFIG_FILE);
    let Value::Object(mut fields) = json else {
        return Err(ckpt_error(
            &config_path,
            "is not a JSON object, so it names no model kind".into(),
        ));
    };
    let tag = |fields: &serde_json::Map<String, Value>, key: &str| {
        fields.get(key).and_then(Value::as_str).map(str::to_owned)
    };
    let (kind, config) = if let Some(kind) = tag(&fields, "kind") {
        fields.remove("kind");
        match fields.remove("config") {
            Some(config @ Value::Object(_)) if fields.is_empty() => (kind, config),
            Some(other) => {
                fields.insert("config".into(), other);
                (kind, Value::Object(fields))
            }
            None => (kind, Value::Object(fields)),
        }
    } else if let Some(kind) = tag(&fields, "model") {
        fields.remove("model");
        (kind, Value::Object(fields))
    } else {
        return Err(ckpt_error(
            &config_path,
            "names no model kind (no `kind` field, no `model` tag, and the weights carry no \
             `kind` metadata)"
                .into(),
        ));
    };
    // Weights with a kind but no config: the kind in the metadata wins.
    let kind = metadata.get(META_KIND).cloned().unwrap_or(kind);
    Ok((kind, config))
}

macro_rules! core_model {
    ($config:ty, $model:ty, $kind:literal, $description:literal) => {
        impl ModelConfig for $config {
            const KIND: &'static str = $kind;
            const DESCRIPTION: &'static str = $description;
            type Model = $model;

            fn validate(&self) -> Result<()> {
                // The inherent method (inherent items take precedence over the trait's).
                <$config>::validate(self)
            }

            fn build(&self, path: &nn::Path) -> Result<$model> {
                self.init(path)
            }
        }
    };
}

core_model!(
    MlpConfig,
    Mlp,
    "mlp",
    "multi-layer perceptron over feature vectors"
);
core_model!(
    CnnClassifierConfig,
    CnnClassifier,
    "cnn",
    "1-D/2-D CNN with global pooling and an MLP head"
);
core_model!(
    SequenceClassifierConfig,
    SequenceClassifier,
    "rnn",
    "LSTM/GRU sequence classifier or regressor"
);
core_model!(
    CnnLstmConfig,
    CnnLstm,
    "cnn_lstm",
    "1-D CNN front end feeding an LSTM (sequence classifier or regressor)"
);
core_model!(
    TransformerEncoderConfig,
    TransformerEncoder,
    "transformer",
    "transformer encoder over sequences"
);
core_model!(
    Seq2SeqConfig,
    Seq2Seq,
    "seq2seq",
    "encoder-decoder LSTM forecaster"
);
core_model!(
    AutoencoderConfig,
    Autoencoder,
    "autoencoder",
    "autoencoder / VAE; the forward pass is the reconstruction"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::spec::ModelSpec;

    #[test]
    fn core_kinds_are_the_model_spec_tags() {
        let reg = ModelRegistry::with_core();
        let kinds: Vec<&str> = reg.kinds().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            kinds,
            [
                "autoencoder",
                "cnn",
                "cnn_lstm",
                "mlp",
                "rnn",
                "seq2seq",
                "transformer"
            ]
        );
        let specs = [
            ModelSpec::Mlp(MlpConfig::default()),
            ModelSpec::Cnn(CnnClassifierConfig::default()),
            ModelSpec::Rnn(SequenceClassifierConfig::default()),
            ModelSpec::CnnLstm(CnnLstmConfig::default()),
            ModelSpec::Transformer(TransformerEncoderConfig::default()),
            ModelSpec::Seq2seq(Seq2SeqConfig::default()),
            ModelSpec::Autoencoder(AutoencoderConfig::default()),
        ];
        for spec in specs {
            assert!(reg.contains(spec.name()), "{}", spec.name());
        }
        assert!(!reg.contains("gcn"));
    }

    #[test]
    fn kind_names_are_checked() {
        assert!(valid_kind_name("graph.gcn"));
        assert!(valid_kind_name("cnn_lstm-2"));
        assert!(!valid_kind_name(""));
        assert!(!valid_kind_name("My Model"));
        assert!(!valid_kind_name("Mlp"));
    }

    #[test]
    fn config_json_fallbacks() {
        let dir = tempfile::tempdir().unwrap();
        let vs = VarStore::new(Device::Cpu);
        let _ = MlpConfig::new(2, [3], 1).init(&vs.root()).unwrap();
        let cases = [
            (
                serde_json::json!({"kind": "mlp", "config": {"input": 2}}),
                serde_json::json!({"input": 2}),
            ),
            (
                serde_json::json!({"kind": "mlp", "input": 2}),
                serde_json::json!({"input": 2}),
            ),
            (
                serde_json::json!({"model": "mlp", "input": 2}),
                serde_json::json!({"input": 2}),
            ),
        ];
        for (json, want) in cases {
            checkpoint::save::<_, ()>(dir.path(), &vs, &json, None).unwrap();
            let (kind, config) = stored_model(dir.path()).unwrap();
            assert_eq!(kind, "mlp", "{json}");
            assert_eq!(config, want, "{json}");
        }
        checkpoint::save::<_, ()>(dir.path(), &vs, &serde_json::json!({"input": 2}), None).unwrap();
        let e = stored_model(dir.path()).unwrap_err().to_string();
        assert!(e.contains("names no model kind"), "{e}");
        checkpoint::save::<_, ()>(dir.path(), &vs, &serde_json::json!([1, 2]), None).unwrap();
        let e = stored_model(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is not a JSON object"), "{e}");
    }
}
