//! Streaming FASTA/FASTQ reader: plain or gzip input (detected from the magic bytes, so
//! `.fasta.gz`, `.fa.gz` and `.fastq.gz` need no flag), multi-line FASTA records, 4-line FASTQ.
//!
//! # Sequence policy
//! Every record's sequence is normalised while it is read:
//! * letters are upper-cased (soft-masked lowercase bases count as bases);
//! * `U` becomes `T` (RNA input);
//! * the IUPAC codes `N R Y S W K M B D H V` are kept as they are (k-mer counting skips every
//!   k-mer that covers one; one-hot encoding spreads them over their bases);
//! * the gap and stop symbols `- . *` become `N` (so no k-mer spans a gap);
//! * spaces, tabs and `\r` inside sequence lines are ignored;
//! * any other byte (digits, punctuation, non-ASCII) is an [`Error::Parse`] naming the file, line
//!   and character.
//!
//! A record without sequence, a header without an id, a FASTQ quality line of the wrong length and
//! (unless allowed) an id seen before are errors. [`ReadStats`] counts records, bases and the
//! ambiguous bases the policy kept.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// File format, detected from the first non-empty line (`>` FASTA, `@` FASTQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Fasta,
    Fastq,
}

/// One sequence record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The header up to the first whitespace.
    pub id: String,
    /// The rest of the header (may be empty).
    pub description: String,
    /// Normalised sequence (see the module policy).
    pub seq: Vec<u8>,
    /// FASTQ quality string (same length as `seq`), `None` for FASTA.
    pub qual: Option<Vec<u8>>,
}

/// Counts gathered while reading.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadStats {
    pub records: usize,
    pub bases: u64,
    /// Bases other than A/C/G/T after normalisation (`N` and IUPAC codes, gaps turned to `N`).
    pub ambiguous: u64,
    /// Lowercase bases that were upper-cased.
    pub lowercase: u64,
}

/// What each input byte of a sequence line becomes: a normalised base, skipped, or invalid.
const SKIP: u8 = 0;
const BAD: u8 = 1;

const fn build_table() -> [u8; 256] {
    let mut t = [BAD; 256];
    let keep = b"ACGTNRYSWKMBDHV";
    let mut i = 0;
    while i < keep.len() {
        t[keep[i] as usize] = keep[i];
        t[keep[i].to_ascii_lowercase() as usize] = keep[i];
        i += 1;
    }
    t[b'U' as usize] = b'T';
    t[b'u' as usize] = b'T';
    t[b'-' as usize] = b'N';
    t[b'.' as usize] = b'N';
    t[b'*' as usize] = b'N';
    t[b' ' as usize] = SKIP;
    t[b'\t' as usize] = SKIP;
    t[b'\r' as usize] = SKIP;
    t[b'\n' as usize] = SKIP;
    t
}

static NORMALISE: [u8; 256] = build_table();

/// Open `path` for reading, transparently decompressing gzip (multi-member gzip included).
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn BufRead>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut f, &mut magic).map_err(|e| Error::io(path, e))?;
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    if n == 2 && magic == [0x1f, 0x8b] {
        let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f));
        Ok(Box::new(BufReader::with_capacity(1 << 16, GzErrors(gz))))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
    }
}

/// A gzip decoder whose errors say that the gzip data is at fault (flate2 says only
/// "incomplete deflate stream" for a truncated file).
struct GzErrors<R>(R);

impl<R: Read> Read for GzErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            std::io::Error::new(e.kind(), format!("truncated or damaged gzip data ({e})"))
        })
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A streaming reader over FASTA or FASTQ records; an iterator of `Result<Record>`.
pub struct SeqReader<R: BufRead> {
    input: R,
    path: PathBuf,
    line_no: usize,
    line: Vec<u8>,
    /// A header line read ahead (FASTA: the next record's `>` line).
    pending: Option<Vec<u8>>,
    format: Option<Format>,
    seen: Option<HashSet<String>>,
    stats: ReadStats,
    done: bool,
}

impl SeqReader<Box<dyn BufRead>> {
    /// Open a (possibly gzip-compressed) FASTA/FASTQ file; duplicated ids are errors.
    pub fn from_path(path: &Path) -> Result<Self> {
        Ok(SeqReader::new(open_maybe_gz(path)?, path))
    }
}

