//! `deepfield-core bench-compress`: core's compression and robustness tools against the PyTorch
//! tools people use, in one command (issue 15, "Benchmarks").
//!
//! * int8 vs `f32` inference latency of an MLP (784→512→512→10, batch 64 MNIST digits, trained
//!   one epoch so accuracies mean something), an LSTM classifier (40→256, 50 steps, batch 32)
//!   and a CNN (32/64/128 filters 3×3 on 28×28 digits, batch 64, trained one epoch too):
//!   `core::quant`'s int8 models
//!   (`_int_mm` products) against the same models in `f32`;
//! * the same weights (exported through safetensors) in PyTorch eager, `f32` and torch.ao's
//!   `quantize_dynamic({Linear, LSTM}, qint8)` (`core/bench/bench_compress.py`): latency and
//!   agreement of the outputs (and MNIST accuracy of the MLP);
//! * PGD-10 (L∞, ε = 8/255, step 2/255, no random start) throughput in images/s of
//!   `core::robust` against torchattacks' `PGD` on the same CNN weights and inputs, and the
//!   agreement of the adversarial examples.
//!
//! Every timing is the median of repeated calls within `--seconds`, at one thread and at the
//! machine's thread count, both sides in turn. Results go to `--out` (default
//! `results/bench-compress/`): `results.json` and `report.md`.

#[path = "bench_compress_report.rs"]
mod report;

use std::path::{Path, PathBuf};

use deepfield_core::data::mnist::{self, Dataset, Split};
use deepfield_core::data::TensorDataset;
use deepfield_core::nn::cnn::{
    CnnClassifier, CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, GlobalPool, PoolConfig,
};
use deepfield_core::nn::mlp::{Mlp, MlpConfig};
use deepfield_core::nn::rnn::{
    Cell, Pooling, RnnConfig, SequenceClassifier, SequenceClassifierConfig,
};
use deepfield_core::profile::latency::{measure, LatencyOptions};
use deepfield_core::quant::int8_conv::Int8Cnn;
use deepfield_core::quant::int8_models::{Int8Mlp, Int8SequenceClassifier};
use deepfield_core::robust::{AttackConfig, Method};
use deepfield_core::tch::{self, nn::VarStore, Device, Kind, Tensor};
use deepfield_core::train::{OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::{Error, Forward, Result};

#[cfg(test)]
use report::Agreement;
pub use report::ThreadRun;

/// Model sizes (the bench's; the tests use smaller ones).
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub mlp_hidden: i64,
    pub batch: i64,
    pub lstm_input: i64,
    pub lstm_hidden: i64,
    pub lstm_steps: i64,
    pub lstm_batch: i64,
    pub cnn_width: i64,
    /// MNIST images for the MLP's one training epoch and its accuracy.
    pub train: i64,
    pub test: i64,
}

impl Sizes {
    pub fn bench() -> Self {
        Sizes {
            mlp_hidden: 512,
            batch: 64,
            lstm_input: 40,
            lstm_hidden: 256,
            lstm_steps: 50,
            lstm_batch: 32,
            cnn_width: 32,
            train: 10_000,
            test: 2_000,
        }
    }
}

/// The three models in `f32`, their int8 twins, and their inputs.
pub struct Models {
    pub vs_mlp: VarStore,
    pub mlp: Mlp,
    pub vs_lstm: VarStore,
    pub lstm: SequenceClassifier,
    pub vs_cnn: VarStore,
    pub cnn: CnnClassifier,
    pub q_mlp: Int8Mlp,
    pub q_lstm: Int8SequenceClassifier,
    pub q_cnn: Int8Cnn,
    /// MNIST digits `[batch, 1, 28, 28]` (MLP and CNN latency, attack inputs).
    pub images: Tensor,
    /// MNIST test digits and labels for the MLP's accuracy.
    pub test_x: Tensor,
    pub test_y: Tensor,
    /// Sequences `[lstm_batch, steps, input]`, standard normal.
    pub seqs: Tensor,
}

fn mlp_config(s: &Sizes) -> MlpConfig {
    MlpConfig::new(784, [s.mlp_hidden, s.mlp_hidden], 10)
}

fn first(t: &Tensor, n: i64) -> Tensor {
    t.narrow(0, 0, n.min(t.size()[0]))
}

/// One epoch of Adam on MNIST digits, so that accuracies and attacks mean something.
fn fit<M: Forward>(model: &M, vs: &mut VarStore, x: &Tensor, y: &Tensor) -> Result<()> {
    let data = TensorDataset::new(x.shallow_clone(), y.shallow_clone())?;
    let cfg = TrainConfig {
        epochs: 1,
        batch_size: 128,
        optimizer: OptimizerConfig::adam(1e-3),
        progress: false,
        ..Default::default()
    };
    Trainer::new(cfg, Task::classification(10))?.fit(model, vs, &data, None)?;
    Ok(())
}

