//! CoNLL-U (Universal Dependencies, <https://universaldependencies.org/format.html>): a streaming
//! reader with line-numbered errors and a writer that gives the file back line for line.
//!
//! A sentence is its comment lines (`# sent_id = …`, `# text = …`, kept verbatim and in order),
//! its syntactic words (integer IDs 1, 2, 3, … — the word sequence models read), its multiword
//! token ranges (`3-4`: the surface token `zum` of words 3 and 4) and its empty nodes (`5.1`, of
//! the enhanced graph). Ranges and empty nodes are kept apart from the word sequence, and
//! [`write_sentence`] puts each back where the format wants it (a range right before its first
//! word, an empty node right after the word it follows), so reading and writing a well-formed file
//! reproduces it.
//!
//! Refused, with the file and line: a token line without exactly 10 TAB-separated columns, an ID
//! that is not `N`, `N-M` (N < M) or `N.K`, word IDs that do not run 1, 2, 3, … (a gap, a repeat or
//! a step back), a range that does not start at the next word or is not covered by the sentence's
//! words, an empty node out of order, a HEAD that is not a word of the sentence, a FEATS column
//! that is not `Name=Value|…`.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The morphological features of a word (`FEATS`), in file order; empty for `_`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Feats(pub Vec<(String, String)>);

impl Feats {
    /// Parses `Case=Nom|Number=Sing` (or `_`).
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        if s == "_" {
            return Ok(Feats::default());
        }
        s.split('|')
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) if !k.is_empty() && !v.is_empty() => {
                    Ok((k.to_string(), v.to_string()))
                }
                _ => Err(format!("FEATS {s:?}: {kv:?} is not Name=Value")),
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Feats)
    }

    /// The value of feature `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn show(&self) -> String {
        if self.0.is_empty() {
            return "_".into();
        }
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.join("|")
    }
}

/// A syntactic word (integer ID).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// 1-based position in the sentence.
    pub id: usize,
    pub form: String,
    pub lemma: String,
    /// Universal POS tag (`NOUN`, `PRON`, …).
    pub upos: String,
    /// Language-specific POS tag (`_` when absent).
    pub xpos: String,
    pub feats: Feats,
    /// The head word's ID (0 for the root); `None` for `_`.
    pub head: Option<usize>,
    pub deprel: String,
    /// Enhanced dependencies, verbatim.
    pub deps: String,
    /// Anything else (`SpaceAfter=No`, …), verbatim.
    pub misc: String,
}

impl Word {
    /// False when MISC holds `SpaceAfter=No`.
    pub fn space_after(&self) -> bool {
        !self.misc.split('|').any(|m| m == "SpaceAfter=No")
    }
}

/// A multiword token `start-end`: one surface form over several words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MultiwordToken {
    pub start: usize,
    pub end: usize,
    pub form: String,
    /// Columns 3–10 verbatim (usually `_` but MISC).
    pub rest: Vec<String>,
}

/// An empty node `major.minor` of the enhanced graph; it follows word `major` (0: before the first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmptyNode {
    pub major: usize,
    pub minor: usize,
    pub form: String,
    /// Columns 3–10 verbatim.
    pub rest: Vec<String>,
}

/// One sentence of a CoNLL-U file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sentence {
    /// Comment lines without their `#`, verbatim (`" sent_id = x"`).
    pub comments: Vec<String>,
    pub words: Vec<Word>,
    pub multiword: Vec<MultiwordToken>,
    pub empty: Vec<EmptyNode>,
    /// Line of the sentence's first line in its file (1-based; 0 when built in code).
    pub line: usize,
}

impl Sentence {
    /// The value of comment `# key = value`.
    pub fn comment(&self, key: &str) -> Option<&str> {
        self.comments.iter().find_map(|c| {
            let (k, v) = c.split_once('=')?;
            (k.trim() == key).then(|| v.trim())
        })
    }

