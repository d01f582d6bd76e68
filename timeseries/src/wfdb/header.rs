//! WFDB header (`.hea`) parsing: the record line, one line per signal and `#` comments
//! (PhysioNet's "header(5)" format, single-segment records).
//!
//! ```text
//! 100 2 360 650000                                   record nsig fs nsamp
//! 100.dat 212 200 11 1024 995 -22131 0 MLII          file fmt gain adcres adczero initval checksum blocksize description
//! # 69 M 1085 1629 x1                                comment
//! ```
//!
//! Omitted fields take WFDB's defaults: 250 Hz, gain 200 ADC units per unit (also for a gain of
//! 0), baseline = ADC zero, units `mV`.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// One signal line of a header.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalSpec {
    /// The signal file, relative to the header's folder.
    pub file: String,
    /// Storage format (212 and 16 are read).
    pub format: u32,
    /// Bytes to skip at the start of the signal file (`fmt+offset`).
    pub byte_offset: u64,
    /// ADC units per physical unit.
    pub gain: f64,
    /// The ADC value of physical zero.
    pub baseline: i32,
    /// Physical units (`mV`).
    pub units: String,
    /// ADC resolution in bits.
    pub adc_resolution: u32,
    /// ADC value of zero volts input.
    pub adc_zero: i32,
    /// The first sample's ADC value, when given.
    pub initial_value: Option<i32>,
    /// The 16-bit sum of all samples, when given.
    pub checksum: Option<i32>,
    /// Block size (0: none).
    pub block_size: u32,
    /// The lead or signal name (`MLII`, `V5`, …).
    pub description: String,
}

impl SignalSpec {
    /// Physical value of an ADC sample: `(adc − baseline) / gain`.
    pub fn physical(&self, adc: i32) -> f64 {
        f64::from(adc - self.baseline) / self.gain
    }
}

/// A parsed header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The `.hea` file read.
    pub path: PathBuf,
    /// Record name.
    pub record: String,
    /// Sampling frequency per signal (Hz).
    pub fs: f64,
    /// Samples per signal, when given.
    pub samples: Option<usize>,
    /// One entry per signal, in file order.
    pub signals: Vec<SignalSpec>,
    /// The text of the `#` lines (without `#`, trimmed).
    pub comments: Vec<String>,
}

impl Header {
    /// Read and parse a `.hea` file.
    pub fn read(path: &Path) -> Result<Header> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::data(
                path,
                format!("cannot read the WFDB header: {e} (a record is given by its .hea file)"),
            )
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::data(path, "the WFDB header is not UTF-8/ASCII text"))?;
        Header::parse(&text, path)
    }

    /// Parse header text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Header> {
        let bad = |line: usize, msg: String| Error::data(path, format!("line {line}: {msg}"));
        let mut comments = Vec::new();
        let mut lines = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r').trim();
            if let Some(c) = line.strip_prefix('#') {
                comments.push(c.trim().to_string());
            } else if !line.is_empty() {
                lines.push((i + 1, line));
            }
        }
        let Some(&(n0, record_line)) = lines.first() else {
            return Err(Error::data(path, "empty header: no record line"));
        };
        let f: Vec<&str> = record_line.split_whitespace().collect();
        let record = f[0].to_string();
        if record.contains('/') {
            return Err(bad(
                n0,
                format!("multi-segment record `{record}` is not supported"),
            ));
        }
        let nsig: usize = field(f.get(1), "number of signals", n0, &bad)?
            .ok_or_else(|| bad(n0, "the record line has no number of signals".into()))?;
        let fs = match f.get(2) {
            None => 250.0,
            Some(s) => {
                let head = s.split(['/', '(']).next().unwrap_or(s);
                let v: f64 = head
                    .parse()
                    .map_err(|_| bad(n0, format!("bad sampling frequency `{s}`")))?;
                if !(v.is_finite() && v > 0.0) {
                    return Err(bad(
                        n0,
                        format!("sampling frequency must be > 0, got `{s}`"),
                    ));
                }
                v
            }
        };
        let samples: Option<usize> = field(f.get(3), "number of samples", n0, &bad)?;
        if lines.len() - 1 < nsig {
            return Err(Error::data(
                path,
                format!(
                    "the record line announces {nsig} signals but {} signal lines follow",
                    lines.len() - 1
                ),
            ));
        }
        let signals = lines[1..=nsig]
            .iter()
            .map(|&(n, l)| parse_signal(l, n, &bad))
            .collect::<Result<Vec<_>>>()?;
        Ok(Header {
            path: path.to_path_buf(),
            record,
            fs,
            samples,
            signals,
            comments,
        })
    }

    /// The index of the signal whose description is `name` (case-insensitive).
    pub fn signal_index(&self, name: &str) -> Result<usize> {
        self.signals
            .iter()
            .position(|s| s.description.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let have: Vec<&str> = self
                    .signals
                    .iter()
                    .map(|s| s.description.as_str())
                    .collect();
                Error::data(
                    &self.path,
                    format!("no signal named `{name}` (signals: {})", have.join(", ")),
                )
            })
    }
}

