//! Checkpoints: a folder with the model weights (`model.safetensors`), the full config
//! (`config.json`) and, optionally, the metrics of the run (`metrics.json`).
//!
//! The weights are a plain [safetensors](https://github.com/huggingface/safetensors) file whose
//! tensor names are the `VarStore` names (`hidden.0.weight`, `out.bias`, …). deepfield's
//! builders name their parameters like the equivalent PyTorch `nn.Module`, so the file loads in
//! PyTorch with `safetensors.torch.load_file` + `load_state_dict(strict=True)` (tested in
//! `core/tests/checkpoint_python.rs`).
//!
//! Every file is written to a temporary file beside it and renamed ([`crate::fsutil`]), so a
//! crash never leaves a half-written file. Loading checks the file against the model before
//! touching any variable: a missing tensor, an unexpected one or a shape mismatch is an
//! [`Error::Checkpoint`] listing every problem.
//!
//! ```no_run
//! # use deepfield_core::{checkpoint, nn::mlp::MlpConfig, tch::{nn::VarStore, Device}};
//! # fn main() -> deepfield_core::Result<()> {
//! let config = MlpConfig::new(8, [16], 3);
//! let vs = VarStore::new(Device::Cpu);
//! let model = config.init(&vs.root())?;
//! // ... train ...
//! let dir = std::path::Path::new("runs/mlp");
//! checkpoint::save(dir, &vs, &config, Some(&serde_json::json!({"accuracy": 0.9})))?;
//! // Later: rebuild the model from the saved config and load its weights.
//! let (config, vs, model) = checkpoint::restore(dir, Device::Cpu, |c: &MlpConfig, p| c.init(p))?;
//! assert_eq!(checkpoint::read_metadata(&checkpoint::weights_path(dir))?["format"], "deepfield");
//! # Ok(()) }
//! ```
//!
//! The file is written with the `safetensors` crate and its header carries a `__metadata__`
//! map of strings ([`read_metadata`]): always [`META_FORMAT`] = [`FORMAT_NAME`] and
//! [`META_VERSION`] (the deepfield version that wrote it); for a model saved through
//! [`crate::models::save_model`] also [`META_KIND`] (the registry kind) and [`META_CONFIG`] (the
//! model config as JSON), so [`crate::models::ModelRegistry::restore`] rebuilds the model from
//! the weights file alone. Files without metadata (written by `Tensor::write_safetensors`, as
//! deepfield did before, or by other tools) still load; their metadata reads as an empty map.
//!
//! Complex parameters round-trip exactly: `ComplexFloat` is stored as safetensors' `C64`
//! (`torch.complex64` in Python); `ComplexDouble`, which safetensors has no dtype for, is stored
//! as its `view_as_real` (`F64`, trailing dimension 2) with its name listed in the metadata entry
//! [`META_COMPLEX128`], and reading restores the complex tensor (Python:
//! `torch.view_as_complex`).
//!
//! The new code should save and restore models through [`crate::models`] (one kind name → one
//! builder); [`save`] and [`restore`] remain for callers with their own config types.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use tch::nn::VarStore;
use tch::{Device, Tensor};

use crate::{fsutil, Error, Result};

mod format;

use format::ckpt_error;

/// File name of the weights inside a checkpoint folder.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// File name of the config inside a checkpoint folder.
pub const CONFIG_FILE: &str = "config.json";
/// File name of the metrics inside a checkpoint folder.
pub const METRICS_FILE: &str = "metrics.json";

/// Metadata key: the writer of the file, always [`FORMAT_NAME`].
pub const META_FORMAT: &str = "format";
/// The value of [`META_FORMAT`] in files deepfield writes.
pub const FORMAT_NAME: &str = "deepfield";
/// Metadata key: the version of deepfield-core that wrote the file.
pub const META_VERSION: &str = "deepfield_version";
/// Metadata key: the [`crate::models`] kind of the model whose weights these are.
pub const META_KIND: &str = "kind";
/// Metadata key: the model config, as JSON text.
pub const META_CONFIG: &str = "config";
/// Metadata key: a JSON list of the tensors stored as `view_as_real` of a `ComplexDouble`
/// tensor (written and read by deepfield itself).
pub const META_COMPLEX128: &str = "complex128";

