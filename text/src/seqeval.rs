//! Entity-level precision, recall and F1 as `seqeval` 1.2.2 computes them (the metric of the
//! CoNLL shared tasks and of NeuroNER's reports), checked against seqeval on a fixture
//! (text/tests/seqeval_agreement.rs).
//!
//! * [`Mode::Default`] is seqeval's default, conlleval-like chunking (`get_entities`): any
//!   non-`O` tag after `O` or after another type starts an entity, so `O I-PER` counts as a PER
//!   entity; `B-`/`I-`/`E-`/`S-` prefixes are all understood.
//! * [`Mode::Strict`] is `mode="strict"` with `scheme=IOB2` or `IOBES`: only well-formed
//!   entities count (`O I-PER` is no entity); a tag whose prefix the scheme lacks is an error
//!   (seqeval raises too; it checks only the tokens its scan visits, we check all).
//!
//! An entity is right when type, start and end all match. Precision, recall and F1 are 0 where
//! their denominator is 0 (seqeval's `zero_division="warn"` value). The micro average pools
//! counts over types; the macro average is the plain mean over the types seen in gold or
//! predictions.
//!
//! [`chunks`] (default mode) also drives [`retag`], which rewrites a tag sequence into BIO or
//! BIOES with the same entities: it repairs broken sequences (`O I-X` → `O B-X`) the way seqeval
//! reads them, and converts between the schemes.

use std::collections::{BTreeMap, BTreeSet};

use deepfield_core::nn::crf::TagScheme;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An entity: its type and token span `start..end` (end exclusive) in its sentence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Chunk {
    pub kind: String,
    pub start: usize,
    pub end: usize,
}

/// How tags are read into entities; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// seqeval's default (conlleval-like) chunking.
    Default,
    /// seqeval's `mode="strict"` with the scheme IOB2 (`Bio`) or IOBES (`Bioes`).
    Strict(TagScheme),
}

/// Prefix letter and type of a tag as seqeval's default mode splits it (`O` → `('O', "_")`).
fn split_default(tag: &str) -> (char, &str) {
    let mut chars = tag.chars();
    let Some(p) = chars.next() else {
        return ('O', "_");
    };
    let rest = chars.as_str();
    let kind = rest.split_once('-').map_or(rest, |(_, k)| k);
    (p, if kind.is_empty() { "_" } else { kind })
}

fn end_of_chunk(prev: char, tag: char, prev_type: &str, kind: &str) -> bool {
    matches!(prev, 'E' | 'S')
        || (matches!(prev, 'B' | 'I') && matches!(tag, 'B' | 'S' | 'O'))
        || (prev != 'O' && prev != '.' && prev_type != kind)
}

fn start_of_chunk(prev: char, tag: char, prev_type: &str, kind: &str) -> bool {
    matches!(tag, 'B' | 'S')
        || (matches!(prev, 'E' | 'S' | 'O') && matches!(tag, 'E' | 'I'))
        || (tag != 'O' && tag != '.' && prev_type != kind)
}

/// The entities of one sentence in seqeval's default mode (`get_entities`).
pub fn chunks<S: AsRef<str>>(tags: &[S]) -> Vec<Chunk> {
    let mut out = Vec::new();
    let (mut prev, mut prev_type) = ('O', "");
    let mut begin = 0;
    for i in 0..=tags.len() {
        let (tag, kind) = tags
            .get(i)
            .map_or(('O', "_"), |t| split_default(t.as_ref()));
        if end_of_chunk(prev, tag, prev_type, kind) {
            out.push(Chunk {
                kind: prev_type.to_string(),
                start: begin,
                end: i,
            });
        }
        if start_of_chunk(prev, tag, prev_type, kind) {
            begin = i;
        }
        prev = tag;
        prev_type = kind;
    }
    out
}