    /// `# sent_id`.
    pub fn sent_id(&self) -> Option<&str> {
        self.comment("sent_id")
    }

    /// `# text`, else the words joined by their `SpaceAfter` marks.
    pub fn text(&self) -> String {
        if let Some(t) = self.comment("text") {
            return t.to_string();
        }
        let mut s = String::new();
        for w in &self.words {
            s.push_str(&w.form);
            if w.space_after() {
                s.push(' ');
            }
        }
        s.trim_end().to_string()
    }

    /// The word forms.
    pub fn forms(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.form.as_str()).collect()
    }
}

/// Streams the sentences of a CoNLL-U source; every error names `path` and the line.
pub struct ConlluReader<R> {
    input: R,
    path: PathBuf,
    line: usize,
    done: bool,
}

impl ConlluReader<std::io::BufReader<std::fs::File>> {
    /// Opens a file.
    pub fn open(path: &Path) -> Result<Self> {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Ok(Self::new(std::io::BufReader::new(f), path))
    }
}

impl<R: BufRead> ConlluReader<R> {
    /// Reads from `input`; `path` names it in errors.
    pub fn new(input: R, path: &Path) -> Self {
        Self {
            input,
            path: path.to_path_buf(),
            line: 0,
            done: false,
        }
    }

    fn err(&self, message: impl Into<String>) -> Error {
        Error::parse(&self.path, self.line, message)
    }

