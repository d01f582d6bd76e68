//! A simulator of clinical notes with protected health information (PHI), the stand-in for the
//! i2b2 de-identification corpus (which is under a data-use agreement and not redistributable).
//!
//! Notes are made of sentences drawn from hand-written templates ([`templates`]) whose slots are
//! filled with realistic PHI ([`values`]): names of several naming traditions in five written
//! forms, dates in twelve formats, ages (over-89 included), record and account numbers, phone and
//! pager numbers, hospitals, cities and street addresses. Literal words get typos at a set rate
//! and sentences are sometimes written in capitals, as dictated notes are. Distractors — doses,
//! vital signs, lab values, eponyms, months used as names — sit in the same templates.
//!
//! The training and the test split use disjoint template sets, and the test split draws a share
//! of its names from pools the training split never uses, so a score on the test split measures
//! recognition of PHI in unseen contexts, not recall of memorised sentences. What it does not
//! have: the length, variety and section structure of real discharge summaries; a tagger's score
//! here is an upper bound on what it would reach on real notes.

pub mod templates;
pub mod tokenize;
pub mod values;

use deepfield_core::rng::Rng;
use serde::{Deserialize, Serialize};

use crate::tagged::Tagged;
use crate::{Error, Result};
use templates::Part;

/// The PHI types the simulator writes (i2b2 2014's categories, merged as NeuroNER reports them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PhiType {
    Name,
    Date,
    Age,
    Id,
    Phone,
    Hospital,
    City,
    Street,
}

impl PhiType {
    /// Every type, in a fixed order.
    pub const ALL: [PhiType; 8] = [
        PhiType::Name,
        PhiType::Date,
        PhiType::Age,
        PhiType::Id,
        PhiType::Phone,
        PhiType::Hospital,
        PhiType::City,
        PhiType::Street,
    ];

    /// The tag suffix (`NAME`, `DATE`, …).
    pub fn label(self) -> &'static str {
        match self {
            PhiType::Name => "NAME",
            PhiType::Date => "DATE",
            PhiType::Age => "AGE",
            PhiType::Id => "ID",
            PhiType::Phone => "PHONE",
            PhiType::Hospital => "HOSPITAL",
            PhiType::City => "CITY",
            PhiType::Street => "STREET",
        }
    }

    /// The type of a tag suffix.
    pub fn from_label(label: &str) -> Option<PhiType> {
        PhiType::ALL.into_iter().find(|t| t.label() == label)
    }
}

/// Which template set notes are made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplateSplit {
    /// The training templates ([`templates::TRAIN`]).
    Train,
    /// The held-apart templates ([`templates::TEST`]).
    Test,
}

/// How notes are written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhiConfig {
    /// Probability that a literal word of four or more letters carries a typo (swapped,
    /// dropped or doubled letter).
    pub typo_rate: f64,
    /// Probability that a sentence is written in capitals.
    pub uppercase_rate: f64,
    /// In the test split, the share of names drawn from the held-out name pools.
    pub held_out_name_share: f64,
    /// Fewest and most sentences per note.
    pub sentences_per_note: (usize, usize),
}

impl Default for PhiConfig {
    fn default() -> Self {
        Self {
            typo_rate: 0.03,
            uppercase_rate: 0.04,
            held_out_name_share: 0.5,
            sentences_per_note: (6, 14),
        }
    }
}

impl PhiConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        for (name, p) in [
            ("typo_rate", self.typo_rate),
            ("uppercase_rate", self.uppercase_rate),
            ("held_out_name_share", self.held_out_name_share),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::config(format!(
                    "phi {name} must be in [0, 1], got {p}"
                )));
            }
        }
        let (lo, hi) = self.sentences_per_note;
        if lo == 0 || hi < lo {
            return Err(Error::config(format!(
                "phi sentences_per_note must be 1 ≤ min ≤ max, got ({lo}, {hi})"
            )));
        }
        Ok(())
    }
}

/// A PHI mention: its byte range in the note and its type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhiSpan {
    pub start: usize,
    pub end: usize,
    pub kind: PhiType,
}

/// A note: its text (one sentence per line) and the PHI it contains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    pub spans: Vec<PhiSpan>,
}

