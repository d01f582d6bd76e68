//! The two tasks of the gradual-pruning reproduction: a CNN on MNIST/Fashion-MNIST (the
//! registry's `cnn` kind) and a character-level LSTM language model on tiny_shakespeare, each
//! buildable at any width scale (the small-dense arms), trained by the one Trainer with the
//! pruning callback.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::{self, Module, VarStore, RNN};
use tch::{Kind, Tensor};

use crate::data::mnist::{self, Dataset, Split};
use crate::data::Batch;
use crate::data::{DatasetSpec, TensorDataset};
use crate::models::{ModelConfig, ModelRegistry};
use crate::nn::cnn::{CnnClassifierConfig, ConvStackConfig, PoolConfig};
use crate::prune::PruneCallback;
use crate::train::{Callback, ForwardStep, TrainConfig, Trainer};
use crate::{Error, Forward, Result};

/// A CNN task: `blocks` conv channels (3×3, max-pool 2 after each), global average pooling and
/// a linear head, on a subset of MNIST or Fashion-MNIST.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CnnTask {
    pub dataset: Dataset,
    /// Conv channels of the large model.
    pub channels: Vec<i64>,
    /// Hidden widths of the head of the large model (ReLU).
    pub head_hidden: Vec<i64>,
    /// Training images used (the first of the 60,000), 0 for all.
    pub train_images: usize,
    /// Test images used (the first of the 10,000), 0 for all.
    pub test_images: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
}

impl Default for CnnTask {
    fn default() -> Self {
        CnnTask {
            dataset: Dataset::Mnist,
            channels: vec![16, 32, 64],
            head_hidden: vec![64],
            train_images: 12_000,
            test_images: 0,
            epochs: 6,
            batch_size: 64,
            lr: 3e-3,
        }
    }
}

impl CnnTask {
    /// The registry config of the model at width `scale` (channels rounded, at least 1).
    pub fn config(&self, scale: f64) -> CnnClassifierConfig {
        let scaled = |v: &[i64]| -> Vec<i64> {
            v.iter()
                .map(|&c| ((c as f64 * scale).round() as i64).max(1))
                .collect()
        };
        let mut stack = ConvStackConfig::new(2, 1, scaled(&self.channels), 3);
        for b in &mut stack.blocks {
            b.pool = Some(PoolConfig::max(2));
        }
        CnnClassifierConfig {
            stack,
            head_hidden: scaled(&self.head_hidden),
            output: 10,
            ..Default::default()
        }
    }

    /// Train and test splits (images `[N, 1, 28, 28]`, labels).
    pub fn data(&self, data_dir: &Path) -> Result<(TensorDataset, TensorDataset)> {
        let take = |d: mnist::Digits, n: usize| -> Result<TensorDataset> {
            let n = if n == 0 { d.len() } else { n.min(d.len()) } as i64;
            TensorDataset::new(d.images.narrow(0, 0, n), d.labels.narrow(0, 0, n))
        };
        let train = take(
            mnist::load(data_dir, self.dataset, Split::Train)?,
            self.train_images,
        )?;
        let test = take(
            mnist::load(data_dir, self.dataset, Split::Test)?,
            self.test_images,
        )?;
        Ok((train, test))
    }
}

/// A character-level LSTM language model task on tiny_shakespeare: embedding → one LSTM
/// layer → linear to the characters, trained on `seq_len`-character windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LmTask {
    pub embedding: i64,
    /// LSTM units of the large model.
    pub hidden: i64,
    pub seq_len: i64,
    /// Training characters (from the first 90 % of the text), 0 for all.
    pub train_chars: usize,
    /// Validation characters (from the last 10 %), 0 for all.
    pub val_chars: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
}

impl Default for LmTask {
    fn default() -> Self {
        LmTask {
            embedding: 16,
            hidden: 128,
            seq_len: 64,
            train_chars: 200_000,
            val_chars: 20_000,
            epochs: 3,
            batch_size: 32,
            lr: 3e-3,
        }
    }
}

