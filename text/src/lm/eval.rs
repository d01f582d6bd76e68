//! Scoring a character language model: bits per character of a text (the parallel form over
//! consecutive windows, each window starting from a zero state), the spike and operation
//! counts on the way, and the `eval lm` command that applies a saved model to a user's file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use deepfield_core::models::restore_model;
use deepfield_core::spiking::SpikeStats;

use super::data::read_text;
use super::kinds::{RwkvLmConfig, SpikeGptConfig};
use crate::rwkv::{Activity, RwkvLm};
use crate::vocab::Vocab;
use crate::{Error, Result};

/// Summed next-character cross-entropy (nats) of the windows starting at `offsets`, each of
/// `t` inputs.
fn window_nats(
    model: &RwkvLm,
    ids: &Tensor,
    offsets: &[i64],
    t: i64,
    rec: &mut Option<&mut Activity>,
) -> Result<f64> {
    let b = super::train::windows(ids, offsets, t)?;
    let logits = model.logits_with(&b.x, false, rec.as_deref_mut())?;
    let v = model.config().vocab_size;
    let nats = logits
        .f_reshape([-1, v])?
        .to_kind(Kind::Double)
        .f_cross_entropy_loss::<Tensor>(
            &b.y.f_reshape([-1])?,
            None,
            tch::Reduction::Sum,
            -100,
            0.0,
        )?;
    Ok(nats.double_value(&[]))
}

/// Bits per character of `ids` (every character after the first is predicted from the ones
/// before it in its `seq_len` window), in batches of `batch` windows; spikes and operations go
/// into `rec` when given.
pub fn bpc(
    model: &RwkvLm,
    ids: &[i64],
    seq_len: i64,
    batch: usize,
    mut rec: Option<&mut Activity>,
) -> Result<f64> {
    if ids.len() < 2 || seq_len < 1 || batch == 0 {
        return Err(Error::input(format!(
            "bpc: need at least 2 characters, seq_len >= 1 and batch >= 1; got {} characters",
            ids.len()
        )));
    }
    let _guard = tch::no_grad_guard();
    let device = model.device();
    let all = Tensor::from_slice(ids).to_device(device);
    let n = ids.len() as i64 - 1;
    let full = n / seq_len;
    let starts: Vec<i64> = (0..full).map(|w| w * seq_len).collect();
    let mut nats = 0.0;
    for chunk in starts.chunks(batch) {
        nats += window_nats(model, &all, chunk, seq_len, &mut rec)?;
    }
    let rest = n - full * seq_len;
    if rest > 0 {
        nats += window_nats(model, &all, &[full * seq_len], rest, &mut rec)?;
    }
    Ok(nats / n as f64 / std::f64::consts::LN_2)
}

/// A saved character language model, restored.
pub struct LoadedLm {
    pub kind: String,
    pub vocab: Vocab,
    pub vs: VarStore,
    pub model: RwkvLm,
}

/// Restore a `text.spikegpt` or `text.rwkv` checkpoint folder.
pub fn load(dir: &Path, device: Device) -> Result<LoadedLm> {
    let json: serde_json::Value = deepfield_core::fsutil::read_json(&dir.join("config.json"))?;
    let kind = json
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or_default()
        .to_string();
    let (vocab, vs, model) = match kind.as_str() {
        "text.spikegpt" => {
            let (c, vs, m) = restore_model::<SpikeGptConfig>(dir, device)?;
            (c.vocab()?, vs, m)
        }
        "text.rwkv" => {
            let (c, vs, m) = restore_model::<RwkvLmConfig>(dir, device)?;
            (c.vocab()?, vs, m)
        }
        "" => {
            return Err(Error::parse(
                dir.join("config.json"),
                0,
                "names no model kind: not a model checkpoint folder (give a run's `model/` \
                 folder)",
            ))
        }
        other => {
            return Err(Error::parse(
                dir.join("config.json"),
                0,
                format!(
                    "holds a model of kind `{other}`, not a character language model \
                     (text.spikegpt or text.rwkv)"
                ),
            ))
        }
    };
    Ok(LoadedLm {
        kind,
        vocab,
        vs,
        model,
    })
}

/// `eval lm`: a model's bits per character on a user's text file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LmEvaluation {
    pub model: PathBuf,
    pub kind: String,
    pub file: PathBuf,
    pub characters: usize,
    /// Characters outside the model's vocabulary (scored as `<unk>`).
    pub unknown_characters: usize,
    pub bpc: f64,
    /// Spike rates and operations per character (SpikeGPT only).
    pub spikes: Option<SpikeStats>,
}

/// Score `file` with the model saved in `dir` (windows of `seq_len`, 0 for the model's
/// context length).
pub fn eval_file(dir: &Path, file: &Path, seq_len: i64) -> Result<LmEvaluation> {
    let lm = load(dir, deepfield_core::device())?;
    let text = read_text(file)?;
    let ids = lm.vocab.encode_chars(&text);
    if ids.len() < 2 {
        return Err(Error::parse(
            file,
            0,
            "one character only: a language model needs at least 2 to predict one",
        ));
    }
    let unknown = ids.iter().filter(|&&i| i == lm.vocab.unk_id()).count();
    let t = if seq_len > 0 {
        seq_len
    } else {
        lm.model.config().ctx_len
    };
    let mut act = Activity::default();
    let b = bpc(&lm.model, &ids, t, 16, Some(&mut act))?;
    Ok(LmEvaluation {
        model: dir.to_path_buf(),
        kind: lm.kind,
        file: file.to_path_buf(),
        characters: ids.len(),
        unknown_characters: unknown,
        bpc: b,
        spikes: lm.model.spiking().then(|| act.stats()),
    })
}
