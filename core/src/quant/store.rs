//! Quantized checkpoints: a model folder whose `model.safetensors` holds each quantized weight
//! as integer codes under the weight's own name — int8 (`I8`) for signed codes, `U8` for
//! unsigned ones, and for 4 bits or fewer two codes per byte (`U8`, low nibble first, codes
//! offset by `−qmin`) — beside `<name>.qscale` (`F32`, scalar or per channel) and, unless
//! the scheme is symmetric and signed (zero points 0), `<name>.qzero` (`I32`). The header's metadata keeps the model's kind and config, so the folder
//! restores through the registry like any other, and adds [`META_QUANT`] (JSON
//! [`QuantInfo`]), from which [`crate::checkpoint::load_weights`] dequantizes the weights into
//! the float model ([`dequantize_loaded`]).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::affine::{QParams, QScheme};
use super::weights::QuantizedWeight;
use crate::checkpoint::{self, weights_path};
use crate::{Error, Result};

/// The metadata key of a quantized checkpoint.
pub const META_QUANT: &str = "deepfield.quant";

/// How one stored weight is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantEntry {
    pub scheme: QScheme,
    /// The weight's shape.
    pub shape: Vec<i64>,
    /// Two codes per byte.
    pub packed: bool,
}

/// [`META_QUANT`]'s value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantInfo {
    /// How the model was quantized (`dynamic-int8`, `ptq`, `qat`).
    pub method: String,
    pub tensors: BTreeMap<String, QuantEntry>,
}

fn err(path: &Path, message: String) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        message,
    }
}

/// Two 4-bit (or narrower) codes per byte.
fn pack(codes: &Tensor, qmin: i64) -> Tensor {
    let flat = (codes.flatten(0, -1) - qmin).to_kind(Kind::Uint8);
    let n = flat.numel() as i64;
    let flat = if n % 2 == 1 {
        Tensor::cat(
            &[flat, Tensor::zeros([1], (Kind::Uint8, codes.device()))],
            0,
        )
    } else {
        flat
    };
    let pairs = flat.view([-1, 2]);
    pairs.select(1, 0) + pairs.select(1, 1) * 16
}

fn unpack(bytes: &Tensor, shape: &[i64], qmin: i64) -> Tensor {
    let b = bytes.to_kind(Kind::Int64);
    let lo = b.remainder(16);
    let hi = b.floor_divide_scalar(16);
    let n: i64 = shape.iter().product();
    Tensor::stack(&[lo, hi], 1)
        .flatten(0, -1)
        .narrow(0, 0, n)
        .view(shape)
        + qmin
}

/// The tensors to write for `vs` with `weights` quantized, and the info for the metadata.
pub fn encode(
    vs: &VarStore,
    weights: &[QuantizedWeight],
    method: &str,
) -> Result<(Vec<(String, Tensor)>, QuantInfo)> {
    let quantized: HashSet<&str> = weights.iter().map(|w| w.name.as_str()).collect();
    let mut tensors: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(n, _)| !quantized.contains(n.as_str()))
        .map(|(n, t)| (n, t.detach()))
        .collect();
    let mut info = QuantInfo {
        method: method.to_string(),
        tensors: BTreeMap::new(),
    };
    for w in weights {
        let s = w.params.scheme;
        let (qmin, _) = s.range();
        let packed = s.bits <= 4;
        let codes = if packed {
            pack(&w.codes, qmin)
        } else if s.signed {
            w.codes.to_kind(Kind::Int8)
        } else {
            w.codes.to_kind(Kind::Uint8)
        };
        tensors.push((w.name.clone(), codes));
        tensors.push((
            format!("{}.qscale", w.name),
            w.params.scale.to_kind(Kind::Float),
        ));
        // Symmetric signed codes have zero points 0: none stored.
        if !(s.symmetric && s.signed) {
            tensors.push((
                format!("{}.qzero", w.name),
                w.params.zero_point.to_kind(Kind::Int),
            ));
        }
        info.tensors.insert(
            w.name.clone(),
            QuantEntry {
                scheme: s,
                shape: w.codes.size(),
                packed,
            },
        );
    }
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((tensors, info))
}