/// tiny_shakespeare in the data directory.
pub const SHAKESPEARE: DatasetSpec = DatasetSpec {
    name: "tiny_shakespeare",
    files: &["input.txt"],
    source: "Karpathy's char-rnn tiny_shakespeare input.txt (see tiny_shakespeare/SOURCE.md)",
};

/// The character LM: embedding, LSTM, linear to the vocabulary; output `[B, T, V]` logits.
#[derive(Debug)]
pub struct CharLm {
    emb: nn::Embedding,
    lstm: nn::LSTM,
    out: nn::Linear,
}

impl Forward for CharLm {
    fn try_forward_t(&self, xs: &Tensor, _mask: Option<&Tensor>, _train: bool) -> Result<Tensor> {
        crate::ensure_input!(
            xs.dim() == 2,
            "char LM: input must be [B, T] ids, got {:?}",
            xs.size()
        );
        let e = self.emb.forward(xs);
        let (h, _) = self.lstm.seq(&e);
        Ok(self.out.forward(&h))
    }
}

impl LmTask {
    /// LSTM units at width `scale` (embedding scaled too).
    pub fn widths(&self, scale: f64) -> (i64, i64) {
        let s = |v: i64| ((v as f64 * scale).round() as i64).max(1);
        (s(self.embedding), s(self.hidden))
    }

    /// The model at width `scale` for a `vocab`-character alphabet.
    pub fn build(&self, scale: f64, vocab: i64, path: &nn::Path) -> CharLm {
        let (e, h) = self.widths(scale);
        CharLm {
            emb: nn::embedding(path / "emb", vocab, e, Default::default()),
            lstm: nn::lstm(path / "lstm", e, h, Default::default()),
            out: nn::linear(path / "out", h, vocab, Default::default()),
        }
    }

    /// Windows `[N, T]` of inputs and next characters from the text, and the vocabulary size.
    pub fn data(&self, data_dir: &Path) -> Result<(TensorDataset, TensorDataset, i64)> {
        let dir = crate::data::dir::dataset_in(data_dir, &SHAKESPEARE)?;
        let path = dir.join("input.txt");
        let text = crate::data::chars::CharText::read(&path)?;
        let (vocab, ids) = (&text.vocab, &text.ids);
        if ids.len() < 10 * (self.seq_len as usize + 1) {
            return Err(Error::input(format!(
                "{}: {} characters, too few for {}-character windows",
                path.display(),
                ids.len(),
                self.seq_len
            )));
        }
        let cut = text.test_start();
        let limit =
            |v: &[i64], n: usize| v[..if n == 0 { v.len() } else { n.min(v.len()) }].to_vec();
        let windows = |v: Vec<i64>| -> Result<TensorDataset> {
            let t = self.seq_len;
            let n = (v.len() as i64 - 1) / t;
            let all = Tensor::from_slice(&v);
            let x = all.narrow(0, 0, n * t).view([n, t]);
            let y = all.narrow(0, 1, n * t).view([n, t]);
            TensorDataset::new(x, y)
        };
        Ok((
            windows(limit(&ids[..cut], self.train_chars))?,
            windows(limit(&ids[cut..], self.val_chars))?,
            vocab.len() as i64,
        ))
    }
}

/// Mean cross-entropy of `[.., V]` logits against `[..]` ids.
pub fn token_loss(out: &Tensor, y: &Tensor) -> Result<Tensor> {
    let v = out.size().last().copied().unwrap_or(1);
    Ok(out.f_reshape([-1, v])?.f_cross_entropy_loss(
        &y.f_reshape([-1])?,
        None::<Tensor>,
        tch::Reduction::Mean,
        -100,
        0.0,
    )?)
}

/// The loss every arm trains with: token (or class) cross-entropy.
pub type LossFn = fn(&Tensor, &Batch) -> Result<Tensor>;

