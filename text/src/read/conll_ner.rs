//! Streaming reader and writer of CoNLL NER files: one token per line, its tag in the last
//! column (`token<TAB>tag`, or the space-separated `token POS chunk tag` of CoNLL-2003), a blank
//! (or whitespace-only) line between sentences, `-DOCSTART-` lines as document breaks.
//!
//! Tags are BIO or BIOES ([`TagScheme`]). A tag that is neither `O` nor `P-TYPE` with a prefix of
//! the file's scheme, or a line with a different column count than the file's first token line,
//! is an error naming the file and line. Broken sequences (`O I-PER`, `B-PER I-LOC`, …) are
//! repaired as seqeval reads them ([`crate::seqeval::retag`]: `I-X` after `O` or another type
//! becomes `B-X`) and each repaired line is recorded in [`ConllNerReader::repairs`].
//!
//! The WNUT 2017 files (`$DEEPFIELD_DATA/ner_english_wnut17`) are tab-separated two-column files;
//! the training file separates some sentences with a line holding only a tab, which counts as
//! blank.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use deepfield_core::nn::crf::TagScheme;

use crate::seqeval::retag;
use crate::tagged::Tagged;
use crate::{Error, Result};

/// A tag changed by the repair of a broken sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// 1-based line of the token.
    pub line: usize,
    pub from: String,
    pub to: String,
}

/// Reads sentences one at a time from a CoNLL NER stream; see the [module docs](self).
pub struct ConllNerReader<R> {
    lines: std::io::Lines<R>,
    path: PathBuf,
    scheme: TagScheme,
    line: usize,
    columns: Option<usize>,
    done: bool,
    /// Every tag repaired so far.
    pub repairs: Vec<Repair>,
}

impl ConllNerReader<BufReader<File>> {
    /// Open `path` for reading.
    pub fn open(path: &Path, scheme: TagScheme) -> Result<Self> {
        let file =
            File::open(path).map_err(|e| Error::parse(path, 0, format!("cannot open: {e}")))?;
        Ok(Self::new(BufReader::new(file), path, scheme))
    }
}

/// Check one tag against the scheme.
fn check_tag(tag: &str, scheme: TagScheme) -> std::result::Result<(), String> {
    if tag == "O" {
        return Ok(());
    }
    let prefixes = match scheme {
        TagScheme::Bio => "BI",
        TagScheme::Bioes => "BIES",
    };
    match tag.split_once('-') {
        Some((p, kind)) if p.len() == 1 && prefixes.contains(p) && !kind.is_empty() => Ok(()),
        _ => Err(format!(
            "tag {tag:?} is not O or a {scheme:?} tag ({}-TYPE)",
            prefixes
                .chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join("/")
        )),
    }
}

impl<R: BufRead> ConllNerReader<R> {
    /// Read from `input`; `path` names it in errors.
    pub fn new(input: R, path: &Path, scheme: TagScheme) -> Self {
        ConllNerReader {
            lines: input.lines(),
            path: path.to_path_buf(),
            scheme,
            line: 0,
            columns: None,
            done: false,
            repairs: Vec::new(),
        }
    }

    fn error(&self, message: String) -> Error {
        Error::parse(&self.path, self.line, message)
    }

