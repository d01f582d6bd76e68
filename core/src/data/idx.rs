//! IDX files, the format MNIST and Fashion-MNIST ship in (LeCun et al., "THE MNIST DATABASE of
//! handwritten digits": the format section of its web page).
//!
//! Layout (big-endian): two zero bytes, a type byte, a rank byte `r`, then `r` dimension sizes as
//! `u32`, then the elements in row-major order. Types: `0x08` u8, `0x09` i8, `0x0B` i16, `0x0C` i32,
//! `0x0D` f32, `0x0E` f64. A file may be gzip-compressed (detected by the gzip magic `1f 8b`, not
//! by its name). [`read_idx`] returns a tensor of the matching kind (u8 → `Uint8`, i8 → `Int8`,
//! i16 → `Int16`, i32 → `Int`, f32 → `Float`, f64 → `Double`) and the file's shape;
//! [`write_idx`] writes one back atomically, gzip-compressed or plain.

use std::io::{Read, Write};
use std::path::Path;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use tch::{Device, Kind, Tensor};

use crate::{Error, Result};

/// The element type of an IDX file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdxType {
    U8,
    I8,
    I16,
    I32,
    F32,
    F64,
}

impl IdxType {
    /// Every IDX type, in type-byte order.
    pub const ALL: [IdxType; 6] = [
        IdxType::U8,
        IdxType::I8,
        IdxType::I16,
        IdxType::I32,
        IdxType::F32,
        IdxType::F64,
    ];

    /// The type byte of the header.
    pub fn code(self) -> u8 {
        match self {
            IdxType::U8 => 0x08,
            IdxType::I8 => 0x09,
            IdxType::I16 => 0x0B,
            IdxType::I32 => 0x0C,
            IdxType::F32 => 0x0D,
            IdxType::F64 => 0x0E,
        }
    }

    /// The type of a header's type byte, if it is one.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            IdxType::U8 | IdxType::I8 => 1,
            IdxType::I16 => 2,
            IdxType::I32 | IdxType::F32 => 4,
            IdxType::F64 => 8,
        }
    }

    /// The tensor kind that holds this type exactly.
    pub fn kind(self) -> Kind {
        match self {
            IdxType::U8 => Kind::Uint8,
            IdxType::I8 => Kind::Int8,
            IdxType::I16 => Kind::Int16,
            IdxType::I32 => Kind::Int,
            IdxType::F32 => Kind::Float,
            IdxType::F64 => Kind::Double,
        }
    }

    /// The IDX type of a tensor kind, if IDX has one.
    pub fn of_kind(kind: Kind) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.kind() == kind)
    }
}

/// The header of an IDX file: element type and shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxHeader {
    pub dtype: IdxType,
    pub shape: Vec<usize>,
}

impl IdxHeader {
    /// Number of elements (the product of the dimensions).
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// The bytes of `path`, gunzipped when they start with the gzip magic.
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| {
                Error::parse(path, 0, format!("gzip data is damaged or truncated: {e}"))
            })?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parse the header at the start of `bytes` (`path` names the file in errors); returns it and
/// the offset of the data.
pub fn parse_header(bytes: &[u8], path: &Path) -> Result<(IdxHeader, usize)> {
    if bytes.len() < 4 {
        return Err(Error::parse(
            path,
            0,
            format!(
                "not an IDX file: expected a 4-byte magic number, found {} bytes",
                bytes.len()
            ),
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(Error::parse(
            path,
            0,
            format!(
                "not an IDX file: the magic number must start with two zero bytes, found \
                 {:02x} {:02x} {:02x} {:02x}",
                bytes[0], bytes[1], bytes[2], bytes[3]
            ),
        ));
    }
    let dtype = IdxType::from_code(bytes[2]).ok_or_else(|| {
        Error::parse(
            path,
            0,
            format!(
                "unknown IDX data type 0x{:02x}: expected 0x08 (u8), 0x09 (i8), 0x0B (i16), \
                 0x0C (i32), 0x0D (f32) or 0x0E (f64)",
                bytes[2]
            ),
        )
    })?;
    let rank = bytes[3] as usize;
    let data_at = 4 + 4 * rank;
    if bytes.len() < data_at {
        return Err(Error::parse(
            path,
            0,
            format!(
                "truncated IDX header: rank {rank} needs {data_at} header bytes, the file has {}",
                bytes.len()
            ),
        ));
    }
    let shape: Vec<usize> = (0..rank)
        .map(|i| {
            let at = 4 + 4 * i;
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
        })
        .collect();
    Ok((IdxHeader { dtype, shape }, data_at))
}

/// Read an IDX file (gzip or plain) into a CPU tensor of the file's type and shape.
pub fn read_idx(path: &Path) -> Result<Tensor> {
    let bytes = read_maybe_gzip(path)?;
    parse_idx(&bytes, path)
}

/// Parse the (decompressed) bytes of an IDX file; `path` names the file in errors.
pub fn parse_idx(bytes: &[u8], path: &Path) -> Result<Tensor> {
    let (header, at) = parse_header(bytes, path)?;
    let want = header
        .shape
        .iter()
        .try_fold(header.dtype.size(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            Error::parse(
                path,
                0,
                format!("IDX shape {:?} is too large to hold", header.shape),
            )
        })?;
    let data = &bytes[at..];
    if data.len() != want {
        let what = if data.len() < want {
            "truncated"
        } else {
            "size mismatch"
        };
        return Err(Error::parse(
            path,
            0,
            format!(
                "{what}: the header says shape {:?} of {:?} ({want} data bytes), found {} data bytes",
                header.shape,
                header.dtype,
                data.len()
            ),
        ));
    }
    let t = decode(header.dtype, data);
    let shape: Vec<i64> = header.shape.iter().map(|&d| d as i64).collect();
    Ok(t.reshape(shape.as_slice()))
}

fn decode(dtype: IdxType, data: &[u8]) -> Tensor {
    fn be<const N: usize, T: tch::kind::Element>(data: &[u8], f: impl Fn([u8; N]) -> T) -> Tensor {
        let v: Vec<T> = data
            .chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                f(a)
            })
            .collect();
        Tensor::from_slice(&v)
    }
    match dtype {
        IdxType::U8 => Tensor::from_slice(data),
        IdxType::I8 => be::<1, i8>(data, i8::from_be_bytes),
        IdxType::I16 => be::<2, i16>(data, i16::from_be_bytes),
        IdxType::I32 => be::<4, i32>(data, i32::from_be_bytes),
        IdxType::F32 => be::<4, f32>(data, f32::from_be_bytes),
        IdxType::F64 => be::<8, f64>(data, f64::from_be_bytes),
    }
}