/// An optional numeric field.
fn field<T: std::str::FromStr>(
    s: Option<&&str>,
    what: &str,
    line: usize,
    bad: &dyn Fn(usize, String) -> Error,
) -> Result<Option<T>> {
    s.map(|s| {
        s.parse::<T>()
            .map_err(|_| bad(line, format!("bad {what} `{s}`")))
    })
    .transpose()
}

/// One signal line.
fn parse_signal(line: &str, n: usize, bad: &dyn Fn(usize, String) -> Error) -> Result<SignalSpec> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let file = f[0].to_string();
    let fmt_field = f
        .get(1)
        .ok_or_else(|| bad(n, format!("signal line `{line}` has no format")))?;
    // fmt[xsamp][:skew][+offset]
    let digits: String = fmt_field.chars().take_while(char::is_ascii_digit).collect();
    let format: u32 = digits
        .parse()
        .map_err(|_| bad(n, format!("bad signal format `{fmt_field}`")))?;
    if fmt_field.contains('x') {
        return Err(bad(
            n,
            format!("format `{fmt_field}`: multi-frequency records (samples per frame) are not supported"),
        ));
    }
    let byte_offset = match fmt_field.split_once('+') {
        Some((_, o)) => o
            .parse()
            .map_err(|_| bad(n, format!("bad byte offset in `{fmt_field}`")))?,
        None => 0,
    };
    // gain[(baseline)][/units]
    let (mut gain, mut baseline, mut units) = (200.0, None, "mV".to_string());
    if let Some(g) = f.get(2) {
        let (g, u) = match g.split_once('/') {
            Some((g, u)) => (g, Some(u)),
            None => (*g, None),
        };
        if let Some(u) = u {
            units = u.to_string();
        }
        let (g, b) = match g.split_once('(') {
            Some((g, b)) => (g, Some(b.trim_end_matches(')'))),
            None => (g, None),
        };
        let v: f64 = g.parse().map_err(|_| bad(n, format!("bad gain `{g}`")))?;
        if !v.is_finite() || v < 0.0 {
            return Err(bad(n, format!("gain must be >= 0, got `{g}`")));
        }
        if v > 0.0 {
            gain = v;
        }
        if let Some(b) = b {
            baseline = Some(
                b.parse::<i32>()
                    .map_err(|_| bad(n, format!("bad baseline `{b}`")))?,
            );
        }
    }
    let adc_resolution: u32 = field(f.get(3), "ADC resolution", n, bad)?.unwrap_or(12);
    let adc_zero: i32 = field(f.get(4), "ADC zero", n, bad)?.unwrap_or(0);
    let initial_value: Option<i32> = field(f.get(5), "initial value", n, bad)?;
    let checksum: Option<i32> = field(f.get(6), "checksum", n, bad)?;
    let block_size: u32 = field(f.get(7), "block size", n, bad)?.unwrap_or(0);
    let description = if f.len() > 8 {
        f[8..].join(" ")
    } else {
        String::new()
    };
    Ok(SignalSpec {
        file,
        format,
        byte_offset,
        gain,
        baseline: baseline.unwrap_or(adc_zero),
        units,
        adc_resolution,
        adc_zero,
        initial_value,
        checksum,
        block_size,
        description,
    })
}
