//! Word and character vocabularies: token ↔ id maps with a padding id (0) and an unknown id (1),
//! built from counted tokens with a minimum frequency and a size cap (most frequent first, ties in
//! first-seen order so a build is deterministic), saved as JSON, and the padding of id sequences
//! into a batch tensor. Sub-word tokenisers live apart (`tokenize`); this is what word-level and
//! character-level models (BiLSTM taggers, die/dat, the character language model) index with.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::{Error, Result};

/// The padding token, always id 0.
pub const PAD: &str = "<pad>";
/// The unknown token, always id 1.
pub const UNK: &str = "<unk>";

/// How a vocabulary is built from counted tokens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VocabConfig {
    /// Tokens seen fewer times are left out (they map to the unknown id).
    pub min_freq: usize,
    /// At most this many entries, the two special tokens included; `None` for no cap.
    pub max_size: Option<usize>,
    /// Lower-case every token before counting and looking up.
    pub lowercase: bool,
}

impl Default for VocabConfig {
    fn default() -> Self {
        Self {
            min_freq: 1,
            max_size: None,
            lowercase: false,
        }
    }
}

impl VocabConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        if self.min_freq == 0 {
            return Err(Error::config("vocab min_freq must be at least 1"));
        }
        if matches!(self.max_size, Some(n) if n < 3) {
            return Err(Error::config(
                "vocab max_size must leave room for <pad>, <unk> and one token (≥ 3)",
            ));
        }
        Ok(())
    }
}

/// A token ↔ id map with `<pad>` = 0 and `<unk>` = 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Vocab {
    tokens: Vec<String>,
    lowercase: bool,
    #[serde(skip)]
    index: HashMap<String, i64>,
}

impl Vocab {
    /// Builds a vocabulary from a stream of tokens.
    pub fn build<I, S>(tokens: I, config: &VocabConfig) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        config.validate()?;
        let mut counts: HashMap<String, (usize, usize)> = HashMap::new();
        for (order, t) in tokens.into_iter().enumerate() {
            let t = norm(t.as_ref(), config.lowercase);
            if t == PAD || t == UNK {
                continue;
            }
            counts.entry(t).or_insert((0, order)).0 += 1;
        }
        let mut kept: Vec<(String, usize, usize)> = counts
            .into_iter()
            .filter(|(_, (c, _))| *c >= config.min_freq)
            .map(|(t, (c, o))| (t, c, o))
            .collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        if let Some(cap) = config.max_size {
            kept.truncate(cap - 2);
        }
        let list = [PAD.to_string(), UNK.to_string()]
            .into_iter()
            .chain(kept.into_iter().map(|(t, _, _)| t))
            .collect();
        Self::from_list(list, config.lowercase)
    }

    /// A character vocabulary over the characters of `texts` (each character one token).
    pub fn build_chars<I, S>(texts: I, config: &VocabConfig) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let chars: Vec<String> = texts
            .into_iter()
            .flat_map(|t| t.as_ref().chars().map(String::from).collect::<Vec<_>>())
            .collect();
        Self::build(chars, config)
    }

    /// A vocabulary from an ordered token list whose first two entries are `<pad>` and `<unk>`.
    pub fn from_list(tokens: Vec<String>, lowercase: bool) -> Result<Self> {
        if tokens.len() < 2 || tokens[0] != PAD || tokens[1] != UNK {
            return Err(Error::input(format!(
                "a vocabulary list must start with {PAD} and {UNK}"
            )));
        }
        let mut index = HashMap::with_capacity(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if index.insert(t.clone(), i as i64).is_some() {
                return Err(Error::input(format!(
                    "token {t:?} is twice in the vocabulary"
                )));
            }
        }
        Ok(Self {
            tokens,
            lowercase,
            index,
        })
    }

    /// Number of entries, the two special tokens included.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Never true: `<pad>` and `<unk>` are always there.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The padding id (0).
    pub fn pad_id(&self) -> i64 {
        0
    }

    /// The unknown id (1).
    pub fn unk_id(&self) -> i64 {
        1
    }

    /// Whether tokens are lower-cased before lookup.
    pub fn lowercase(&self) -> bool {
        self.lowercase
    }

    /// The id of a token (`<unk>`'s when it is not in the vocabulary).
    pub fn id(&self, token: &str) -> i64 {
        self.get(token).unwrap_or(1)
    }

    /// The id of a token, `None` when it is not in the vocabulary.
    pub fn get(&self, token: &str) -> Option<i64> {
        if self.lowercase {
            self.index.get(&token.to_lowercase()).copied()
        } else {
            self.index.get(token).copied()
        }
    }

    /// The token of an id.
    pub fn token(&self, id: i64) -> Option<&str> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.tokens.get(i))
            .map(String::as_str)
    }

    /// All tokens in id order.
    pub fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Ids of a token sequence.
    pub fn encode<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<i64> {
        tokens.iter().map(|t| self.id(t.as_ref())).collect()
    }

    /// Ids of the characters of a string (a character vocabulary).
    pub fn encode_chars(&self, text: &str) -> Vec<i64> {
        let mut buf = [0u8; 4];
        text.chars()
            .map(|c| self.id(c.encode_utf8(&mut buf)))
            .collect()
    }

    /// Tokens of an id sequence; ids outside the vocabulary give `<unk>`.
    pub fn decode(&self, ids: &[i64]) -> Vec<&str> {
        ids.iter().map(|&i| self.token(i).unwrap_or(UNK)).collect()
    }

    /// Share of `tokens` the vocabulary knows (1 − out-of-vocabulary rate).
    pub fn coverage<S: AsRef<str>>(&self, tokens: &[S]) -> f64 {
        if tokens.is_empty() {
            return 1.0;
        }
        let known = tokens
            .iter()
            .filter(|t| self.get(t.as_ref()).is_some())
            .count();
        known as f64 / tokens.len() as f64
    }

    /// Saves as JSON (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        Ok(deepfield_core::fsutil::write_json(path, self)?)
    }

    /// Loads a vocabulary saved by [`Vocab::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let raw: Vocab = serde_json::from_slice(&bytes)
            .map_err(|e| Error::parse(path, e.line(), format!("not a vocabulary: {e}")))?;
        Self::from_list(raw.tokens, raw.lowercase).map_err(|e| Error::parse(path, 0, e.to_string()))
    }
}

