//! The attentive neural ranker: Nguyen, Phi, Ngo, Tran, Nguyen & Tu (2022/2024), "Attentive Deep
//! Neural Networks for Legal Document Retrieval", Artificial Intelligence and Law (arXiv
//! 2212.13899).
//!
//! Reproduced: the paper's general scheme — a hierarchical representation of the query and of
//! the statute (words → sentence vectors by an encoder with attention pooling, sentences →
//! document vector by attention over the sentence vectors, the statute's sentences attended
//! *by the query vector*: the paper's global/general attention of Paraformer), then a relevance
//! score from the pair, trained on query–statute pairs with negatives drawn from BM25's top list.
//! Here the word-level encoder is a BiGRU with additive attention (the Attentive CNN variant's
//! role; a hierarchical attention network, Yang et al. 2016), a sentence-level BiGRU adds
//! context across sentences, the query vector is additive-attention pooled, the statute vector
//! is `Σ softmax_i(s_iᵀ W q) s_i`, and the score is an MLP over `[q, a, q⊙a, |q−a|]`.
//!
//! What differs: the paper's Paraformer builds on a pretrained transformer and its Attentive CNN
//! on convolutions; we have no pretrained weights here (offline, 40 training queries), so word
//! embeddings are learned from scratch and the sizes are small (embedding 64, GRU 32 per direction, attention 32) so a
//! fold trains in minutes on one CPU thread. Inputs are cut to `max_sentences × max_words`.
//! The paper's attention is sparse (sparsemax-style); ours is a dense softmax. Only the paper's
//! abstract and outline could be read here, not its hyper-parameter tables, so no size or
//! schedule below is traced to the paper: they are this crate's choices.
//!
//! Input of the registered model (`dyn Forward`): `[B, 2, S, W]` word ids (`[:, 0]` the query,
//! `[:, 1]` the statute, `<pad>` = 0), output `[B]` relevance scores. Parameters: `embed`,
//! `word_rnn`, `word_att`, `sent_rnn`, `query_att`, `cross.weight`, `head.0`, `head.1`.

use serde::{Deserialize, Serialize};
use tch::nn::{self, Module};
use tch::{Kind, Tensor};

use deepfield_core::nn::attention::{masked_softmax, AttentionPooling, AttentionPoolingConfig};
use deepfield_core::nn::init::{linear, LinearInit};
use deepfield_core::nn::rnn::{Cell, Rnn, RnnConfig};
use deepfield_core::profile::counter;

use crate::{Error, Result};

/// The ranker's config; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttentiveRankerConfig {
    /// Vocabulary size (the saved `vocab.json` beside the model).
    pub vocab_size: i64,
    pub embed_dim: i64,
    /// GRU units per direction (word and sentence level).
    pub hidden: i64,
    /// Width of the additive attention projections.
    pub attention: i64,
    /// Hidden units of the scoring MLP.
    pub mlp_hidden: i64,
    /// Sentences and words per sentence read from each text.
    pub max_sentences: i64,
    pub max_words: i64,
    /// Weight of the min–max normalised BM25 score when mixing with this ranker's normalised
    /// score (chosen on held-out training queries; 1 = BM25 alone).
    pub bm25_weight: f64,
}

impl Default for AttentiveRankerConfig {
    fn default() -> Self {
        AttentiveRankerConfig {
            vocab_size: 5000,
            embed_dim: 64,
            hidden: 32,
            attention: 32,
            mlp_hidden: 32,
            max_sentences: 24,
            max_words: 40,
            bm25_weight: 0.5,
        }
    }
}

