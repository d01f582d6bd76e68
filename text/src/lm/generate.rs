//! Sampling text from a character language model in the recurrent form (the prompt is fed one
//! character at a time, then each sampled character; the state carries everything before), and
//! the same generation by re-running the parallel form on the whole growing context at every
//! character — the comparison that shows what the recurrent form saves.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use deepfield_core::rng::Rng;

use crate::rwkv::RwkvLm;
use crate::vocab::Vocab;
use crate::{Error, Result};

/// How characters are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleOptions {
    /// Characters to generate after the prompt.
    pub chars: usize,
    /// Softmax temperature; 0 picks the most likely character.
    pub temperature: f64,
    pub seed: u64,
}

impl SampleOptions {
    fn check(&self) -> Result<()> {
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err(Error::config(format!(
                "sample: temperature must be finite and >= 0, got {}",
                self.temperature
            )));
        }
        Ok(())
    }
}

/// Draw the next id from `logits` `[V]` (never `<pad>` or `<unk>`).
fn draw(logits: &Tensor, opts: &SampleOptions, rng: &mut Rng) -> Result<i64> {
    let mut l = logits.to_kind(Kind::Double).copy();
    let _ = l.get(0).fill_(f64::NEG_INFINITY);
    let _ = l.get(1).fill_(f64::NEG_INFINITY);
    if opts.temperature == 0.0 {
        return Ok(l.argmax(0, false).int64_value(&[]));
    }
    l /= opts.temperature;
    let p: Vec<f64> = Vec::try_from(l.softmax(0, Kind::Double))?;
    let u = rng.uniform();
    let mut acc = 0.0;
    let mut last = 2;
    for (i, &pi) in p.iter().enumerate() {
        if pi > 0.0 {
            last = i;
            acc += pi;
            if u < acc {
                return Ok(i as i64);
            }
        }
    }
    Ok(last as i64)
}

fn prompt_ids(vocab: &Vocab, prompt: &str) -> Result<Vec<i64>> {
    let ids = if prompt.is_empty() {
        vocab.encode_chars("\n")
    } else {
        vocab.encode_chars(prompt)
    };
    if ids.is_empty() {
        return Err(Error::input("generate: the prompt is empty"));
    }
    Ok(ids)
}

/// `prompt` (an empty prompt starts at a newline) followed by `opts.chars` sampled characters,
/// in the recurrent form. The same seed gives the same text.
pub fn generate(
    model: &RwkvLm,
    vocab: &Vocab,
    prompt: &str,
    opts: &SampleOptions,
) -> Result<String> {
    opts.check()?;
    let _guard = tch::no_grad_guard();
    let ids = prompt_ids(vocab, prompt)?;
    let mut rng = Rng::new(opts.seed);
    let mut state = model.zero_state(1);
    let device = model.device();
    let mut logits = Tensor::zeros([1], (Kind::Float, device));
    let mut feed = |id: i64| {
        model.step(
            &Tensor::from_slice(&[id]).to_device(device),
            &mut state,
            None,
        )
    };
    for &id in &ids {
        logits = feed(id)?;
    }
    let mut out = Vec::with_capacity(opts.chars);
    for _ in 0..opts.chars {
        let next = draw(&logits.get(0), opts, &mut rng)?;
        out.push(next);
        logits = feed(next)?;
    }
    Ok(format!("{prompt}{}", vocab.decode(&out).concat()))
}

/// The same generation as [`generate`], re-running the parallel form on the whole context for
/// every new character (what a model without a recurrent form does).
pub fn generate_parallel(
    model: &RwkvLm,
    vocab: &Vocab,
    prompt: &str,
    opts: &SampleOptions,
) -> Result<String> {
    opts.check()?;
    let _guard = tch::no_grad_guard();
    let mut ids = prompt_ids(vocab, prompt)?;
    let n_prompt = ids.len();
    let mut rng = Rng::new(opts.seed);
    let device = model.device();
    for _ in 0..opts.chars {
        let x = Tensor::from_slice(&ids).to_device(device).view([1, -1]);
        let logits = model.logits_with(&x, false, None)?;
        let next = draw(&logits.get(0).get(-1), opts, &mut rng)?;
        ids.push(next);
    }
    Ok(format!(
        "{prompt}{}",
        vocab.decode(&ids[n_prompt..]).concat()
    ))
}

/// Generation time per character, recurrent against parallel re-runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationSpeed {
    pub prompt_chars: usize,
    pub generated_chars: usize,
    /// Milliseconds per generated character (prompt included in the time).
    pub recurrent_ms_per_char: f64,
    pub parallel_ms_per_char: f64,
    /// `parallel / recurrent`.
    pub speedup: f64,
    /// Whether both forms produced the same text (greedy decoding).
    pub same_text: bool,
}

/// Time greedy generation of `chars` characters after `prompt` in both forms.
pub fn generation_speed(
    model: &RwkvLm,
    vocab: &Vocab,
    prompt: &str,
    chars: usize,
) -> Result<GenerationSpeed> {
    let opts = SampleOptions {
        chars,
        temperature: 0.0,
        seed: 0,
    };
    let start = Instant::now();
    let a = generate(model, vocab, prompt, &opts)?;
    let rec = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let b = generate_parallel(model, vocab, prompt, &opts)?;
    let par = start.elapsed().as_secs_f64();
    let per = |s: f64| 1e3 * s / chars.max(1) as f64;
    Ok(GenerationSpeed {
        prompt_chars: prompt.chars().count(),
        generated_chars: chars,
        recurrent_ms_per_char: per(rec),
        parallel_ms_per_char: per(par),
        speedup: par / rec.max(1e-12),
        same_text: a == b,
    })
}
