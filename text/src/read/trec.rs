//! TREC relevance judgements (qrels) and run files, as `trec_eval` reads them.
//!
//! * qrels: `qid iter docid rel` per line (the `iter` column, usually `0` or `Q0`, is kept
//!   nowhere, as in trec_eval); `rel` an integer, ≥ 1 relevant, ≤ 0 judged non-relevant.
//! * run: `qid Q0 docid rank score tag` per line; like trec_eval, the ranking is taken from the
//!   scores (descending, ties broken by docid descending), the `rank` column is checked to be an
//!   integer and otherwise ignored.
//!
//! Both read line by line ([`QrelsLines`], [`RunLines`] stream the records; [`Qrels::read`] and
//! [`Run::read`] collect them); blank lines and lines starting with `#` are skipped; a wrong
//! column count, a non-numeric field or a document listed twice for a query is an
//! [`Error::Parse`](crate::Error::Parse) naming the file and line. Writing goes through a
//! temporary file renamed into place (never a half-written file).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};

use deepfield_core::fsutil;

use crate::{Error, Result};

/// One qrels line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrelsLine {
    pub query: String,
    pub doc: String,
    pub relevance: i32,
}

/// One run line.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLine {
    pub query: String,
    pub doc: String,
    pub rank: i64,
    pub score: f64,
    pub tag: String,
}

/// The numbered, non-blank, non-comment lines of a reader, split on whitespace.
struct Fields<R> {
    lines: Lines<R>,
    line: usize,
    path: PathBuf,
}

impl<R: BufRead> Fields<R> {
    fn next_fields(&mut self) -> Option<Result<(usize, Vec<String>)>> {
        loop {
            let text = match self.lines.next()? {
                Ok(t) => t,
                Err(e) => return Some(Err(Error::io(&self.path, e))),
            };
            self.line += 1;
            let t = text.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            return Some(Ok((
                self.line,
                t.split_whitespace().map(str::to_string).collect(),
            )));
        }
    }

    fn err(&self, line: usize, message: String) -> Error {
        Error::parse(&self.path, line, message)
    }
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(BufReader::new(f))
}

/// A record type of a TREC file: its column count and how its fields are read.
pub trait TrecRecord: Sized {
    /// The columns, named (for the wrong-column-count message).
    const COLUMNS: &'static str;
    /// Reads the whitespace-split fields of one line (already checked to be as many as
    /// [`TrecRecord::COLUMNS`] names); the error is the message for that line.
    fn from_fields(f: Vec<String>) -> std::result::Result<Self, String>;
}

impl TrecRecord for QrelsLine {
    const COLUMNS: &'static str = "qid iter docid relevance";

    fn from_fields(f: Vec<String>) -> std::result::Result<Self, String> {
        let relevance = f[3]
            .parse::<i32>()
            .map_err(|_| format!("relevance `{}` is not an integer", f[3]))?;
        let mut f = f.into_iter();
        let query = f.next().unwrap_or_default();
        Ok(QrelsLine {
            query,
            doc: f.nth(1).unwrap_or_default(),
            relevance,
        })
    }
}

impl TrecRecord for RunLine {
    const COLUMNS: &'static str = "qid Q0 docid rank score tag";

    fn from_fields(f: Vec<String>) -> std::result::Result<Self, String> {
        let rank = f[3]
            .parse::<i64>()
            .map_err(|_| format!("rank `{}` is not an integer", f[3]))?;
        let score = f[4]
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite())
            .ok_or_else(|| format!("score `{}` is not a finite number", f[4]))?;
        let mut f = f.into_iter();
        Ok(RunLine {
            query: f.next().unwrap_or_default(),
            doc: f.nth(1).unwrap_or_default(),
            rank,
            score,
            tag: f.nth(2).unwrap_or_default(),
        })
    }
}

/// Streams the records `T` of a TREC file line by line.
pub struct TrecLines<R, T> {
    fields: Fields<R>,
    record: std::marker::PhantomData<T>,
}

/// Streams a qrels file.
pub type QrelsLines<R> = TrecLines<R, QrelsLine>;
/// Streams a run file.
pub type RunLines<R> = TrecLines<R, RunLine>;

impl<T: TrecRecord> TrecLines<BufReader<std::fs::File>, T> {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self::new(open(path)?, path))
    }
}

impl<R: BufRead, T: TrecRecord> TrecLines<R, T> {
    /// Reads from `reader`; `path` names it in errors.
    pub fn new(reader: R, path: &Path) -> Self {
        TrecLines {
            fields: Fields {
                lines: reader.lines(),
                line: 0,
                path: path.to_path_buf(),
            },
            record: std::marker::PhantomData,
        }
    }

    /// The error `message` at the line read last.
    fn err_here(&self, message: String) -> Error {
        self.fields.err(self.fields.line, message)
    }
}

impl<R: BufRead, T: TrecRecord> Iterator for TrecLines<R, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        let (line, f) = match self.fields.next_fields()? {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        let want = T::COLUMNS.split_whitespace().count();
        if f.len() != want {
            return Some(Err(self.fields.err(
                line,
                format!(
                    "a line here has {want} columns ({}), this one has {}",
                    T::COLUMNS,
                    f.len()
                ),
            )));
        }
        Some(T::from_fields(f).map_err(|m| self.fields.err(line, m)))
    }
}

/// Relevance judgements: query → document → relevance grade.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Qrels {
    judged: BTreeMap<String, BTreeMap<String, i32>>,
}

impl Qrels {
    /// An empty set of judgements.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a qrels file (a pair judged twice is an error naming the second line).
    pub fn read(path: &Path) -> Result<Self> {
        Self::from_lines(QrelsLines::open(path)?)
    }

