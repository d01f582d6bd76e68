//! Word and character error rates: Levenshtein distance (substitutions, deletions, insertions,
//! unit costs) summed over a corpus, over the summed reference length — the definition of
//! `jiwer.wer` / `jiwer.cer` given lists of sentences (checked against jiwer on a fixture).
//! Characters are Unicode scalar values, spaces included.

use serde::{Deserialize, Serialize};

/// Edit distance between two sequences.
pub fn levenshtein<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, x) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(x != y);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Accumulated errors (burn-style `update`/`compute`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorRates {
    pub word_edits: usize,
    pub words: usize,
    pub char_edits: usize,
    pub chars: usize,
    pub sentences: usize,
}

impl ErrorRates {
    /// Add one (reference, hypothesis) pair; both are split on whitespace and re-joined with
    /// single spaces first.
    pub fn update(&mut self, reference: &str, hypothesis: &str) {
        let r: Vec<&str> = reference.split_whitespace().collect();
        let h: Vec<&str> = hypothesis.split_whitespace().collect();
        self.word_edits += levenshtein(&r, &h);
        self.words += r.len();
        let rc: Vec<char> = r.join(" ").chars().collect();
        let hc: Vec<char> = h.join(" ").chars().collect();
        self.char_edits += levenshtein(&rc, &hc);
        self.chars += rc.len();
        self.sentences += 1;
    }

    /// Word error rate (NaN without reference words).
    pub fn wer(&self) -> f64 {
        ratio(self.word_edits, self.words)
    }

    /// Character error rate (NaN without reference characters).
    pub fn cer(&self) -> f64 {
        ratio(self.char_edits, self.chars)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// Corpus WER and CER of paired sentences.
pub fn error_rates<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ErrorRates {
    let mut e = ErrorRates::default();
    for (r, h) in pairs {
        e.update(r, h);
    }
    e
}
