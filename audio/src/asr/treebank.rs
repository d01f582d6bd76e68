//! Agreement of the knowledge-driven segmenter ([`super::morph`]) with the morphology of the
//! UD Tamil-TTB treebank (the only treebank of the two languages; Kannada has none).
//!
//! Gold boundaries of a surface word, from the CoNLL-U annotation:
//! * the end of the stem: the longest common prefix of the word form and its lemma, when the
//!   form is longer than that prefix (`பெரும்புதூரில்` / lemma `பெரும்புதூர்` → after
//!   `பெரும்புதூர`);
//! * for a multiword token (`23-24 உறுதியளித்துள்ளார்` = `உறுதியளித்த்` + `உள்ளார்`), the
//!   start of every later part in the surface string (a part starting with an independent vowel
//!   appears as a vowel sign there, one code point earlier).
//!
//! A predicted boundary matches a gold one within ±[`TOLERANCE`] code points (sandhi moves a
//! boundary by a letter). Reported: boundary precision, recall and F1, and how often "the word
//! is split" agrees with "the treebank shows a suffix".

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::morph::{Segmenter, MIN_STEM};
use super::text::Language;
use crate::{Error, Result};

/// Boundaries this close (code points) count as the same.
pub const TOLERANCE: usize = 1;

/// A surface word and its gold boundaries.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldWord {
    pub form: String,
    pub boundaries: Vec<usize>,
}

/// The agreement numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    pub words: usize,
    pub gold_boundaries: usize,
    pub predicted_boundaries: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Fraction of words where "split or not" agrees with the treebank.
    pub split_accuracy: f64,
}

fn lcp(a: &[char], b: &[char]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn stem_boundary(form: &[char], lemma: &[char]) -> Option<usize> {
    let n = lcp(form, lemma);
    (n >= MIN_STEM && n < form.len()).then_some(n)
}

/// The surface words of a CoNLL-U text (punctuation skipped) with their gold boundaries.
pub fn gold_words(conllu: &str, path: &Path) -> Result<Vec<GoldWord>> {
    let mut out = Vec::new();
    let mut lines = conllu.lines().enumerate().peekable();
    while let Some((i, line)) = lines.next() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 10 {
            return Err(Error::input(format!(
                "{} line {}: expected 10 tab-separated CoNLL-U columns, got {}",
                path.display(),
                i + 1,
                cols.len()
            )));
        }
        let form: Vec<char> = cols[1].chars().collect();
        if let Some((a, b)) = cols[0].split_once('-') {
            let (a, b): (usize, usize) = match (a.parse(), b.parse()) {
                (Ok(a), Ok(b)) if b >= a => (a, b),
                _ => {
                    return Err(Error::input(format!(
                        "{} line {}: bad multiword range `{}`",
                        path.display(),
                        i + 1,
                        cols[0]
                    )))
                }
            };
            let mut parts = Vec::new();
            for _ in a..=b {
                match lines.next() {
                    Some((_, l)) => {
                        let c: Vec<&str> = l.split('\t').collect();
                        if c.len() == 10 {
                            parts.push((c[1].chars().collect::<Vec<char>>(), c[2].to_string()));
                        }
                    }
                    None => break,
                }
            }
            let mut bounds = Vec::new();
            if let Some((p0, l0)) = parts.first() {
                let l0: Vec<char> = l0.chars().collect();
                if let Some(s) = stem_boundary(p0, &l0) {
                    bounds.push(s);
                }
            }
            let mut end = form.len();
            for (p, _) in parts.iter().skip(1).rev() {
                let b = if form[..end].ends_with(p) {
                    end - p.len()
                } else if p.len() > 1 && form[..end].ends_with(&p[1..]) {
                    (end + 1).saturating_sub(p.len()).saturating_sub(1)
                } else {
                    break;
                };
                if b > 0 && b < form.len() {
                    bounds.push(b);
                }
                end = b;
            }
            bounds.sort_unstable();
            bounds.dedup();
            out.push(GoldWord {
                form: cols[1].to_string(),
                boundaries: bounds,
            });
        } else if cols[0].contains('.') || cols[3] == "PUNCT" {
            continue;
        } else {
            let lemma: Vec<char> = cols[2].chars().collect();
            out.push(GoldWord {
                form: cols[1].to_string(),
                boundaries: stem_boundary(&form, &lemma).into_iter().collect(),
            });
        }
    }
    Ok(out)
}

/// Agreement of `seg` with the gold words.
pub fn agreement(seg: &Segmenter, gold: &[GoldWord]) -> Agreement {
    let (mut tp_p, mut tp_r, mut n_pred, mut n_gold, mut same_split) = (0, 0, 0, 0, 0);
    for g in gold {
        let pred = seg.boundaries(&g.form);
        let near = |a: usize, b: usize| a.abs_diff(b) <= TOLERANCE;
        tp_p += pred
            .iter()
            .filter(|&&p| g.boundaries.iter().any(|&b| near(p, b)))
            .count();
        tp_r += g
            .boundaries
            .iter()
            .filter(|&&b| pred.iter().any(|&p| near(p, b)))
            .count();
        n_pred += pred.len();
        n_gold += g.boundaries.len();
        same_split += usize::from(pred.is_empty() == g.boundaries.is_empty());
    }
    let ratio = |a: usize, b: usize| {
        if b == 0 {
            f64::NAN
        } else {
            a as f64 / b as f64
        }
    };
    let (p, r) = (ratio(tp_p, n_pred), ratio(tp_r, n_gold));
    Agreement {
        words: gold.len(),
        gold_boundaries: n_gold,
        predicted_boundaries: n_pred,
        precision: p,
        recall: r,
        f1: if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        },
        split_accuracy: ratio(same_split, gold.len()),
    }
}

/// Agreement with the treebank files of `tamil_text_ttb/` (train and dev).
pub fn tamil_agreement(data: &Path) -> Result<Agreement> {
    let mut gold = Vec::new();
    for f in ["ta_ttb-ud-train.conllu", "ta_ttb-ud-dev.conllu"] {
        let path = data.join("tamil_text_ttb").join(f);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::input(format!(
                "{}: {e} (UD Tamil-TTB, see tamil_text_ttb/SOURCE.md)",
                path.display()
            ))
        })?;
        gold.extend(gold_words(&text, &path)?);
    }
    Ok(agreement(&Segmenter::new(Language::Tamil), &gold))
}
