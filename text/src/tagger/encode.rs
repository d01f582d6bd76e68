//! Sentences to the tagger's input tensors and tag indices back to tags.

use std::collections::{HashMap, HashSet};

use deepfield_core::nn::crf::TagScheme;
use deepfield_core::Rng;
use tch::Tensor;

use super::model::NeuroNerConfig;
use crate::seqeval::retag;
use crate::tagged::Tagged;
use crate::vocab::{Vocab, VocabConfig, UNK};
use crate::{Error, Result};

/// The form a word is looked up in: lower case, every decimal digit replaced by `0`.
pub fn normalize_word(token: &str) -> String {
    token
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_ascii_digit() { '0' } else { c })
        .collect()
}

/// Fill the vocabularies and labels of `base` from training sentences (tags in any scheme,
/// converted to `base.scheme`).
pub fn fit(base: &NeuroNerConfig, train: &[Tagged]) -> Result<NeuroNerConfig> {
    if train.is_empty() {
        return Err(Error::input("neuroner: no training sentences"));
    }
    let vc = VocabConfig::default();
    let words = Vocab::build(
        train
            .iter()
            .flat_map(|s| s.tokens.iter().map(|t| normalize_word(t))),
        &vc,
    )?;
    let chars = Vocab::build_chars(train.iter().flat_map(|s| s.tokens.iter()), &vc)?;
    let mut types: Vec<String> = train
        .iter()
        .flat_map(|s| crate::seqeval::chunks(&s.tags))
        .map(|c| c.kind)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    types.retain(|t| t != "_");
    let prefixes: &[&str] = match base.scheme {
        TagScheme::Bio => &["B", "I"],
        TagScheme::Bioes => &["B", "I", "E", "S"],
    };
    let mut labels = vec!["O".to_string()];
    for t in &types {
        labels.extend(prefixes.iter().map(|p| format!("{p}-{t}")));
    }
    Ok(NeuroNerConfig {
        words: words.tokens().to_vec(),
        chars: chars.tokens().to_vec(),
        labels,
        ..base.clone()
    })
}

/// Turns sentences into the tagger's `[B, T, 1 + chars]` ids and `[B, T]` mask, and tag paths
/// into tags.
pub struct Encoder {
    words: Vocab,
    chars: Vocab,
    labels: Vec<String>,
    label_ids: HashMap<String, i64>,
    scheme: TagScheme,
    max_chars: usize,
    /// Normalised words seen once in training: replaced by `<unk>` with probability
    /// `unk_replace` during training (NeuroNER's `remap_unknown_tokens_to_unk`).
    singletons: HashSet<String>,
}

impl Encoder {
    /// The encoder of a tagger config.
    pub fn new(c: &NeuroNerConfig) -> Result<Self> {
        Ok(Encoder {
            words: Vocab::from_list(c.words.clone(), false)?,
            chars: Vocab::from_list(c.chars.clone(), false)?,
            label_ids: c
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| (l.clone(), i as i64))
                .collect(),
            labels: c.labels.clone(),
            scheme: c.scheme,
            max_chars: c.max_word_chars as usize,
            singletons: HashSet::new(),
        })
    }

    /// Record which words occur once in `train`.
    pub fn with_singletons(mut self, train: &[Tagged]) -> Self {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in train.iter().flat_map(|s| &s.tokens) {
            *counts.entry(normalize_word(t)).or_default() += 1;
        }
        self.singletons = counts
            .into_iter()
            .filter(|(_, c)| *c == 1)
            .map(|(w, _)| w)
            .collect();
        self
    }

    /// Ids and mask of a batch of token sequences; with `unk` = `(p, rng)`, singleton words
    /// become `<unk>` with probability `p`.
    pub fn inputs<S: AsRef<str>>(
        &self,
        batch: &[&[S]],
        mut unk: Option<(f64, &mut Rng)>,
    ) -> Result<(Tensor, Tensor)> {
        let t = batch.iter().map(|s| s.len()).max().unwrap_or(0);
        if batch.is_empty() || t == 0 {
            return Err(Error::input(
                "neuroner: an empty batch or an empty sentence",
            ));
        }
        let w = 1 + self.max_chars;
        let mut ids = vec![0i64; batch.len() * t * w];
        let mut mask = vec![false; batch.len() * t];
        for (b, sentence) in batch.iter().enumerate() {
            if sentence.is_empty() {
                return Err(Error::input("neuroner: an empty sentence cannot be tagged"));
            }
            for (i, token) in sentence.iter().enumerate() {
                let token = token.as_ref();
                let at = (b * t + i) * w;
                mask[b * t + i] = true;
                let norm = normalize_word(token);
                let mut id = self.words.id(&norm);
                if let Some((p, rng)) = unk.as_mut() {
                    if self.singletons.contains(&norm) && rng.uniform() < *p {
                        id = self.words.unk_id();
                    }
                }
                ids[at] = id;
                let mut buf = [0u8; 4];
                for (j, c) in token.chars().take(self.max_chars).enumerate() {
                    ids[at + 1 + j] = self.chars.id(c.encode_utf8(&mut buf));
                }
                if token.is_empty() {
                    ids[at + 1] = self.chars.id(UNK);
                }
            }
        }
        let (bn, tn, wn) = (batch.len() as i64, t as i64, w as i64);
        Ok((
            Tensor::from_slice(&ids).view([bn, tn, wn]),
            Tensor::from_slice(&mask).view([bn, tn]),
        ))
    }

    /// Tag indices `[B, T]` of gold tags (converted to the tagger's scheme); a tag type the
    /// tagger does not know is an error.
    pub fn tags(&self, batch: &[&Tagged]) -> Result<Tensor> {
        let t = batch.iter().map(|s| s.len()).max().unwrap_or(0);
        let mut out = vec![0i64; batch.len() * t];
        for (b, s) in batch.iter().enumerate() {
            for (i, tag) in retag(&s.tags, self.scheme).iter().enumerate() {
                out[b * t + i] = *self.label_ids.get(tag).ok_or_else(|| {
                    Error::input(format!(
                        "neuroner: tag {tag:?} is not one of the tagger's labels"
                    ))
                })?;
            }
        }
        Ok(Tensor::from_slice(&out).view([batch.len() as i64, t as i64]))
    }

    /// The tags of an index path, in `scheme`.
    pub fn labels(&self, path: &[i64], scheme: TagScheme) -> Vec<String> {
        let tags: Vec<&str> = path
            .iter()
            .map(|&i| self.labels.get(i as usize).map_or("O", String::as_str))
            .collect();
        retag(&tags, scheme)
    }

    /// Share of tokens whose normalised word the vocabulary knows.
    pub fn coverage(&self, sentences: &[Tagged]) -> f64 {
        let words: Vec<String> = sentences
            .iter()
            .flat_map(|s| s.tokens.iter().map(|t| normalize_word(t)))
            .collect();
        self.words.coverage(&words)
    }
}