impl AttentiveRankerConfig {
    /// Check the values.
    pub fn validate(&self) -> Result<()> {
        let sizes = [
            self.vocab_size,
            self.embed_dim,
            self.hidden,
            self.attention,
            self.mlp_hidden,
            self.max_sentences,
            self.max_words,
        ];
        if sizes.iter().any(|s| *s < 1) || self.vocab_size < 3 {
            return Err(Error::config(format!(
                "attentive ranker: sizes must be ≥ 1 and vocab_size ≥ 3, got {self:?}"
            )));
        }
        if !(0.0..=1.0).contains(&self.bm25_weight) {
            return Err(Error::config(format!(
                "attentive ranker: bm25_weight must be in [0, 1], got {}",
                self.bm25_weight
            )));
        }
        Ok(())
    }

    /// Features of a sentence or document vector (`2 × hidden`).
    pub fn dim(&self) -> i64 {
        2 * self.hidden
    }
}

/// Sentence vectors of a batch of texts.
pub struct Encoded {
    /// `[B, S, D]`, zero at padded sentences.
    pub sentences: Tensor,
    /// `[B, S]` bool, true at real sentences.
    pub mask: Tensor,
}

impl Encoded {
    /// The rows `idx` (`[N]` int64).
    pub fn select(&self, idx: &Tensor) -> Result<Encoded> {
        Ok(Encoded {
            sentences: self.sentences.f_index_select(0, idx)?,
            mask: self.mask.f_index_select(0, idx)?,
        })
    }
}

/// The built ranker.
#[derive(Debug)]
pub struct AttentiveRanker {
    config: AttentiveRankerConfig,
    embed: nn::Embedding,
    word_rnn: Rnn,
    word_att: AttentionPooling,
    sent_rnn: Rnn,
    query_att: AttentionPooling,
    cross: Tensor,
    head: [nn::Linear; 2],
}

impl AttentiveRanker {
    /// Build under `path`.
    pub fn new(path: &nn::Path, config: &AttentiveRankerConfig) -> Result<Self> {
        config.validate()?;
        let c = config;
        let d = c.dim();
        let embed = nn::embedding(
            path / "embed",
            c.vocab_size,
            c.embed_dim,
            nn::EmbeddingConfig {
                padding_idx: 0,
                ..Default::default()
            },
        );
        let word_rnn =
            RnnConfig::new(Cell::Gru, c.embed_dim, c.hidden, true).init(&(path / "word_rnn"))?;
        let word_att = AttentionPoolingConfig::new(d, c.attention).init(&(path / "word_att"))?;
        let sent_rnn = RnnConfig::new(Cell::Gru, d, c.hidden, true).init(&(path / "sent_rnn"))?;
        let query_att = AttentionPoolingConfig::new(d, c.attention).init(&(path / "query_att"))?;
        let bound = 1.0 / (d as f64).sqrt();
        let cross = (path / "cross").var(
            "weight",
            &[d, d],
            nn::Init::Uniform {
                lo: -bound,
                up: bound,
            },
        );
        let head = [
            linear(
                &(path / "head" / "0"),
                4 * d,
                c.mlp_hidden,
                LinearInit::Torch,
            )?,
            linear(&(path / "head" / "1"), c.mlp_hidden, 1, LinearInit::Torch)?,
        ];
        Ok(AttentiveRanker {
            config: c.clone(),
            embed,
            word_rnn,
            word_att,
            sent_rnn,
            query_att,
            cross,
            head,
        })
    }

    /// The config.
    pub fn config(&self) -> &AttentiveRankerConfig {
        &self.config
    }

    /// Sentence vectors of `[B, S, W]` word ids.
    pub fn encode(&self, ids: &Tensor, train: bool) -> Result<Encoded> {
        let s = ids.size();
        if s.len() != 3 || ids.kind() != Kind::Int64 {
            return Err(Error::input(format!(
                "attentive ranker: expected [B, S, W] int64 word ids, got {s:?} {:?}",
                ids.kind()
            )));
        }
        let (b, ns, nw) = (s[0], s[1], s[2]);
        let flat = ids.f_view([b * ns, nw])?;
        let words = flat.f_ne(0)?;
        let emb = self.embed.forward(&flat);
        counter::embedding("embed", &flat, &self.embed.ws, &emb);
        let (h, _) = self.word_rnn.f_forward_seq(&emb, Some(&words), train)?;
        let (sv, _) = self.word_att.f_forward_weights(&h, Some(&words))?;
        let sv = sv.f_view([b, ns, self.config.dim()])?;
        let mask = words.f_view([b, ns, nw])?.f_any_dim(-1, false)?;
        let (ctx, _) = self.sent_rnn.f_forward_seq(&sv, Some(&mask), train)?;
        Ok(Encoded {
            sentences: ctx,
            mask,
        })
    }