impl Models {
    /// Build (and train the MLP and the CNN one epoch on MNIST) under seed 0.
    pub fn new(s: &Sizes) -> Result<Self> {
        deepfield_core::seed(0);
        let dev = Device::Cpu;
        let train = mnist::load_default(Dataset::Mnist, Split::Train)?;
        let test = mnist::load_default(Dataset::Mnist, Split::Test)?;
        let mut vs_mlp = VarStore::new(dev);
        let mlp_cfg = mlp_config(s);
        let mlp = mlp_cfg.init(&vs_mlp.root())?;
        let (train_x, train_y) = (first(&train.images, s.train), first(&train.labels, s.train));
        fit(&mlp, &mut vs_mlp, &train_x.flatten(1, -1), &train_y)?;

        let vs_lstm = VarStore::new(dev);
        let lstm_cfg = SequenceClassifierConfig {
            rnn: RnnConfig::new(Cell::Lstm, s.lstm_input, s.lstm_hidden, false),
            pooling: Pooling::Last,
            head_hidden: vec![],
            output: 10,
            ..Default::default()
        };
        let lstm = lstm_cfg.init(&vs_lstm.root())?;

        let mut vs_cnn = VarStore::new(dev);
        let w = s.cnn_width;
        let cnn_cfg = CnnClassifierConfig {
            stack: ConvStackConfig {
                dims: 2,
                input: 1,
                blocks: vec![
                    ConvBlockConfig::new(w, 3).with_pool(PoolConfig::max(2)),
                    ConvBlockConfig::new(2 * w, 3).with_pool(PoolConfig::max(2)),
                    ConvBlockConfig::new(4 * w, 3),
                ],
            },
            global_pool: GlobalPool::Max,
            head_hidden: vec![4 * w],
            output: 10,
            ..Default::default()
        };
        let cnn = cnn_cfg.init(&vs_cnn.root())?;
        fit(&cnn, &mut vs_cnn, &train_x, &train_y)?;
        Ok(Models {
            q_mlp: Int8Mlp::from_vs(&vs_mlp, "", &mlp_cfg)?,
            q_lstm: Int8SequenceClassifier::from_vs(&vs_lstm, &lstm_cfg)?,
            q_cnn: Int8Cnn::from_vs(&vs_cnn, &cnn_cfg)?,
            vs_mlp,
            mlp,
            vs_lstm,
            lstm,
            vs_cnn,
            cnn,
            images: first(&test.images, s.batch),
            test_x: first(&test.images, s.test).flatten(1, -1),
            test_y: first(&test.labels, s.test),
            seqs: Tensor::randn(
                [s.lstm_batch, s.lstm_steps, s.lstm_input],
                (Kind::Float, dev),
            ),
        })
    }

    /// `(model, f32 output, int8 output)` of the three models on their latency inputs.
    pub fn outputs(&self) -> Result<Vec<(&'static str, Tensor, Tensor)>> {
        let x = self.images.flatten(1, -1);
        tch::no_grad(|| {
            Ok(vec![
                (
                    "mlp",
                    self.mlp.try_forward_t(&x, None, false)?,
                    self.q_mlp.forward(&x)?,
                ),
                (
                    "lstm",
                    self.lstm.try_forward_t(&self.seqs, None, false)?,
                    self.q_lstm.forward(&self.seqs)?,
                ),
                (
                    "cnn",
                    self.cnn.try_forward_t(&self.images, None, false)?,
                    self.q_cnn.forward(&self.images)?,
                ),
            ])
        })
    }

    /// The CNN's own predictions on the attack inputs (the labels PGD attacks).
    pub fn attack_labels(&self) -> Result<Tensor> {
        tch::no_grad(|| {
            Ok(self
                .cnn
                .try_forward_t(&self.images, None, false)?
                .argmax(-1, false))
        })
    }

    /// PGD-10 adversarial examples of the attack inputs.
    pub fn pgd(&self, labels: &Tensor) -> Result<Tensor> {
        let f = deepfield_core::robust::forward_fn(&self.cnn, None);
        attack_config().perturb(&f, &self.images, labels)
    }
}

/// PGD-10, L∞, ε = 8/255, step 2/255, no random start (deterministic: both tools must give the
/// same examples).
pub fn attack_config() -> AttackConfig {
    AttackConfig {
        alpha: Some(2.0 / 255.0),
        random_start: false,
        ..AttackConfig::new(Method::Pgd, 8.0 / 255.0, 10)
    }
}

