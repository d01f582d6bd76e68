//! The die/dat classifier of Allein, Leeuwenberg & Moens (2020), "Binary and Multitask
//! Classification Model for Dutch Anaphora Resolution: Die/Dat Prediction" (arXiv 2001.02943).
//!
//! Reproduced: every die/dat of a sentence is masked; a sentence encoder (word embeddings →
//! bidirectional LSTM, two layers: the paper found the extra BiLSTM layer helped) reads the
//! masked sentence, and a context encoder (embeddings → BiLSTM) reads the previous sentence; the
//! encoders' summaries feed a dense layer and a die/dat output (the binary model) and, in the
//! multitask model, a second output for the masked word's part of speech, trained jointly.
//! What differs: the paper fed pretrained word2vec embeddings of its Europarl/SoNaR corpora; here
//! the embeddings are trained from scratch ([`crate::embed`] can load word2vec/GloVe text
//! files) and the POS classes are UD's (DET, demonstrative PRON, relative PRON, SCONJ), known for
//! treebank sentences only. The sentence summary is the BiLSTM state at the masked position
//! joined with a max-pool over the sentence. Defaults: embeddings 100, 64 hidden units per
//! direction, dropout 0.3 (the paper's sizes are not given in a form we could trace; these are
//! chosen for the far smaller corpus).
//!
//! Input, packed in one int64 tensor `[B, 2 + T_s + T_c]`: column 0 the masked word's index,
//! column 1 the padded sentence length `T_s` (the same in every row), then the sentence's token
//! ids and the context's token ids, each right-padded with 0 ([`pack`]). Output `[B, 2]` die/dat
//! logits, or `[B, 2 + 4]` with the POS logits after them for the multitask model.
//!
//! Extension (off by default, `article`): an auxiliary head predicts a masked article de/het
//! (marked [`super::data::ART_MASK`]) — the same noun-gender agreement die/dat depends on — trained on the
//! unlabelled training sentences, so the shared encoder learns the gender of many more nouns
//! than the die/dat examples hold. Its logits come last.
//!
//! The vocabulary is part of the config, so a saved model rebuilds alone (`deepfield-text eval
//! die-dat`). Parameter names: `embed`, `sentence` / `context` (PyTorch `nn.LSTM` layout), `fc`,
//! `out`, `pos`.

use serde::{Deserialize, Serialize};
use tch::nn;
use tch::{Kind, Tensor};

use deepfield_core::nn::rnn::{max_pool, Cell, Rnn, RnnConfig};
use deepfield_core::nn::{dropout, init, LinearInit};
use deepfield_core::profile::counter;

use super::data::{MASK, NO_CONTEXT, POS_NAMES};
use crate::vocab::{Vocab, PAD, UNK};
use crate::{Error, Result};

/// The die/dat model's config; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DieDatConfig {
    /// Token list, `<pad>` and `<unk>` first, lower-cased tokens.
    pub vocab: Vec<String>,
    pub embed_dim: i64,
    /// Hidden units per direction.
    pub hidden: i64,
    /// Sentence encoder layers.
    pub layers: i64,
    /// Read the previous sentence with a context encoder.
    pub context: bool,
    /// Also predict the masked word's POS class.
    pub multitask: bool,
    /// An extra head for the auxiliary article task (de/het at an [`super::data::ART_MASK`], trained on
    /// unlabelled sentences: an extension, not in the paper).
    pub article: bool,
    pub dropout: f64,
}

impl Default for DieDatConfig {
    fn default() -> Self {
        Self {
            vocab: [PAD, UNK, MASK, NO_CONTEXT]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            embed_dim: 100,
            hidden: 64,
            layers: 2,
            context: true,
            multitask: true,
            article: false,
            dropout: 0.3,
        }
    }
}

impl DieDatConfig {
    /// The vocabulary of the config.
    pub fn vocabulary(&self) -> Result<Vocab> {
        Vocab::from_list(self.vocab.clone(), true)
    }