/// The weights file of the checkpoint folder `dir`.
pub fn weights_path(dir: &Path) -> PathBuf {
    dir.join(WEIGHTS_FILE)
}

/// Save a checkpoint into `dir` (created): the weights of every variable of `vs` to
/// [`WEIGHTS_FILE`], `config` to [`CONFIG_FILE`] and `metrics` to [`METRICS_FILE`].
///
/// Each file is written atomically. With `metrics == None` a `metrics.json` left in `dir` by an
/// earlier save is removed, so the folder never pairs new weights with stale metrics.
pub fn save<C: Serialize, M: Serialize>(
    dir: &Path,
    vs: &VarStore,
    config: &C,
    metrics: Option<&M>,
) -> Result<()> {
    save_with_metadata(dir, vs, config, metrics, &BTreeMap::new())
}

/// [`save`] with extra weights-file metadata (the one folder writer [`crate::models`] uses too).
pub(crate) fn save_with_metadata<C: Serialize + ?Sized, M: Serialize>(
    dir: &Path,
    vs: &VarStore,
    config: &C,
    metrics: Option<&M>,
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    // Weights, config and metrics are one unit: they are written into a sibling folder that
    // replaces `dir` by renames, so a killed save leaves the old checkpoint or the new one, never
    // new weights beside an old config. Other files already in `dir` (a domain's front end,
    // scalers) are carried into the new folder.
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".to_string());
    let partial = dir.with_file_name(format!(".{name}.partial"));
    let old = dir.with_file_name(format!(".{name}.old"));
    for leftover in [&partial, &old] {
        if leftover.exists() {
            std::fs::remove_dir_all(leftover).map_err(|e| Error::io(leftover, e))?;
        }
    }
    fsutil::create_dir_all(&partial)?;
    let staged = (|| {
        if dir.is_dir() {
            carry_over(dir, &partial)?;
        }
        save_weights_with_metadata(&weights_path(&partial), vs, metadata)?;
        fsutil::write_json(&partial.join(CONFIG_FILE), config)?;
        if let Some(m) = metrics {
            fsutil::write_json(&partial.join(METRICS_FILE), m)?;
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&partial);
        return Err(e);
    }
    let had_old = dir.exists();
    if had_old {
        std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
    }
    if let Err(e) = std::fs::rename(&partial, dir) {
        if had_old {
            let _ = std::fs::rename(&old, dir);
        }
        return Err(Error::io(dir, e));
    }
    if had_old {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    Ok(())
}

/// Copy (hard-link where possible) everything in `from` except the checkpoint's own three
/// files into `to`.
pub(crate) fn carry_over(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let name = entry.file_name();
        if [WEIGHTS_FILE, CONFIG_FILE, METRICS_FILE]
            .iter()
            .any(|f| name == std::ffi::OsStr::new(f))
        {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if src.is_dir() {
            fsutil::create_dir_all(&dst)?;
            carry_over(&src, &dst)?;
        } else if std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
        }
    }
    Ok(())
}

/// Save every variable of `vs` to the safetensors file `path`, atomically and fsync'd. Tensors
/// are stored on the CPU, in their own dtype (complex ones included, see the module docs), under
/// their `VarStore` names; the header's metadata holds [`META_FORMAT`] and [`META_VERSION`].
pub fn save_weights(path: &Path, vs: &VarStore) -> Result<()> {
    save_weights_with_metadata(path, vs, &BTreeMap::new())
}

/// [`save_weights`] with `metadata` added to the header's `__metadata__` map. The writer's own
/// keys ([`META_FORMAT`], [`META_VERSION`], [`META_COMPLEX128`]) replace any value given for
/// them.
pub fn save_weights_with_metadata(
    path: &Path,
    vs: &VarStore,
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    format::write(path, named.iter().map(|(n, t)| (n.as_str(), t)), metadata)
}

/// The `__metadata__` map of the safetensors file `path` (empty for a file without one). Reads
/// only the header, and validates it like [`tensor_names`].
pub fn read_metadata(path: &Path) -> Result<BTreeMap<String, String>> {
    Ok(format::read_header(path)?.metadata)
}

/// Load the weights of the safetensors file `path` into the variables of an already-built `vs`.
///
/// Every variable must be in the file with the same shape (and complex exactly where the
/// variable is complex), and the file must hold nothing else; otherwise the error lists every
/// missing tensor, unexpected tensor and shape mismatch, and no variable is changed. Values are
/// converted to each variable's dtype and copied to its device (a file saved on the CPU loads
/// into a CUDA `VarStore`).
pub fn load_weights(path: &Path, vs: &mut VarStore) -> Result<()> {
    // A quantized checkpoint's integer weights come back dequantized (crate::quant::store).
    let tensors: HashMap<String, Tensor> =
        crate::quant::store::dequantize_loaded(path, read_tensors(path)?)?
            .into_iter()
            .collect();
    let variables = vs.variables();

    let mut problems = Vec::new();
    let mut names: Vec<&String> = variables.keys().collect();
    names.sort();
    for name in &names {
        let var = &variables[*name];
        let want = var.size();
        match tensors.get(*name) {
            None => problems.push(format!("missing tensor `{name}` (model shape {want:?})")),
            Some(t) if t.size() != want => problems.push(format!(
                "shape mismatch for `{name}`: model {want:?}, file {:?}",
                t.size()
            )),
            Some(t) if t.is_complex() != var.is_complex() => problems.push(format!(
                "dtype mismatch for `{name}`: model {:?}, file {:?}",
                var.kind(),
                t.kind()
            )),
            Some(t) => {
                let bad = non_finite(t);
                if bad > 0 {
                    problems.push(format!(
                        "tensor `{name}` holds {bad} non-finite values (NaN or infinity)"
                    ));
                }
            }
        }
    }
    let mut extra: Vec<(&String, &Tensor)> = tensors
        .iter()
        .filter(|(n, _)| !variables.contains_key(*n))
        .collect();
    extra.sort_by(|a, b| a.0.cmp(b.0));
    for (name, t) in extra {
        problems.push(format!(
            "unexpected tensor `{name}` (file shape {:?}) not in the model",
            t.size()
        ));
    }
    if !problems.is_empty() {
        return Err(ckpt_error(
            path,
            format!(
                "does not match the model ({} problems): {}",
                problems.len(),
                crate::error::list_some(&problems, 8, "; ")
            ),
        ));
    }

    tch::no_grad(|| {
        for (name, mut var) in variables {
            // copy_ converts dtype and device; shapes were checked above.
            var.f_copy_(&tensors[&name])
                .map_err(|e| ckpt_error(path, format!("copying `{name}`: {e}")))?;
        }
        Ok(())
    })
}

/// How many values of a floating-point or complex tensor are NaN or infinite (0 for others).
fn non_finite(t: &Tensor) -> i64 {
    if !(t.is_floating_point() || t.is_complex()) {
        return 0;
    }
    let finite = if t.is_complex() {
        t.view_as_real().isfinite().all_dim(-1, false)
    } else {
        t.isfinite()
    };
    finite.logical_not().sum(tch::Kind::Int64).int64_value(&[])
}

/// Read the config of the checkpoint folder `dir`.
pub fn load<C: DeserializeOwned>(dir: &Path) -> Result<C> {
    let path = dir.join(CONFIG_FILE);
    if !path.is_file() {
        return Err(ckpt_error(
            dir,
            format!("no {CONFIG_FILE} in this folder (not a deepfield checkpoint?)"),
        ));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        ckpt_error(
            &path,
            format!(
                "{} (a checkpoint of another model or another deepfield version?)",
                crate::error::explain_serde(&e)
            ),
        )
    })
}