/// Train `model` on `train` for `(epochs, batch size, Adam learning rate, seed)`, pruning
/// with `prune` when given.
pub fn train<'m, M: Forward>(
    model: &'m M,
    vs: &mut VarStore,
    train: &TensorDataset,
    hp: (usize, usize, f64, u64),
    prune: Option<&mut PruneCallback>,
) -> Result<()> {
    let mut callbacks: Vec<&mut dyn Callback<ForwardStep<'m, M, LossFn>, Batch>> = Vec::new();
    if let Some(p) = prune {
        callbacks.push(p);
    }
    train_with(model, vs, train, hp, &mut callbacks).map(|_| ())
}

/// Train `model` with `callbacks` for `(epochs, batch size, Adam learning rate, seed)` on the
/// token (or class) cross-entropy; returns the optimizer steps taken.
pub fn train_with<'m, M: Forward>(
    model: &'m M,
    vs: &mut VarStore,
    train: &TensorDataset,
    (epochs, batch_size, lr, seed): (usize, usize, f64, u64),
    callbacks: &mut [&mut dyn Callback<ForwardStep<'m, M, LossFn>, Batch>],
) -> Result<usize> {
    let cfg = TrainConfig {
        epochs,
        batch_size,
        seed,
        progress: false,
        optimizer: crate::train::OptimizerConfig::adam(lr),
        ..Default::default()
    };
    let trainer = Trainer::new(cfg, crate::train::Task::classification(2))?;
    let loss: LossFn = |o, b| token_loss(o, &b.y);
    trainer.fit_callbacks(model, vs, train, None, loss, callbacks)?;
    Ok(epochs * train.len().div_ceil(batch_size))
}

/// Accuracy (%) of a classifier, or perplexity of the LM, on `test` (eval mode).
pub fn score(model: &dyn Forward, test: &TensorDataset, perplexity: bool) -> Result<f64> {
    let device = crate::device();
    let test = test.to_device(device);
    // Summed on the device and read once at the end (no host sync per batch).
    let mut total = Tensor::zeros([], (Kind::Double, device));
    let mut count = 0i64;
    tch::no_grad(|| -> Result<()> {
        for b in test.batches(256, None) {
            let out = model.try_forward_t(&b.x, None, false)?;
            if perplexity {
                let n = b.y.numel() as i64;
                total += token_loss(&out, &b.y)?.to_kind(Kind::Double) * n as f64;
                count += n;
            } else {
                total += out.argmax(-1, false).eq_tensor(&b.y).sum(Kind::Double);
                count += b.y.size()[0];
            }
        }
        Ok(())
    })?;
    let (total, count) = (total.f_double_value(&[])?, count.max(1) as f64);
    Ok(if perplexity {
        (total / count).exp()
    } else {
        100.0 * total / count
    })
}

/// Values of a model built by `build` at width `scale` (on the CPU, not trained).
pub fn params_at(build: &dyn Fn(f64, &nn::Path) -> Result<()>, scale: f64) -> Result<i64> {
    let vs = VarStore::new(tch::Device::Cpu);
    build(scale, &vs.root())?;
    Ok(vs.variables().values().map(|t| t.numel() as i64).sum())
}

/// The width scale in `(0, 1]` whose model has the closest number of values to `target`.
pub fn scale_for(build: &dyn Fn(f64, &nn::Path) -> Result<()>, target: i64) -> Result<f64> {
    let (mut lo, mut hi) = (0.005f64, 1.0f64);
    for _ in 0..30 {
        let mid = 0.5 * (lo + hi);
        if params_at(build, mid)? < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let (a, b) = (params_at(build, lo)?, params_at(build, hi)?);
    Ok(if (a - target).abs() <= (b - target).abs() {
        lo
    } else {
        hi
    })
}

/// The CNN as a registry model (so the saved folder is restorable by every binary).
pub fn build_cnn(task: &CnnTask, scale: f64, path: &nn::Path) -> Result<Box<dyn Forward>> {
    let config = serde_json::to_value(task.config(scale)).map_err(|source| Error::Json {
        context: "cnn config".into(),
        source,
    })?;
    ModelRegistry::with_core().build(CnnClassifierConfig::KIND, &config, path)
}
