//! The data and the per-model protocol of the `quantization` reproduction: train in `f32`, then
//! PTQ at 8 and 4 bits, QAT at 4 bits, real int8 inference where `quant::int8_models` has the
//! model, quantized folders' sizes, and one-thread latencies.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::QuantizationConfig;
use crate::data::{DatasetSpec, TensorDataset};
use crate::models::{save_model, ModelConfig};
use crate::profile::latency::{measure, LatencyOptions};
use crate::quant::qat::WeightQat;
use crate::quant::store::save_quantized;
use crate::quant::weights::{quantize_weights, WeightQuant};
use crate::quant::QScheme;
use crate::train::{Task, TrainConfig, Trainer};
use crate::{Error, Forward, Result, Rng};

/// The tiny Shakespeare text in the data directory.
pub const SHAKESPEARE: DatasetSpec = DatasetSpec {
    name: "tiny_shakespeare",
    files: &["input.txt"],
    source: "Karpathy's char-rnn tiny Shakespeare (input.txt, 1.1 MB of plain text)",
};

/// Next-character windows of the text: one-hot `[N, T, V]` inputs, the following character as
/// the label. Training windows come from the first 90% of the text, test windows from the rest.
pub fn shakespeare_windows(
    path: &Path,
    window: i64,
    train: i64,
    test: i64,
    seed: u64,
) -> Result<(TensorDataset, TensorDataset, usize)> {
    let crate::data::chars::CharText { vocab, ids } = crate::data::chars::CharText::read(path)?;
    let n = ids.len() as i64;
    let cut = n * 9 / 10;
    if cut <= window + 1 || n - cut <= window + 1 {
        return Err(Error::input(format!(
            "{}: {n} characters are too few for windows of {window}",
            path.display()
        )));
    }
    let mut rng = Rng::new(seed);
    let v = vocab.len() as i64;
    let mut make = |count: i64, lo: i64, hi: i64| -> Result<TensorDataset> {
        let mut xs = Vec::with_capacity((count * window) as usize);
        let mut ys = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let start = lo + (rng.next_u64() % (hi - lo - window - 1) as u64) as i64;
            xs.extend_from_slice(&ids[start as usize..(start + window) as usize]);
            ys.push(ids[(start + window) as usize]);
        }
        let x = Tensor::from_slice(&xs).view([count, window]);
        let x = x.one_hot(v).to_kind(Kind::Float);
        TensorDataset::new(x, Tensor::from_slice(&ys))
    };
    let tr = make(train, 0, cut)?;
    let te = make(test, cut, n)?;
    Ok((tr, te, vocab.len()))
}

/// torch.ao's dynamic quantization of the same model (from `torch_ao.py`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TorchAo {
    pub torch: String,
    pub fp32_accuracy: f64,
    pub int8_accuracy: f64,
    pub fp32_latency_s: f64,
    pub int8_latency_s: f64,
}

/// One model's numbers (accuracies in [0, 1]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub task: String,
    pub kind: String,
    pub params: i64,
    pub fp32_accuracy: f64,
    /// Always predicting the most frequent training label (the floor to beat).
    pub majority_accuracy: f64,
    /// Weights at 8 bits (per channel, min-max), activations `f32`.
    pub ptq8_accuracy: f64,
    /// Weights at 4 bits (per channel, min-max).
    pub ptq4_accuracy: f64,
    /// 4-bit weights after QAT fine-tuning from the `f32` model.
    pub qat4_accuracy: f64,
    /// Real int8 inference (int8 weights and dynamically quantized activations).
    pub int8_accuracy: Option<f64>,
    pub fp32_bytes: u64,
    pub int8_bytes: u64,
    pub int4_bytes: u64,
    pub fp32_latency_s: f64,
    pub int8_latency_s: Option<f64>,
    pub torch_ao: Option<TorchAo>,
    /// Why torch.ao was not run, where it was not.
    pub torch_ao_note: Option<String>,
}

/// Accuracy of `f` on `ds` in batches of 512.
pub fn accuracy(ds: &TensorDataset, f: &dyn Fn(&Tensor) -> Result<Tensor>) -> Result<f64> {
    let n = ds.len() as i64;
    // Counted on the device and read once (no host sync per batch).
    let mut right = Tensor::zeros([], (Kind::Int64, ds.x.device()));
    let mut i = 0;
    while i < n {
        let b = 512.min(n - i);
        let y = tch::no_grad(|| f(&ds.x.narrow(0, i, b)))?;
        right += y
            .argmax(-1, false)
            .eq_tensor(&ds.y.narrow(0, i, b).to_device(y.device()))
            .sum(Kind::Int64)
            .to_device(right.device());
        i += b;
    }
    Ok(right.f_int64_value(&[])? as f64 / n.max(1) as f64)
}

fn snapshot(vs: &VarStore) -> Vec<(String, Tensor)> {
    vs.variables()
        .into_iter()
        .map(|(n, t)| (n, t.detach().copy()))
        .collect()
}

fn restore(vs: &VarStore, snap: &[(String, Tensor)]) -> Result<()> {
    let vars = vs.variables();
    tch::no_grad(|| {
        for (n, t) in snap {
            if let Some(v) = vars.get(n) {
                v.shallow_clone().f_copy_(t)?;
            }
        }
        Ok::<(), Error>(())
    })
}

