//! Reading WAV files (`hound`): PCM 8/16/24/32-bit integer and 32-bit float, mono or
//! multi-channel (downmixed to mono by averaging), any sample rate, samples scaled to [-1, 1].
//!
//! Every problem (not a WAV, truncated data, no samples, NaN/∞ samples, absurd length) is an
//! [`Error::BadAudio`] naming the file. [`read_folder`] reads every `.wav` of a folder, keeps the
//! good ones and lists the bad ones with their reasons instead of aborting.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Longest recording accepted by default (10 minutes): longer input is almost surely a mistake
/// for clip classification, and would silently use gigabytes of memory.
pub const DEFAULT_MAX_SECONDS: f64 = 600.0;

/// A mono recording: samples in [-1, 1] at `sample_rate` Hz.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Audio {
    /// Duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate as f64
    }
}

/// What the file header said (before downmixing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WavInfo {
    pub channels: u16,
    pub sample_rate: u32,
    pub bits_per_sample: u16,
    /// Samples per channel.
    pub frames: u32,
    pub float: bool,
}

/// Read a WAV file as mono `f32` in [-1, 1], rejecting files longer than
/// [`DEFAULT_MAX_SECONDS`].
pub fn read_wav(path: &Path) -> Result<Audio> {
    read_wav_limited(path, DEFAULT_MAX_SECONDS).map(|(a, _)| a)
}

/// [`read_wav`] with an explicit length limit; also returns the header.
pub fn read_wav_limited(path: &Path, max_seconds: f64) -> Result<(Audio, WavInfo)> {
    let bad = |m: String| Error::bad_audio(path, m);
    let mut reader = hound::WavReader::open(path).map_err(|e| bad(describe(e)))?;
    let spec = reader.spec();
    let info = WavInfo {
        channels: spec.channels,
        sample_rate: spec.sample_rate,
        bits_per_sample: spec.bits_per_sample,
        frames: reader.duration(),
        float: spec.sample_format == hound::SampleFormat::Float,
    };
    if spec.channels == 0 || spec.sample_rate == 0 {
        return Err(bad(format!(
            "header says {} channel(s) at {} Hz",
            spec.channels, spec.sample_rate
        )));
    }
    if info.frames == 0 {
        return Err(bad("the file holds no samples (empty recording)".into()));
    }
    let seconds = info.frames as f64 / spec.sample_rate as f64;
    if seconds > max_seconds {
        return Err(bad(format!(
            "{seconds:.1} s long, more than the {max_seconds} s accepted (raise the limit if this is intended)"
        )));
    }
    let interleaved: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => collect(path, reader.samples::<f32>(), |s| s)?,
        (hound::SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f64;
            collect(path, reader.samples::<i32>(), |s| (s as f64 * scale) as f32)?
        }
        (fmt, bits) => {
            return Err(bad(format!(
                "unsupported sample format {fmt:?} with {bits} bits (supported: PCM 8/16/24/32-bit, 32-bit float)"
            )))
        }
    };
    let ch = spec.channels as usize;
    if interleaved.len() % ch != 0 {
        return Err(bad(format!(
            "{} samples do not divide into {ch} channels (truncated file?)",
            interleaved.len()
        )));
    }
    if let Some(i) = interleaved.iter().position(|s| !s.is_finite()) {
        return Err(bad(format!(
            "sample {i} is {} (NaN or infinite samples)",
            interleaved[i]
        )));
    }
    let samples = if ch == 1 {
        interleaved
    } else {
        interleaved
            .chunks_exact(ch)
            .map(|f| f.iter().sum::<f32>() / ch as f32)
            .collect()
    };
    Ok((
        Audio {
            samples,
            sample_rate: spec.sample_rate,
        },
        info,
    ))
}