    /// Reads qrels text from `reader`; `path` names it in errors.
    pub fn parse<R: BufRead>(reader: R, path: &Path) -> Result<Self> {
        Self::from_lines(QrelsLines::new(reader, path))
    }

    fn from_lines<R: BufRead>(mut lines: QrelsLines<R>) -> Result<Self> {
        let mut q = Qrels::new();
        while let Some(rec) = lines.next() {
            let rec = rec?;
            if q.judged(&rec.query)
                .is_some_and(|m| m.contains_key(&rec.doc))
            {
                return Err(lines.err_here(format!(
                    "{} is judged twice for query {}",
                    rec.doc, rec.query
                )));
            }
            q.insert(&rec.query, &rec.doc, rec.relevance);
        }
        Ok(q)
    }

    /// Sets the judgement of (`query`, `doc`).
    pub fn insert(&mut self, query: &str, doc: &str, relevance: i32) {
        self.judged
            .entry(query.to_string())
            .or_default()
            .insert(doc.to_string(), relevance);
    }

    /// The judged documents of `query`.
    pub fn judged(&self, query: &str) -> Option<&BTreeMap<String, i32>> {
        self.judged.get(query)
    }

    /// The relevant documents (grade ≥ 1) of `query`, in docid order.
    pub fn relevant(&self, query: &str) -> Vec<&str> {
        self.judged(query)
            .map(|m| {
                m.iter()
                    .filter(|(_, r)| **r >= 1)
                    .map(|(d, _)| d.as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The judged queries, in id order.
    pub fn queries(&self) -> impl Iterator<Item = &str> {
        self.judged.keys().map(String::as_str)
    }

    /// Number of judged queries.
    pub fn len(&self) -> usize {
        self.judged.len()
    }

    /// True without judgements.
    pub fn is_empty(&self) -> bool {
        self.judged.is_empty()
    }

    /// The qrels text (`qid 0 docid rel`, queries and documents in id order).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for (q, docs) in &self.judged {
            for (d, r) in docs {
                let _ = writeln!(s, "{q} 0 {d} {r}");
            }
        }
        s
    }

    /// Writes the qrels file atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        Ok(fsutil::write_atomic(path, self.to_text().as_bytes())?)
    }
}

/// A ranked run: query → (document, score) in ranking order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    ranked: BTreeMap<String, Vec<(String, f64)>>,
}

/// trec_eval's order: score descending, ties by docid descending.
fn trec_order(a: &(String, f64), b: &(String, f64)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then_with(|| b.0.cmp(&a.0))
}

impl Run {
    /// An empty run.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a run file (a document listed twice for a query is an error naming the line).
    pub fn read(path: &Path) -> Result<Self> {
        Self::from_lines(RunLines::open(path)?)
    }

    /// Reads run text from `reader`; `path` names it in errors.
    pub fn parse<R: BufRead>(reader: R, path: &Path) -> Result<Self> {
        Self::from_lines(RunLines::new(reader, path))
    }

    fn from_lines<R: BufRead>(mut lines: RunLines<R>) -> Result<Self> {
        let mut seen: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        let mut run = Run::new();
        while let Some(rec) = lines.next() {
            let rec = rec?;
            if !seen
                .entry(rec.query.clone())
                .or_default()
                .insert(rec.doc.clone())
            {
                return Err(lines.err_here(format!(
                    "{} is listed twice for query {}",
                    rec.doc, rec.query
                )));
            }
            run.ranked
                .entry(rec.query)
                .or_default()
                .push((rec.doc, rec.score));
        }
        for v in run.ranked.values_mut() {
            v.sort_by(trec_order);
        }
        Ok(run)
    }

    /// Sets the scored documents of `query` (ranked here in trec_eval's order).
    pub fn set(&mut self, query: &str, mut scored: Vec<(String, f64)>) {
        scored.sort_by(trec_order);
        self.ranked.insert(query.to_string(), scored);
    }

    /// The ranking of `query`, best first.
    pub fn ranking(&self, query: &str) -> Option<&[(String, f64)]> {
        self.ranked.get(query).map(Vec::as_slice)
    }

    /// The queries of the run, in id order.
    pub fn queries(&self) -> impl Iterator<Item = &str> {
        self.ranked.keys().map(String::as_str)
    }

    /// Number of queries.
    pub fn len(&self) -> usize {
        self.ranked.len()
    }

    /// True without queries.
    pub fn is_empty(&self) -> bool {
        self.ranked.is_empty()
    }

    /// Every query's ranking merged with `other`'s (its queries replace ours).
    pub fn extend(&mut self, other: Run) {
        self.ranked.extend(other.ranked);
    }

    /// The run text (`qid Q0 docid rank score tag`, rank from 1, queries in id order).
    pub fn to_text(&self, tag: &str) -> String {
        let mut s = String::new();
        for (q, docs) in &self.ranked {
            for (i, (d, score)) in docs.iter().enumerate() {
                let _ = writeln!(s, "{q} Q0 {d} {} {score} {tag}", i + 1);
            }
        }
        s
    }

    /// Writes the run file atomically; `tag` fills the last column (no whitespace allowed).
    pub fn write(&self, path: &Path, tag: &str) -> Result<()> {
        if tag.is_empty() || tag.chars().any(char::is_whitespace) {
            return Err(Error::input(format!(
                "run tag `{tag}` must be one word without spaces"
            )));
        }
        Ok(fsutil::write_atomic(path, self.to_text(tag).as_bytes())?)
    }
}
