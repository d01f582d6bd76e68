//! [`Masks`]: one 0/1 tensor per pruned variable, kept beside the `VarStore` by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::{Error, Result};

/// The file a checkpoint folder keeps its masks in (beside `model.safetensors`, which stays
/// exactly the model's variables so any registry restores it).
pub const MASKS_FILE: &str = "masks.safetensors";

/// Masks by variable name: 1 keeps a value, 0 prunes it. Same shape as the variable, on its
/// device, in its float kind.
#[derive(Debug, Default)]
pub struct Masks(BTreeMap<String, Tensor>);

/// Non-zero counts of the pruned variables.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Values of the masked variables.
    pub total: i64,
    /// Of them, kept (mask 1).
    pub kept: i64,
}

impl Counts {
    /// Fraction pruned, `1 − kept/total`.
    pub fn sparsity(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            1.0 - self.kept as f64 / self.total as f64
        }
    }
}

impl Clone for Masks {
    fn clone(&self) -> Self {
        Masks(self.0.iter().map(|(n, m)| (n.clone(), m.copy())).collect())
    }
}

impl Masks {
    /// Masks of ones (nothing pruned) for `names` of `vs`; an unknown name is an error.
    pub fn ones(vs: &VarStore, names: &[String]) -> Result<Self> {
        let vars = vs.variables();
        let mut m = BTreeMap::new();
        for n in names {
            let v = vars.get(n).ok_or_else(|| unknown(n, vs))?;
            m.insert(n.clone(), v.ones_like().detach());
        }
        Ok(Masks(m))
    }

    /// Masks from named tensors (each the shape of its variable; `apply` moves it to the variable's device).
    pub fn from_map(map: BTreeMap<String, Tensor>) -> Self {
        Masks(map)
    }

    /// The mask of `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.0.get(name)
    }

    /// Set (or replace) the mask of `name`.
    pub fn insert(&mut self, name: impl Into<String>, mask: Tensor) {
        self.0.insert(name.into(), mask);
    }

    /// The masked variables' names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    /// `(name, mask)` pairs, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Tensor)> {
        self.0.iter()
    }

    /// How many masks there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing is masked.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Multiply every masked variable of `vs` by its mask (in place, without gradients). A
    /// mask whose variable is missing or has another shape is an error.
    pub fn apply(&self, vs: &VarStore) -> Result<()> {
        let vars = vs.variables();
        tch::no_grad(|| {
            for (name, mask) in &self.0 {
                let mut v = vars
                    .get(name)
                    .map(Tensor::shallow_clone)
                    .ok_or_else(|| unknown(name, vs))?;
                check_shape(name, &v, mask)?;
                let masked = v.f_mul(&mask.to_device(v.device()).to_kind(v.kind()))?;
                v.f_copy_(&masked)?;
            }
            Ok(())
        })
    }

    /// Multiply the gradients of the masked variables by their masks (pruned values get no
    /// update from plain SGD; Adam's moments of them stay zero).
    pub fn mask_grads(&self, vs: &VarStore) -> Result<()> {
        let vars = vs.variables();
        tch::no_grad(|| {
            for (name, mask) in &self.0 {
                if let Some(v) = vars.get(name) {
                    let mut g = v.grad();
                    if g.defined() {
                        let masked = g.f_mul(&mask.to_device(g.device()).to_kind(g.kind()))?;
                        g.f_copy_(&masked)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Kept and total values over all masks.
    pub fn counts(&self) -> Counts {
        let mut c = Counts { total: 0, kept: 0 };
        for m in self.0.values() {
            c.total += m.numel() as i64;
            c.kept += m.count_nonzero(None::<i64>).int64_value(&[]);
        }
        c
    }

    /// Kept and total values of each mask, by name.
    pub fn counts_by_name(&self) -> BTreeMap<String, Counts> {
        self.0
            .iter()
            .map(|(n, m)| {
                let kept = m.count_nonzero(None::<i64>).int64_value(&[]);
                (
                    n.clone(),
                    Counts {
                        total: m.numel() as i64,
                        kept,
                    },
                )
            })
            .collect()
    }

    /// Write the masks to `path` (safetensors, `uint8` 0/1 tensors under the variables' names),
    /// atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let cpu: Vec<(String, Tensor)> = self
            .0
            .iter()
            .map(|(n, m)| {
                (
                    n.clone(),
                    m.to_device(tch::Device::Cpu).to_kind(Kind::Uint8),
                )
            })
            .collect();
        let refs: Vec<(&str, &Tensor)> = cpu.iter().map(|(n, t)| (n.as_str(), t)).collect();
        crate::checkpoint::write_tensors(path, &refs)
    }

    /// Read masks written by [`save`](Self::save) for the variables of `vs`: every mask must
    /// name a variable of `vs` with its shape and hold only 0 and 1.
    pub fn load(path: &Path, vs: &VarStore) -> Result<Self> {
        let vars = vs.variables();
        let bad = |message: String| Error::Checkpoint {
            path: path.to_path_buf(),
            message,
        };
        let mut m = BTreeMap::new();
        for (name, t) in crate::checkpoint::read_tensors(path)? {
            let v = vars
                .get(&name)
                .ok_or_else(|| bad(format!("mask `{name}` names no variable of the model")))?;
            if t.size() != v.size() {
                return Err(bad(format!(
                    "mask `{name}` has shape {:?}, the variable {:?}",
                    t.size(),
                    v.size()
                )));
            }
            let t = t.to_kind(Kind::Float);
            let binary = t.eq(0.0).logical_or(&t.eq(1.0)).all().int64_value(&[]) == 1;
            if !binary {
                return Err(bad(format!(
                    "mask `{name}` holds values other than 0 and 1"
                )));
            }
            m.insert(name, t.to_device(v.device()).to_kind(v.kind()));
        }
        Ok(Masks(m))
    }

    /// The masks file of the checkpoint folder `dir`.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(MASKS_FILE)
    }

    /// The masks saved in the checkpoint folder `dir`, when it has a masks file.
    pub fn load_from_dir(dir: &Path, vs: &VarStore) -> Result<Option<Self>> {
        let p = Self::path_in(dir);
        if p.is_file() {
            Self::load(&p, vs).map(Some)
        } else {
            Ok(None)
        }
    }
}

fn check_shape(name: &str, v: &Tensor, mask: &Tensor) -> Result<()> {
    if v.size() == mask.size() {
        Ok(())
    } else {
        Err(Error::input(format!(
            "prune: mask of `{name}` has shape {:?}, the variable {:?}",
            mask.size(),
            v.size()
        )))
    }
}

pub(super) fn unknown(name: &str, vs: &VarStore) -> Error {
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    Error::input(format!(
        "prune: the model has no variable `{name}` (it has: {})",
        crate::error::list_some(&names, 20, ", ")
    ))
}
