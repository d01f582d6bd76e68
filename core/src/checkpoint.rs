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
//! # Ok(()) }
//! ```
//!
//! The safetensors header carries no `__metadata__`: tch's writer
//! (`Tensor::write_safetensors`) always passes none, and PyTorch's loader does not need it.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use crate::{fsutil, Error, Result};

/// File name of the weights inside a checkpoint folder.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// File name of the config inside a checkpoint folder.
pub const CONFIG_FILE: &str = "config.json";
/// File name of the metrics inside a checkpoint folder.
pub const METRICS_FILE: &str = "metrics.json";

/// Largest safetensors header accepted (the reference implementation's limit).
const MAX_HEADER_BYTES: u64 = 100_000_000;

fn ckpt_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

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
    fsutil::create_dir_all(dir)?;
    save_weights(&weights_path(dir), vs)?;
    fsutil::write_json(&dir.join(CONFIG_FILE), config)?;
    let metrics_path = dir.join(METRICS_FILE);
    match metrics {
        Some(m) => fsutil::write_json(&metrics_path, m)?,
        None if metrics_path.exists() => {
            std::fs::remove_file(&metrics_path).map_err(|e| Error::io(&metrics_path, e))?
        }
        None => {}
    }
    Ok(())
}

/// Save every variable of `vs` to the safetensors file `path`, atomically. Tensors are stored
/// on the CPU, in their own dtype, under their `VarStore` names.
pub fn save_weights(path: &Path, vs: &VarStore) -> Result<()> {
    fsutil::write_atomic_with(path, |tmp| write_weights(tmp, vs))
}

