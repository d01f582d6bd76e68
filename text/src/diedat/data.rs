//! Die/dat examples from running Dutch text and from the UD Alpino treebank: every `die` / `dat`
//! token of a sentence (case-insensitive, whole token) is masked, and each one is an example
//! with its label, the previous sentence of the same document as context and, for treebank
//! sentences, the part of speech of the masked word.
//!
//! Sentences are assigned to train / validation / test by a hash of their group — the
//! document for NTREX news and UD (`sent_id` before the `\`), the normalised sentence for
//! Tatoeba — so a document never spans two parts. The UD test file is always test. A training
//! sentence whose normalised text also occurs in the test part is dropped.

use std::collections::HashSet;
use std::path::Path;

use deepfield_core::data::dir::DatasetSpec;

use crate::read::{conllu, plain};
use crate::{Error, Result};

/// The running-text corpus.
pub const DUTCH_TEXT: DatasetSpec = DatasetSpec {
    name: "dutch_text_tatoeba_ntrex",
    files: &[
        "tatoeba/nld_sentences.tsv",
        "ntrex/newstest2019-ref.nld.shared.tsv",
    ],
    source: "Helsinki-NLP/OPUS-MT-testsets (Tatoeba Dutch test sentences + NTREX-128 Dutch news), \
             shared part as described in dutch_text_tatoeba_ntrex/SOURCE.md",
};

/// The treebank (dev + test files only).
pub const ALPINO: DatasetSpec = DatasetSpec {
    name: "ud_dutch_alpino",
    files: &["nl_alpino-ud-dev.conllu", "nl_alpino-ud-test.conllu"],
    source: "UniversalDependencies/UD_Dutch-Alpino commit 95e374a6 (dev and test files)",
};

/// The token that replaces every die/dat.
pub const MASK: &str = "<mask>";
/// The token that replaces the article asked about in the auxiliary de/het task.
pub const ART_MASK: &str = "<art>";
/// The context of a sentence without a previous sentence.
pub const NO_CONTEXT: &str = "<none>";
/// Label names, index = label.
pub const LABELS: [&str; 2] = ["die", "dat"];
/// Part-of-speech classes of the masked word (UD: UPOS + PronType).
pub const POS_NAMES: [&str; 4] = ["DET", "PRON-Dem", "PRON-Rel", "SCONJ"];

/// Which part of the split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Fold {
    Train,
    Val,
    Test,
}

/// One sentence of the corpus, tokenised and lower-cased.
#[derive(Debug, Clone)]
pub struct CorpusSentence {
    pub tokens: Vec<String>,
    /// POS class of each token where the treebank gives one (die/dat only).
    pub pos: Vec<Option<i64>>,
    /// The previous sentence of the same document (empty when none).
    pub context: Vec<String>,
    /// `tatoeba`, `ntrex` or `alpino`.
    pub source: &'static str,
    pub fold: Fold,
}

/// One masked die/dat.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The sentence with every die/dat replaced by [`MASK`].
    pub tokens: Vec<String>,
    /// Index of the masked word this example asks about.
    pub target: usize,
    /// 0 = die, 1 = dat.
    pub label: i64,
    /// POS class index into [`POS_NAMES`], where known.
    pub pos: Option<i64>,
    /// The previous sentence (`[NO_CONTEXT]` when none).
    pub context: Vec<String>,
    pub source: &'static str,
    /// The auxiliary article task (label 0 = de, 1 = het) instead of die/dat.
    pub article: bool,
}

/// The label of a token: `Some(0)` for die, `Some(1)` for dat.
pub fn label_of(token: &str) -> Option<i64> {
    match token.to_lowercase().as_str() {
        "die" => Some(0),
        "dat" => Some(1),
        _ => None,
    }
}

/// Lower-cases `tokens`, masks every die/dat and returns the masked sentence with the
/// positions and labels of the masks.
pub fn mask_sentence(tokens: &[String]) -> (Vec<String>, Vec<(usize, i64)>) {
    let mut out = Vec::with_capacity(tokens.len());
    let mut found = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        if let Some(l) = label_of(t) {
            found.push((i, l));
            out.push(MASK.to_string());
        } else {
            out.push(t.to_lowercase());
        }
    }
    (out, found)
}

/// The examples of one sentence (one per die/dat).
pub fn examples_of(s: &CorpusSentence) -> Vec<Example> {
    let (masked, found) = mask_sentence(&s.tokens);
    let context = if s.context.is_empty() {
        vec![NO_CONTEXT.to_string()]
    } else {
        s.context.iter().map(|t| t.to_lowercase()).collect()
    };
    found
        .into_iter()
        .map(|(i, label)| Example {
            tokens: masked.clone(),
            target: i,
            label,
            pos: s.pos.get(i).copied().flatten(),
            context: context.clone(),
            source: s.source,
            article: false,
        })
        .collect()
}

/// The auxiliary examples of one sentence: each de/het masked with [`ART_MASK`] (die/dat are
/// masked as always), label 0 = de, 1 = het.
pub fn article_examples_of(s: &CorpusSentence) -> Vec<Example> {
    let (masked, _) = mask_sentence(&s.tokens);
    let context = if s.context.is_empty() {
        vec![NO_CONTEXT.to_string()]
    } else {
        s.context.iter().map(|t| t.to_lowercase()).collect()
    };
    masked
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let label = match t.as_str() {
                "de" => 0,
                "het" => 1,
                _ => return None,
            };
            let mut tokens = masked.clone();
            tokens[i] = ART_MASK.to_string();
            Some(Example {
                tokens,
                target: i,
                label,
                pos: None,
                context: context.clone(),
                source: s.source,
                article: true,
            })
        })
        .collect()
}