    /// Output width: 2 die/dat logits, then the POS logits (multitask), then the 2 article
    /// logits (article task).
    pub fn outputs(&self) -> i64 {
        2 + self.pos_outputs() + if self.article { 2 } else { 0 }
    }

    /// Number of POS logits (0 without the POS head).
    pub fn pos_outputs(&self) -> i64 {
        if self.multitask {
            POS_NAMES.len() as i64
        } else {
            0
        }
    }

    /// Checks the values.
    pub fn check(&self) -> Result<()> {
        self.vocabulary()?;
        if self.embed_dim < 1 || self.hidden < 1 || self.layers < 1 {
            return Err(Error::config(
                "die-dat: embed_dim, hidden and layers must be ≥ 1",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(Error::config("die-dat: dropout must be in [0, 1)"));
        }
        Ok(())
    }
}

/// The built model.
#[derive(Debug)]
pub struct DieDat {
    config: DieDatConfig,
    embed: nn::Embedding,
    sentence: Rnn,
    context: Option<Rnn>,
    fc: nn::Linear,
    out: nn::Linear,
    pos: Option<nn::Linear>,
    art: Option<nn::Linear>,
}

fn linear(name: &str, l: &nn::Linear, x: &Tensor) -> Result<Tensor> {
    let y = x.f_linear(&l.ws, l.bs.as_ref())?;
    counter::linear(name, x, &l.ws, l.bs.as_ref(), &y);
    Ok(y)
}

impl DieDat {
    /// Builds under `path`.
    pub fn new(path: &nn::Path, config: &DieDatConfig) -> Result<Self> {
        config.check()?;
        let (e, h) = (config.embed_dim, config.hidden);
        let embed = nn::embedding(
            path / "embed",
            config.vocab.len() as i64,
            e,
            nn::EmbeddingConfig {
                padding_idx: 0,
                ..Default::default()
            },
        );
        let rnn = |name: &str, layers: i64| {
            RnnConfig {
                layers,
                dropout: if layers > 1 { config.dropout } else { 0.0 },
                ..RnnConfig::new(Cell::Lstm, e, h, true)
            }
            .init(&(path / name))
        };
        let sentence = rnn("sentence", config.layers)?;
        let context = if config.context {
            Some(rnn("context", 1)?)
        } else {
            None
        };
        let features = 2 * h * if config.context { 3 } else { 2 };
        let lin =
            |name: &str, i: i64, o: i64| init::linear(&(path / name), i, o, LinearInit::Torch);
        Ok(Self {
            embed,
            sentence,
            context,
            fc: lin("fc", features, h)?,
            out: lin("out", h, 2)?,
            pos: if config.multitask {
                Some(lin("pos", h, POS_NAMES.len() as i64)?)
            } else {
                None
            },
            art: if config.article {
                Some(lin("art", h, 2)?)
            } else {
                None
            },
            config: config.clone(),
        })
    }

    fn embed(&self, ids: &Tensor, train: bool) -> Result<Tensor> {
        let y = Tensor::f_embedding(&self.embed.ws, ids, 0, false, false)?;
        counter::embedding("embed", ids, &self.embed.ws, &y);
        Ok(dropout(y, self.config.dropout, train))
    }

    /// Logits; see the module docs for the packed input.
    ///
    /// # Shapes
    /// `xs` `[B, 2 + T_s + T_c]` int64 → `[B, outputs]` ([`DieDatConfig::outputs`]).
    pub fn logits(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        let size = xs.size();
        if size.len() != 2 || size[1] < 4 || xs.kind() != Kind::Int64 {
            return Err(Error::input(format!(
                "die-dat: expected packed int64 input [B, 2 + T_s + T_c], got {size:?} {:?}",
                xs.kind()
            )));
        }
        let ts = xs.int64_value(&[0, 1]);
        if ts < 1 || ts > size[1] - 3 {
            return Err(Error::input(format!(
                "die-dat: sentence length {ts} does not fit the packed width {}",
                size[1]
            )));
        }
        let target = xs.f_select(1, 0)?;
        let sent = xs.f_narrow(1, 2, ts)?;
        let smask = sent.f_ne(0)?;
        let (out, _) =
            self.sentence
                .f_forward_seq(&self.embed(&sent, train)?, Some(&smask), train)?;
        let width = out.size()[2];
        let idx = target
            .f_clamp(0, ts - 1)?
            .f_view([-1, 1, 1])?
            .f_expand([size[0], 1, width], false)?;
        let at = out.f_gather(1, &idx, false)?.f_squeeze_dim(1)?;
        let mut feats = vec![at, max_pool(&out, Some(&smask))?];
        if let Some(ctx) = &self.context {
            let c = xs.f_narrow(1, 2 + ts, size[1] - 2 - ts)?;
            let cmask = c.f_ne(0)?;
            let (_, last) = ctx.f_forward_seq(&self.embed(&c, train)?, Some(&cmask), train)?;
            feats.push(last);
        }
        let f = Tensor::f_cat(&feats, 1)?;
        let hidden = linear("fc", &self.fc, &f)?.f_relu()?;
        let hidden = dropout(hidden, self.config.dropout, train);
        let mut outs = vec![linear("out", &self.out, &hidden)?];
        if let Some(p) = &self.pos {
            outs.push(linear("pos", p, &hidden)?);
        }
        if let Some(a) = &self.art {
            outs.push(linear("art", a, &hidden)?);
        }
        Ok(Tensor::f_cat(&outs, 1)?)
    }

    /// The config it was built from.
    pub fn config(&self) -> &DieDatConfig {
        &self.config
    }
}

/// Packs examples — `(sentence ids, target index, context ids)` — into the model's input.
/// Empty sentences or contexts, and targets outside their sentence, are errors.
pub fn pack(rows: &[(&[i64], usize, &[i64])]) -> Result<Tensor> {
    let ts = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let tc = rows.iter().map(|r| r.2.len()).max().unwrap_or(0);
    if rows.is_empty() || ts == 0 || tc == 0 {
        return Err(Error::input("die-dat: an empty batch, sentence or context"));
    }
    let width = 2 + ts + tc;
    let mut flat = vec![0i64; rows.len() * width];
    for (k, (s, t, c)) in rows.iter().enumerate() {
        if *t >= s.len() || c.is_empty() {
            return Err(Error::input(format!(
                "die-dat: target {t} outside a sentence of {} tokens, or an empty context",
                s.len()
            )));
        }
        let row = &mut flat[k * width..(k + 1) * width];
        row[0] = *t as i64;
        row[1] = ts as i64;
        row[2..2 + s.len()].copy_from_slice(s);
        row[2 + ts..2 + ts + c.len()].copy_from_slice(c);
    }
    Ok(Tensor::from_slice(&flat).view([rows.len() as i64, width as i64]))
}

impl deepfield_core::Forward for DieDat {
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        train: bool,
    ) -> deepfield_core::Result<Tensor> {
        Ok(self.logits(xs, train)?)
    }
}

impl deepfield_core::models::ModelConfig for DieDatConfig {
    const KIND: &'static str = "text.die_dat";
    const DESCRIPTION: &'static str =
        "die/dat classifier (Allein et al. 2020): BiLSTM sentence + context encoders, optional POS head";
    type Model = DieDat;

    fn validate(&self) -> deepfield_core::Result<()> {
        Ok(self.check()?)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<DieDat> {
        Ok(DieDat::new(path, self)?)
    }

    /// The default config on one 12-word sentence with an 8-word context.
    fn example() -> Option<deepfield_core::profile::Example<Self>> {
        let s: Vec<i64> = (0..12).map(|i| 2 + i % 2).collect();
        let c = vec![3i64; 8];
        let x = pack(&[(&s, 3, &c)]).ok()?;
        Some(deepfield_core::profile::Example::tensor(
            DieDatConfig::default(),
            x.to_device(deepfield_core::device()),
        ))
    }
}
