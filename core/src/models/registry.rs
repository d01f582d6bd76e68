//! [`ModelRegistry`]: kind name → builder, for every model a program knows, whatever its
//! [`Interface`]; and [`Restored`], a model read back from a checkpoint folder.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use tch::nn::{self, VarStore};
use tch::Device;

use super::config::{build_config, Interface, IntoBoxed, ModelConfig};
use super::stored::stored_model;
use crate::checkpoint;
use crate::{Error, Forward, Result};

/// Builds a model from JSON, boxed as its interface and then as `Any` (a `Box<Box<dyn I>>`).
type BuildFn = fn(&Value, &nn::Path) -> Result<Box<dyn Any>>;
/// A registered config's [`ModelConfig::from_older`], as JSON.
type OlderFn = fn(&Value) -> Option<Value>;
/// Profiles a registered config's [`ModelConfig::example`] ([`crate::profile::profile_config`]).
type ProfileFn =
    fn(&crate::profile::LatencyOptions) -> Option<Result<crate::profile::ModelProfile>>;

fn build_any<C: ModelConfig>(config: &Value, path: &nn::Path) -> Result<Box<dyn Any>> {
    let model = build_config::<C>(config, path)?;
    Ok(Box::new(model.into_boxed()))
}

fn older_json<C: ModelConfig>(json: &Value) -> Option<Value> {
    C::from_older(json).and_then(|c| serde_json::to_value(c).ok())
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    description: &'static str,
    /// The `TypeId` of the model's interface (`dyn Forward`, …) and what it takes.
    interface: TypeId,
    input: &'static str,
    build: BuildFn,
    older: OlderFn,
    profile: ProfileFn,
}

/// Kind name → builder, for every model a program knows: tensor-in models (used as
/// `dyn Forward`) and models of other [`Interface`]s (graph models, used as
/// `dyn GraphModel`) share one table of kinds. See the [module docs](super).
#[derive(Debug, Clone, Default)]
pub struct ModelRegistry {
    entries: BTreeMap<&'static str, Entry>,
}

/// A model restored from a checkpoint folder by [`ModelRegistry::restore`] (a tensor-in model,
/// `M = dyn Forward`) or [`ModelRegistry::restore_as`] (a model of another interface).
pub struct Restored<M: ?Sized = dyn Forward> {
    /// The kind it was saved as.
    pub kind: String,
    /// Its config, as saved.
    pub config: Value,
    /// Its parameters, loaded from the checkpoint.
    pub vs: VarStore,
    /// The model, built on `vs`.
    pub model: Box<M>,
}

impl<M: ?Sized> std::fmt::Debug for Restored<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restored")
            .field("kind", &self.kind)
            .field("config", &self.config)
            .field("variables", &self.vs.len())
            .finish_non_exhaustive()
    }
}