/// Rebuild a model from the checkpoint folder `dir`: read its config, build the model on
/// `device` with `build` (usually `|c: &XConfig, p| c.init(p)`) and load its weights.
pub fn restore<C, M, F>(dir: &Path, device: Device, build: F) -> Result<(C, VarStore, M)>
where
    C: DeserializeOwned,
    F: FnOnce(&C, &tch::nn::Path) -> Result<M>,
{
    let config: C = load(dir)?;
    let mut vs = VarStore::new(device);
    let model = build(&config, &vs.root())?;
    load_weights(&weights_path(dir), &mut vs)?;
    Ok((config, vs, model))
}

/// Read the metrics of the checkpoint folder `dir`.
pub fn read_metrics(dir: &Path) -> Result<serde_json::Value> {
    let path = dir.join(METRICS_FILE);
    if !path.is_file() {
        return Err(ckpt_error(dir, format!("no {METRICS_FILE} in this folder")));
    }
    fsutil::read_json(&path)
}

/// The tensors of the safetensors file `path` as `(name, shape)`, sorted by name. Reads only
/// the header. A `ComplexDouble` tensor reports its complex shape (without the stored
/// real/imaginary dimension).
pub fn tensor_names(path: &Path) -> Result<Vec<(String, Vec<i64>)>> {
    Ok(format::read_header(path)?
        .entries
        .into_iter()
        .map(|e| {
            let shape = e.logical_shape();
            (e.name, shape)
        })
        .collect())
}

