//! The character language-model data: a text read as characters, the first 90 % for training
//! and the last 10 % for validation (the usual tiny_shakespeare convention, see its SOURCE.md),
//! a character [`Vocab`] built on the training part (characters only in the validation part map
//! to `<unk>`), and the unigram baseline: the entropy of the training characters' distribution,
//! in bits per character, scored on the validation characters.

use std::path::{Path, PathBuf};

use deepfield_core::data::dir::{dataset_in, DatasetSpec};

use crate::vocab::{Vocab, VocabConfig};
use crate::{Error, Result};

/// tiny_shakespeare in the data directory.
pub const TINY_SHAKESPEARE: DatasetSpec = DatasetSpec {
    name: "tiny_shakespeare",
    files: &["input.txt"],
    source: "Karpathy's char-rnn tiny_shakespeare input.txt (see tiny_shakespeare/SOURCE.md)",
};

/// A text split into training and validation ids over a character vocabulary.
#[derive(Debug, Clone)]
pub struct CharCorpus {
    pub vocab: Vocab,
    pub train: Vec<i64>,
    pub val: Vec<i64>,
    /// Where the text came from.
    pub path: PathBuf,
    /// Characters of the whole text.
    pub chars: usize,
}

/// Read a UTF-8 text file; an unreadable, non-UTF-8 or empty file is an error naming it.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::parse(
            path,
            0,
            format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    if text.is_empty() {
        return Err(Error::parse(
            path,
            0,
            "the file is empty: no characters to score",
        ));
    }
    Ok(text)
}

impl CharCorpus {
    /// tiny_shakespeare from the data directory `data_dir`.
    pub fn shakespeare(data_dir: &Path) -> Result<Self> {
        let dir = dataset_in(data_dir, &TINY_SHAKESPEARE)?;
        Self::read(&dir.join("input.txt"), 0.9)
    }

    /// A text file split at `train_frac` of its characters.
    pub fn read(path: &Path, train_frac: f64) -> Result<Self> {
        let text = read_text(path)?;
        let chars: Vec<char> = text.chars().collect();
        if chars.len() < 20 || !(0.5..1.0).contains(&train_frac) {
            return Err(Error::parse(
                path,
                0,
                format!(
                    "{} characters with train fraction {train_frac}: need at least 20 characters \
                     and a fraction in [0.5, 1)",
                    chars.len()
                ),
            ));
        }
        let cut = (chars.len() as f64 * train_frac) as usize;
        let train_text: String = chars[..cut].iter().collect();
        let val_text: String = chars[cut..].iter().collect();
        let vocab = Vocab::build_chars([&train_text], &VocabConfig::default())?;
        Ok(CharCorpus {
            train: vocab.encode_chars(&train_text),
            val: vocab.encode_chars(&val_text),
            vocab,
            path: path.to_path_buf(),
            chars: chars.len(),
        })
    }

    /// Entropy (bits per character) of the training characters' distribution: what a model
    /// that ignores context achieves at best on text with the same statistics.
    pub fn unigram_entropy(&self) -> f64 {
        let mut counts = vec![0usize; self.vocab.len()];
        for &id in &self.train {
            counts[id as usize] += 1;
        }
        let n = self.train.len() as f64;
        counts
            .iter()
            .filter(|&&c| c > 0)
            .map(|&c| {
                let p = c as f64 / n;
                -p * p.log2()
            })
            .sum()
    }

    /// Cross-entropy (bits per character) of the validation characters under the training
    /// unigram distribution (add-one smoothed so unseen characters have a cost): the baseline
    /// a language model must beat.
    pub fn unigram_val_bpc(&self) -> f64 {
        let v = self.vocab.len();
        let mut counts = vec![1.0f64; v];
        for &id in &self.train {
            counts[id as usize] += 1.0;
        }
        let total: f64 = counts.iter().sum();
        let bits: f64 = self
            .val
            .iter()
            .map(|&id| -(counts[id as usize] / total).log2())
            .sum();
        bits / self.val.len().max(1) as f64
    }
}