/// FNV-1a, 64 bit: a stable hash for the split.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Fold of a group: 15 % test, 10 % validation, 75 % train.
pub fn fold_of(group: &str, allow_test: bool) -> Fold {
    match fnv(group) % 20 {
        0..=2 if allow_test => Fold::Test,
        0..=4 => Fold::Val,
        _ => Fold::Train,
    }
}

/// Lower-case letter/digit runs joined by one space (the data's normalised key).
pub fn normalised(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn pos_class(w: &conllu::Word) -> Option<i64> {
    let pt = w.feats.get("PronType");
    match (w.upos.as_str(), pt) {
        ("DET", _) => Some(0),
        ("PRON", Some("Dem")) => Some(1),
        ("PRON", Some("Rel")) => Some(2),
        ("SCONJ", _) => Some(3),
        _ => None,
    }
}

fn read_tsv(path: &Path, cols: usize) -> Result<Vec<Vec<String>>> {
    let text = plain::read_text(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| {
            let f: Vec<String> = l.split('\t').map(str::to_string).collect();
            if f.len() != cols {
                return Err(Error::parse(
                    path,
                    i + 1,
                    format!("expected {cols} TAB-separated columns, found {}", f.len()),
                ));
            }
            Ok(f)
        })
        .collect()
}

/// Reads the whole corpus: Tatoeba and NTREX from `text_dir`, the two UD files from `ud_dir`.
pub fn load_corpus(text_dir: &Path, ud_dir: &Path) -> Result<Vec<CorpusSentence>> {
    let mut out = Vec::new();
    for f in read_tsv(&text_dir.join(DUTCH_TEXT.files[0]), 2)? {
        let key = normalised(&f[1]);
        let tokens = plain::tokenize(&f[1]);
        out.push(CorpusSentence {
            pos: vec![None; tokens.len()],
            tokens,
            context: Vec::new(),
            source: "tatoeba",
            fold: fold_of(&format!("tatoeba:{key}"), true),
        });
    }
    let mut prev: Option<(String, Vec<String>)> = None;
    for f in read_tsv(&text_dir.join(DUTCH_TEXT.files[1]), 3)? {
        let tokens = plain::tokenize(&f[2]);
        let context = match &prev {
            Some((doc, t)) if *doc == f[1] => t.clone(),
            _ => Vec::new(),
        };
        out.push(CorpusSentence {
            pos: vec![None; tokens.len()],
            tokens: tokens.clone(),
            context,
            source: "ntrex",
            fold: fold_of(&format!("ntrex:{}", f[1]), true),
        });
        prev = Some((f[1].clone(), tokens));
    }
    for (file, test) in [(ALPINO.files[0], false), (ALPINO.files[1], true)] {
        let mut prev: Option<(String, Vec<String>)> = None;
        for s in conllu::ConlluReader::open(&ud_dir.join(file))? {
            let s = s?;
            let id = s.sent_id().unwrap_or_default();
            let doc = id.split('\\').next().unwrap_or(id).to_string();
            let tokens: Vec<String> = s.words.iter().map(|w| w.form.clone()).collect();
            let context = match &prev {
                Some((d, t)) if *d == doc && !doc.is_empty() => t.clone(),
                _ => Vec::new(),
            };
            out.push(CorpusSentence {
                pos: s.words.iter().map(pos_class).collect(),
                tokens: tokens.clone(),
                context,
                source: "alpino",
                fold: if test {
                    Fold::Test
                } else {
                    fold_of(&format!("alpino:{doc}"), false)
                },
            });
            prev = Some((doc, tokens));
        }
    }
    // No test sentence in training, not even as a near-duplicate from another source.
    let test_keys: HashSet<String> = out
        .iter()
        .filter(|s| s.fold == Fold::Test)
        .map(|s| normalised(&s.tokens.join(" ")))
        .collect();
    out.retain(|s| s.fold == Fold::Test || !test_keys.contains(&normalised(&s.tokens.join(" "))));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_die_and_dat() {
        let toks: Vec<String> = ["Dat", "is", "de", "man", "die", "dat", "zei", "."]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = CorpusSentence {
            pos: vec![None; toks.len()],
            tokens: toks,
            context: vec![],
            source: "t",
            fold: Fold::Train,
        };
        let ex = examples_of(&s);
        assert_eq!(ex.len(), 3);
        assert_eq!(
            ex[0].tokens,
            vec!["<mask>", "is", "de", "man", "<mask>", "<mask>", "zei", "."]
        );
        assert_eq!(
            ex.iter().map(|e| (e.target, e.label)).collect::<Vec<_>>(),
            vec![(0, 1), (4, 0), (5, 1)]
        );
        assert_eq!(ex[1].context, vec![NO_CONTEXT]);
        assert_eq!(normalised("Ik ben moe!"), "ik ben moe");
        let folds: Vec<Fold> = (0..2000).map(|i| fold_of(&i.to_string(), true)).collect();
        let test = folds.iter().filter(|f| **f == Fold::Test).count();
        assert!((200..400).contains(&test), "{test}");
    }
}