impl Note {
    /// The note's sentences (its lines), tokenised and BIO-tagged.
    pub fn sentences(&self) -> Vec<Tagged> {
        let mut out = Vec::new();
        let mut offset = 0;
        for line in self.text.split('\n') {
            let mut tokens = Vec::new();
            let mut tags = Vec::new();
            let mut last_span: Option<usize> = None;
            for t in tokenize::tokenize(line) {
                let (s, e) = (offset + t.start, offset + t.end);
                let hit = self.spans.iter().position(|p| s < p.end && e > p.start);
                let tag = match hit {
                    None => "O".to_string(),
                    Some(i) => {
                        let prefix = if last_span == Some(i) { "I" } else { "B" };
                        format!("{prefix}-{}", self.spans[i].kind.label())
                    }
                };
                last_span = hit;
                tokens.push(t.text);
                tags.push(tag);
            }
            if !tokens.is_empty() {
                out.push(Tagged { tokens, tags });
            }
            offset += line.len() + 1;
        }
        out
    }
}

/// Writes `n_notes` notes from the templates of `split`, fixed by `seed`.
pub fn generate_notes(
    config: &PhiConfig,
    split: TemplateSplit,
    n_notes: usize,
    seed: u64,
) -> Result<Vec<Note>> {
    config.validate()?;
    let set = match split {
        TemplateSplit::Train => templates::TRAIN,
        TemplateSplit::Test => templates::TEST,
    };
    let parsed: Vec<Vec<Part>> = set
        .iter()
        .map(|t| templates::parse(t).ok_or_else(|| Error::input(format!("bad template {t:?}"))))
        .collect::<Result<_>>()?;
    let mut rng = Rng::new(
        seed ^ if split == TemplateSplit::Test {
            0x7e57
        } else {
            0
        },
    );
    let (lo, hi) = config.sentences_per_note;
    let mut notes = Vec::with_capacity(n_notes);
    for _ in 0..n_notes {
        let k = lo + rng.below(hi - lo + 1);
        let mut note = Note {
            text: String::new(),
            spans: Vec::new(),
        };
        for i in 0..k {
            if i > 0 {
                note.text.push('\n');
            }
            let parts = &parsed[rng.below(parsed.len())];
            render(parts, config, split, &mut rng, &mut note);
        }
        notes.push(note);
    }
    Ok(notes)
}

/// Sentences of `n_notes` notes from the templates of `split`, tokenised and BIO-tagged.
pub fn generate(
    config: &PhiConfig,
    split: TemplateSplit,
    n_notes: usize,
    seed: u64,
) -> Result<Vec<Tagged>> {
    Ok(generate_notes(config, split, n_notes, seed)?
        .iter()
        .flat_map(Note::sentences)
        .collect())
}

fn push_text(note: &mut Note, s: &str) {
    if note.text.ends_with(' ') && s.starts_with(' ') {
        note.text.push_str(&s[1..]);
    } else {
        note.text.push_str(s);
    }
}

fn render(parts: &[Part], cfg: &PhiConfig, split: TemplateSplit, rng: &mut Rng, note: &mut Note) {
    let start = note.text.len();
    for part in parts {
        match part {
            Part::Text(t) => push_text(note, &typos(t, cfg.typo_rate, rng)),
            Part::Choice(options) => {
                let pick = options[rng.below(options.len())];
                push_text(note, &typos(pick, cfg.typo_rate, rng));
            }
            Part::Slot(slot) => {
                let held_out =
                    split == TemplateSplit::Test && rng.uniform() < cfg.held_out_name_share;
                if let Some((kind, value)) = values::value(slot, rng, held_out) {
                    let s = note.text.len();
                    note.text.push_str(&value);
                    note.spans.push(PhiSpan {
                        start: s,
                        end: note.text.len(),
                        kind,
                    });
                }
            }
        }
    }
    // Trailing blanks (an empty last choice) and capitals for dictated sentences.
    while note.text.len() > start && note.text.ends_with(' ') {
        note.text.pop();
    }
    if rng.uniform() < cfg.uppercase_rate {
        let upper = note.text[start..].to_ascii_uppercase();
        note.text.replace_range(start.., &upper);
    }
}

/// Typos in the words of literal text: swapped, dropped or doubled letters.
fn typos(text: &str, rate: f64, rng: &mut Rng) -> String {
    if rate == 0.0 {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 4);
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut chars: Vec<char> = word.chars().collect();
        if chars.len() >= 4 && chars.iter().all(|c| c.is_ascii_alphabetic()) && rng.uniform() < rate
        {
            let j = 1 + rng.below(chars.len() - 2);
            match rng.below(3) {
                0 => chars.swap(j, j + 1),
                1 => {
                    chars.remove(j);
                }
                _ => chars.insert(j, chars[j]),
            }
        }
        out.extend(chars);
    }
    out
}

#[cfg(test)]
mod tests;