fn collect<S, I: Iterator<Item = hound::Result<S>>>(
    path: &Path,
    samples: I,
    f: impl Fn(S) -> f32,
) -> Result<Vec<f32>> {
    // The size hint is the header's claim: a damaged header can claim 4·10⁹ samples in a file of
    // a few hundred bytes, so reserve at most 4 M samples up front and grow from there.
    let (lo, _) = samples.size_hint();
    let mut out = Vec::with_capacity(lo.min(1 << 22));
    for s in samples {
        out.push(f(s.map_err(|e| match e {
            hound::Error::IoError(io) if is_early_end(&io) => {
                Error::bad_audio(path, "the file ends before its data does (truncated WAV)")
            }
            hound::Error::IoError(io) => Error::bad_audio(path, format!("cannot read: {io}")),
            other => Error::bad_audio(path, describe(other)),
        })?));
    }
    Ok(out)
}

/// True for hound's "ran out of bytes" I/O errors (it reports them as `ErrorKind::Other`).
fn is_early_end(io: &std::io::Error) -> bool {
    io.kind() == std::io::ErrorKind::UnexpectedEof
        || io.to_string().contains("Failed to read enough bytes")
}

fn describe(e: hound::Error) -> String {
    match e {
        hound::Error::IoError(io) if is_early_end(&io) => {
            "the file ends before its header or data does (truncated or empty WAV)".into()
        }
        hound::Error::IoError(io) => format!("cannot read: {io}"),
        hound::Error::FormatError(m) => format!("not a valid WAV file ({m})"),
        hound::Error::Unsupported => "unsupported WAV variant".into(),
        other => format!("not a valid WAV file ({other})"),
    }
}

/// Write mono `f32` samples as a 16-bit PCM WAV (atomically).
pub fn write_wav_i16(path: &Path, samples: &[f32], sample_rate: u32) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    deepfield_core::fsutil::write_atomic_with(path, |tmp| {
        let io = |e: hound::Error| deepfield_core::Error::Io {
            path: tmp.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        };
        let mut w = hound::WavWriter::create(tmp, spec).map_err(io)?;
        for &s in samples {
            let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
            w.write_sample(v).map_err(io)?;
        }
        w.finalize().map_err(io)
    })?;
    Ok(())
}

/// The good and the bad files of a folder.
#[derive(Debug, Default)]
pub struct FolderRead {
    /// Readable recordings, sorted by path.
    pub good: Vec<(PathBuf, Audio)>,
    /// Unreadable files with the reason, sorted by path.
    pub bad: Vec<(PathBuf, String)>,
}

/// Every `*.wav` (case-insensitive) directly in `dir`, sorted.
pub fn wav_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| deepfield_core::Error::io(dir, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|x| x.to_string_lossy().eq_ignore_ascii_case("wav"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Every `*.wav` (case-insensitive) in `dir` and its subfolders, sorted by path. Symbolic links
/// to folders are not followed (no loops); an unreadable subfolder is an error naming it.
pub fn wav_files_recursive(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| deepfield_core::Error::io(&d, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| deepfield_core::Error::io(&d, e))?;
            let path = entry.path();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                pending.push(path);
            } else if path.is_file()
                && path
                    .extension()
                    .is_some_and(|x| x.to_string_lossy().eq_ignore_ascii_case("wav"))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Read every WAV file of `dir`; the unreadable ones are listed in [`FolderRead::bad`]. Errors
/// only when the folder itself cannot be read or holds no WAV file at all.
pub fn read_folder(dir: &Path, max_seconds: f64) -> Result<FolderRead> {
    let files = wav_files(dir)?;
    if files.is_empty() {
        return Err(Error::input(format!(
            "{}: no .wav files in this folder",
            dir.display()
        )));
    }
    let mut out = FolderRead::default();
    for f in files {
        match read_wav_limited(&f, max_seconds) {
            Ok((a, _)) => out.good.push((f, a)),
            Err(e) => out.bad.push((f, e.to_string())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_16_bit_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.wav");
        let x: Vec<f32> = (0..800).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
        write_wav_i16(&p, &x, 8000).unwrap();
        let a = read_wav(&p).unwrap();
        assert_eq!(a.sample_rate, 8000);
        assert_eq!(a.samples.len(), 800);
        let err = a
            .samples
            .iter()
            .zip(&x)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(err < 1.0 / 32767.0, "{err}");
        assert!((a.seconds() - 0.1).abs() < 1e-12);
        let e = read_wav_limited(&p, 0.05).unwrap_err().to_string();
        assert!(e.contains("a.wav") && e.contains("0.05"), "{e}");
    }
}
