//! What a model declares to be registered: its config ([`ModelConfig`]), and the interface its
//! built model is used through by code that does not know its type ([`Interface`],
//! [`IntoBoxed`]).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tch::nn;

use crate::{Error, Forward, Result};

/// A model config that the registry can build: a kind name, a serde config, a builder.
pub trait ModelConfig: Serialize + DeserializeOwned + Clone + 'static {
    /// The kind name, unique in a registry, recorded in checkpoints: lowercase ASCII letters,
    /// digits, `_`, `-` and `.` (domain crates prefix theirs, e.g. `graph.gcn`).
    const KIND: &'static str;
    /// One line for listings (`deepfield-… models`).
    const DESCRIPTION: &'static str;
    /// The built model. Every [`Forward`] model qualifies (it is used as `dyn Forward`); a model
    /// with another input implements [`IntoBoxed`] for its domain's interface.
    type Model: IntoBoxed;

    /// Check the config before anything is built (default: nothing to check).
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// Create the model's parameters under `path`. Called both for fresh weights and to rebuild
    /// a saved model before its weights are loaded.
    fn build(&self, path: &nn::Path) -> Result<Self::Model>;

    /// The config of a checkpoint folder written before kinds were recorded (no kind in the
    /// weights' metadata nor in `config.json`), when `config_json` is one of this model's older
    /// layouts. Default: none. Restoring such a folder asks every registered kind.
    fn from_older(config_json: &Value) -> Option<Self> {
        let _ = config_json;
        None
    }

    /// A representative config and an example input, for profiling its cost (every binary's
    /// `profile` command; [`crate::profile`]). Default: none (the kind is listed as skipped).
    fn example() -> Option<crate::profile::Example<Self>> {
        None
    }
}

/// The trait object through which a registry hands out models of one input type: `dyn Forward`
/// (a tensor batch in, a tensor out) for most; a domain crate whose models take another input
/// defines its model trait and implements `Interface` for its `dyn` type (e.g. graph's
/// `dyn GraphModel`, whose forward pass takes node features and the adjacency).
pub trait Interface: 'static {
    /// What the models of this interface take, for messages ("a tensor batch").
    const INPUT: &'static str;
}

impl Interface for dyn Forward {
    const INPUT: &'static str = "a tensor batch";
}

/// A built model, boxed as its [`Interface`]'s trait object. Implemented for every
/// [`Forward`] model (as `dyn Forward`); a model of another interface implements it with
/// [`into_boxed!`](crate::into_boxed): `deepfield_core::into_boxed!(dyn GraphModel: NodeClassifier);`.
pub trait IntoBoxed: 'static {
    /// The trait object the registry returns this model as.
    type Interface: ?Sized + Interface;
    /// Box the model as [`Self::Interface`](IntoBoxed::Interface).
    fn into_boxed(self) -> Box<Self::Interface>;
}

impl<T: Forward + 'static> IntoBoxed for T {
    type Interface = dyn Forward;
    fn into_boxed(self) -> Box<dyn Forward> {
        Box::new(self)
    }
}

/// Prefix an error of `kind`'s config with the kind name.
pub(super) fn in_kind(kind: &str, e: Error) -> Error {
    match e {
        Error::Config(m) => Error::Config(format!("model `{kind}`: {m}")),
        other => other,
    }
}

/// Deserialize and validate a `C` from JSON.
pub(super) fn parse_config<C: ModelConfig>(config: &Value) -> Result<C> {
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

/// Build `C` from JSON, validated, errors prefixed with its kind.
pub(super) fn build_config<C: ModelConfig>(config: &Value, path: &nn::Path) -> Result<C::Model> {
    let c = parse_config::<C>(config)?;
    c.build(path).map_err(|e| in_kind(C::KIND, e))
}

/// Implement [`IntoBoxed`] for models of an interface other than `dyn Forward`, one line per
/// domain: `deepfield_core::into_boxed!(dyn GraphModel: NodeClassifier, OtherGraphModel);`.
#[macro_export]
macro_rules! into_boxed {
    ($interface:ty: $($model:ty),+ $(,)?) => {
        $(
            impl $crate::models::IntoBoxed for $model {
                type Interface = $interface;
                fn into_boxed(self) -> ::std::boxed::Box<$interface> {
                    ::std::boxed::Box::new(self)
                }
            }
        )+
    };
}