/// Write the weights of `vs` to `path` (not atomic; [`save_weights`] wraps it) and fsync it.
fn write_weights(path: &Path, vs: &VarStore) -> Result<()> {
    let mut named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(name, var)| {
            let cpu = var.detach().f_to_device(Device::Cpu)?.f_contiguous()?;
            Ok((name, cpu))
        })
        .collect::<Result<_>>()?;
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Tensor::write_safetensors(&named, path)?;
    // tch's writer does not fsync; do it so the rename publishes complete data.
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Load the weights of the safetensors file `path` into the variables of an already-built `vs`.
///
/// Every variable must be in the file with the same shape, and the file must hold nothing
/// else; otherwise the error lists every missing tensor, unexpected tensor and shape mismatch,
/// and no variable is changed. Values are converted to each variable's dtype and copied to its
/// device (a file saved on the CPU loads into a CUDA `VarStore`).
pub fn load_weights(path: &Path, vs: &mut VarStore) -> Result<()> {
    let tensors: HashMap<String, Tensor> = read_tensors(path)?.into_iter().collect();
    let variables = vs.variables();

    let mut problems = Vec::new();
    let mut names: Vec<&String> = variables.keys().collect();
    names.sort();
    for name in &names {
        let want = variables[*name].size();
        match tensors.get(*name) {
            None => problems.push(format!("missing tensor `{name}` (model shape {want:?})")),
            Some(t) if t.size() != want => problems.push(format!(
                "shape mismatch for `{name}`: model {want:?}, file {:?}",
                t.size()
            )),
            Some(_) => {}
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
            format!("does not match the model: {}", problems.join("; ")),
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

/// Read the config of the checkpoint folder `dir`.
pub fn load<C: DeserializeOwned>(dir: &Path) -> Result<C> {
    let path = dir.join(CONFIG_FILE);
    if !path.is_file() {
        return Err(ckpt_error(
            dir,
            format!("no {CONFIG_FILE} in this folder (not a deepfield checkpoint?)"),
        ));
    }
    fsutil::read_json(&path)
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
/// the header.
pub fn tensor_names(path: &Path) -> Result<Vec<(String, Vec<i64>)>> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let header_len = header_len(path, &mut file, file_len)?;
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header)
        .map_err(|e| Error::io(path, e))?;
    let entries = parse_header(path, &header, file_len - 8 - header_len)?;
    Ok(entries.into_iter().map(|e| (e.name, e.shape)).collect())
}

/// Read every tensor of the safetensors file `path` (on the CPU), sorted by name.
pub fn read_tensors(path: &Path) -> Result<Vec<(String, Tensor)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let header_len = header_len(path, &mut &bytes[..], bytes.len() as u64)? as usize;
    let data = &bytes[8 + header_len..];
    let entries = parse_header(path, &bytes[8..8 + header_len], data.len() as u64)?;
    entries
        .into_iter()
        .map(|e| {
            // parse_header checked that the range is in bounds and matches shape × dtype size.
            let slice = &data[e.begin..e.end];
            let t = Tensor::f_from_data_size(slice, &e.shape, e.kind)
                .map_err(|err| ckpt_error(path, format!("tensor `{}`: {err}", e.name)))?;
            Ok((e.name, t))
        })
        .collect()
}

/// Write named tensors (any device; stored on the CPU) to the safetensors file `path`,
/// atomically. Handy for test inputs and outputs exchanged with Python.
pub fn write_tensors<S: AsRef<str>>(path: &Path, tensors: &[(S, &Tensor)]) -> Result<()> {
    let named: Vec<(&str, Tensor)> = tensors
        .iter()
        .map(|(n, t)| {
            Ok((
                n.as_ref(),
                t.detach().f_to_device(Device::Cpu)?.f_contiguous()?,
            ))
        })
        .collect::<Result<_>>()?;
    fsutil::write_atomic_with(path, |tmp| {
        Tensor::write_safetensors(&named, tmp)?;
        std::fs::File::open(tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(tmp, e))
    })
}

/// One tensor of a safetensors header, validated against the data section.
struct Entry {
    name: String,
    kind: Kind,
    shape: Vec<i64>,
    begin: usize,
    end: usize,
}

/// Read the 8-byte little-endian header length and check it fits in the file.
fn header_len(path: &Path, reader: &mut impl Read, file_len: u64) -> Result<u64> {
    let not_safetensors = |why: String| ckpt_error(path, format!("not a safetensors file: {why}"));
    if file_len < 8 {
        return Err(not_safetensors(format!("only {file_len} bytes")));
    }
    let mut len = [0u8; 8];
    reader
        .read_exact(&mut len)
        .map_err(|e| Error::io(path, e))?;
    let n = u64::from_le_bytes(len);
    if n > MAX_HEADER_BYTES || n > file_len - 8 {
        return Err(not_safetensors(format!(
            "header length {n} does not fit (file has {file_len} bytes)"
        )));
    }
    Ok(n)
}

fn kind_of(dtype: &str) -> Option<Kind> {
    Some(match dtype {
        "BOOL" => Kind::Bool,
        "U8" => Kind::Uint8,
        "I8" => Kind::Int8,
        "I16" => Kind::Int16,
        "I32" => Kind::Int,
        "I64" => Kind::Int64,
        "BF16" => Kind::BFloat16,
        "F16" => Kind::Half,
        "F32" => Kind::Float,
        "F64" => Kind::Double,
        _ => return None,
    })
}

/// Parse and validate a safetensors JSON header (every range inside `data_len` bytes and of
/// exactly shape × dtype-size bytes). Entries are sorted by name; `__metadata__` is skipped.
fn parse_header(path: &Path, header: &[u8], data_len: u64) -> Result<Vec<Entry>> {
    let bad = |why: String| ckpt_error(path, format!("not a safetensors file: {why}"));
    let map: BTreeMap<String, serde_json::Value> = serde_json::from_slice(header)
        .map_err(|e| bad(format!("header is not a JSON object ({e})")))?;
    let mut entries = Vec::with_capacity(map.len());
    for (name, info) in map {
        if name == "__metadata__" {
            continue;
        }
        let bad_entry = |why: &str| bad(format!("tensor `{name}`: {why}"));
        let dtype = info["dtype"]
            .as_str()
            .ok_or_else(|| bad_entry("no dtype"))?;
        let kind =
            kind_of(dtype).ok_or_else(|| bad_entry(&format!("unsupported dtype {dtype}")))?;
        let dims: Vec<u64> = info["shape"]
            .as_array()
            .and_then(|a| a.iter().map(|d| d.as_u64()).collect())
            .ok_or_else(|| bad_entry("shape is not a list of non-negative integers"))?;
        let offsets: Vec<u64> = info["data_offsets"]
            .as_array()
            .and_then(|a| a.iter().map(|d| d.as_u64()).collect())
            .filter(|o: &Vec<u64>| o.len() == 2)
            .ok_or_else(|| bad_entry("data_offsets is not [begin, end]"))?;
        let (begin, end) = (offsets[0], offsets[1]);
        let nbytes = dims
            .iter()
            .try_fold(kind.elt_size_in_bytes() as u64, |acc, &d| {
                acc.checked_mul(d)
            })
            .filter(|&n| n <= data_len)
            .ok_or_else(|| bad_entry(&format!("shape {dims:?} is larger than the file")))?;
        if begin > end || end > data_len || end - begin != nbytes {
            return Err(bad_entry(&format!(
                "data_offsets [{begin}, {end}] do not hold {nbytes} bytes within {data_len} data bytes"
            )));
        }
        let shape = dims.iter().map(|&d| d as i64).collect();
        entries.push(Entry {
            name,
            kind,
            shape,
            begin: begin as usize,
            end: end as usize,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::mlp::{Mlp, MlpConfig};
    use crate::Forward;

    fn mlp(seed: i64) -> (VarStore, Mlp) {
        tch::manual_seed(seed);
        let vs = VarStore::new(Device::Cpu);
        let m = MlpConfig::new(8, [16, 4], 3).init(&vs.root()).unwrap();
        (vs, m)
    }

    fn same_weights(a: &VarStore, b: &VarStore) -> bool {
        let (a, b) = (a.variables(), b.variables());
        a.len() == b.len() && a.iter().all(|(n, t)| b.get(n).is_some_and(|u| t.equal(u)))
    }

    fn message(e: Error) -> String {
        match e {
            Error::Checkpoint { message, .. } => message,
            other => panic!("expected Error::Checkpoint, got {other:?}"),
        }
    }

    #[test]
    fn save_load_round_trip_is_bitwise() {
        let dir = tempfile::tempdir().unwrap();
        let (vs, m) = mlp(1);
        let config = m.config().clone();
        let metrics = serde_json::json!({"accuracy": 0.75, "epochs": 3});
        save(dir.path(), &vs, &config, Some(&metrics)).unwrap();

        let names = tensor_names(&weights_path(dir.path())).unwrap();
        assert_eq!(
            names,
            vec![
                ("hidden.0.bias".to_string(), vec![16]),
                ("hidden.0.weight".to_string(), vec![16, 8]),
                ("hidden.1.bias".to_string(), vec![4]),
                ("hidden.1.weight".to_string(), vec![4, 16]),
                ("out.bias".to_string(), vec![3]),
                ("out.weight".to_string(), vec![3, 4]),
            ]
        );

        let loaded: MlpConfig = load(dir.path()).unwrap();
        assert_eq!(loaded, config);
        assert_eq!(read_metrics(dir.path()).unwrap(), metrics);

        let (mut vs2, m2) = mlp(2);
        assert!(
            !same_weights(&vs, &vs2),
            "different seeds must give different weights"
        );
        load_weights(&weights_path(dir.path()), &mut vs2).unwrap();
        assert!(same_weights(&vs, &vs2));
        let x = Tensor::randn([5, 8], (Kind::Float, Device::Cpu));
        assert!(m.predict(&x, None).equal(&m2.predict(&x, None)));
        // Loaded variables stay trainable leaves.
        assert!(vs2.trainable_variables().iter().all(|t| t.requires_grad()));

        // restore = load config + build + load weights.
        let (c3, vs3, m3) = restore(dir.path(), Device::Cpu, |c: &MlpConfig, p| c.init(p)).unwrap();
        assert_eq!(c3, config);
        assert!(same_weights(&vs, &vs3));
        assert!(m.predict(&x, None).equal(&m3.predict(&x, None)));

        // Saving again without metrics removes the stale metrics file.
        save::<_, ()>(dir.path(), &vs, &config, None).unwrap();
        assert!(!dir.path().join(METRICS_FILE).exists());
        assert!(read_metrics(dir.path()).is_err());
    }

    #[test]
    fn dtype_is_converted_to_the_variable_dtype() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.safetensors");
        let (mut vs64, _) = mlp(3);
        vs64.double();
        save_weights(&p, &vs64).unwrap();
        let (mut vs32, _) = mlp(4);
        load_weights(&p, &mut vs32).unwrap();
        let v64 = vs64.variables();
        for (name, t) in vs32.variables() {
            assert_eq!(t.kind(), Kind::Float, "{name}");
            assert!(t.equal(&v64[&name].to_kind(Kind::Float)), "{name}");
        }
    }

    #[test]
    fn mismatches_list_every_problem_and_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.safetensors");
        let (vs, _) = mlp(5);
        let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
        named.retain(|(n, _)| n != "out.bias"); // missing
        for (n, t) in named.iter_mut() {
            if n == "hidden.0.weight" {
                *t = Tensor::zeros([16, 9], (Kind::Float, Device::Cpu)); // wrong shape
            }
        }
        named.push((
            "extra.weight".into(),
            Tensor::zeros([2, 2], (Kind::Float, Device::Cpu)),
        ));
        Tensor::write_safetensors(&named, &p).unwrap();

        let (mut vs2, _) = mlp(6);
        let before: Vec<(String, Tensor)> = vs2
            .variables()
            .into_iter()
            .map(|(n, t)| (n, t.copy()))
            .collect();
        let msg = message(load_weights(&p, &mut vs2).unwrap_err());
        assert!(
            msg.contains("missing tensor `out.bias` (model shape [3])"),
            "{msg}"
        );
        assert!(
            msg.contains("shape mismatch for `hidden.0.weight`: model [16, 8], file [16, 9]"),
            "{msg}"
        );
        assert!(
            msg.contains("unexpected tensor `extra.weight` (file shape [2, 2])"),
            "{msg}"
        );
        let after = vs2.variables();
        assert!(
            before.iter().all(|(n, t)| after[n].equal(t)),
            "a failed load changed the model"
        );
    }

    #[test]
    fn interrupted_write_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(WEIGHTS_FILE);
        let (vs, _) = mlp(7);
        let r = fsutil::write_atomic_with(&p, |tmp| {
            write_weights(tmp, &vs)?;
            assert!(tmp.exists());
            Err(Error::input("simulated crash"))
        });
        assert!(r.is_err());
        assert!(!p.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "temp file left behind"
        );

        // A VarStore whose dtype safetensors cannot store fails cleanly, leaving nothing.
        let vs_c = VarStore::new(Device::Cpu);
        let _z = vs_c.root().add(
            "z",
            Tensor::zeros([2], (Kind::ComplexFloat, Device::Cpu)),
            false,
        );
        assert!(save_weights(&p, &vs_c).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let (mut vs, _) = mlp(8);
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", vec![]),
            ("json", br#"{"hidden": [16, 4]}"#.to_vec()),
            (
                "huge_len",
                [u64::MAX.to_le_bytes().to_vec(), b"{}".to_vec()].concat(),
            ),
            (
                "bad_json",
                [5u64.to_le_bytes().to_vec(), b"{oops".to_vec()].concat(),
            ),
            ("short_data", {
                let h = br#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#;
                [
                    (h.len() as u64).to_le_bytes().to_vec(),
                    h.to_vec(),
                    vec![0; 8],
                ]
                .concat()
            }),
            ("overflow_shape", {
                let h = br#"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}"#;
                [(h.len() as u64).to_le_bytes().to_vec(), h.to_vec()].concat()
            }),
        ];
        for (name, bytes) in cases {
            let p = dir.path().join(format!("{name}.safetensors"));
            std::fs::write(&p, bytes).unwrap();
            let e = load_weights(&p, &mut vs).unwrap_err();
            assert!(
                e.to_string().contains("not a safetensors file"),
                "{name}: {e}"
            );
            assert!(tensor_names(&p).is_err(), "{name}");
        }
        assert!(matches!(
            load_weights(&dir.path().join("absent.safetensors"), &mut vs),
            Err(Error::Io { .. })
        ));
        let e = load::<MlpConfig>(dir.path()).unwrap_err();
        assert!(e.to_string().contains("no config.json"), "{e}");
    }

    #[test]
    fn write_tensors_then_read_tensors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.safetensors");
        let a = Tensor::arange(6, (Kind::Double, Device::Cpu)).view([2, 3]);
        let b = Tensor::from_slice(&[1i64, -2, 3]);
        write_tensors(&p, &[("b", &b), ("a", &a.tr())]).unwrap(); // a.tr() is not contiguous
        let got = read_tensors(&p).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "a");
        assert_eq!(got[0].1.kind(), Kind::Double);
        assert!(got[0].1.equal(&a.tr()));
        assert_eq!(got[1].0, "b");
        assert!(got[1].1.equal(&b));
    }

    /// Only runs where CUDA is available: a CPU-saved file loads into a CUDA VarStore.
    #[test]
    fn cpu_file_loads_into_cuda_var_store() {
        if !tch::Cuda::is_available() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.safetensors");
        let (vs, _) = mlp(9);
        save_weights(&p, &vs).unwrap();
        tch::manual_seed(10);
        let mut vs_gpu = VarStore::new(Device::Cuda(0));
        MlpConfig::new(8, [16, 4], 3).init(&vs_gpu.root()).unwrap();
        load_weights(&p, &mut vs_gpu).unwrap();
        let cpu = vs.variables();
        for (name, t) in vs_gpu.variables() {
            assert_eq!(t.device(), Device::Cuda(0));
            assert!(t.to_device(Device::Cpu).equal(&cpu[&name]), "{name}");
        }
    }
}