fn latency(seconds: f64, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let opts = LatencyOptions {
        warmup: 2,
        min_runs: 5,
        budget_s: seconds,
        max_runs: 10_000,
    };
    Ok(tch::no_grad(|| measure(&opts, &mut f))?.median_s)
}

/// `(model, f32 seconds, int8 seconds)` per model.
type Timings = Vec<(String, f64, f64)>;

/// Deepfield's side at the current thread count: `f32` and int8 latency (seconds) per model,
/// and PGD-10 images/s.
fn measure_ours(m: &Models, seconds: f64) -> Result<(Timings, f64)> {
    let x = m.images.flatten(1, -1);
    let run = |r: Result<Tensor>| r.map(|_| ());
    let rows = vec![
        (
            "mlp".to_string(),
            latency(seconds, || run(m.mlp.try_forward_t(&x, None, false)))?,
            latency(seconds, || run(m.q_mlp.forward(&x)))?,
        ),
        (
            "lstm".to_string(),
            latency(seconds, || run(m.lstm.try_forward_t(&m.seqs, None, false)))?,
            latency(seconds, || run(m.q_lstm.forward(&m.seqs)))?,
        ),
        (
            "cnn".to_string(),
            latency(seconds, || run(m.cnn.try_forward_t(&m.images, None, false)))?,
            latency(seconds, || run(m.q_cnn.forward(&m.images)))?,
        ),
    ];
    let labels = m.attack_labels()?;
    // The attack takes gradients itself: time it outside `no_grad`.
    let opts = LatencyOptions {
        warmup: 1,
        min_runs: 3,
        budget_s: seconds,
        max_runs: 10_000,
    };
    let pgd = measure(&opts, || m.pgd(&labels).map(|_| ()))?.median_s;
    Ok((rows, m.images.size()[0] as f64 / pgd))
}

/// The bench's arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// One libtorch thread count; default: 1 and the machine's thread count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seconds of timing per model and side.
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
    /// Python with torch, safetensors and torchattacks (default: DEEPFIELD_PYTHON).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Results folder.
    #[arg(long, default_value = "results/bench-compress")]
    pub out: PathBuf,
}

const SCRIPT: &str = include_str!("../../../bench/bench_compress.py");