/// Write the model folder `out`: the folder `src`'s `config.json` (and `metrics.json`), and its
/// weights from `vs` with `weights` stored quantized. Atomic: `out` is complete or untouched.
pub fn save_quantized(
    src: &Path,
    out: &Path,
    vs: &VarStore,
    weights: &[QuantizedWeight],
    method: &str,
) -> Result<()> {
    let mut meta = checkpoint::read_metadata(&weights_path(src))?;
    let (tensors, info) = encode(vs, weights, method)?;
    let text = serde_json::to_string(&info).map_err(|source| Error::Json {
        context: "serializing the quantization info".into(),
        source,
    })?;
    meta.insert(META_QUANT.to_string(), text);
    crate::fsutil::write_dir_atomic(out, |dir| {
        for f in ["config.json", "metrics.json"] {
            let from = src.join(f);
            if from.is_file() {
                std::fs::copy(&from, dir.join(f)).map_err(|e| Error::io(&from, e))?;
            }
        }
        let named: Vec<(&str, &Tensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        checkpoint::write_tensors_with_metadata(&weights_path(dir), &named, &meta)
    })
}

/// The tensors of the weights file `path` with its quantized weights dequantized to `f32` and
/// their `.qscale`/`.qzero` companions removed; unchanged for a file that is not quantized.
pub fn dequantize_loaded(
    path: &Path,
    tensors: Vec<(String, Tensor)>,
) -> Result<Vec<(String, Tensor)>> {
    let meta = checkpoint::read_metadata(path)?;
    let Some(text) = meta.get(META_QUANT) else {
        return Ok(tensors);
    };
    let info: QuantInfo = serde_json::from_str(text)
        .map_err(|e| err(path, format!("bad `{META_QUANT}` metadata: {e}")))?;
    let mut map: BTreeMap<String, Tensor> = tensors.into_iter().collect();
    for (name, entry) in &info.tensors {
        let mut take = |n: String| {
            map.remove(&n)
                .ok_or_else(|| err(path, format!("quantized weight `{name}`: no tensor `{n}`")))
        };
        let codes = take(name.clone())?;
        let scale = take(format!("{name}.qscale"))?;
        let zero = if entry.scheme.symmetric && entry.scheme.signed {
            scale.zeros_like().to_kind(Kind::Int64)
        } else {
            take(format!("{name}.qzero"))?
        };
        entry.scheme.validate()?;
        let (qmin, _) = entry.scheme.range();
        let n: i64 = entry.shape.iter().product();
        let codes = if entry.packed {
            if codes.numel() as i64 != (n + 1) / 2 {
                return Err(err(
                    path,
                    format!("`{name}`: {} packed bytes for {n} codes", codes.numel()),
                ));
            }
            unpack(&codes, &entry.shape, qmin)
        } else {
            if codes.size() != entry.shape {
                return Err(err(
                    path,
                    format!(
                        "`{name}`: codes of shape {:?}, expected {:?}",
                        codes.size(),
                        entry.shape
                    ),
                ));
            }
            codes.to_kind(Kind::Int64)
        };
        let params = QParams {
            scheme: entry.scheme,
            scale,
            zero_point: zero.to_kind(Kind::Int64),
        };
        let w = params
            .dequantize(&codes)
            .map_err(|e| err(path, format!("`{name}`: {e}")))?;
        map.insert(name.clone(), w);
    }
    Ok(map.into_iter().collect())
}

/// The quantization info of a model folder, if it is quantized.
pub fn info_of(dir: &Path) -> Result<Option<QuantInfo>> {
    let path = weights_path(dir);
    let meta = checkpoint::read_metadata(&path)?;
    meta.get(META_QUANT)
        .map(|t| {
            serde_json::from_str(t)
                .map_err(|e| err(&path, format!("bad `{META_QUANT}` metadata: {e}")))
        })
        .transpose()
}
