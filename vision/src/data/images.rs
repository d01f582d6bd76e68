//! Decoding image files into a batch tensor, in parallel (rayon), with caches.
//!
//! Each file is decoded by the `image` crate (PNG, JPEG or BMP, told apart by content, not by
//! extension; grey, grey+alpha, RGB or RGBA — alpha is dropped), centre-cropped and resized to
//! the [`Preprocess`] size with a triangle (bilinear, antialiased when shrinking) filter, so an
//! image of any size or aspect is stretched to the model's size, never refused. The 8-bit
//! pixels of every file are kept in memory (keyed by file, size, modification time and
//! geometry) and, with a cache folder, in one raw file per image set ([`super::cache`]), so a
//! second load skips decoding. Then channels, padding and normalisation follow on the batch.
//!
//! A file that does not decode (corrupt, truncated, not an image) is listed in
//! [`ImageSet::bad`] with its reason and left out; only when no file decodes is it an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use image::imageops::FilterType;
use rayon::prelude::*;
use tch::{Kind, Tensor};

use super::cache::{self, Pixels};
use super::sources::Entry;
use super::Preprocess;
use crate::{Error, Result};

/// A file left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BadFile {
    pub path: PathBuf,
    pub reason: String,
}

/// Decoded, preprocessed images.
#[derive(Debug)]
pub struct ImageSet {
    /// `f32 [N, channels, H, W]`, preprocessed and normalised.
    pub images: Tensor,
    /// The good entries, in input order (row `i` of `images` is `entries[i]`).
    pub entries: Vec<Entry>,
    /// The files that did not decode.
    pub bad: Vec<BadFile>,
}

impl ImageSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none (never, for a set [`load`] returns).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The labels as indices into `classes` (`i64 [N]`); an entry without a label or with a
    /// label not among `classes` is an error naming it.
    pub fn label_indices(&self, classes: &[String]) -> Result<Tensor> {
        let idx: Vec<i64> = self
            .entries
            .iter()
            .map(|e| {
                let l = e.label.as_deref().ok_or_else(|| {
                    Error::input(format!("{} ({}) has no label", e.id, e.path.display()))
                })?;
                classes
                    .iter()
                    .position(|c| c == l)
                    .map(|i| i as i64)
                    .ok_or_else(|| {
                        Error::input(format!(
                            "{}: label `{l}` is not one of the classes {}",
                            e.id,
                            classes.join(", ")
                        ))
                    })
            })
            .collect::<Result<_>>()?;
        Ok(Tensor::from_slice(&idx))
    }

    /// The sorted distinct labels (numerically when all are integers).
    pub fn classes(&self) -> Vec<String> {
        let mut c: Vec<String> = self
            .entries
            .iter()
            .filter_map(|e| e.label.clone())
            .collect();
        c.sort();
        c.dedup();
        if c.iter().all(|s| s.parse::<i64>().is_ok()) {
            c.sort_by_key(|s| s.parse::<i64>().unwrap_or(0));
        }
        c
    }
}

/// Which decoded pixels a file gives: the decode geometry (crop, size, grey or colour).
fn geometry_key(pre: &Preprocess) -> String {
    format!(
        "crop{}-{}x{}-c{}",
        pre.crop_fraction,
        pre.height,
        pre.width,
        decode_channels(pre)
    )
}

/// Colour images are decoded as RGB and turned grey on the batch (one luma formula for every
/// input kind); grey ones stay grey when the model wants grey.
fn decode_channels(pre: &Preprocess) -> usize {
    pre.channels
}

/// A file's identity for the caches: path, size, modification time (ns since the epoch).
pub fn file_stamp(path: &Path) -> String {
    let (len, mtime) = match std::fs::metadata(path) {
        Ok(m) => (
            m.len(),
            m.modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos()),
        ),
        Err(_) => (0, 0),
    };
    format!("{}|{len}|{mtime}", path.display())
}

type Memo = Mutex<HashMap<String, std::result::Result<Pixels, String>>>;

