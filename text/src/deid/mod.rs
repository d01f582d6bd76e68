//! De-identification of free text with a trained tagger: every entity the tagger finds (a PHI
//! span: NAME, DATE, ID, …) is replaced by a type placeholder (`[NAME]`) or, with
//! [`Replace::Surrogate`], by a seeded stand-in of the same type (a name from a fixed list, a
//! date or ID whose digits and letters are redrawn keeping its layout). Text is read line by
//! line; each line is split by [`crate::phi::tokenize`] (the simulator's tokeniser, so a tagger trained on simulated notes sees the same tokens) and tagged as one sentence; everything outside
//! the found spans is kept byte for byte. Output files are written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use deepfield_core::nn::crf::TagScheme;
use deepfield_core::Rng;
use serde::Serialize;

use crate::phi::tokenize::tokenize;
use crate::seqeval::chunks;
use crate::tagger::Tagger;
use crate::{Error, Result};

/// How a found span is replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// `[TYPE]`, the entity type in upper case.
    Placeholder,
    /// A seeded stand-in of the same type.
    Surrogate { seed: u64 },
}

const FIRST: &[&str] = &[
    "Alex", "Maria", "Jordan", "Priya", "Tomas", "Grace", "Omar", "Lena", "Victor", "Hana",
];
const LAST: &[&str] = &[
    "Reyes",
    "Novak",
    "Okafor",
    "Lindqvist",
    "Tanaka",
    "Moreau",
    "Haddad",
    "Kowalski",
    "Brennan",
];
const PLACES: &[&str] = &[
    "Riverton",
    "Lakeside",
    "Fairview",
    "Oakridge",
    "Milford",
    "Ashford",
    "Westbrook",
];
const HOSPITALS: &[&str] = &[
    "St. Elsewhere Hospital",
    "Mercy General",
    "Northgate Medical Center",
    "Valley Clinic",
];

/// A stand-in for `original` of entity type `kind`.
fn surrogate(kind: &str, original: &str, rng: &mut Rng) -> String {
    let pick = |list: &[&str], rng: &mut Rng| list[rng.below(list.len())].to_string();
    let k = kind.to_ascii_uppercase();
    if k.contains("NAME") || k.contains("PER") || k.contains("DOCTOR") || k.contains("PATIENT") {
        let words = original.split_whitespace().count().max(1);
        return if words == 1 {
            pick(LAST, rng)
        } else {
            format!("{} {}", pick(FIRST, rng), pick(LAST, rng))
        };
    }
    if k.contains("HOSP") || k.contains("ORG") {
        return pick(HOSPITALS, rng);
    }
    if k.contains("CITY") || k.contains("LOC") || k.contains("STATE") || k.contains("COUNTRY") {
        return pick(PLACES, rng);
    }
    // Dates, ages, IDs, phone numbers, …: redraw digits and letters, keep the layout.
    original
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from(b'0' + rng.below(10) as u8)
            } else if c.is_ascii_uppercase() {
                char::from(b'A' + rng.below(26) as u8)
            } else if c.is_ascii_lowercase() {
                char::from(b'a' + rng.below(26) as u8)
            } else {
                c
            }
        })
        .collect()
}

/// Counts of what was replaced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeidCounts {
    pub lines: usize,
    pub tokens: usize,
    /// Replaced spans per entity type.
    pub replaced: BTreeMap<String, usize>,
}

/// De-identify `text` with `tagger`.
pub fn deidentify_text(
    tagger: &Tagger,
    text: &str,
    replace: Replace,
    rng: &mut Rng,
    counts: &mut DeidCounts,
) -> Result<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let spans: Vec<Vec<crate::phi::tokenize::Token>> = lines.iter().map(|l| tokenize(l)).collect();
    let words: Vec<Vec<&str>> = spans
        .iter()
        .map(|s| s.iter().map(|t| t.text.as_str()).collect())
        .collect();
    let tags = tagger.tag(&words, TagScheme::Bio)?;
    let mut out = String::with_capacity(text.len());
    for ((line, toks), tags) in lines.iter().zip(&spans).zip(&tags) {
        counts.lines += 1;
        counts.tokens += toks.len();
        let mut pos = 0;
        for c in chunks(tags) {
            let (s, e) = (toks[c.start].start, toks[c.end - 1].end);
            out.push_str(&line[pos..s]);
            let new = match replace {
                Replace::Placeholder => format!("[{}]", c.kind.to_uppercase()),
                Replace::Surrogate { .. } => surrogate(&c.kind, &line[s..e], rng),
            };
            out.push_str(&new);
            *counts.replaced.entry(c.kind.clone()).or_default() += 1;
            pos = e;
        }
        out.push_str(&line[pos..]);
    }
    Ok(out)
}

/// The text files of `input`: the file itself, or the regular files directly in the folder
/// (sorted).
pub fn input_files(input: &Path) -> Result<Vec<PathBuf>> {
    if input.is_file() {
        return Ok(vec![input.to_path_buf()]);
    }
    let entries = std::fs::read_dir(input).map_err(|e| Error::io(input, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(input, e))?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::input(format!(
            "{}: no files to de-identify",
            input.display()
        )));
    }
    Ok(files)
}

/// De-identify every text file of `input` (a file or a folder) into `out_dir` under the same
/// file names. A file that is not UTF-8 text is an error naming it (files before it are
/// already written; each file is written whole or not at all).
pub fn deidentify_files(
    tagger: &Tagger,
    input: &Path,
    out_dir: &Path,
    replace: Replace,
) -> Result<DeidCounts> {
    let files = input_files(input)?;
    deepfield_core::fsutil::create_dir_all(out_dir)?;
    let seed = match replace {
        Replace::Surrogate { seed } => seed,
        Replace::Placeholder => 0,
    };
    let mut rng = Rng::new(seed);
    let mut counts = DeidCounts::default();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| Error::io(&f, e))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| Error::parse(&f, 0, format!("not UTF-8 text ({e})")))?;
        let clean = deidentify_text(tagger, &text, replace, &mut rng, &mut counts)?;
        let name = f
            .file_name()
            .ok_or_else(|| Error::input(format!("{}: no file name", f.display())))?;
        deepfield_core::fsutil::write_atomic(&out_dir.join(name), clean.as_bytes())?;
    }
    Ok(counts)
}
