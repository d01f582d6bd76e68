//! Output units of the recogniser: words, characters, knowledge-driven subwords
//! ([`super::morph`]) and data-driven subwords (BPE and Unigram, trained with the Hugging Face
//! `tokenizers` library on the training sentences only).
//!
//! Every unit is a string; a word-initial unit starts with `▁` (U+2581, SentencePiece's
//! marker), so any sequence of units turns back into text the same way ([`join`]):
//! concatenate, turn `▁` into spaces. Characters use a `▁` unit of their own between words.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
#[cfg(feature = "tokenizers")]
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
#[cfg(feature = "tokenizers")]
use tokenizers::models::unigram::{Unigram, UnigramTrainerBuilder};
#[cfg(feature = "tokenizers")]
use tokenizers::models::TrainerWrapper;
#[cfg(feature = "tokenizers")]
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
#[cfg(feature = "tokenizers")]
use tokenizers::{AddedToken, Tokenizer};

use super::morph::Segmenter;
use super::text::Language;
use crate::{Error, Result};

/// The word-start marker.
pub const MARK: char = '▁';
/// The unknown unit of the data-driven tokenisers.
pub const UNK: &str = "[UNK]";

/// Which kind of output unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    Word,
    Char,
    /// Knowledge-driven subwords (rule/lexicon segmenter).
    Morph,
    Bpe,
    Unigram,
}

impl UnitKind {
    /// All kinds, in the report's order.
    pub const ALL: [UnitKind; 5] = [
        UnitKind::Word,
        UnitKind::Char,
        UnitKind::Morph,
        UnitKind::Bpe,
        UnitKind::Unigram,
    ];

    /// Short key (`word`, `char`, `morph`, `bpe`, `unigram`).
    pub fn key(self) -> &'static str {
        match self {
            UnitKind::Word => "word",
            UnitKind::Char => "char",
            UnitKind::Morph => "morph",
            UnitKind::Bpe => "bpe",
            UnitKind::Unigram => "unigram",
        }
    }

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Word => "words",
            UnitKind::Char => "characters",
            UnitKind::Morph => "knowledge-driven subwords",
            UnitKind::Bpe => "BPE subwords",
            UnitKind::Unigram => "Unigram subwords",
        }
    }
}

enum Encoder {
    Word,
    Char,
    Morph(Segmenter),
    #[cfg(feature = "tokenizers")]
    Learned(Box<Tokenizer>),
}

/// A trained unit inventory: the units (index = class − 1 of the CTC output, 0 is blank) and
/// how text is cut into them.
pub struct Units {
    pub kind: UnitKind,
    pub vocab: Vec<String>,
    index: HashMap<String, usize>,
    enc: Encoder,
}

#[cfg(feature = "tokenizers")]
fn tk(e: tokenizers::Error) -> Error {
    Error::input(format!("tokenizer: {e}"))
}