pub(super) fn valid_kind_name(kind: &str) -> bool {
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

    pub(super) fn insert<C: ModelConfig>(&mut self) {
        self.entries.insert(
            C::KIND,
            Entry {
                description: C::DESCRIPTION,
                interface: TypeId::of::<<C::Model as IntoBoxed>::Interface>(),
                input: <<C::Model as IntoBoxed>::Interface as Interface>::INPUT,
                build: build_any::<C>,
                older: older_json::<C>,
                profile: crate::profile::profile_config::<C>,
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

    /// Whether `kind` is registered (of any interface).
    pub fn contains(&self, kind: &str) -> bool {
        self.entries.contains_key(kind)
    }

    /// What the models of `kind` take ([`Interface::INPUT`]: "a tensor batch", …), when it is
    /// registered.
    pub fn input_of(&self, kind: &str) -> Option<&'static str> {
        self.entries.get(kind).map(|e| e.input)
    }

    /// Whether `kind` is registered and its models are used as `I` (e.g. `dyn Forward`).
    pub fn is<I: ?Sized + Interface>(&self, kind: &str) -> bool {
        self.entries
            .get(kind)
            .is_some_and(|e| e.interface == TypeId::of::<I>())
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

    /// The entry of `kind` when its models are used as `I`; `None` when it is not registered.
    fn entry_as<I: ?Sized + Interface>(&self, kind: &str) -> Result<Option<&Entry>> {
        match self.entries.get(kind) {
            Some(e) if e.interface != TypeId::of::<I>() => Err(Error::config(format!(
                "model kind `{kind}` takes {}, not {}",
                e.input,
                I::INPUT
            ))),
            found => Ok(found),
        }
    }

    /// Build a tensor-in model of `kind` from its JSON `config` under `path` ([`build_as`]
    /// with `dyn Forward`).
    ///
    /// [`build_as`]: Self::build_as
    pub fn build(&self, kind: &str, config: &Value, path: &nn::Path) -> Result<Box<dyn Forward>> {
        self.build_as::<dyn Forward>(kind, config, path)
    }

    /// Build a model of `kind`, used as `I`, from its JSON `config` under `path`. An unknown
    /// kind is an error listing the known ones; a kind of another interface, or a config that
    /// does not deserialize or validate, is an error naming the kind and the problem.
    pub fn build_as<I: ?Sized + Interface>(
        &self,
        kind: &str,
        config: &Value,
        path: &nn::Path,
    ) -> Result<Box<I>> {
        let entry = self.entry_as::<I>(kind)?.ok_or_else(|| {
            Error::config(format!(
                "unknown model kind `{kind}` (known kinds: {})",
                self.known()
            ))
        })?;
        unbox::<I>(kind, (entry.build)(config, path)?)
    }

    /// Rebuild the tensor-in model saved in the checkpoint folder `dir` on `device` and load
    /// its weights ([`restore_as`] with `dyn Forward`).
    ///
    /// [`restore_as`]: Self::restore_as
    pub fn restore(&self, dir: &Path, device: Device) -> Result<Restored> {
        self.restore_as::<dyn Forward>(dir, device)
    }

    /// Rebuild the model saved in the checkpoint folder `dir` (by [`save_model`], or an older
    /// folder: its kind in `config.json`, or a layout a registered config recognises with
    /// [`ModelConfig::from_older`]) on `device`, used as `I`, and load its weights.
    ///
    /// [`save_model`]: super::save_model
    pub fn restore_as<I: ?Sized + Interface>(
        &self,
        dir: &Path,
        device: Device,
    ) -> Result<Restored<I>> {
        let (kind, config) = stored_model(dir, &|json| self.older(json))?;
        let in_dir = |message: String| Error::Checkpoint {
            path: dir.to_path_buf(),
            message,
        };
        let entry = self
            .entry_as::<I>(&kind)
            .map_err(|e| in_dir(format!("holds a model that {e}")))?
            .ok_or_else(|| {
                in_dir(format!(
                    "holds a model of kind `{kind}`, which is not registered (known kinds: {}); \
                     register the crate that defines it",
                    self.known()
                ))
            })?;
        let mut vs = VarStore::new(device);
        let model = unbox::<I>(&kind, (entry.build)(&config, &vs.root())?)?;
        checkpoint::load_weights(&checkpoint::weights_path(dir), &mut vs)?;
        Ok(Restored {
            kind,
            config,
            vs,
            model,
        })
    }

    /// Profile `kind` on its example input with fresh weights ([`ModelConfig::example`]):
    /// `None` when the kind is unknown or has no example.
    pub fn profile(
        &self,
        kind: &str,
        opts: &crate::profile::LatencyOptions,
    ) -> Option<Result<crate::profile::ModelProfile>> {
        (self.entries.get(kind)?.profile)(opts)
    }

    /// The first registered kind (by name) that knows `json` as one of its older layouts.
    fn older(&self, json: &Value) -> Option<(&'static str, Value)> {
        self.entries
            .iter()
            .find_map(|(k, e)| (e.older)(json).map(|c| (*k, c)))
    }
}

/// The model a [`BuildFn`] made, as `Box<I>` (the entry's interface was checked before).
fn unbox<I: ?Sized + Interface>(kind: &str, any: Box<dyn Any>) -> Result<Box<I>> {
    any.downcast::<Box<I>>()
        .map(|b| *b)
        .map_err(|_| Error::config(format!("model kind `{kind}` does not take {}", I::INPUT)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::save_model;
    use serde::{Deserialize, Serialize};
    use tch::{Kind, Tensor};

    /// A model interface of a pretend domain: two tensors in.
    trait Pair {
        fn forward(&self, a: &Tensor, b: &Tensor) -> Tensor;
    }
    impl Interface for dyn Pair {
        const INPUT: &'static str = "a pair of tensors";
    }

    #[derive(Debug, Clone, Serialize, Deserialize)]
    struct BilinearConfig {
        dim: i64,
    }
    struct Bilinear(Tensor);
    impl Pair for Bilinear {
        fn forward(&self, a: &Tensor, b: &Tensor) -> Tensor {
            a.matmul(&self.0)
                .g_mul(b)
                .sum_dim_intlist(-1, false, Kind::Float)
        }
    }
    crate::into_boxed!(dyn Pair: Bilinear);
    impl ModelConfig for BilinearConfig {
        const KIND: &'static str = "test.bilinear";
        const DESCRIPTION: &'static str = "a^T W b";
        type Model = Bilinear;
        fn build(&self, path: &nn::Path) -> Result<Bilinear> {
            Ok(Bilinear(path.randn("w", &[self.dim, self.dim], 0.0, 1.0)))
        }
    }

    #[test]
    fn models_of_two_interfaces_share_one_registry() {
        let mut reg = ModelRegistry::with_core();
        reg.register::<BilinearConfig>().unwrap();
        assert!(reg.contains("test.bilinear") && reg.contains("mlp"));
        assert!(reg.is::<dyn Pair>("test.bilinear") && !reg.is::<dyn Forward>("test.bilinear"));
        assert!(reg.is::<dyn Forward>("mlp") && !reg.is::<dyn Pair>("mlp"));
        assert_eq!(reg.input_of("test.bilinear"), Some("a pair of tensors"));
        assert_eq!(reg.input_of("mlp"), Some("a tensor batch"));
        assert_eq!(
            reg.kinds().len(),
            ModelRegistry::with_core().kinds().len() + 1
        );
        // The same kind name cannot come twice, whatever the interface.
        assert!(reg.register::<BilinearConfig>().is_err());

        let vs = VarStore::new(Device::Cpu);
        let config = serde_json::json!({"dim": 3});
        let e = reg
            .build("test.bilinear", &config, &vs.root())
            .err()
            .unwrap();
        assert!(
            e.to_string()
                .contains("`test.bilinear` takes a pair of tensors, not a tensor batch"),
            "{e}"
        );
        let e = reg
            .build_as::<dyn Pair>("mlp", &serde_json::json!({}), &vs.root())
            .err()
            .unwrap();
        assert!(
            e.to_string().contains("takes a tensor batch, not a pair"),
            "{e}"
        );

        tch::manual_seed(0);
        let built = BilinearConfig { dim: 3 };
        let vs = VarStore::new(Device::Cpu);
        let model = built.build(&vs.root()).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        save_model::<_, ()>(tmp.path(), &vs, &built, None).unwrap();
        let restored = reg.restore_as::<dyn Pair>(tmp.path(), Device::Cpu).unwrap();
        assert_eq!(restored.kind, "test.bilinear");
        let (a, b) = (
            Tensor::randn([4, 3], (Kind::Float, Device::Cpu)),
            Tensor::randn([4, 3], (Kind::Float, Device::Cpu)),
        );
        assert!(model.forward(&a, &b).equal(&restored.model.forward(&a, &b)));
        let e = reg
            .restore(tmp.path(), Device::Cpu)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("takes a pair of tensors"), "{e}");
    }
}