    /// Query vectors `[B, D]` of encoded queries.
    pub fn query_vectors(&self, q: &Encoded) -> Result<Tensor> {
        Ok(self
            .query_att
            .f_forward_weights(&q.sentences, Some(&q.mask))?
            .0)
    }

    /// Relevance scores `[P]` of query vectors `q` `[P, D]` against encoded statutes (`P` rows).
    pub fn score(&self, q: &Tensor, docs: &Encoded) -> Result<Tensor> {
        let proj = q.f_matmul(&self.cross.f_transpose(0, 1)?)?; // [P, D]: (W q)ᵀ
        let logits = docs
            .sentences
            .f_bmm(&proj.f_unsqueeze(-1)?)?
            .f_squeeze_dim(-1)?; // [P, S]
        let w = masked_softmax(&logits, Some(&docs.mask), -1)?;
        let a = w.f_unsqueeze(1)?.f_bmm(&docs.sentences)?.f_squeeze_dim(1)?;
        counter::matmul("cross", &docs.sentences, &proj.f_unsqueeze(-1)?, &logits);
        let feats = Tensor::f_cat(&[q, &a, &(q * &a), &(q - &a).f_abs()?], -1)?;
        let h = feats.f_linear(&self.head[0].ws, self.head[0].bs.as_ref())?;
        counter::linear(
            "head.0",
            &feats,
            &self.head[0].ws,
            self.head[0].bs.as_ref(),
            &h,
        );
        let h = h.f_relu()?;
        let y = h.f_linear(&self.head[1].ws, self.head[1].bs.as_ref())?;
        counter::linear("head.1", &h, &self.head[1].ws, self.head[1].bs.as_ref(), &y);
        Ok(y.f_squeeze_dim(-1)?)
    }

    /// Scores `[B]` of `[B, 2, S, W]` (query, statute) pairs.
    pub fn pairs(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let s = xs.size();
        if s.len() != 4 || s[1] != 2 {
            return Err(Error::input(format!(
                "attentive ranker: expected [B, 2, S, W] (query, statute) word ids, got {s:?}"
            )));
        }
        let q = self.encode(&xs.f_select(1, 0)?, train)?;
        let d = self.encode(&xs.f_select(1, 1)?, train)?;
        self.score(&self.query_vectors(&q)?, &d)
    }
}

impl deepfield_core::Forward for AttentiveRanker {
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        Ok(self.pairs(xs, train)?)
    }
}

impl deepfield_core::models::ModelConfig for AttentiveRankerConfig {
    const KIND: &'static str = "text.attentive_ranker";
    const DESCRIPTION: &'static str =
        "attentive neural ranker (Nguyen et al. 2022): hierarchical BiGRU+attention over query and statute sentences";
    type Model = AttentiveRanker;

    fn validate(&self) -> deepfield_core::Result<()> {
        Ok(AttentiveRankerConfig::validate(self)?)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<AttentiveRanker> {
        Ok(AttentiveRanker::new(path, self)?)
    }

    /// The default config on one (query, statute) pair of random word ids.
    fn example() -> Option<deepfield_core::profile::Example<Self>> {
        let c = Self::default();
        let opts = (Kind::Int64, deepfield_core::device());
        let x = Tensor::randint_low(1, c.vocab_size, [1, 2, c.max_sentences, c.max_words], opts);
        Some(deepfield_core::profile::Example::tensor(c, x))
    }
}
