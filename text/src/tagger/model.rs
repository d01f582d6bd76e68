//! The NeuroNER tagger: Dernoncourt, Lee, Uzuner & Szolovits (2017), "De-identification of
//! patient notes with recurrent neural networks", JAMIA 24(3) (and the NeuroNER tool, EMNLP
//! 2017 demo): a character BiLSTM per token, its final states concatenated with the token's
//! word embedding, dropout, a token BiLSTM, a tanh feed-forward layer, a linear layer to tag
//! scores and a linear-chain CRF ([`deepfield_core::nn::crf`]).
//!
//! Defaults, from NeuroNER's `parameters.ini` / `load_parameters`: character embedding 25,
//! character LSTM 25 per direction, token embedding 100, token LSTM 100 per direction, dropout
//! 0.5 on the concatenated token representation, BIOES tags, CRF on. What differs: no
//! pretrained GloVe vectors (none are in the shared data; the word embedding starts as
//! PyTorch's `nn.Embedding`, N(0, 1)); words are looked up lower-cased with digits replaced by
//! `0` (NeuroNER tries the word, its lower case, then the digit-zeroed form); characters of a
//! token beyond [`NeuroNerConfig::max_word_chars`] are dropped; the CRF may forbid invalid
//! BIOES transitions (`constrained`, on by default; NeuroNER's CRF learns them).
//!
//! Input: one int64 tensor `[B, T, 1 + max_word_chars]` per batch, column 0 the word id and
//! the rest the token's character ids (0 = padding), as [`super::encode::Encoder`] builds it;
//! the mask `[B, T]` marks real tokens. Output: tag scores `[B, T, labels]` (the CRF's
//! emissions). Parameter names: `word_embedding`, `char_embedding`, `char_lstm`, `token_lstm`,
//! `hidden`, `output`, `crf` (pytorch-crf's names).

use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use deepfield_core::nn::crf::{Crf, CrfConfig, TagScheme};
use deepfield_core::nn::rnn::{Cell, Rnn, RnnConfig};
use deepfield_core::nn::{check_dropout, dropout, torch_linear_init};
use deepfield_core::profile::counter;

use crate::vocab::{PAD, UNK};
use crate::{Error, Result};

/// The NeuroNER tagger's config: sizes, and the vocabularies and labels it was trained with;
/// see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NeuroNerConfig {
    /// Word vocabulary (normalised forms; `<pad>`, `<unk>` first).
    pub words: Vec<String>,
    /// Character vocabulary (`<pad>`, `<unk>` first).
    pub chars: Vec<String>,
    /// The tag of each output index, in `scheme`.
    pub labels: Vec<String>,
    /// Tagging scheme of `labels` (NeuroNER: BIOES).
    pub scheme: TagScheme,
    /// Forbid invalid transitions in the CRF.
    pub constrained: bool,
    pub char_dim: i64,
    pub char_hidden: i64,
    pub token_dim: i64,
    pub token_hidden: i64,
    pub dropout: f64,
    /// Characters read per token.
    pub max_word_chars: i64,
}

impl Default for NeuroNerConfig {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect();
        NeuroNerConfig {
            words: s(&[PAD, UNK]),
            chars: s(&[PAD, UNK]),
            labels: s(&["O", "B-X", "I-X", "E-X", "S-X"]),
            scheme: TagScheme::Bioes,
            constrained: true,
            char_dim: 25,
            char_hidden: 25,
            token_dim: 100,
            token_hidden: 100,
            dropout: 0.5,
            max_word_chars: 30,
        }
    }
}

impl NeuroNerConfig {
    /// Check sizes, vocabularies and labels.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::config(format!("neuroner: {m}")));
        for (name, v) in [("words", &self.words), ("chars", &self.chars)] {
            if v.len() < 2 || v[0] != PAD || v[1] != UNK {
                return bad(format!("{name} must start with {PAD} and {UNK}"));
            }
        }
        if self.labels.is_empty() {
            return bad("no labels".into());
        }
        for (n, x) in [
            ("char_dim", self.char_dim),
            ("char_hidden", self.char_hidden),
            ("token_dim", self.token_dim),
            ("token_hidden", self.token_hidden),
            ("max_word_chars", self.max_word_chars),
        ] {
            if x <= 0 {
                return bad(format!("{n} must be > 0, got {x}"));
            }
        }
        check_dropout("neuroner", self.dropout)?;
        Ok(())
    }

    fn crf(&self) -> CrfConfig {
        if self.constrained {
            CrfConfig::constrained(self.scheme, self.labels.clone())
        } else {
            CrfConfig::new(self.labels.len() as i64)
        }
    }
}

/// The built tagger.
#[derive(Debug)]
pub struct NeuroNer {
    config: NeuroNerConfig,
    word_embedding: Tensor,
    char_embedding: Tensor,
    char_lstm: Rnn,
    token_lstm: Rnn,
    hidden: nn::Linear,
    output: nn::Linear,
    crf: Crf,
}

fn linear(path: &nn::Path, i: i64, o: i64) -> nn::Linear {
    nn::linear(
        path,
        i,
        o,
        nn::LinearConfig {
            ws_init: torch_linear_init(i),
            bs_init: Some(torch_linear_init(i)),
            bias: true,
        },
    )
}

fn apply_linear(name: &str, l: &nn::Linear, xs: &Tensor) -> Result<Tensor> {
    let y = xs.f_linear(&l.ws, l.bs.as_ref())?;
    counter::linear(name, xs, &l.ws, l.bs.as_ref(), &y);
    Ok(y)
}