/// The IDX bytes (uncompressed) of a tensor of kind u8, i8, i16, i32, f32 or f64 and rank ≤ 255
/// with every dimension below 2³².
pub fn encode_idx(t: &Tensor) -> Result<Vec<u8>> {
    let dtype = IdxType::of_kind(t.kind()).ok_or_else(|| {
        Error::input(format!(
            "IDX holds u8, i8, i16, i32, f32 or f64 tensors, not {:?}",
            t.kind()
        ))
    })?;
    let shape = t.size();
    if shape.len() > 255 || shape.iter().any(|&d| d < 0 || d > u32::MAX as i64) {
        return Err(Error::input(format!(
            "IDX holds at most 255 dimensions each below 2^32, not shape {shape:?}"
        )));
    }
    let mut out = vec![0, 0, dtype.code(), shape.len() as u8];
    for &d in &shape {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    let flat = t.detach().to_device(Device::Cpu).contiguous().reshape([-1]);
    fn put<T: tch::kind::Element + Default + Clone, const N: usize>(
        out: &mut Vec<u8>,
        t: &Tensor,
        f: impl Fn(T) -> [u8; N],
    ) -> Result<()> {
        let n = t.numel();
        let mut v = vec![T::default(); n];
        t.f_copy_data(&mut v, n)?;
        out.reserve(v.len() * N);
        for x in v {
            out.extend_from_slice(&f(x));
        }
        Ok(())
    }
    match dtype {
        IdxType::U8 => put::<u8, 1>(&mut out, &flat, u8::to_be_bytes)?,
        IdxType::I8 => put::<i8, 1>(&mut out, &flat, i8::to_be_bytes)?,
        IdxType::I16 => put::<i16, 2>(&mut out, &flat, i16::to_be_bytes)?,
        IdxType::I32 => put::<i32, 4>(&mut out, &flat, i32::to_be_bytes)?,
        IdxType::F32 => put::<f32, 4>(&mut out, &flat, f32::to_be_bytes)?,
        IdxType::F64 => put::<f64, 8>(&mut out, &flat, f64::to_be_bytes)?,
    }
    Ok(out)
}

/// Write `t` as an IDX file at `path` atomically (never half-written), gzip-compressed when
/// `gzip` is true.
pub fn write_idx(path: &Path, t: &Tensor, gzip: bool) -> Result<()> {
    let bytes = encode_idx(t)?;
    let bytes = if gzip {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&bytes)
            .and_then(|()| enc.finish())
            .map_err(|e| Error::io(path, e))?
    } else {
        bytes
    };
    crate::fsutil::write_atomic(path, &bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_of_mnist_labels() {
        let bytes = [0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1];
        let t = parse_idx(&bytes, Path::new("x")).unwrap();
        assert_eq!(t.size(), [3]);
        assert_eq!(t.kind(), Kind::Uint8);
        assert_eq!(Vec::<u8>::try_from(&t).unwrap(), [7, 2, 1]);
    }

    #[test]
    fn big_endian_i16() {
        let bytes = [0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe];
        let t = parse_idx(&bytes, Path::new("x")).unwrap();
        assert_eq!(Vec::<i16>::try_from(&t).unwrap(), [258, -2]);
    }
}
