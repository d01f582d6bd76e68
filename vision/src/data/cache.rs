//! The on-disk cache of decoded images: one raw file per image set, named by a hash of every
//! file's path, size and modification time and of the decode geometry, so any change to a file
//! or to the preprocessing misses the cache. Written atomically; a damaged or stale cache file
//! is ignored (the images are decoded again), never an error.
//!
//! Layout: `DFIMG1\n`, the entry count (u32 LE), then per entry a status byte: 0 = decoded,
//! followed by the channel count (u8), the byte count (u32 LE) and the 8-bit CHW pixels; 1 =
//! bad, followed by the byte count (u32 LE) and the reason (UTF-8).

use std::path::{Path, PathBuf};

use crate::Result;

const MAGIC: &[u8] = b"DFIMG1\n";

/// The 8-bit pixels of one decoded image, planar `[channels, H, W]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pixels {
    pub channels: usize,
    pub data: Vec<u8>,
}

/// 64-bit FNV-1a: stable across builds and platforms (unlike `std`'s hasher).
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The cache key of a set of file stamps and a decode geometry.
pub fn key(stamps: &[String], geometry: &str) -> String {
    let bytes = stamps
        .iter()
        .flat_map(|s| s.bytes().chain([0u8]))
        .chain(geometry.bytes());
    format!("{:016x}", fnv1a(bytes))
}

/// The cache file of `key` in `dir`.
pub fn path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("images-{key}.bin"))
}

/// The cached decodings of `n` entries, or `None` when there is no usable cache file.
pub fn read(dir: &Path, key: &str, n: usize) -> Option<Vec<std::result::Result<Pixels, String>>> {
    let bytes = std::fs::read(path(dir, key)).ok()?;
    let mut r = bytes.strip_prefix(MAGIC)?;
    let mut take = |k: usize| -> Option<&[u8]> {
        if r.len() < k {
            return None;
        }
        let (a, b) = r.split_at(k);
        r = b;
        Some(a)
    };
    let u32_at = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    if u32_at(take(4)?) != n {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        match take(1)?[0] {
            0 => {
                let channels = take(1)?[0] as usize;
                let len = u32_at(take(4)?);
                out.push(Ok(Pixels {
                    channels,
                    data: take(len)?.to_vec(),
                }));
            }
            1 => {
                let len = u32_at(take(4)?);
                out.push(Err(String::from_utf8_lossy(take(len)?).into_owned()));
            }
            _ => return None,
        }
    }
    take(1).is_none().then_some(out)
}

/// Write the decodings of a set atomically.
pub fn write(dir: &Path, key: &str, items: &[std::result::Result<Pixels, String>]) -> Result<()> {
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for it in items {
        match it {
            Ok(p) => {
                b.push(0);
                b.push(p.channels as u8);
                b.extend_from_slice(&(p.data.len() as u32).to_le_bytes());
                b.extend_from_slice(&p.data);
            }
            Err(reason) => {
                b.push(1);
                b.extend_from_slice(&(reason.len() as u32).to_le_bytes());
                b.extend_from_slice(reason.as_bytes());
            }
        }
    }
    deepfield_core::fsutil::write_atomic(&path(dir, key), &b)?;
    Ok(())
}
