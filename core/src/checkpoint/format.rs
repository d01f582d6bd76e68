//! The safetensors file layer of [`super`]: writing through the `safetensors` crate (with a
//! `__metadata__` map), reading and validating headers, and the complex dtypes.
//!
//! Complex tensors: `ComplexFloat` (`torch.complex64`) is stored as safetensors' own `C64`
//! dtype, which `safetensors.torch` reads back as `complex64`. safetensors has no 128-bit complex
//! dtype, so a `ComplexDouble` tensor is stored as its `view_as_real` (`F64`, a trailing
//! dimension of 2: real, imaginary) and its name is listed in the metadata entry
//! [`META_COMPLEX128`](super::META_COMPLEX128) (a JSON list of names); reading restores the
//! complex view. In Python, `torch.view_as_complex` does the same.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

use safetensors::{Dtype, View};
use tch::{Device, Kind, Tensor};

use super::{FORMAT_NAME, META_COMPLEX128, META_FORMAT, META_VERSION};
use crate::{Error, Result};

/// Largest safetensors header accepted (the reference implementation's limit).
const MAX_HEADER_BYTES: u64 = 100_000_000;

/// The key of the metadata map in a safetensors header.
const METADATA_KEY: &str = "__metadata__";

pub(super) fn ckpt_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Checkpoint {
        path: path.to_path_buf(),
        message: crate::error::clip(&message.into()),
    }
}

/// One tensor as bytes, ready for the safetensors writer.
struct Prepared {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl View for &Prepared {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// The safetensors dtype of a tch kind (`ComplexDouble` is handled by the caller).
fn dtype_of(kind: Kind) -> Option<Dtype> {
    Some(match kind {
        Kind::Bool => Dtype::BOOL,
        Kind::Uint8 => Dtype::U8,
        Kind::Int8 => Dtype::I8,
        Kind::Int16 => Dtype::I16,
        Kind::Int => Dtype::I32,
        Kind::Int64 => Dtype::I64,
        Kind::BFloat16 => Dtype::BF16,
        Kind::Half => Dtype::F16,
        Kind::Float => Dtype::F32,
        Kind::Double => Dtype::F64,
        Kind::ComplexFloat => Dtype::C64,
        Kind::Float8e5m2 => Dtype::F8_E5M2,
        Kind::Float8e4m3fn => Dtype::F8_E4M3,
        Kind::Float8e5m2fnuz => Dtype::F8_E5M2FNUZ,
        Kind::Float8e4m3fnuz => Dtype::F8_E4M3FNUZ,
        _ => return None,
    })
}

/// The tch kind of a safetensors dtype name in a header.
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
        "C64" => Kind::ComplexFloat,
        "F8_E5M2" => Kind::Float8e5m2,
        "F8_E4M3" => Kind::Float8e4m3fn,
        "F8_E5M2FNUZ" => Kind::Float8e5m2fnuz,
        "F8_E4M3FNUZ" => Kind::Float8e4m3fnuz,
        _ => return None,
    })
}

/// Copy one tensor to CPU bytes in the layout safetensors stores.
fn prepare_one(path: &Path, name: &str, tensor: &Tensor) -> Result<(Prepared, bool)> {
    let torch = |e: tch::TchError| ckpt_error(path, format!("tensor `{name}`: {e}"));
    // Conjugate and negative views are lazy bits that `contiguous` does not materialise.
    let mut t = tensor
        .detach()
        .f_to_device(Device::Cpu)
        .and_then(|t| t.f_resolve_conj())
        .and_then(|t| t.f_resolve_neg())
        .map_err(torch)?;
    let complex128 = t.kind() == Kind::ComplexDouble;
    if complex128 {
        t = t.f_view_as_real().map_err(torch)?;
    }
    let t = t.f_contiguous().map_err(torch)?;
    let kind = t.kind();
    let dtype = dtype_of(kind).ok_or_else(|| {
        ckpt_error(
            path,
            format!("tensor `{name}`: dtype {kind:?} cannot be stored in safetensors"),
        )
    })?;
    let numel = t.numel();
    let mut bytes = vec![0u8; numel * kind.elt_size_in_bytes()];
    t.f_copy_data_u8(&mut bytes, numel).map_err(torch)?;
    let shape = t.size().iter().map(|&d| d as usize).collect();
    Ok((
        Prepared {
            dtype,
            shape,
            bytes,
        },
        complex128,
    ))
}