    fn next_line(&mut self, buf: &mut String) -> Result<bool> {
        buf.clear();
        let n = self.input.read_line(buf).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidData {
                Error::parse(&self.path, self.line + 1, "not UTF-8 text")
            } else {
                Error::io(&self.path, e)
            }
        })?;
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        while buf.ends_with('\n') || buf.ends_with('\r') {
            buf.pop();
        }
        Ok(true)
    }

    fn read_sentence(&mut self) -> Result<Option<Sentence>> {
        let mut s = Sentence::default();
        let mut buf = String::new();
        let mut started = false;
        loop {
            if !self.next_line(&mut buf)? {
                self.done = true;
                break;
            }
            if buf.trim().is_empty() {
                if started {
                    break;
                }
                continue;
            }
            if !started {
                started = true;
                s.line = self.line;
            }
            if let Some(c) = buf.strip_prefix('#') {
                if !s.words.is_empty() || !s.multiword.is_empty() || !s.empty.is_empty() {
                    return Err(self.err("a comment line inside a sentence's token lines"));
                }
                s.comments.push(c.to_string());
                continue;
            }
            self.token_line(&buf, &mut s)?;
        }
        if !started {
            return Ok(None);
        }
        if s.words.is_empty() {
            return Err(Error::parse(
                &self.path,
                s.line,
                "a sentence without words (only comments, ranges or empty nodes)",
            ));
        }
        self.check_sentence(&s)?;
        Ok(Some(s))
    }

    fn token_line(&self, line: &str, s: &mut Sentence) -> Result<()> {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 10 {
            return Err(self.err(format!(
                "expected 10 TAB-separated columns, found {}",
                cols.len()
            )));
        }
        if let Some(c) = cols.iter().position(|c| c.is_empty()) {
            return Err(self.err(format!("column {} is empty (use _)", c + 1)));
        }
        let id = cols[0];
        let n_words = s.words.len();
        let rest = || -> Vec<String> { cols[2..].iter().map(|c| c.to_string()).collect() };
        if let Some((a, b)) = id.split_once('-') {
            let (a, b) = (self.num(a, id)?, self.num(b, id)?);
            if a == 0 || b <= a {
                return Err(self.err(format!("bad multiword range {id:?} (need 1 ≤ N < M)")));
            }
            if a != n_words + 1 {
                return Err(self.err(format!(
                    "multiword range {id:?} must start at the next word, {}",
                    n_words + 1
                )));
            }
            s.multiword.push(MultiwordToken {
                start: a,
                end: b,
                form: cols[1].to_string(),
                rest: rest(),
            });
        } else if let Some((a, b)) = id.split_once('.') {
            let (major, minor) = (self.num(a, id)?, self.num(b, id)?);
            if minor == 0 {
                return Err(self.err(format!(
                    "bad empty node ID {id:?} (the part after . is ≥ 1)"
                )));
            }
            let expected = match s.empty.last() {
                Some(e) if e.major == major => e.minor + 1,
                _ => 1,
            };
            if major != n_words || minor != expected {
                return Err(self.err(format!(
                    "empty node {id:?} out of order (expected {n_words}.{expected} after word {n_words})"
                )));
            }
            s.empty.push(EmptyNode {
                major,
                minor,
                form: cols[1].to_string(),
                rest: rest(),
            });
        } else {
            let n = self.num(id, id)?;
            if n != n_words + 1 {
                return Err(self.err(format!(
                    "word ID {n} where {} was expected (IDs run 1, 2, 3, … without gaps or repeats)",
                    n_words + 1
                )));
            }
            let feats = Feats::parse(cols[5]).map_err(|m| self.err(m))?;
            let head = match cols[6] {
                "_" => None,
                h => Some(
                    h.parse::<usize>()
                        .map_err(|_| self.err(format!("HEAD {h:?} is not a word ID")))?,
                ),
            };
            s.words.push(Word {
                id: n,
                form: cols[1].to_string(),
                lemma: cols[2].to_string(),
                upos: cols[3].to_string(),
                xpos: cols[4].to_string(),
                feats,
                head,
                deprel: cols[7].to_string(),
                deps: cols[8].to_string(),
                misc: cols[9].to_string(),
            });
        }
        Ok(())
    }

    fn num(&self, part: &str, id: &str) -> Result<usize> {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(format!("bad ID {id:?} (expected N, N-M or N.K)")));
        }
        part.parse()
            .map_err(|_| self.err(format!("bad ID {id:?} (too large)")))
    }

    fn check_sentence(&self, s: &Sentence) -> Result<()> {
        let n = s.words.len();
        // Line of a word: the sentence's first line + comments + the lines before it.
        let word_line = |w: &Word| {
            let before = s.multiword.iter().filter(|m| m.start <= w.id).count()
                + s.empty.iter().filter(|e| e.major < w.id).count();
            s.line + s.comments.len() + before + w.id - 1
        };
        for w in &s.words {
            if let Some(h) = w.head {
                if h > n || h == w.id {
                    return Err(Error::parse(
                        &self.path,
                        word_line(w),
                        format!(
                            "HEAD {h} of word {} is {} (the sentence has {n} words)",
                            w.id,
                            if h == w.id {
                                "the word itself"
                            } else {
                                "not a word"
                            }
                        ),
                    ));
                }
            }
        }
        if let Some(m) = s.multiword.iter().find(|m| m.end > n) {
            return Err(Error::parse(
                &self.path,
                s.line,
                format!(
                    "multiword range {}-{} goes past the sentence's {n} words",
                    m.start, m.end
                ),
            ));
        }
        Ok(())
    }
}