impl<R: BufRead> SeqReader<R> {
    /// Read from `input`; `path` is only used in error messages.
    pub fn new(input: R, path: impl Into<PathBuf>) -> Self {
        SeqReader {
            input,
            path: path.into(),
            line_no: 0,
            line: Vec::with_capacity(1 << 16),
            pending: None,
            format: None,
            seen: Some(HashSet::new()),
            stats: ReadStats::default(),
            done: false,
        }
    }

    /// Accept duplicated ids (default: an error). Saves the id set's memory on huge inputs.
    pub fn allow_duplicates(mut self) -> Self {
        self.seen = None;
        self
    }

    /// The format, once the first record has been read.
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Counts so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    fn err(&self, line: usize, message: impl Into<String>) -> Error {
        Error::parse(self.path.clone(), line, message)
    }

    /// Next raw line into `self.line` without the newline; false at end of input.
    fn next_line(&mut self) -> Result<bool> {
        self.line.clear();
        let n = self
            .input
            .read_until(b'\n', &mut self.line)
            .map_err(|e| Error::io(&self.path, e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        while matches!(self.line.last(), Some(b'\n' | b'\r')) {
            self.line.pop();
        }
        Ok(true)
    }

    /// Append the normalised bases of `self.line` to `seq`.
    fn push_bases(&mut self, seq: &mut Vec<u8>) -> Result<()> {
        seq.reserve(self.line.len());
        for &b in &self.line {
            match NORMALISE[b as usize] {
                SKIP => {}
                BAD => {
                    let shown = if b.is_ascii_graphic() {
                        format!("'{}'", b as char)
                    } else {
                        format!("byte 0x{b:02x}")
                    };
                    return Err(self.err(
                        self.line_no,
                        format!("non-sequence character {shown} in a sequence line"),
                    ));
                }
                n => {
                    if b.is_ascii_lowercase() {
                        self.stats.lowercase += 1;
                    }
                    if !matches!(n, b'A' | b'C' | b'G' | b'T') {
                        self.stats.ambiguous += 1;
                    }
                    seq.push(n);
                }
            }
        }
        Ok(())
    }

    fn parse_header(&mut self, header: &[u8], line: usize) -> Result<(String, String)> {
        let text = String::from_utf8_lossy(&header[1..]);
        let text = text.trim();
        let (id, desc) = match text.find(char::is_whitespace) {
            Some(i) => (&text[..i], text[i..].trim()),
            None => (text, ""),
        };
        if id.is_empty() {
            return Err(self.err(line, "record header without an id"));
        }
        if let Some(seen) = &mut self.seen {
            if !seen.insert(id.to_string()) {
                return Err(self.err(line, format!("duplicated record id `{id}`")));
            }
        }
        Ok((id.to_string(), desc.to_string()))
    }

    /// First header line (skipping blank lines): decides the format.
    fn first_header(&mut self) -> Result<Option<Vec<u8>>> {
        loop {
            if !self.next_line()? {
                return Ok(None);
            }
            if self.line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            self.format =
                Some(match self.line[0] {
                    b'>' => Format::Fasta,
                    b'@' => Format::Fastq,
                    _ => return Err(self.err(
                        self.line_no,
                        "expected a FASTA header ('>') or a FASTQ header ('@') on the first line",
                    )),
                });
            return Ok(Some(self.line.clone()));
        }
    }

    fn read_fasta(&mut self, header: Vec<u8>, header_line: usize) -> Result<Record> {
        let (id, description) = self.parse_header(&header, header_line)?;
        let mut seq = Vec::new();
        while self.next_line()? {
            if self.line.first() == Some(&b'>') {
                self.pending = Some(self.line.clone());
                break;
            }
            self.push_bases(&mut seq)?;
        }
        if seq.is_empty() {
            return Err(self.err(header_line, format!("record `{id}` has no sequence")));
        }
        Ok(Record {
            id,
            description,
            seq,
            qual: None,
        })
    }

    fn read_fastq(&mut self, header: Vec<u8>, header_line: usize) -> Result<Record> {
        let (id, description) = self.parse_header(&header, header_line)?;
        let mut seq = Vec::new();
        loop {
            if !self.next_line()? {
                return Err(self.err(
                    self.line_no,
                    format!("FASTQ record `{id}` ends before its '+' line"),
                ));
            }
            if self.line.first() == Some(&b'+') {
                break;
            }
            self.push_bases(&mut seq)?;
        }
        if seq.is_empty() {
            return Err(self.err(header_line, format!("record `{id}` has no sequence")));
        }
        let mut qual = Vec::with_capacity(seq.len());
        while qual.len() < seq.len() {
            if !self.next_line()? {
                break;
            }
            qual.extend(
                self.line
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace()),
            );
        }
        if qual.len() != seq.len() {
            return Err(self.err(
                self.line_no,
                format!(
                    "FASTQ record `{id}`: {} quality characters for {} bases",
                    qual.len(),
                    seq.len()
                ),
            ));
        }
        Ok(Record {
            id,
            description,
            seq,
            qual: Some(qual),
        })
    }

    fn next_record(&mut self) -> Result<Option<Record>> {
        let header = match self.pending.take() {
            Some(h) => h,
            None if self.format.is_none() => match self.first_header()? {
                Some(h) => h,
                None => return Ok(None),
            },
            None => {
                // FASTQ: the next header, skipping blank lines.
                loop {
                    if !self.next_line()? {
                        return Ok(None);
                    }
                    if !self.line.iter().all(|b| b.is_ascii_whitespace()) {
                        break;
                    }
                }
                self.line.clone()
            }
        };
        let header_line = self.line_no;
        let rec = match self.format {
            Some(Format::Fastq) => {
                if header.first() != Some(&b'@') {
                    return Err(self.err(self.line_no, "expected a FASTQ header starting with '@'"));
                }
                self.read_fastq(header, header_line)?
            }
            _ => self.read_fasta(header, header_line)?,
        };
        self.stats.records += 1;
        self.stats.bases += rec.seq.len() as u64;
        Ok(Some(rec))
    }
}

impl<R: BufRead> Iterator for SeqReader<R> {
    type Item = Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(r)) => Some(Ok(r)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Read every record of a file (an error if it holds none).
pub fn read_all(path: &Path) -> Result<(Vec<Record>, ReadStats)> {
    let mut reader = SeqReader::from_path(path)?;
    let mut records = Vec::new();
    for r in reader.by_ref() {
        records.push(r?);
    }
    if records.is_empty() {
        return Err(Error::parse(path, 1, "no FASTA/FASTQ records in the file"));
    }
    Ok((records, reader.stats().clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Record>> {
        SeqReader::new(text.as_bytes(), "mem.fa").collect()
    }

    #[test]
    fn multi_line_lowercase_and_policy() {
        let recs = parse(">a desc here\nacgt\nNNry\n\n>b\nAC-GU.*\n").unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].id, "a");
        assert_eq!(recs[0].description, "desc here");
        assert_eq!(recs[0].seq, b"ACGTNNRY");
        assert_eq!(recs[1].seq, b"ACNGTNN");
    }

    #[test]
    fn fastq_records_and_errors() {
        let recs = parse("@r1\nACGT\n+\nIIII\n@r2\nGG\n+r2\n##\n").unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].qual.as_deref(), Some(&b"##"[..]));
        let e = parse("@r1\nACGT\n+\nIII\n").unwrap_err().to_string();
        assert!(e.contains("3 quality characters for 4 bases"), "{e}");
    }

    #[test]
    fn bad_inputs_are_errors_with_lines() {
        let e = parse(">a\nAC1T\n").unwrap_err().to_string();
        assert!(e.contains("mem.fa:2") && e.contains("'1'"), "{e}");
        let e = parse(">a\n>b\nACGT\n").unwrap_err().to_string();
        assert!(e.contains("`a` has no sequence"), "{e}");
        let e = parse(">a\nAC\n>a\nGT\n").unwrap_err().to_string();
        assert!(
            e.contains("duplicated record id `a`") && e.contains(":3"),
            "{e}"
        );
        let e = parse("ACGT\n").unwrap_err().to_string();
        assert!(e.contains("first line"), "{e}");
        let e = parse(">\nACGT\n").unwrap_err().to_string();
        assert!(e.contains("without an id"), "{e}");
        assert!(parse("").unwrap().is_empty());
    }
}