    /// The next sentence, `None` at the end of the stream.
    pub fn next_sentence(&mut self) -> Result<Option<Tagged>> {
        let mut tokens = Vec::new();
        let mut tags = Vec::new();
        let mut first_line = 0;
        while !self.done {
            let Some(text) = self.lines.next() else {
                self.done = true;
                break;
            };
            self.line += 1;
            let text = text.map_err(|e| self.error(format!("cannot read: {e}")))?;
            let text = text.strip_suffix('\r').unwrap_or(&text);
            if text.trim().is_empty() || text.starts_with("-DOCSTART-") {
                if tokens.is_empty() {
                    continue;
                }
                break;
            }
            let cols: Vec<&str> = if text.contains('\t') {
                text.split('\t').collect()
            } else {
                text.split_whitespace().collect()
            };
            if cols.len() < 2 {
                return Err(self.error(format!(
                    "expected a token and a tag (2 or more columns), got {} column(s): {text:?}",
                    cols.len()
                )));
            }
            match self.columns {
                None => self.columns = Some(cols.len()),
                Some(n) if n != cols.len() => {
                    return Err(self.error(format!(
                        "{} columns where the file's first token line has {n}",
                        cols.len()
                    )))
                }
                Some(_) => {}
            }
            let tag = cols[cols.len() - 1].trim();
            check_tag(tag, self.scheme).map_err(|m| self.error(m))?;
            if tokens.is_empty() {
                first_line = self.line;
            }
            tokens.push(cols[0].to_string());
            tags.push(tag.to_string());
        }
        if tokens.is_empty() {
            return Ok(None);
        }
        let fixed = retag(&tags, self.scheme);
        for (i, (old, new)) in tags.iter().zip(&fixed).enumerate() {
            if old != new {
                self.repairs.push(Repair {
                    line: first_line + i,
                    from: old.clone(),
                    to: new.clone(),
                });
            }
        }
        Ok(Some(Tagged {
            tokens,
            tags: fixed,
        }))
    }
}

impl<R: BufRead> Iterator for ConllNerReader<R> {
    type Item = Result<Tagged>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_sentence() {
            Ok(Some(s)) => Some(Ok(s)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A whole file read: its sentences and the repairs made.
#[derive(Debug, Clone, Default)]
pub struct ConllNer {
    pub sentences: Vec<Tagged>,
    pub repairs: Vec<Repair>,
}

/// Read a whole CoNLL NER file.
pub fn read(path: &Path, scheme: TagScheme) -> Result<ConllNer> {
    let mut reader = ConllNerReader::open(path, scheme)?;
    let sentences = reader.by_ref().collect::<Result<Vec<_>>>()?;
    Ok(ConllNer {
        sentences,
        repairs: reader.repairs,
    })
}

/// The CoNLL text of `sentences`: `token<TAB>tag` lines, a blank line after each sentence.
/// A token holding whitespace cannot be written (it would not read back) and is an error.
pub fn to_string(sentences: &[Tagged]) -> Result<String> {
    let mut out = String::new();
    for (s, sentence) in sentences.iter().enumerate() {
        if sentence.tokens.len() != sentence.tags.len() {
            return Err(Error::input(format!(
                "sentence {s}: {} tokens but {} tags",
                sentence.tokens.len(),
                sentence.tags.len()
            )));
        }
        for (token, tag) in sentence.tokens.iter().zip(&sentence.tags) {
            if token.is_empty() || token.contains(char::is_whitespace) || token == "-DOCSTART-" {
                return Err(Error::input(format!(
                    "sentence {s}: token {token:?} cannot be written as a CoNLL line"
                )));
            }
            out.push_str(token);
            out.push('\t');
            out.push_str(tag);
            out.push('\n');
        }
        out.push('\n');
    }
    Ok(out)
}

/// Write `sentences` to `path` atomically (see [`to_string`]).
pub fn write(path: &Path, sentences: &[Tagged]) -> Result<()> {
    let text = to_string(sentences)?;
    deepfield_core::fsutil::write_atomic(path, text.as_bytes())?;
    Ok(())
}

/// The WNUT 2017 Emerging Entities files (train, dev, test) under the data directory.
pub const WNUT17: deepfield_core::data::dir::DatasetSpec = deepfield_core::data::dir::DatasetSpec {
    name: "ner_english_wnut17",
    files: &[
        "wnut17train.conll",
        "emerging.dev.conll",
        "emerging.test.annotated",
    ],
    source: "github.com/leondz/emerging_entities_17 (WNUT 2017 shared task, CC BY 4.0)",
};

/// Read the WNUT 2017 split `file` (one of [`WNUT17`]'s files), BIO tags.
pub fn read_wnut17(file: &str) -> Result<ConllNer> {
    let dir = deepfield_core::data::dir::dataset(&WNUT17)?;
    read(&dir.join(file), TagScheme::Bio)
}