fn memo() -> &'static Memo {
    static MEMO: OnceLock<Memo> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Decode one file to 8-bit pixels `[channels, height, width]` (channels = 3, or 1 when the
/// preprocessing wants grey), centre-cropped and resized.
pub fn decode_file(path: &Path, pre: &Preprocess) -> std::result::Result<Pixels, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let reader = image::ImageReader::new(std::io::Cursor::new(&bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?;
    if reader.format().is_none() {
        return Err("not a PNG, JPEG or BMP image (unrecognised content)".into());
    }
    let img = reader
        .decode()
        .map_err(|e| format!("does not decode: {e}"))?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return Err("the image has no pixels".into());
    }
    let (top, left, ch, cw) = pre.crop_box(h, w);
    let img = img.crop_imm(left as u32, top as u32, cw as u32, ch as u32);
    let (oh, ow) = (pre.height as u32, pre.width as u32);
    let resize = |same: bool| {
        if same {
            FilterType::Nearest
        } else {
            FilterType::Triangle
        }
    };
    let same = img.width() == ow && img.height() == oh;
    let (channels, data) = if decode_channels(pre) == 1 && !img.color().has_color() {
        let g = img.to_luma8();
        (
            1,
            image::imageops::resize(&g, ow, oh, resize(same)).into_raw(),
        )
    } else {
        let rgb = img.to_rgb8();
        (
            3,
            image::imageops::resize(&rgb, ow, oh, resize(same)).into_raw(),
        )
    };
    // Interleaved HWC → planar CHW.
    let plane = (oh * ow) as usize;
    let mut chw = vec![0u8; data.len()];
    for (i, px) in data.chunks_exact(channels).enumerate() {
        for (c, &v) in px.iter().enumerate() {
            chw[c * plane + i] = v;
        }
    }
    Ok(Pixels {
        channels,
        data: chw,
    })
}

fn decode_guarded(path: &Path, pre: &Preprocess) -> std::result::Result<Pixels, String> {
    let key = format!("{}#{}", file_stamp(path), geometry_key(pre));
    if let Some(hit) = memo().lock().ok().and_then(|m| m.get(&key).cloned()) {
        return hit;
    }
    // A decoder bug must not take the whole load down: it becomes this file's reason.
    let out = std::panic::catch_unwind(|| decode_file(path, pre))
        .unwrap_or_else(|_| Err("the image decoder failed on this file".into()));
    if let Ok(mut m) = memo().lock() {
        m.insert(key, out.clone());
    }
    out
}

/// Decode `entries` in parallel with `pre`'s geometry; with `cache_dir`, read the whole set from
/// (or write it to) the disk cache there. Good files come back in input order; bad ones are
/// listed; zero good files is an error naming some of them.
pub fn load(entries: &[Entry], pre: &Preprocess, cache_dir: Option<&Path>) -> Result<ImageSet> {
    pre.validate()?;
    if entries.is_empty() {
        return Err(Error::input("no images to load"));
    }
    let stamps: Vec<String> = entries.iter().map(|e| file_stamp(&e.path)).collect();
    let key = cache::key(&stamps, &geometry_key(pre));
    let decoded: Vec<std::result::Result<Pixels, String>> =
        match cache_dir.and_then(|d| cache::read(d, &key, entries.len())) {
            Some(hit) => hit,
            None => {
                let fresh: Vec<_> = entries
                    .par_iter()
                    .map(|e| decode_guarded(&e.path, pre))
                    .collect();
                if let Some(d) = cache_dir {
                    cache::write(d, &key, &fresh)?;
                }
                fresh
            }
        };
    let mut good = Vec::new();
    let mut planes = Vec::new();
    let mut bad = Vec::new();
    for (e, d) in entries.iter().zip(decoded) {
        match d {
            Ok(p) => {
                let t = Tensor::from_slice(&p.data).reshape([
                    p.channels as i64,
                    pre.height as i64,
                    pre.width as i64,
                ]);
                // Grey files in a colour set become RGB, colour files in a grey set grey.
                let t = t.unsqueeze(0).to_kind(Kind::Float) / 255.0;
                let t = pre.convert_channels(&t).squeeze_dim(0);
                planes.push(t);
                good.push(e.clone());
            }
            Err(reason) => bad.push(BadFile {
                path: e.path.clone(),
                reason,
            }),
        }
    }
    if good.is_empty() {
        let some: Vec<String> = bad
            .iter()
            .take(5)
            .map(|b| format!("{}: {}", b.path.display(), b.reason))
            .collect();
        return Err(Error::input(format!(
            "none of the {} image files decoded; for example {}",
            bad.len(),
            some.join("; ")
        )));
    }
    let x = pre.normalise(&pre.pad_batch(&Tensor::stack(&planes, 0)));
    Ok(ImageSet {
        images: x,
        entries: good,
        bad,
    })
}