/// Write named tensors (any device and dtype safetensors or [`META_COMPLEX128`] can hold) with
/// `metadata` to `path`, atomically and fsync'd. The writer owns [`META_FORMAT`],
/// [`META_VERSION`] and [`META_COMPLEX128`]: values the caller gives for them are replaced.
pub(super) fn write<'a>(
    path: &Path,
    tensors: impl IntoIterator<Item = (&'a str, &'a Tensor)>,
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    let mut prepared: Vec<(&str, Prepared)> = Vec::new();
    let mut complex128 = BTreeSet::new();
    for (name, tensor) in tensors {
        if name == METADATA_KEY {
            return Err(ckpt_error(
                path,
                format!("`{METADATA_KEY}` is reserved and cannot name a tensor"),
            ));
        }
        let (p, is_c128) = prepare_one(path, name, tensor)?;
        prepared.push((name, p));
        if is_c128 {
            complex128.insert(name);
        }
    }
    let mut names: Vec<&str> = prepared.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(ckpt_error(
            path,
            format!("tensor name `{}` given twice", w[0]),
        ));
    }

    let mut meta: HashMap<String, String> = metadata.clone().into_iter().collect();
    meta.insert(META_FORMAT.into(), FORMAT_NAME.into());
    meta.insert(META_VERSION.into(), env!("CARGO_PKG_VERSION").into());
    meta.remove(META_COMPLEX128);
    if !complex128.is_empty() {
        let list = serde_json::to_string(&complex128).map_err(|source| Error::Json {
            context: format!("complex tensor names for {}", path.display()),
            source,
        })?;
        meta.insert(META_COMPLEX128.into(), list);
    }

    crate::fsutil::write_atomic_with(path, |tmp| {
        let views = prepared.iter().map(|(n, p)| (*n, p));
        safetensors::serialize_to_file(views, Some(meta), tmp)
            .map_err(|e| ckpt_error(path, format!("writing safetensors: {e}")))?;
        // The crate's writer does not fsync; do it so the rename publishes complete data.
        std::fs::File::open(tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(tmp, e))
    })
}

/// One tensor of a safetensors header, validated against the data section.
pub(super) struct Entry {
    pub name: String,
    /// The stored dtype (`Double` for a complex128 tensor).
    pub kind: Kind,
    /// The stored shape (with the trailing 2 of a complex128 tensor).
    pub shape: Vec<i64>,
    /// Stored as `view_as_real` of a `ComplexDouble` tensor (listed in [`META_COMPLEX128`]).
    pub complex128: bool,
    begin: usize,
    end: usize,
}

impl Entry {
    /// The shape of the tensor as read back (without the real/imaginary dimension).
    pub fn logical_shape(&self) -> Vec<i64> {
        let n = self.shape.len() - usize::from(self.complex128);
        self.shape[..n].to_vec()
    }
}

/// A parsed and validated safetensors header.
pub(super) struct Header {
    /// Sorted by name.
    pub entries: Vec<Entry>,
    /// `__metadata__`, empty when absent.
    pub metadata: BTreeMap<String, String>,
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

/// Read and validate only the header of the safetensors file `path`.
pub(super) fn read_header(path: &Path) -> Result<Header> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let file_len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let n = header_len(path, &mut file, file_len)?;
    let mut header = vec![0u8; n as usize];
    file.read_exact(&mut header)
        .map_err(|e| Error::io(path, e))?;
    parse_header(path, &header, file_len - 8 - n)
}

