//! MIT-format annotation files (`.atr`): 16-bit little-endian words, the top 6 bits an
//! annotation code, the low 10 bits the sample interval since the previous annotation.
//! Special codes: 59 `SKIP` (a 32-bit interval follows, high 16 bits first), 60 `NUM`,
//! 61 `SUB`, 62 `CHN` (set the field of the annotation before them; `NUM` and `CHN` also carry
//! over to the following ones), 63 `AUX` (the low 10 bits are a byte count of text that
//! follows, padded to an even length); the word 0 ends the file.

use std::path::Path;

use crate::{Error, Result};

/// One annotation.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// Sample index (from the start of the record).
    pub sample: i64,
    /// Annotation code (1–49).
    pub code: u8,
    pub subtype: i16,
    pub chan: u16,
    pub num: i16,
    /// Auxiliary text (rhythm labels such as `(N`), empty when none.
    pub aux: String,
}

impl Annotation {
    /// The annotation's mnemonic (`N`, `V`, `+`, …; `?` for unused codes).
    pub fn symbol(&self) -> &'static str {
        symbol(self.code)
    }
}

/// WFDB's mnemonic of an annotation code.
pub fn symbol(code: u8) -> &'static str {
    const S: [&str; 50] = [
        " ", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "?", "|", "?",
        "s", "T", "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n",
        "@", "x", "f", "(", ")", "r", "?", "?", "?", "?", "?", "?", "?", "?",
    ];
    S.get(usize::from(code)).copied().unwrap_or("?")
}

/// Read an annotation file.
pub fn read_annotations(path: &Path) -> Result<Vec<Annotation>> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::data(
            path,
            format!(
                "cannot read the annotation file: {e} (MIT format, e.g. 100.atr beside 100.hea)"
            ),
        )
    })?;
    parse_annotations(&bytes, path)
}

/// Parse MIT-format annotation bytes; `path` names the file in errors.
pub fn parse_annotations(bytes: &[u8], path: &Path) -> Result<Vec<Annotation>> {
    if bytes.len() % 2 != 0 {
        return Err(Error::data(
            path,
            format!(
                "{} bytes: an MIT annotation file holds 16-bit words (truncated?)",
                bytes.len()
            ),
        ));
    }
    let words: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let at = |i: usize, what: &str| {
        words.get(i).copied().ok_or_else(|| {
            Error::data(
                path,
                format!("truncated: the file ends inside a {what} at byte {}", 2 * i),
            )
        })
    };
    let mut out: Vec<Annotation> = Vec::new();
    let (mut time, mut chan, mut num) = (0i64, 0u16, 0i16);
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let (code, low) = ((w >> 10) as u8, w & 0x3FF);
        i += 1;
        match code {
            0 if low == 0 => return Ok(out),
            59 => {
                let hi = at(i, "SKIP")?;
                let lo = at(i + 1, "SKIP")?;
                i += 2;
                time += i64::from(((u32::from(hi) << 16) | u32::from(lo)) as i32);
            }
            60 => {
                num = low as i16;
                if let Some(a) = out.last_mut() {
                    a.num = num;
                }
            }
            61 => {
                if let Some(a) = out.last_mut() {
                    a.subtype = low as i16;
                }
            }
            62 => {
                chan = low;
                if let Some(a) = out.last_mut() {
                    a.chan = chan;
                }
            }
            63 => {
                let n = usize::from(low);
                let words_needed = n.div_ceil(2);
                let start = 2 * i;
                let text = bytes.get(start..start + n).ok_or_else(|| {
                    Error::data(
                        path,
                        format!("truncated: an AUX field of {n} bytes at byte {start} runs past the end"),
                    )
                })?;
                i += words_needed;
                if let Some(a) = out.last_mut() {
                    a.aux = String::from_utf8_lossy(text)
                        .trim_end_matches('\0')
                        .to_string();
                }
            }
            50..=58 => {
                return Err(Error::data(
                    path,
                    format!(
                        "unknown annotation code {code} at byte {}: not an MIT annotation file?",
                        2 * (i - 1)
                    ),
                ))
            }
            _ => {
                time += i64::from(low);
                out.push(Annotation {
                    sample: time,
                    code,
                    subtype: 0,
                    chan,
                    num,
                    aux: String::new(),
                });
            }
        }
    }
    // No end marker: the annotations read so far (WFDB accepts a missing terminator).
    Ok(out)
}