impl<R: BufRead> Iterator for ConlluReader<R> {
    type Item = Result<Sentence>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.read_sentence() {
            Ok(Some(s)) => Some(Ok(s)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Every sentence of a CoNLL-U file.
pub fn read_file(path: &Path) -> Result<Vec<Sentence>> {
    ConlluReader::open(path)?.collect()
}

/// Writes one sentence (its comments, token lines and the blank line that ends it).
pub fn write_sentence(out: &mut String, s: &Sentence) {
    for c in &s.comments {
        out.push('#');
        out.push_str(c);
        out.push('\n');
    }
    let empty_after = |out: &mut String, major: usize| {
        for e in s.empty.iter().filter(|e| e.major == major) {
            out.push_str(&format!(
                "{}.{}\t{}\t{}\n",
                e.major,
                e.minor,
                e.form,
                e.rest.join("\t")
            ));
        }
    };
    empty_after(out, 0);
    for w in &s.words {
        for m in s.multiword.iter().filter(|m| m.start == w.id) {
            out.push_str(&format!(
                "{}-{}\t{}\t{}\n",
                m.start,
                m.end,
                m.form,
                m.rest.join("\t")
            ));
        }
        let head = w.head.map_or("_".to_string(), |h| h.to_string());
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            w.id,
            w.form,
            w.lemma,
            w.upos,
            w.xpos,
            w.feats.show(),
            head,
            w.deprel,
            w.deps,
            w.misc
        ));
        empty_after(out, w.id);
    }
    out.push('\n');
}

/// Writes sentences as a CoNLL-U file (atomically: a failed write leaves no partial file).
pub fn write_file(path: &Path, sentences: &[Sentence]) -> Result<()> {
    let mut out = String::new();
    for s in sentences {
        write_sentence(&mut out, s);
    }
    Ok(deepfield_core::fsutil::write_atomic(path, out.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Sentence>> {
        ConlluReader::new(text.as_bytes(), Path::new("mem.conllu")).collect()
    }

    const GOOD: &str = "# sent_id = a1\n# text = Ik geef 't op.\n\
1\tIk\tik\tPRON\t_\tPerson=1|PronType=Prs\t2\tnsubj\t_\t_\n\
2-3\tgeef't\t_\t_\t_\t_\t_\t_\t_\t_\n\
2\tgeef\tgeven\tVERB\t_\t_\t0\troot\t_\t_\n\
3\t't\thet\tPRON\t_\t_\t2\tobj\t_\t_\n\
3.1\tgeef\tgeven\tVERB\t_\t_\t_\t_\t2:conj\tCopiedFrom=2\n\
4\top\top\tADP\t_\t_\t2\tcompound:prt\t_\tSpaceAfter=No\n\
5\t.\t.\tPUNCT\t_\t_\t2\tpunct\t_\t_\n\n";

    #[test]
    fn ranges_and_empty_nodes_stay_apart_and_round_trip() {
        let s = parse(GOOD).unwrap();
        assert_eq!(s.len(), 1);
        let s0 = &s[0];
        assert_eq!(s0.forms(), vec!["Ik", "geef", "'t", "op", "."]);
        assert_eq!(s0.multiword[0].form, "geef't");
        assert_eq!((s0.empty[0].major, s0.empty[0].minor), (3, 1));
        assert_eq!(s0.sent_id(), Some("a1"));
        assert_eq!(s0.text(), "Ik geef 't op.");
        assert_eq!(s0.words[0].feats.get("PronType"), Some("Prs"));
        assert!(!s0.words[3].space_after());
        let mut out = String::new();
        write_sentence(&mut out, s0);
        assert_eq!(out, GOOD);
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let cases = [
            (GOOD.replace("2\tgeef\tgeven", "2\tgeef geven"), 5, "10 TAB"),
            (GOOD.replace("4\top", "5\top"), 8, "word ID 5 where 4"),
            (GOOD.replace("4\top", "x\top"), 8, "bad ID"),
            (GOOD.replace("2-3\t", "3-2\t"), 4, "range"),
            (GOOD.replace("3.1\t", "2.1\t"), 7, "empty node"),
            (
                GOOD.replace("Person=1|PronType=Prs", "Person=1|PronType"),
                3,
                "FEATS",
            ),
            (GOOD.replace("\t2\tobj", "\t9\tobj"), 6, "HEAD 9"),
        ];
        for (text, line, frag) in cases {
            let e = parse(&text).unwrap_err().to_string();
            assert!(
                e.contains(&format!("mem.conllu:{line}:")) && e.contains(frag),
                "{e}"
            );
        }
    }
}