impl Units {
    /// Train the inventory of `kind` on the (normalised) training texts; `vocab_size` is the
    /// target size of the BPE/Unigram vocabularies.
    pub fn train(
        kind: UnitKind,
        lang: Language,
        texts: &[String],
        vocab_size: usize,
    ) -> Result<Self> {
        if texts.is_empty() {
            return Err(Error::input("units: no training text"));
        }
        let enc = match kind {
            UnitKind::Word => Encoder::Word,
            UnitKind::Char => Encoder::Char,
            UnitKind::Morph => Encoder::Morph(Segmenter::new(lang)),
            #[cfg(feature = "tokenizers")]
            UnitKind::Bpe | UnitKind::Unigram => {
                Encoder::Learned(Box::new(train_tokenizer(kind, texts, vocab_size)?))
            }
            #[cfg(not(feature = "tokenizers"))]
            UnitKind::Bpe | UnitKind::Unigram => {
                let _ = vocab_size;
                return Err(Error::Config(
                    "BPE/Unigram units need deepfield-audio's `tokenizers` feature (on by default)"
                        .into(),
                ));
            }
        };
        let mut units = Units {
            kind,
            vocab: Vec::new(),
            index: HashMap::new(),
            enc,
        };
        let mut vocab: Vec<String> = match &units.enc {
            #[cfg(feature = "tokenizers")]
            Encoder::Learned(t) => {
                let mut v: Vec<(String, u32)> = t.get_vocab(true).into_iter().collect();
                v.sort_by_key(|x| x.1);
                v.into_iter().map(|x| x.0).collect()
            }
            _ => {
                let mut v = Vec::new();
                for t in texts {
                    v.extend(units.pieces(t)?);
                }
                v.sort();
                v.dedup();
                v
            }
        };
        vocab.retain(|u| u != "[PAD]");
        // Validation text may hold units training never saw: they map to UNK (never a target
        // in training, so never output).
        if !vocab.iter().any(|u| u == UNK) {
            vocab.push(UNK.to_string());
        }
        units.index = vocab
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, u)| (u, i))
            .collect();
        units.vocab = vocab;
        Ok(units)
    }

    /// Number of units (without the CTC blank).
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// Whether the inventory is empty.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// `text` cut into unit strings (which may lie outside the vocabulary for unseen text).
    pub fn pieces(&self, text: &str) -> Result<Vec<String>> {
        let words = text.split_whitespace();
        Ok(match &self.enc {
            Encoder::Word => words.map(|w| format!("{MARK}{w}")).collect(),
            Encoder::Char => {
                let mut out = Vec::new();
                for w in words {
                    out.push(MARK.to_string());
                    out.extend(w.chars().map(String::from));
                }
                out
            }
            Encoder::Morph(seg) => {
                let mut out = Vec::new();
                for w in words {
                    for (i, p) in seg.segment_word(w).into_iter().enumerate() {
                        out.push(if i == 0 { format!("{MARK}{p}") } else { p });
                    }
                }
                out
            }
            #[cfg(feature = "tokenizers")]
            Encoder::Learned(t) => t.encode(text, false).map_err(tk)?.get_tokens().to_vec(),
        })
    }

    /// Unit indices of `text`; a piece outside the vocabulary is an error naming it.
    pub fn encode(&self, text: &str) -> Result<Vec<usize>> {
        self.pieces(text)?
            .iter()
            .map(|p| {
                self.index
                    .get(p)
                    .copied()
                    .or_else(|| self.index.get(UNK).copied())
                    .ok_or_else(|| {
                        Error::input(format!(
                            "unit `{p}` is not in the {} inventory",
                            self.kind.key()
                        ))
                    })
            })
            .collect()
    }

    /// The text of unit indices.
    pub fn decode(&self, ids: &[usize]) -> String {
        join(
            ids.iter()
                .filter_map(|&i| self.vocab.get(i).map(String::as_str)),
        )
    }
}

/// Units back to text: concatenated, `▁` as a space, unknown units dropped, spaces tidied.
pub fn join<'a>(units: impl IntoIterator<Item = &'a str>) -> String {
    let s: String = units.into_iter().filter(|u| *u != UNK).collect();
    s.replace(MARK, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(feature = "tokenizers")]
fn train_tokenizer(kind: UnitKind, texts: &[String], vocab_size: usize) -> Result<Tokenizer> {
    if vocab_size < 16 {
        return Err(Error::Config(format!(
            "units: subword vocab_size must be ≥ 16, got {vocab_size}"
        )));
    }
    let special = vec![AddedToken::from(UNK.to_string(), true)];
    let (mut tok, mut trainer): (Tokenizer, TrainerWrapper) = if kind == UnitKind::Bpe {
        let model = BPE::builder().unk_token(UNK.into()).build().map_err(tk)?;
        let trainer = BpeTrainerBuilder::new()
            .show_progress(false)
            .vocab_size(vocab_size)
            .min_frequency(2)
            .special_tokens(special)
            .build();
        (Tokenizer::new(model), trainer.into())
    } else {
        let trainer = UnigramTrainerBuilder::default()
            .show_progress(false)
            .vocab_size(vocab_size as u32)
            .special_tokens(special)
            .unk_token(Some(UNK.into()))
            .build()
            .map_err(|e| Error::Config(format!("unigram trainer: {e}")))?;
        (Tokenizer::new(Unigram::default()), trainer.into())
    };
    tok.with_pre_tokenizer(Some(Metaspace::new(MARK, PrependScheme::Always, true)));
    tok.train(&mut trainer, texts.iter().map(String::as_str))
        .map_err(tk)?;
    Ok(tok)
}