/// Read every tensor of the safetensors file `path` (on the CPU, complex128 tensors restored),
/// sorted by name.
pub(super) fn read(path: &Path) -> Result<Vec<(String, Tensor)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let n = header_len(path, &mut &bytes[..], bytes.len() as u64)? as usize;
    let data = &bytes[8 + n..];
    let header = parse_header(path, &bytes[8..8 + n], data.len() as u64)?;
    header
        .entries
        .into_iter()
        .map(|e| {
            let torch =
                |err: tch::TchError| ckpt_error(path, format!("tensor `{}`: {err}", e.name));
            // parse_header checked that the range is in bounds and matches shape × dtype size.
            let slice = &data[e.begin..e.end];
            let mut t = Tensor::f_from_data_size(slice, &e.shape, e.kind).map_err(torch)?;
            if e.complex128 {
                t = t.f_view_as_complex().map_err(torch)?;
            }
            Ok((e.name, t))
        })
        .collect()
}

/// Parse and validate a safetensors JSON header (every range inside `data_len` bytes and of
/// exactly shape × dtype-size bytes; `__metadata__` a map of strings; every name listed in
/// [`META_COMPLEX128`] an `F64` tensor with a trailing dimension of 2). Entries are sorted by
/// name.
fn parse_header(path: &Path, header: &[u8], data_len: u64) -> Result<Header> {
    let bad = |why: String| ckpt_error(path, format!("not a safetensors file: {why}"));
    let mut map: BTreeMap<String, serde_json::Value> = serde_json::from_slice(header)
        .map_err(|e| bad(format!("header is not a JSON object ({e})")))?;
    let metadata: BTreeMap<String, String> = match map.remove(METADATA_KEY) {
        None | Some(serde_json::Value::Null) => BTreeMap::new(),
        Some(v) => serde_json::from_value(v)
            .map_err(|e| bad(format!("{METADATA_KEY} is not a map of strings ({e})")))?,
    };
    let complex128: BTreeSet<String> = match metadata.get(META_COMPLEX128) {
        None => BTreeSet::new(),
        Some(list) => serde_json::from_str(list).map_err(|e| {
            bad(format!(
                "metadata `{META_COMPLEX128}` is not a JSON list of names ({e})"
            ))
        })?,
    };

    let mut entries = Vec::with_capacity(map.len());
    for (name, info) in map {
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
        let is_c128 = complex128.contains(&name);
        if is_c128 && (kind != Kind::Double || dims.last() != Some(&2)) {
            return Err(bad_entry(&format!(
                "listed in `{META_COMPLEX128}` but stored as {dtype} {dims:?}, not F64 [..., 2]"
            )));
        }
        let shape = dims.iter().map(|&d| d as i64).collect();
        entries.push(Entry {
            name,
            kind,
            shape,
            complex128: is_c128,
            begin: begin as usize,
            end: end as usize,
        });
    }
    // The data buffer is covered exactly, without overlaps or holes (as the safetensors crate
    // requires): two tensors sharing bytes would alias each other.
    let mut by_offset: Vec<&Entry> = entries.iter().collect();
    by_offset.sort_by_key(|e| (e.begin, e.end));
    let mut covered = 0usize;
    for e in &by_offset {
        if e.begin != covered {
            return Err(bad(format!(
                "tensor `{}`: data_offsets [{}, {}] {} the previous tensor's end at byte {covered}",
                e.name,
                e.begin,
                e.end,
                if e.begin < covered {
                    "overlap"
                } else {
                    "leave a hole after"
                }
            )));
        }
        covered = e.end;
    }
    if covered as u64 != data_len {
        return Err(bad(format!(
            "the tensors cover {covered} of the {data_len} data bytes"
        )));
    }
    if let Some(missing) = complex128
        .iter()
        .find(|n| !entries.iter().any(|e| &e.name == *n))
    {
        return Err(bad(format!(
            "metadata `{META_COMPLEX128}` names `{missing}`, which is not in the file"
        )));
    }
    Ok(Header { entries, metadata })
}
