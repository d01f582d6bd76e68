//! WFDB signal files (`.dat`) in format 212 (two 12-bit two's-complement samples packed in
//! three bytes) and format 16 (16-bit little-endian), signals interleaved frame by frame.
//!
//! The byte count must match the header's sample count exactly, and the first sample and the
//! 16-bit checksum of each signal must match the header when it gives them: a truncated,
//! padded or corrupted file is an error naming the file, never a silent misread.

use std::path::{Path, PathBuf};

use super::header::Header;
use crate::{Error, Result};

/// A record: its header and every signal's samples in ADC units.
#[derive(Debug, Clone)]
pub struct Record {
    pub header: Header,
    /// `adc[signal][sample]`.
    pub adc: Vec<Vec<i32>>,
}

impl Record {
    /// Read the record of the header file `hea` (its signal file is looked up beside it).
    pub fn read(hea: &Path) -> Result<Record> {
        let header = Header::read(hea)?;
        let adc = read_signals(&header)?;
        Ok(Record { header, adc })
    }

    /// Samples per signal.
    pub fn len(&self) -> usize {
        self.adc.first().map_or(0, Vec::len)
    }

    /// Whether the record has no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Signal `i` in physical units (`(adc − baseline) / gain`, e.g. mV).
    pub fn physical(&self, i: usize) -> Result<Vec<f32>> {
        let (spec, adc) = self
            .header
            .signals
            .get(i)
            .zip(self.adc.get(i))
            .ok_or_else(|| {
                Error::data(
                    &self.header.path,
                    format!("no signal {i} (the record has {})", self.adc.len()),
                )
            })?;
        Ok(adc.iter().map(|&a| spec.physical(a) as f32).collect())
    }
}

/// The signal file of the header (one file shared by all signals).
fn dat_path(header: &Header) -> Result<PathBuf> {
    let first = header
        .signals
        .first()
        .ok_or_else(|| Error::data(&header.path, "the header declares no signals"))?;
    if let Some(s) = header.signals.iter().find(|s| {
        s.file != first.file || s.format != first.format || s.byte_offset != first.byte_offset
    }) {
        return Err(Error::data(
            &header.path,
            format!(
                "signals stored in different files or formats ({} fmt {} and {} fmt {}) are not supported",
                first.file, first.format, s.file, s.format
            ),
        ));
    }
    let dir = header.path.parent().unwrap_or(Path::new("."));
    Ok(dir.join(&first.file))
}

/// Read and check every signal of the header.
pub fn read_signals(header: &Header) -> Result<Vec<Vec<i32>>> {
    let path = dat_path(header)?;
    let spec = &header.signals[0];
    let nsig = header.signals.len();
    if !matches!(spec.format, 212 | 16) {
        return Err(Error::data(
            &header.path,
            format!(
                "signal file {}: WFDB format {} is not supported (formats 212 and 16 are)",
                spec.file, spec.format
            ),
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| {
        Error::data(
            &path,
            format!(
                "cannot read the signal file named by {}: {e}",
                header.path.display()
            ),
        )
    })?;
    let offset = usize::try_from(spec.byte_offset).unwrap_or(usize::MAX);
    let body = bytes
        .get(offset..)
        .ok_or_else(|| Error::data(&path, format!("shorter than its byte offset {offset}")))?;
    let bytes_for = |n: usize| match spec.format {
        212 => (n * 3).div_ceil(2),
        _ => n * 2,
    };
    let total = match header.samples {
        Some(n) => {
            let want = bytes_for(n * nsig);
            if body.len() < want {
                return Err(Error::data(
                    &path,
                    format!(
                        "truncated: {} bytes of samples, but {n} samples × {nsig} signals in format {} need {want}",
                        body.len(),
                        spec.format
                    ),
                ));
            }
            if body.len() > want + 1 {
                return Err(Error::data(
                    &path,
                    format!(
                        "{} bytes of samples, but the header's {n} samples × {nsig} signals in format {} take {want}: wrong sample count in {}",
                        body.len(),
                        spec.format,
                        header.path.display()
                    ),
                ));
            }
            n * nsig
        }
        None => {
            let all = if spec.format == 212 {
                body.len() * 2 / 3
            } else {
                body.len() / 2
            };
            all / nsig * nsig
        }
    };
    let flat = match spec.format {
        212 => decode_212(body, total),
        _ => decode_16(body, total),
    };
    let n = total / nsig;
    let mut adc = vec![Vec::with_capacity(n); nsig];
    for frame in flat.chunks_exact(nsig) {
        for (s, &v) in adc.iter_mut().zip(frame) {
            s.push(v);
        }
    }
    for (i, (s, spec)) in adc.iter().zip(&header.signals).enumerate() {
        if let (Some(init), Some(&first)) = (spec.initial_value, s.first()) {
            if init != first {
                return Err(Error::data(
                    &path,
                    format!(
                        "signal {i} ({}) starts at {first} but the header's initial value is {init}: corrupted file or wrong header",
                        spec.description
                    ),
                ));
            }
        }
        if let Some(sum) = spec.checksum {
            let got = s.iter().fold(0i64, |a, &v| a + i64::from(v)) as i16;
            if header.samples.is_some() && i32::from(got) != sum {
                return Err(Error::data(
                    &path,
                    format!(
                        "signal {i} ({}) has checksum {got} but the header says {sum}: corrupted samples",
                        spec.description
                    ),
                ));
            }
        }
    }
    Ok(adc)
}

/// `n` samples of format 212.
fn decode_212(b: &[u8], n: usize) -> Vec<i32> {
    let sext = |v: i32| if v & 0x800 != 0 { v - 0x1000 } else { v };
    let mut out = Vec::with_capacity(n);
    for c in b.chunks(3) {
        if out.len() >= n {
            break;
        }
        let b0 = i32::from(c[0]);
        let b1 = i32::from(*c.get(1).unwrap_or(&0));
        out.push(sext(b0 | ((b1 & 0x0F) << 8)));
        if out.len() < n {
            let b2 = i32::from(*c.get(2).unwrap_or(&0));
            out.push(sext(b2 | ((b1 & 0xF0) << 4)));
        }
    }
    out
}

/// `n` samples of format 16.
fn decode_16(b: &[u8], n: usize) -> Vec<i32> {
    b.chunks_exact(2)
        .take(n)
        .map(|c| i32::from(i16::from_le_bytes([c[0], c[1]])))
        .collect()
}
