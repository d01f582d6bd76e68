//! Sub-word tokenisers trained on a corpus through Hugging Face's `tokenizers` crate: byte-pair
//! encoding (Sennrich et al. 2016), WordPiece (Schuster & Nakajima 2012, as in BERT) and the
//! Unigram language model (Kudo 2018, as in SentencePiece). A trained tokeniser is saved as the
//! library's own `tokenizer.json`, which Python's `tokenizers.Tokenizer.from_file` loads unchanged
//! and which encodes a text to the same ids there (tested against tokenizers 0.23.3).
//!
//! Pipeline per kind: NFC normalisation (plus lower-casing when asked); BPE and WordPiece split
//! into words and punctuation first (`Whitespace`: `\w+|[^\w\s]+`), Unigram marks word starts
//! with `▁` (`Metaspace`, as SentencePiece); decoders undo the marks (`##` for WordPiece, `▁` for
//! Unigram). Every tokeniser has the `[UNK]` and `[PAD]` special tokens (ids 0 and 1).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tokenizers::decoders::metaspace::Metaspace as MetaspaceDecoder;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::unigram::{Unigram, UnigramTrainerBuilder};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainerBuilder};
use tokenizers::models::TrainerWrapper;
use tokenizers::normalizers::{unicode::NFC, utils::Lowercase, utils::Sequence, NormalizerWrapper};
use tokenizers::pre_tokenizers::metaspace::{Metaspace, PrependScheme};
use tokenizers::pre_tokenizers::whitespace::Whitespace;
use tokenizers::{AddedToken, DecoderWrapper, PreTokenizerWrapper, Tokenizer};

use crate::{Error, Result};

/// The unknown token (id 0).
pub const UNK: &str = "[UNK]";
/// The padding token (id 1).
pub const PAD: &str = "[PAD]";

/// Which sub-word model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenizerKind {
    Bpe,
    WordPiece,
    Unigram,
}

impl TokenizerKind {
    /// All three kinds.
    pub const ALL: [TokenizerKind; 3] = [Self::Bpe, Self::WordPiece, Self::Unigram];

    /// `bpe`, `wordpiece`, `unigram`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bpe => "bpe",
            Self::WordPiece => "wordpiece",
            Self::Unigram => "unigram",
        }
    }
}

/// How a tokeniser is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TokenizerConfig {
    pub kind: TokenizerKind,
    /// Target vocabulary size, special tokens included.
    pub vocab_size: usize,
    /// BPE/WordPiece: a pair must occur this often to be merged.
    pub min_frequency: u64,
    /// Lower-case before everything else.
    pub lowercase: bool,
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        Self {
            kind: TokenizerKind::Bpe,
            vocab_size: 8000,
            min_frequency: 2,
            lowercase: false,
        }
    }
}

impl TokenizerConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        if self.vocab_size < 16 {
            return Err(Error::config(format!(
                "tokenizer vocab_size must be at least 16, got {}",
                self.vocab_size
            )));
        }
        Ok(())
    }
}

fn tk(context: &str) -> impl FnOnce(tokenizers::Error) -> Error + '_ {
    move |e| Error::input(format!("{context}: {e}"))
}

/// A trained sub-word tokeniser.
#[derive(Debug, Clone)]
pub struct SubwordTokenizer {
    inner: Tokenizer,
}

impl SubwordTokenizer {
    /// Trains on `texts` (one text per item: a sentence or a document).
    pub fn train<S: AsRef<str> + Sync>(config: &TokenizerConfig, texts: &[S]) -> Result<Self> {
        config.validate()?;
        if texts.iter().all(|t| t.as_ref().trim().is_empty()) {
            return Err(Error::input("cannot train a tokenizer on an empty corpus"));
        }
        let special: Vec<AddedToken> = [UNK, PAD]
            .iter()
            .map(|t| AddedToken::from(t.to_string(), true))
            .collect();
        let mut norms: Vec<NormalizerWrapper> = vec![NFC.into()];
        if config.lowercase {
            norms.push(Lowercase.into());
        }
        let size = config.vocab_size;
        let (mut inner, mut trainer, pre, dec): (
            Tokenizer,
            TrainerWrapper,
            PreTokenizerWrapper,
            Option<DecoderWrapper>,
        ) = match config.kind {
            TokenizerKind::Bpe => {
                let model = BPE::builder()
                    .unk_token(UNK.into())
                    .build()
                    .map_err(tk("bpe"))?;
                let trainer = BpeTrainerBuilder::new()
                    .show_progress(false)
                    .vocab_size(size)
                    .min_frequency(config.min_frequency)
                    .special_tokens(special)
                    .build();
                (
                    Tokenizer::new(model),
                    trainer.into(),
                    Whitespace.into(),
                    None,
                )
            }
            TokenizerKind::WordPiece => {
                let model = WordPiece::builder()
                    .unk_token(UNK.into())
                    .build()
                    .map_err(tk("wordpiece"))?;
                let trainer = WordPieceTrainerBuilder::new()
                    .show_progress(false)
                    .vocab_size(size)
                    .min_frequency(config.min_frequency)
                    .special_tokens(special)
                    .build();
                let dec = WordPieceDecoder::default().into();
                (
                    Tokenizer::new(model),
                    trainer.into(),
                    Whitespace.into(),
                    Some(dec),
                )
            }
            TokenizerKind::Unigram => {
                let trainer = UnigramTrainerBuilder::default()
                    .show_progress(false)
                    .vocab_size(size as u32)
                    .special_tokens(special)
                    .unk_token(Some(UNK.into()))
                    .build()
                    .map_err(|e| Error::config(format!("unigram trainer: {e}")))?;
                let pre = Metaspace::new('▁', PrependScheme::Always, true);
                let dec = MetaspaceDecoder::new('▁', PrependScheme::Always, true);
                (
                    Tokenizer::new(Unigram::default()),
                    trainer.into(),
                    pre.into(),
                    Some(dec.into()),
                )
            }
        };
        inner
            .with_normalizer(Some(Sequence::new(norms)))
            .map_err(tk("normalizer"))?;
        inner.with_pre_tokenizer(Some(pre));
        inner.with_decoder(dec);
        inner
            .train(&mut trainer, texts.iter().map(|t| t.as_ref()))
            .map_err(tk("training the tokenizer"))?;
        Ok(Self { inner })
    }