fn embed(name: &str, table: &Tensor, ids: &Tensor) -> Result<Tensor> {
    let y = Tensor::f_embedding(table, ids, 0, false, false)?;
    counter::embedding(name, ids, table, &y);
    Ok(y)
}

impl NeuroNer {
    /// Build under `path`.
    pub fn new(path: &nn::Path, c: &NeuroNerConfig) -> Result<Self> {
        c.check()?;
        let normal = nn::Init::Randn {
            mean: 0.0,
            stdev: 1.0,
        };
        let char_lstm = RnnConfig::new(Cell::Lstm, c.char_dim, c.char_hidden, true)
            .init(&(path / "char_lstm"))?;
        let token_in = c.token_dim + 2 * c.char_hidden;
        let token_lstm = RnnConfig::new(Cell::Lstm, token_in, c.token_hidden, true)
            .init(&(path / "token_lstm"))?;
        Ok(NeuroNer {
            word_embedding: path.var(
                "word_embedding",
                &[c.words.len() as i64, c.token_dim],
                normal,
            ),
            char_embedding: path.var(
                "char_embedding",
                &[c.chars.len() as i64, c.char_dim],
                normal,
            ),
            char_lstm,
            token_lstm,
            hidden: linear(&(path / "hidden"), 2 * c.token_hidden, c.token_hidden),
            output: linear(&(path / "output"), c.token_hidden, c.labels.len() as i64),
            crf: c.crf().init(&(path / "crf"))?,
            config: c.clone(),
        })
    }

    /// The config it was built from.
    pub fn config(&self) -> &NeuroNerConfig {
        &self.config
    }

    /// The CRF layer.
    pub fn crf(&self) -> &Crf {
        &self.crf
    }

    /// Tag scores (the CRF's emissions).
    ///
    /// # Shapes
    /// `xs` `[B, T, 1 + max_word_chars]` int64, `mask` `[B, T]` → `[B, T, labels]`.
    pub fn emissions(&self, xs: &Tensor, mask: Option<&Tensor>, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let s = xs.size();
        if s.len() != 3 || s[2] != 1 + c.max_word_chars || s[0] == 0 || s[1] == 0 {
            return Err(Error::input(format!(
                "neuroner: expected ids [B, T, {}], got {s:?}",
                1 + c.max_word_chars
            )));
        }
        let (b, t, w) = (s[0], s[1], c.max_word_chars);
        let xs = xs.f_to_kind(Kind::Int64)?;
        let words = xs.f_select(2, 0)?;
        let chars = xs.f_narrow(2, 1, w)?.f_reshape([b * t, w])?;
        let word_vecs = embed("word_embedding", &self.word_embedding, &words)?;
        let char_vecs = embed("char_embedding", &self.char_embedding, &chars)?;
        let char_mask = chars.f_ne(0)?;
        let (_, char_last) = self
            .char_lstm
            .f_forward_seq(&char_vecs, Some(&char_mask), train)?;
        let char_feats = char_last.f_view([b, t, 2 * c.char_hidden])?;
        let x = Tensor::f_cat(&[word_vecs, char_feats], 2)?;
        let x = dropout(x, c.dropout, train);
        let (out, _) = self.token_lstm.f_forward_seq(&x, mask, train)?;
        let h = apply_linear("hidden", &self.hidden, &out)?.f_tanh()?;
        apply_linear("output", &self.output, &h)
    }

    /// Negative log-likelihood of the gold tags, summed over the batch.
    pub fn loss(&self, xs: &Tensor, tags: &Tensor, mask: &Tensor, train: bool) -> Result<Tensor> {
        let em = self.emissions(xs, Some(mask), train)?;
        Ok(self
            .crf
            .log_likelihood(&em, tags, Some(mask))?
            .f_sum(Kind::Float)?
            .f_neg()?)
    }

    /// The best tag index path of each sentence (Viterbi).
    pub fn decode(&self, xs: &Tensor, mask: &Tensor) -> Result<Vec<Vec<i64>>> {
        let _g = tch::no_grad_guard();
        let em = self.emissions(xs, Some(mask), false)?;
        Ok(self.crf.decode(&em, Some(mask))?)
    }
}

impl deepfield_core::Forward for NeuroNer {
    /// The CRF's emissions `[B, T, labels]`; see [`NeuroNer::emissions`].
    fn try_forward_t(
        &self,
        xs: &Tensor,
        mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        Ok(self.emissions(xs, mask, train)?)
    }
}

impl deepfield_core::models::ModelConfig for NeuroNerConfig {
    const KIND: &'static str = "text.neuroner";
    const DESCRIPTION: &'static str =
        "NeuroNER tagger (Dernoncourt et al. 2017): char BiLSTM + word embedding, token BiLSTM, CRF";
    type Model = NeuroNer;

    fn validate(&self) -> deepfield_core::Result<()> {
        Ok(self.check()?)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<NeuroNer> {
        Ok(NeuroNer::new(path, self)?)
    }

    /// The default config on one 12-token sentence of random ids.
    fn example() -> Option<deepfield_core::profile::Example<Self>> {
        let c = NeuroNerConfig::default();
        let opts = (Kind::Int64, deepfield_core::device());
        let x = Tensor::randint_low(1, 2, [1, 12, 1 + c.max_word_chars], opts);
        Some(deepfield_core::profile::Example::tensor(c, x))
    }
}