/// From the tensors of the safetensors file `path`: the first of `names` it has, else its only
/// tensor; an error listing the file's tensors otherwise. How `forward`, `explain` and `attack`
/// read a user's batch (`input`), labels (`labels`) or background rows.
pub fn read_named(path: &Path, names: &[&str]) -> Result<Tensor> {
    pick_named(&read_tensors(path)?, names, path)
}

/// [`read_named`] on tensors already read from `path` (named in the error).
pub fn pick_named(tensors: &[(String, Tensor)], names: &[&str], path: &Path) -> Result<Tensor> {
    let found = names
        .iter()
        .find_map(|name| tensors.iter().find(|(n, _)| n == name));
    match found {
        Some((_, t)) => Ok(t.shallow_clone()),
        None if tensors.len() == 1 => Ok(tensors[0].1.shallow_clone()),
        None => Err(Error::input(format!(
            "{}: expected a tensor named {} (found {})",
            path.display(),
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(" or "),
            tensors
                .iter()
                .map(|(n, _)| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Read every tensor of the safetensors file `path` (on the CPU), sorted by name. Complex
/// tensors come back complex (see the module docs).
pub fn read_tensors(path: &Path) -> Result<Vec<(String, Tensor)>> {
    format::read(path)
}

/// Write named tensors (any device; stored on the CPU) to the safetensors file `path`,
/// atomically. Handy for test inputs and outputs exchanged with Python. Names must be distinct.
pub fn write_tensors<S: AsRef<str>>(path: &Path, tensors: &[(S, &Tensor)]) -> Result<()> {
    format::write(
        path,
        tensors.iter().map(|(n, t)| (n.as_ref(), *t)),
        &BTreeMap::new(),
    )
}

/// [`write_tensors`] with `metadata` in the header (the writer's own keys replace any given).
pub fn write_tensors_with_metadata<S: AsRef<str>>(
    path: &Path,
    tensors: &[(S, &Tensor)],
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    format::write(
        path,
        tensors.iter().map(|(n, t)| (n.as_ref(), *t)),
        metadata,
    )
}

#[cfg(test)]
mod tests;
