//! The Tamil and Kannada sentences of the shared data, normalised to what eSpeak NG speaks,
//! cut into short phrases (the utterances of the synthetic corpus).
//!
//! Normalisation keeps the letters and signs of the language's Unicode block (Tamil
//! U+0B80–U+0BFF, Kannada U+0C80–U+0CFF) and turns punctuation into spaces; zero-width joiners
//! are removed. A phrase holding anything else alphanumeric (Latin words, digits — eSpeak reads
//! digits as number words the text does not hold) is dropped.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The two languages of the seed paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Tamil,
    Kannada,
}

impl Language {
    /// Both, in the paper's order.
    pub const ALL: [Language; 2] = [Language::Tamil, Language::Kannada];

    /// `tamil` / `kannada`.
    pub fn name(self) -> &'static str {
        match self {
            Language::Tamil => "tamil",
            Language::Kannada => "kannada",
        }
    }

    /// eSpeak NG's voice name (`ta`, `kn`).
    pub fn espeak(self) -> &'static str {
        match self {
            Language::Tamil => "ta",
            Language::Kannada => "kn",
        }
    }

    /// Whether `c` belongs to the language's Unicode block.
    pub fn in_script(self, c: char) -> bool {
        let u = c as u32;
        match self {
            Language::Tamil => (0x0B80..=0x0BFF).contains(&u),
            Language::Kannada => (0x0C80..=0x0CFF).contains(&u),
        }
    }

    /// The sentence files of the language under the data directory, with the folder they come
    /// from (for error messages).
    pub fn sources(self, data: &Path) -> Vec<PathBuf> {
        match self {
            Language::Tamil => vec![
                data.join("tamil_text_ttb/ttb_sentences.tsv"),
                data.join("tamil_text_ttb/flores200/tam_Taml.dev"),
            ],
            Language::Kannada => vec![data.join("kannada_text_flores200/kan_Knda.dev")],
        }
    }
}

/// `text` in the language's script only: other punctuation and spaces become one space,
/// ZWJ/ZWNJ vanish. `None` when a Latin letter, a digit or another script's letter occurs.
pub fn normalise(lang: Language, text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\u{200C}' || c == '\u{200D}' {
            continue;
        }
        if lang.in_script(c) {
            // Native digits are read as numbers too.
            if c.is_numeric() {
                return None;
            }
            out.push(c);
        } else if c.is_alphanumeric() {
            return None;
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    let s = out.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

/// One source sentence: its id (`<file stem>:<line>` or the treebank's `sent_id`) and raw text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    pub id: String,
    pub text: String,
}

/// Every sentence of `lang` under `data`; missing files are an error naming the folder and
/// where it comes from.
pub fn load_sentences(lang: Language, data: &Path) -> Result<Vec<Sentence>> {
    let mut out = Vec::new();
    for path in lang.sources(data) {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::input(format!(
                "{}: {e}. The {} sentences are expected there: tamil_text_ttb/ (UD Tamil-TTB \
                 ttb_sentences.tsv and FLORES-200 flores200/tam_Taml.dev) and \
                 kannada_text_flores200/kan_Knda.dev (FLORES-200 dev) in $DEEPFIELD_DATA; \
                 see their SOURCE.md",
                path.display(),
                lang.name()
            ))
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tsv = path.extension().is_some_and(|e| e == "tsv");
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (id, t) = if tsv {
                match line.split_once('\t') {
                    Some((id, t)) => (id.to_string(), t.to_string()),
                    None => {
                        return Err(Error::input(format!(
                            "{} line {}: expected `sent_id<TAB>text`",
                            path.display(),
                            i + 1
                        )))
                    }
                }
            } else {
                (format!("{stem}:{}", i + 1), line.to_string())
            };
            out.push(Sentence { id, text: t });
        }
    }
    if out.is_empty() {
        return Err(Error::input(format!("no {} sentences found", lang.name())));
    }
    Ok(out)
}

/// A phrase to be spoken: the sentence it comes from and its normalised text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phrase {
    pub sentence: String,
    pub text: String,
}

/// Cut a sentence into phrases of `words` words (the last one may be shorter, at least 2
/// words). Each piece is normalised separately, so a piece with a digit or a Latin word is
/// dropped without losing the rest of the sentence.
pub fn phrases(lang: Language, sentence: &Sentence, words: usize) -> Vec<Phrase> {
    let toks: Vec<&str> = sentence.text.split_whitespace().collect();
    toks.chunks(words.max(1))
        .filter_map(|chunk| {
            let t = normalise(lang, &chunk.join(" "))?;
            (t.split(' ').count() >= 2.min(words)).then(|| Phrase {
                sentence: sentence.id.clone(),
                text: t,
            })
        })
        .collect()
}