/// Run the PyTorch twin at `threads`; its JSON line, and its outputs.
fn run_twin(python: &Path, dir: &Path, threads: usize, seconds: f64) -> Result<serde_json::Value> {
    let script = dir.join("bench_compress.py");
    let mut cmd = std::process::Command::new(python);
    cmd.arg(&script)
        .arg(dir)
        .args(["--threads", &threads.to_string()])
        .args(["--seconds", &seconds.to_string()])
        .env("OMP_NUM_THREADS", threads.to_string());
    deepfield_core::allocator::configure_child(&mut cmd);
    let out = cmd.output().map_err(|e| Error::io(python, e))?;
    if !out.status.success() {
        return Err(Error::config(format!(
            "bench_compress.py failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("")).map_err(|source| Error::Json {
        context: "bench_compress.py's output".into(),
        source,
    })
}

/// Write the weights, inputs and sizes the twin reads into `dir`.
fn export(m: &Models, s: &Sizes, dir: &Path) -> Result<()> {
    std::fs::write(dir.join("bench_compress.py"), SCRIPT)
        .map_err(|e| Error::io(dir.join("bench_compress.py"), e))?;
    let mut named: Vec<(String, Tensor)> = Vec::new();
    for (prefix, vs) in [("mlp", &m.vs_mlp), ("lstm", &m.vs_lstm), ("cnn", &m.vs_cnn)] {
        for (k, v) in vs.variables() {
            named.push((format!("{prefix}.{k}"), v.detach()));
        }
    }
    named.push(("images".into(), m.images.shallow_clone()));
    named.push(("test_x".into(), m.test_x.shallow_clone()));
    named.push(("test_y".into(), m.test_y.shallow_clone()));
    named.push(("seqs".into(), m.seqs.shallow_clone()));
    named.push(("attack_labels".into(), m.attack_labels()?));
    let refs: Vec<(&str, &Tensor)> = named.iter().map(|(k, v)| (k.as_str(), v)).collect();
    deepfield_core::checkpoint::write_tensors(&dir.join("inputs.safetensors"), &refs)?;
    let sizes = serde_json::json!({
        "mlp_hidden": s.mlp_hidden,
        "lstm_input": s.lstm_input,
        "lstm_hidden": s.lstm_hidden,
        "cnn_width": s.cnn_width,
        "eps": 8.0 / 255.0, "alpha": 2.0 / 255.0, "steps": 10,
    });
    deepfield_core::fsutil::write_json(&dir.join("sizes.json"), &sizes)
}

/// The whole bench.
pub fn run(args: &Args) -> Result<()> {
    let python = args
        .python
        .clone()
        .or_else(deepfield_core::python::interpreter)
        .ok_or_else(|| {
            Error::config("bench-compress: no Python: pass --python or set DEEPFIELD_PYTHON (torch, safetensors, torchattacks)")
        })?;
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads: Vec<usize> = match args.threads {
        Some(t) => vec![t],
        None if all > 1 => vec![1, all],
        None => vec![1],
    };
    let sizes = Sizes::bench();
    eprintln!("bench-compress: building the models (the MLP and the CNN train one epoch on MNIST)");
    let m = Models::new(&sizes)?;
    let tmp = tempfile::tempdir().map_err(|e| Error::io(Path::new("tempdir"), e))?;
    export(&m, &sizes, tmp.path())?;
    let mut runs = Vec::new();
    let mut twin_outputs = None;
    for &t in &threads {
        deepfield_core::device::set_threads(t);
        eprintln!("bench-compress: {t} thread(s): deepfield");
        let (ours, pgd) = measure_ours(&m, args.seconds)?;
        eprintln!("bench-compress: {t} thread(s): PyTorch (f32, torch.ao, torchattacks)");
        let theirs = run_twin(&python, tmp.path(), t, args.seconds)?;
        if twin_outputs.is_none() {
            twin_outputs = Some(deepfield_core::checkpoint::read_tensors(
                &tmp.path().join("outputs.safetensors"),
            )?);
        }
        runs.push(ThreadRun::new(t, &ours, pgd, &theirs)?);
    }
    let twin = twin_outputs.unwrap_or_default();
    let agreement = report::agreement(&m, &twin)?;
    report::print(&runs, &agreement);
    report::write(&args.out, &runs, &agreement)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bench's compute paths, at small sizes: each int8 model follows its `f32` model, and
    /// PGD-10 changes the CNN's predictions while staying in the ε-ball and in [0, 1].
    #[test]
    fn bench_models_agree_with_f32() {
        let s = Sizes {
            mlp_hidden: 64,
            batch: 16,
            lstm_input: 8,
            lstm_hidden: 32,
            lstm_steps: 12,
            lstm_batch: 4,
            cnn_width: 8,
            train: 8_000,
            test: 500,
        };
        let m = Models::new(&s).unwrap();
        for (name, fp, q) in m.outputs().unwrap() {
            let agree = Agreement::of(&fp, &q);
            assert!(
                agree.rel_max_err > 0.0 && agree.rel_max_err < 0.05,
                "{name}: {agree:?}"
            );
            if name == "mlp" {
                // The trained model: int8 keeps its decisions (the untrained ones' logits are
                // too close to each other for arg-max agreement to mean much).
                assert!(agree.top1 >= 0.9, "{name}: {agree:?}");
            }
        }
        let acc = |logits: Tensor| {
            logits
                .argmax(-1, false)
                .eq_tensor(&m.test_y)
                .to_kind(Kind::Float)
                .mean(Kind::Float)
                .double_value(&[])
        };
        let fp = acc(m.mlp.predict(&m.test_x, None));
        let q = acc(tch::no_grad(|| m.q_mlp.forward(&m.test_x)).unwrap());
        assert!(fp > 0.7, "the MLP must learn in its one epoch: {fp}");
        assert!((fp - q).abs() <= 0.01, "f32 {fp} vs int8 {q}");
        let labels = m.attack_labels().unwrap();
        let adv = m.pgd(&labels).unwrap();
        let d = (&adv - &m.images).abs().max().double_value(&[]);
        assert!(d <= 8.0 / 255.0 + 1e-6 && d > 1.0 / 255.0, "{d}");
        assert!(adv.min().double_value(&[]) >= 0.0 && adv.max().double_value(&[]) <= 1.0);
        let flipped = m
            .cnn
            .predict(&adv, None)
            .argmax(-1, false)
            .ne_tensor(&labels)
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[]);
        let loss = |x: &Tensor| {
            m.cnn
                .predict(x, None)
                .cross_entropy_for_logits(&labels)
                .double_value(&[])
        };
        let (clean, attacked) = (loss(&m.images), loss(&adv));
        // The small, briefly trained CNN is unsure (clean loss ≈ 1.9 against its own
        // predictions), PGD-10 flips ≈ 30% of them.
        assert!(
            attacked > clean,
            "PGD-10 must raise the loss: {clean} → {attacked}"
        );
        assert!(
            flipped > 0.1,
            "PGD-10 flipped only {flipped} of the predictions"
        );
    }
}