/// Rewrite `tags` in `scheme` with the same default-mode entities: repairs broken sequences as
/// seqeval reads them (`O I-X` → `O B-X`) and converts BIO ↔ BIOES.
pub fn retag<S: AsRef<str>>(tags: &[S], scheme: TagScheme) -> Vec<String> {
    let mut out = vec!["O".to_string(); tags.len()];
    for c in chunks(tags) {
        for (i, slot) in out.iter_mut().enumerate().take(c.end).skip(c.start) {
            let p = match scheme {
                TagScheme::Bio if i == c.start => 'B',
                TagScheme::Bio => 'I',
                TagScheme::Bioes if c.end - c.start == 1 => 'S',
                TagScheme::Bioes if i == c.start => 'B',
                TagScheme::Bioes if i + 1 == c.end => 'E',
                TagScheme::Bioes => 'I',
            };
            *slot = format!("{p}-{}", c.kind);
        }
    }
    out
}

/// A token as seqeval's strict mode reads it: prefix and tag (`strip('-') or '_'`).
#[derive(Clone, Copy)]
struct Tok<'a> {
    prefix: char,
    tag: &'a str,
}

impl<'a> Tok<'a> {
    const OUTSIDE: Tok<'static> = Tok {
        prefix: 'O',
        tag: "_",
    };

    fn parse(s: &'a str, scheme: TagScheme) -> Result<Self> {
        let prefix = s.chars().next().unwrap_or(' ');
        let allowed = match scheme {
            TagScheme::Bio => "IOB",
            TagScheme::Bioes => "IOBES",
        };
        if !allowed.contains(prefix) {
            return Err(Error::input(format!(
                "seqeval strict {scheme:?}: invalid tag {s:?} (allowed prefixes: {})",
                allowed
                    .chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let tag = s[prefix.len_utf8()..].trim_matches('-');
        Ok(Tok {
            prefix,
            tag: if tag.is_empty() { "_" } else { tag },
        })
    }
}

/// `(prev prefixes, current prefixes, same type: Some(true)/Some(false)/None = any)`.
type Pattern = (&'static str, &'static str, Option<bool>);

fn matches(prev: Tok, cur: Tok, patterns: &[Pattern]) -> bool {
    patterns.iter().any(|(pp, cp, same)| {
        pp.contains(prev.prefix)
            && cp.contains(cur.prefix)
            && same.is_none_or(|s| s == (prev.tag == cur.tag))
    })
}

const ANY: &str = "IOBES";

/// Start, inside and end patterns of seqeval's `IOB2` and `IOBES` classes.
fn patterns(scheme: TagScheme) -> [&'static [Pattern]; 3] {
    match scheme {
        TagScheme::Bio => [
            &[(ANY, "B", None)],
            &[("B", "I", Some(true)), ("I", "I", Some(true))],
            &[
                ("I", "O", None),
                ("I", "I", Some(false)),
                ("I", "B", None),
                ("B", "O", None),
                ("B", "I", Some(false)),
                ("B", "B", None),
            ],
        ],
        TagScheme::Bioes => [
            &[(ANY, "B", None), (ANY, "S", None)],
            &[
                ("B", "I", Some(true)),
                ("B", "E", Some(true)),
                ("I", "I", Some(true)),
                ("I", "E", Some(true)),
            ],
            &[("S", ANY, None), ("E", ANY, None)],
        ],
    }
}

/// The entities of one sentence in seqeval's strict mode (`Tokens.entities`).
pub fn strict_chunks<S: AsRef<str>>(tags: &[S], scheme: TagScheme) -> Result<Vec<Chunk>> {
    let mut ext = tags
        .iter()
        .map(|t| Tok::parse(t.as_ref(), scheme))
        .collect::<Result<Vec<_>>>()?;
    ext.push(Tok::OUTSIDE);
    let [start, inside, end] = patterns(scheme);
    let mut out = Vec::new();
    let (mut i, mut prev) = (0, Tok::OUTSIDE);
    while i < ext.len() {
        let tok = ext[i];
        if matches(prev, tok, start) {
            let mut stop = tags.len().saturating_sub(1);
            let mut p = tok;
            for (j, &t) in ext.iter().enumerate().skip(i + 1) {
                if matches(p, t, inside) {
                    p = t;
                } else {
                    stop = j;
                    break;
                }
            }
            if stop >= 1 && matches(ext[stop - 1], ext[stop], end) {
                out.push(Chunk {
                    kind: tok.tag.to_string(),
                    start: i,
                    end: stop,
                });
            }
            i = stop;
        } else {
            i += 1;
        }
        prev = ext[i.max(1) - 1];
    }
    Ok(out)
}

/// Precision, recall and F1 of one entity type (or an average).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold entities.
    pub support: usize,
    /// Predicted entities.
    pub predicted: usize,
    /// Entities predicted with the right type and span.
    pub correct: usize,
}

impl Scores {
    /// Scores from counts (0 where a denominator is 0).
    pub fn from_counts(correct: usize, predicted: usize, support: usize) -> Self {
        let div = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
        let precision = div(correct as f64, predicted as f64);
        let recall = div(correct as f64, support as f64);
        Scores {
            precision,
            recall,
            f1: div(2.0 * precision * recall, precision + recall),
            support,
            predicted,
            correct,
        }
    }
}

/// Entity-level scores per type with micro and macro averages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub per_type: BTreeMap<String, Scores>,
    pub micro: Scores,
    pub macro_avg: Scores,
}

impl Report {
    /// A report from per-type scores and the pooled (micro) scores; the macro average is the
    /// plain mean of the per-type precision, recall and F1.
    pub fn new(per_type: BTreeMap<String, Scores>, micro: Scores) -> Self {
        let n = per_type.len().max(1) as f64;
        let mean = |f: fn(&Scores) -> f64| per_type.values().map(f).sum::<f64>() / n;
        let macro_avg = Scores {
            precision: mean(|s| s.precision),
            recall: mean(|s| s.recall),
            f1: mean(|s| s.f1),
            ..micro
        };
        Report {
            per_type,
            micro,
            macro_avg,
        }
    }
}

/// seqeval's `classification_report` numbers for gold and predicted tag sequences (one per
/// sentence, equal lengths).
pub fn evaluate<S: AsRef<str>>(gold: &[Vec<S>], pred: &[Vec<S>], mode: Mode) -> Result<Report> {
    if gold.len() != pred.len() {
        return Err(Error::input(format!(
            "seqeval: {} gold sentences but {} predicted",
            gold.len(),
            pred.len()
        )));
    }
    let mut sets: [BTreeSet<(usize, Chunk)>; 2] = Default::default();
    for (s, (g, p)) in gold.iter().zip(pred).enumerate() {
        if g.len() != p.len() {
            return Err(Error::input(format!(
                "seqeval: sentence {s} has {} gold tags but {} predicted",
                g.len(),
                p.len()
            )));
        }
        for (set, tags) in sets.iter_mut().zip([g, p]) {
            let found = match mode {
                Mode::Default => chunks(tags),
                Mode::Strict(scheme) => strict_chunks(tags, scheme)?,
            };
            set.extend(found.into_iter().map(|c| (s, c)));
        }
    }
    let [gold_set, pred_set] = sets;
    let kinds: BTreeSet<&str> = gold_set
        .iter()
        .chain(&pred_set)
        .map(|(_, c)| c.kind.as_str())
        .collect();
    let count =
        |set: &BTreeSet<(usize, Chunk)>, k: &str| set.iter().filter(|(_, c)| c.kind == k).count();
    let per_type: BTreeMap<String, Scores> = kinds
        .iter()
        .map(|&k| {
            let correct = gold_set
                .iter()
                .filter(|e| e.1.kind == k && pred_set.contains(e))
                .count();
            let s = Scores::from_counts(correct, count(&pred_set, k), count(&gold_set, k));
            (k.to_string(), s)
        })
        .collect();
    let micro = Scores::from_counts(
        per_type.values().map(|s| s.correct).sum(),
        pred_set.len(),
        gold_set.len(),
    );
    Ok(Report::new(per_type, micro))
}

/// Token-level scores per entity type: a token counts for type X when its tag's type is X
/// (prefixes ignored); the `micro` entry pools all types. (Not a seqeval metric: the
/// token-based evaluation of the de-identification papers.)
pub fn token_level<S: AsRef<str>>(gold: &[Vec<S>], pred: &[Vec<S>]) -> Result<Report> {
    let kind = |t: &str| -> Option<String> {
        let (p, k) = split_default(t);
        (p != 'O' && k != "_").then(|| k.to_string())
    };
    let mut counts: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for (s, (g, p)) in gold.iter().zip(pred).enumerate() {
        if g.len() != p.len() {
            return Err(Error::input(format!(
                "token scores: sentence {s} has {} gold tags but {} predicted",
                g.len(),
                p.len()
            )));
        }
        for (g, p) in g.iter().zip(p) {
            let (g, p) = (kind(g.as_ref()), kind(p.as_ref()));
            if let Some(k) = &g {
                counts.entry(k.clone()).or_default()[2] += 1;
            }
            if let Some(k) = &p {
                counts.entry(k.clone()).or_default()[1] += 1;
                if g.as_ref() == Some(k) {
                    counts.entry(k.clone()).or_default()[0] += 1;
                }
            }
        }
    }
    let per_type: BTreeMap<String, Scores> = counts
        .iter()
        .map(|(k, [c, p, g])| (k.clone(), Scores::from_counts(*c, *p, *g)))
        .collect();
    let sum = |i: usize| counts.values().map(|c| c[i]).sum::<usize>();
    Ok(Report::new(
        per_type,
        Scores::from_counts(sum(0), sum(1), sum(2)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn default_chunks_read_broken_sequences_like_conlleval() {
        let c = chunks(&t("O I-PER I-PER O B-LOC I-ORG"));
        let spans: Vec<_> = c
            .iter()
            .map(|c| (c.kind.as_str(), c.start, c.end))
            .collect();
        assert_eq!(spans, [("PER", 1, 3), ("LOC", 4, 5), ("ORG", 5, 6)]);
        assert_eq!(
            retag(&t("O I-PER I-PER O B-LOC I-ORG"), TagScheme::Bio),
            t("O B-PER I-PER O B-LOC B-ORG")
        );
        assert_eq!(
            retag(&t("B-PER I-PER O B-LOC O"), TagScheme::Bioes),
            t("B-PER E-PER O S-LOC O")
        );
        assert_eq!(
            retag(&t("B-PER E-PER O S-LOC O"), TagScheme::Bio),
            t("B-PER I-PER O B-LOC O")
        );
    }

    #[test]
    fn strict_mode_drops_broken_entities() {
        let c = strict_chunks(&t("O I-PER B-LOC I-LOC"), TagScheme::Bio).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].kind.as_str(), c[0].start, c[0].end), ("LOC", 2, 4));
        let e = strict_chunks(&t("O S-PER"), TagScheme::Bio).unwrap_err();
        assert!(e.to_string().contains("S-PER"), "{e}");
        let c = strict_chunks(&t("B-PER I-PER O S-LOC B-X"), TagScheme::Bioes).unwrap();
        assert_eq!(c.len(), 1, "{c:?}");
    }

    #[test]
    fn token_level_counts_tokens_by_type() {
        let gold = vec![t("B-PER I-PER O B-LOC")];
        let pred = vec![t("B-PER O B-PER I-LOC")];
        let r = token_level(&gold, &pred).unwrap();
        assert_eq!(
            (
                r.per_type["PER"].correct,
                r.per_type["PER"].predicted,
                r.per_type["PER"].support
            ),
            (1, 2, 2)
        );
        assert_eq!(r.per_type["LOC"].f1, 1.0);
        assert_eq!(
            (r.micro.correct, r.micro.predicted, r.micro.support),
            (2, 3, 3)
        );
    }

    #[test]
    fn scores_count_exact_matches() {
        let gold = vec![t("B-PER I-PER O B-LOC"), t("B-ORG O")];
        let pred = vec![t("B-PER I-PER O B-ORG"), t("B-ORG O")];
        let r = evaluate(&gold, &pred, Mode::Default).unwrap();
        assert_eq!(
            (r.micro.correct, r.micro.predicted, r.micro.support),
            (2, 3, 3)
        );
        assert!((r.micro.f1 - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.per_type["LOC"].f1, 0.0);
        assert_eq!(r.per_type["ORG"].precision, 0.5);
        let e = evaluate(&gold, &pred[..1], Mode::Default).unwrap_err();
        assert!(e.to_string().contains("2 gold sentences"), "{e}");
    }
}