fn norm(t: &str, lowercase: bool) -> String {
    if lowercase {
        t.to_lowercase()
    } else {
        t.to_string()
    }
}

/// Pads id sequences to the longest with `pad`: a `[batch, max_len]` int64 tensor and the
/// `[batch]` lengths. An empty batch is an error.
pub fn pad_batch(seqs: &[Vec<i64>], pad: i64) -> Result<(Tensor, Tensor)> {
    let max = seqs.iter().map(Vec::len).max().unwrap_or(0);
    if seqs.is_empty() || max == 0 {
        return Err(Error::input(
            "cannot pad an empty batch (no sequence has a token)",
        ));
    }
    let mut flat = Vec::with_capacity(seqs.len() * max);
    for s in seqs {
        flat.extend_from_slice(s);
        flat.extend(std::iter::repeat_n(pad, max - s.len()));
    }
    let lengths: Vec<i64> = seqs.iter().map(|s| s.len() as i64).collect();
    Ok((
        Tensor::from_slice(&flat).view([seqs.len() as i64, max as i64]),
        Tensor::from_slice(&lengths),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_first_with_specials_and_cap() {
        let toks = "b a c a b a d".split(' ');
        let cfg = VocabConfig {
            min_freq: 1,
            max_size: Some(4),
            lowercase: false,
        };
        let v = Vocab::build(toks, &cfg).unwrap();
        assert_eq!(v.tokens(), &["<pad>", "<unk>", "a", "b"]);
        assert_eq!(v.encode(&["a", "c", "b"]), vec![2, 1, 3]);
        assert_eq!(v.decode(&[3, 9]), vec!["b", "<unk>"]);
        assert!((v.coverage(&["a", "zz"]) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn min_freq_lowercase_chars_and_round_trip() {
        let cfg = VocabConfig {
            min_freq: 2,
            max_size: None,
            lowercase: true,
        };
        let v = Vocab::build(["Die", "die", "dat", "DAT", "het"], &cfg).unwrap();
        assert_eq!(v.len(), 4);
        assert_eq!(v.id("DIE"), v.id("die"));
        assert_eq!(v.id("het"), 1);
        let c = Vocab::build_chars(["aab", "b"], &VocabConfig::default()).unwrap();
        assert_eq!(c.encode_chars("abx"), vec![2, 3, 1]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.json");
        v.save(&p).unwrap();
        assert_eq!(Vocab::load(&p).unwrap(), v);
        std::fs::write(&p, "{\"tokens\": [\"x\"], \"lowercase\": false}").unwrap();
        let e = Vocab::load(&p).unwrap_err().to_string();
        assert!(e.contains("v.json") && e.contains("<pad>"), "{e}");
    }

    #[test]
    fn pads_to_the_longest() {
        let (x, l) = pad_batch(&[vec![5, 6, 7], vec![8]], 0).unwrap();
        assert_eq!(x.size(), vec![2, 3]);
        assert_eq!(
            Vec::<i64>::try_from(x.view([-1])).unwrap(),
            vec![5, 6, 7, 8, 0, 0]
        );
        assert_eq!(Vec::<i64>::try_from(l).unwrap(), vec![3, 1]);
        assert!(pad_batch(&[], 0).is_err());
        assert!(VocabConfig {
            min_freq: 0,
            ..Default::default()
        }
        .validate()
        .is_err());
    }
}
