//! `deepfield-text bench --task crf`: one training step (forward, CRF negative log-likelihood,
//! backward, gradient clipping, SGD) of the NeuroNER BiLSTM-CRF at its paper sizes on batches of
//! WNUT 2017 training sentences, against the same model and step in PyTorch eager with
//! pytorch-crf 0.7.2 (`text/bench/bench_crf.py`), on the same thread count, on the same encoded
//! batches (written once to a safetensors file both sides read). The sides alternate round by
//! round and the best round of each counts; the ratio printed is PyTorch's time per step over
//! ours. The CRF is unconstrained on both sides (pytorch-crf has no constraints).

use std::path::{Path, PathBuf};
use std::time::Instant;

use deepfield_core::nn::crf::TagScheme;
use tch::nn::OptimizerConfig;
use tch::{nn, Device, Tensor};

use crate::read::conll_ner::{self, WNUT17};
use crate::tagged::Tagged;
use crate::tagger::encode::{fit, Encoder};
use crate::tagger::model::{NeuroNer, NeuroNerConfig};
use crate::{Error, Result};

/// Settings of one bench run.
#[derive(Debug, Clone)]
pub struct BenchSettings {
    pub threads: usize,
    pub python: Option<PathBuf>,
    /// Timed steps per round.
    pub steps: usize,
    /// Untimed steps before each round.
    pub warmup: usize,
    /// Rounds per side (alternating).
    pub rounds: usize,
    /// Sentences per step.
    pub batch: usize,
}

/// The encoded batches: `(xs, tags, mask)` per step.
type Batches = Vec<(Tensor, Tensor, Tensor)>;

fn batches(config: &NeuroNerConfig, train: &[Tagged], s: &BenchSettings) -> Result<Batches> {
    let enc = Encoder::new(config)?;
    let n = s.warmup.max(1) + s.steps;
    if train.len() < n * s.batch {
        return Err(Error::config(format!(
            "bench: {} sentences needed, WNUT 2017 train has {}",
            n * s.batch,
            train.len()
        )));
    }
    train
        .chunks(s.batch)
        .take(n)
        .map(|c| {
            let tokens: Vec<&[String]> = c.iter().map(|t| t.tokens.as_slice()).collect();
            let refs: Vec<&Tagged> = c.iter().collect();
            let (xs, mask) = enc.inputs(&tokens, None)?;
            Ok((xs, enc.tags(&refs)?, mask))
        })
        .collect()
}

/// Our side, one round: ms per training step and the last step's loss.
pub fn ours(config: &NeuroNerConfig, data: &Batches, s: &BenchSettings) -> Result<(f64, f64)> {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = NeuroNer::new(&vs.root(), config)?;
    let mut opt = nn::Sgd::default().build(&vs, 0.005)?;
    let mut step = |(xs, tags, mask): &(Tensor, Tensor, Tensor)| -> Result<f64> {
        let loss = model.loss(xs, tags, mask, true)?;
        opt.zero_grad();
        loss.f_backward()?;
        opt.clip_grad_value(5.0);
        opt.step();
        Ok(loss.f_double_value(&[])?)
    };
    let warm = s.warmup.max(1);
    for b in &data[..warm] {
        step(b)?;
    }
    let t = Instant::now();
    let mut loss = f64::NAN;
    for b in &data[warm..] {
        loss = step(b)?;
    }
    Ok((t.elapsed().as_secs_f64() * 1000.0 / s.steps as f64, loss))
}

/// The PyTorch side, one round: ms per step, or why it did not run.
fn theirs(
    py: &Path,
    file: &Path,
    c: &NeuroNerConfig,
    s: &BenchSettings,
) -> std::result::Result<f64, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/bench_crf.py");
    let out = deepfield_core::allocator::configure_child(&mut std::process::Command::new(py))
        .arg(&script)
        .args(["--data", &file.to_string_lossy()])
        .args(["--threads", &s.threads.to_string()])
        .args(["--warmup", &s.warmup.max(1).to_string()])
        .args(["--steps", &s.steps.to_string()])
        .args(["--words", &c.words.len().to_string()])
        .args(["--chars", &c.chars.len().to_string()])
        .args(["--tags", &c.labels.len().to_string()])
        .output()
        .map_err(|e| format!("could not start {}: {e}", py.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_string());
    }
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("ms_per_step="))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("no ms_per_step in its output: {}", text.trim()))
}

/// Run both sides and print the rounds, the best of each side and the ratio.
pub fn run(s: &BenchSettings) -> Result<()> {
    if s.steps == 0 || s.rounds == 0 || s.batch == 0 {
        return Err(Error::config(
            "bench: --steps, --rounds and --batch must be at least 1",
        ));
    }
    deepfield_core::device::set_threads(s.threads);
    let dir = deepfield_core::data::dataset(&WNUT17)?;
    let train = conll_ner::read(&dir.join(WNUT17.files[0]), TagScheme::Bio)?.sentences;
    let base = NeuroNerConfig {
        constrained: false,
        ..NeuroNerConfig::default()
    };
    let config = fit(&base, &train)?;
    let data = batches(&config, &train, s)?;
    let file = std::env::temp_dir().join(format!(
        "deepfield-bench-crf-{}.safetensors",
        std::process::id()
    ));
    let mut named: Vec<(String, &Tensor)> = Vec::new();
    let masks: Vec<Tensor> = data
        .iter()
        .map(|(_, _, m)| m.to_kind(tch::Kind::Uint8))
        .collect();
    for (i, ((xs, tags, _), m)) in data.iter().zip(&masks).enumerate() {
        named.push((format!("xs_{i}"), xs));
        named.push((format!("tags_{i}"), tags));
        named.push((format!("mask_{i}"), m));
    }
    deepfield_core::checkpoint::write_tensors(&file, &named)?;
    let result = compare(&config, &data, &file, s);
    let _ = std::fs::remove_file(&file);
    result
}

fn compare(config: &NeuroNerConfig, data: &Batches, file: &Path, s: &BenchSettings) -> Result<()> {
    let py = s
        .python
        .clone()
        .or_else(deepfield_core::python::interpreter);
    let (mut best_ours, mut best_theirs) = (f64::INFINITY, None::<f64>);
    let what = format!("threads={} batch={} steps={}", s.threads, s.batch, s.steps);
    for round in 1..=s.rounds {
        let (ms, loss) = ours(config, data, s)?;
        best_ours = best_ours.min(ms);
        println!("bench crf deepfield round={round} {what} ms_per_step={ms:.3} loss={loss:.3}");
        if let Some(py) = &py {
            match theirs(py, file, config, s) {
                Ok(p) => {
                    best_theirs = Some(best_theirs.map_or(p, |b| b.min(p)));
                    println!("bench crf pytorch round={round} {what} ms_per_step={p:.3}");
                }
                Err(e) => println!("bench crf pytorch failed: {e}"),
            }
        }
    }
    match best_theirs {
        Some(p) => println!(
            "ratio crf pytorch_ms/deepfield_ms={:.2} (best of {} rounds: deepfield {best_ours:.2} ms, pytorch eager + pytorch-crf {p:.2} ms per step)",
            p / best_ours,
            s.rounds
        ),
        None => println!(
            "ratio crf unavailable: no PyTorch side (pass --python or set DEEPFIELD_PYTHON); deepfield {best_ours:.2} ms per step"
        ),
    }
    Ok(())
}