fn file_len(dir: &Path) -> Result<u64> {
    let p = crate::checkpoint::weights_path(dir);
    Ok(std::fs::metadata(&p).map_err(|e| Error::io(&p, e))?.len())
}

/// Builds the int8 twin of a trained model.
pub type Int8Builder<C> = fn(&VarStore, &C) -> Result<Box<dyn Fn(&Tensor) -> Result<Tensor>>>;

/// Run the protocol for one model; folders go to `out/models/<task>-{fp32,int8,int4,qat4}`
/// (with `headline`, the int8 folder is the run's `model/`).
#[allow(clippy::too_many_arguments)]
pub fn run_task<C>(
    task: &str,
    config: &C,
    train: &TensorDataset,
    test: &TensorDataset,
    cfg: &QuantizationConfig,
    out: &Path,
    int8: Option<Int8Builder<C>>,
    headline: bool,
) -> Result<TaskResult>
where
    C: ModelConfig,
    C::Model: Forward,
{
    let classes = test
        .y
        .max()
        .int64_value(&[])
        .max(train.y.max().int64_value(&[]))
        + 1;
    crate::seed(cfg.seed);
    let mut vs = VarStore::new(tch::Device::Cpu);
    let model = config.build(&vs.root())?;
    let trainer = Trainer::new(
        TrainConfig {
            seed: cfg.seed,
            ..cfg.train.clone()
        },
        Task::classification(classes as usize),
    )?;
    trainer.fit(&model, &mut vs, train, None)?;
    let run = |x: &Tensor| model.try_forward_t(x, None, false);
    let fp32_accuracy = accuracy(test, &run)?;
    let counts = train
        .y
        .to_kind(Kind::Int64)
        .bincount::<Tensor>(None, classes);
    let majority = counts.argmax(0, false).int64_value(&[]);
    let majority_accuracy = test
        .y
        .eq(majority)
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[]);
    let dir =
        |v: &str| crate::repro::variant_dir(out, &format!("{task}-{v}"), headline && v == "int8");
    save_model(&dir("fp32"), &vs, config, None::<&()>)?;
    let float = snapshot(&vs);

    let ptq = |bits: u32| WeightQuant {
        scheme: QScheme::weights(bits).per_channel(),
        ..Default::default()
    };
    let w8 = quantize_weights(&vs, &ptq(8))?;
    let ptq8_accuracy = accuracy(test, &run)?;
    save_quantized(&dir("fp32"), &dir("int8"), &vs, &w8, "ptq")?;
    restore(&vs, &float)?;
    let w4 = quantize_weights(&vs, &ptq(4))?;
    let ptq4_accuracy = accuracy(test, &run)?;
    save_quantized(&dir("fp32"), &dir("int4"), &vs, &w4, "ptq")?;
    restore(&vs, &float)?;

    // int8 inference and latencies from the float weights.
    let lat = LatencyOptions {
        budget_s: cfg.latency_budget_s,
        ..Default::default()
    };
    let xb = test
        .x
        .narrow(0, 0, cfg.latency_batch.min(test.len() as i64));
    let fp32_latency_s = tch::no_grad(|| measure(&lat, || run(&xb).map(|_| ())))?.median_s;
    let (int8_accuracy, int8_latency_s) = match int8 {
        Some(build) => {
            let q = build(&vs, config)?;
            let acc = accuracy(test, &*q)?;
            let l = tch::no_grad(|| measure(&lat, || q(&xb).map(|_| ())))?;
            (Some(acc), Some(l.median_s))
        }
        None => (None, None),
    };
    let (torch_ao, torch_ao_note) = if int8.is_some() && cfg.torch_ao {
        match super::torch_ao::run(&dir("fp32"), test, &xb, cfg.latency_budget_s) {
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(e.to_string())),
        }
    } else {
        (None, Some("no int8 twin of this model (torch.ao's dynamic quantization covers Linear/LSTM only)".into()))
    };

    // QAT: fine-tune the float model with 4-bit weights.
    let mut qat = WeightQat::new(ptq(4))?;
    let qt = Trainer::new(
        TrainConfig {
            epochs: cfg.qat_epochs,
            optimizer: crate::train::OptimizerConfig::adam(cfg.qat_lr),
            seed: cfg.seed + 1,
            ..cfg.train.clone()
        },
        Task::classification(classes as usize),
    )?;
    let loss = Task::classification(classes as usize).loss_fn(vs.device());
    qt.fit_callbacks(
        &model,
        &mut vs,
        train,
        None,
        |o, b| loss.compute(o, &b.y, b.mask.as_ref()),
        &mut [&mut qat],
    )?;
    let qat4_accuracy = accuracy(test, &run)?;
    let w = quantize_weights(&vs, &ptq(4))?;
    save_quantized(&dir("fp32"), &dir("qat4"), &vs, &w, "qat")?;

    Ok(TaskResult {
        task: task.to_string(),
        kind: C::KIND.to_string(),
        params: float.iter().map(|(_, t)| t.numel() as i64).sum(),
        fp32_accuracy,
        majority_accuracy,
        ptq8_accuracy,
        ptq4_accuracy,
        qat4_accuracy,
        int8_accuracy,
        fp32_bytes: file_len(&dir("fp32"))?,
        int8_bytes: file_len(&dir("int8"))?,
        int4_bytes: file_len(&dir("int4"))?,
        fp32_latency_s,
        int8_latency_s,
        torch_ao,
        torch_ao_note,
    })
}