    /// Saves as `tokenizer.json` (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = self.inner.to_string(false).map_err(tk("serialising"))?;
        Ok(deepfield_core::fsutil::write_atomic(path, json.as_bytes())?)
    }

    /// Loads a `tokenizer.json` (ours or any the `tokenizers` library wrote).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let inner: Tokenizer = serde_json::from_str(&text)
            .map_err(|e| Error::parse(path, e.line(), format!("not a tokenizer.json: {e}")))?;
        Ok(Self { inner })
    }

    /// The wrapped `tokenizers` tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }

    /// Vocabulary size (special tokens included).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The id of a token.
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Ids of one text.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        Ok(self
            .inner
            .encode(text, false)
            .map_err(tk("encoding"))?
            .get_ids()
            .to_vec())
    }

    /// Tokens of one text.
    pub fn tokens(&self, text: &str) -> Result<Vec<String>> {
        Ok(self
            .inner
            .encode(text, false)
            .map_err(tk("encoding"))?
            .get_tokens()
            .to_vec())
    }

    /// Ids of many texts (in parallel when the library's parallelism is on).
    pub fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<u32>>> {
        let enc = self
            .inner
            .encode_batch(texts.to_vec(), false)
            .map_err(tk("encoding"))?;
        Ok(enc.iter().map(|e| e.get_ids().to_vec()).collect())
    }

    /// Text of an id sequence.
    pub fn decode(&self, ids: &[u32]) -> Result<String> {
        self.inner.decode(ids, true).map_err(tk("decoding"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<String> {
        let base = [
            "De kat die op de mat zit, is van mij.",
            "Het huis dat daar staat is oud.",
            "Ik denk dat die man gelijk heeft.",
            "Dat boek heb ik gisteren gelezen.",
            "Die vrouwen wonen in het grote huis.",
        ];
        (0..20)
            .flat_map(|_| base.iter().map(|s| s.to_string()))
            .collect()
    }

    #[test]
    fn trains_saves_and_loads_every_kind() {
        let dir = tempfile::tempdir().unwrap();
        for kind in TokenizerKind::ALL {
            let cfg = TokenizerConfig {
                kind,
                vocab_size: 60,
                min_frequency: 1,
                lowercase: true,
            };
            let t = SubwordTokenizer::train(&cfg, &corpus()).unwrap();
            assert!(
                t.vocab_size() <= 60 && t.vocab_size() > 20,
                "{kind:?} {}",
                t.vocab_size()
            );
            assert_eq!(t.token_to_id(UNK), Some(0), "{kind:?}");
            assert_eq!(t.token_to_id(PAD), Some(1), "{kind:?}");
            let text = "Die kat heeft gelijk.";
            let ids = t.encode(text).unwrap();
            assert!(!ids.is_empty());
            let p = dir.path().join(format!("{}.json", kind.name()));
            t.save(&p).unwrap();
            let back = SubwordTokenizer::load(&p).unwrap();
            assert_eq!(back.encode(text).unwrap(), ids, "{kind:?}");
            assert_eq!(back.encode_batch(&[text, "dat"]).unwrap()[0], ids);
            let decoded = back.decode(&ids).unwrap().replace(' ', "");
            assert_eq!(decoded, "diekatheeftgelijk.", "{kind:?}");
        }
        let p = dir.path().join("bad.json");
        std::fs::write(&p, "{\"model\": 3}").unwrap();
        let e = SubwordTokenizer::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("bad.json") && e.contains("tokenizer.json"),
            "{e}"
        );
        assert!(SubwordTokenizer::train(&TokenizerConfig::default(), &[" "]).is_err());
    }
}
