//! `quantization`: PTQ and QAT at 8 and 4 bits, and real int8 inference, on an MNIST CNN, an
//! MNIST MLP and a next-character LSTM on tiny Shakespeare, beside torch.ao's dynamic
//! quantization of the same weights.
//!
//! Seed paper: Gholami et al. (2021), "A Survey of Quantization Methods for Efficient Neural
//! Network Inference". The survey reports no single benchmark of its own; it sets the goals
//! checked here from the literature it reviews: 8-bit quantization costs well under a point of
//! accuracy, 4-bit needs QAT, int8 files are ~4× smaller and int8 kernels faster.
//!
//! Goals (issue 15): int8 ≤ 0.5 point drop; files ≥ 3.5× smaller; int8 ≥ 1.5× faster than
//! `f32` on the linear and LSTM models (one thread); 4-bit QAT ≤ 1.5 point drop.
//!
//! What differs: weights only are quantized in PTQ/QAT (activations stay `f32`; the int8 runs
//! quantize them dynamically); the convolutions run in `f32` (tch exposes no quantized
//! convolution kernels), so the CNN has sizes and accuracies but no int8 latency; the issue's
//! spoken-digit BiLSTM and GCN live in the audio and graph crates and are future work; small
//! subsets and few epochs keep a full run within minutes on one CPU thread.

mod tasks;
mod torch_ao;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Tensor;

use crate::data::mnist::{self, Dataset, Digits, Split};
use crate::data::TensorDataset;
use crate::nn::cnn::{
    CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, GlobalPool, PoolConfig,
};
use crate::nn::mlp::MlpConfig;
use crate::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
use crate::quant::int8_models::{Int8Mlp, Int8SequenceClassifier};
use crate::report::{fmt_num, plots, Report, ResultsDir};
use crate::repro::{Experiment, ReproOptions};
use crate::train::{OptimizerConfig, TrainConfig};
use crate::Result;
pub use tasks::{TaskResult, TorchAo};

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuantizationConfig {
    pub seed: u64,
    /// MNIST images used (the first of each split).
    pub mnist_train: i64,
    pub mnist_test: i64,
    pub cnn: CnnClassifierConfig,
    pub mlp: MlpConfig,
    pub lstm: SequenceClassifierConfig,
    /// Characters per LSTM window, and windows for training and testing.
    pub text_window: i64,
    pub text_train: i64,
    pub text_test: i64,
    /// `f32` training of every model.
    pub train: TrainConfig,
    /// QAT fine-tuning epochs and learning rate.
    pub qat_epochs: usize,
    pub qat_lr: f64,
    /// Batch of the latency timings, and seconds per timing.
    pub latency_batch: i64,
    pub latency_budget_s: f64,
    /// Run torch.ao beside (needs DEEPFIELD_PYTHON with torch and safetensors).
    pub torch_ao: bool,
}

impl Default for QuantizationConfig {
    fn default() -> Self {
        let block = |c, pool: bool| {
            let b = ConvBlockConfig::new(c, 3);
            if pool {
                b.with_pool(PoolConfig::max(2))
            } else {
                b
            }
        };
        QuantizationConfig {
            seed: 0,
            mnist_train: 10_000,
            mnist_test: 2_000,
            cnn: CnnClassifierConfig {
                stack: ConvStackConfig {
                    dims: 2,
                    input: 1,
                    blocks: vec![block(16, true), block(32, true), block(64, false)],
                },
                global_pool: GlobalPool::Max,
                head_hidden: vec![64],
                output: 10,
                ..Default::default()
            },
            mlp: MlpConfig::new(784, [512, 512], 10),
            lstm: SequenceClassifierConfig {
                rnn: RnnConfig::new(Cell::Lstm, 65, 128, false),
                pooling: Pooling::Last,
                head_hidden: vec![],
                output: 65,
                ..Default::default()
            },
            text_window: 32,
            text_train: 10_000,
            text_test: 2_000,
            train: TrainConfig {
                epochs: 3,
                batch_size: 64,
                optimizer: OptimizerConfig::adam(2e-3),
                progress: false,
                ..Default::default()
            },
            qat_epochs: 1,
            qat_lr: 2e-4,
            latency_batch: 16,
            latency_budget_s: 1.0,
            torch_ao: true,
        }
    }
}

impl QuantizationConfig {
    /// The quick variant (tests): small subsets, one epoch, short timings.
    pub fn quick(seed: u64) -> Self {
        let mut c = QuantizationConfig {
            seed,
            mnist_train: 4_000,
            mnist_test: 500,
            text_train: 4_000,
            text_test: 500,
            qat_epochs: 1,
            latency_budget_s: 0.05,
            ..Default::default()
        };
        c.mlp = MlpConfig::new(784, [128], 10);
        c.lstm.rnn.hidden = 64;
        c.train.epochs = 3;
        c
    }

    /// Check the sizes.
    pub fn validate(&self) -> Result<()> {
        crate::ensure_config!(
            self.mnist_train > 0
                && self.mnist_test > 0
                && self.text_train > 0
                && self.text_test > 0,
            "quantization: data subsets must be > 0"
        );
        crate::ensure_config!(
            self.latency_batch > 0 && self.qat_epochs > 0 && self.qat_lr > 0.0,
            "quantization: latency_batch, qat_epochs and qat_lr must be > 0"
        );
        self.cnn.validate()?;
        self.mlp.validate()?;
        self.lstm.validate()?;
        self.train.validate()
    }
}

/// One goal, met or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub goal: String,
    pub value: f64,
    pub met: bool,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantizationMetrics {
    pub tasks: Vec<TaskResult>,
    pub goals: Vec<Goal>,
}

/// The reproduction.
pub struct Quantization;

fn digits(d: &Digits, n: i64, flat: bool) -> Result<TensorDataset> {
    let n = n.min(d.labels.size()[0]);
    let x = d.images.narrow(0, 0, n);
    let x = if flat { x.flatten(1, -1) } else { x };
    TensorDataset::new(x, d.labels.narrow(0, 0, n))
}

impl Experiment for Quantization {
    type Config = QuantizationConfig;
    type Metrics = QuantizationMetrics;

    fn id(&self) -> &'static str {
        "quantization"
    }

    fn description(&self) -> &'static str {
        crate::repro::catalog::describe(crate::repro::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> Result<QuantizationConfig> {
        Ok(if opts.quick {
            QuantizationConfig::quick(opts.seed)
        } else {
            QuantizationConfig {
                seed: opts.seed,
                ..Default::default()
            }
        })
    }

    fn validate(&self, cfg: &QuantizationConfig) -> Result<()> {
        cfg.validate()
    }

    fn execute(
        &self,
        cfg: &QuantizationConfig,
        opts: &ReproOptions,
    ) -> Result<QuantizationMetrics> {
        let mnist_dir = opts.dataset(&Dataset::Mnist.spec())?;
        let split = |s: Split| {
            let (images, labels) = mnist::files(&mnist_dir, s);
            mnist::load_files(&images, &labels)
        };
        let (train, test) = (split(Split::Train)?, split(Split::Test)?);
        let text = opts.dataset(&tasks::SHAKESPEARE)?.join("input.txt");
        let (ttr, tte, vocab) = tasks::shakespeare_windows(
            &text,
            cfg.text_window,
            cfg.text_train,
            cfg.text_test,
            cfg.seed,
        )?;
        let mut lstm = cfg.lstm.clone();
        lstm.rnn.input = vocab as i64;
        lstm.output = vocab as i64;
        let out = &opts.out;
        let results = vec![
            tasks::run_task(
                "mnist-cnn",
                &cfg.cnn,
                &digits(&train, cfg.mnist_train, false)?,
                &digits(&test, cfg.mnist_test, false)?,
                cfg,
                out,
                None,
                false,
            )?,
            tasks::run_task(
                "mnist-mlp",
                &cfg.mlp,
                &digits(&train, cfg.mnist_train, true)?,
                &digits(&test, cfg.mnist_test, true)?,
                cfg,
                out,
                Some(int8_mlp),
                true,
            )?,
            tasks::run_task(
                "shakespeare-lstm",
                &lstm,
                &ttr,
                &tte,
                cfg,
                out,
                Some(int8_lstm),
                false,
            )?,
        ];
        let metrics = QuantizationMetrics {
            goals: goals(&results),
            tasks: results,
        };
        let dir = ResultsDir::at(out)?;
        write_plots(&metrics, &dir)?;
        let text_dir = text.parent().map(|p| p.to_path_buf()).unwrap_or_default();
        write_report(cfg, &metrics, &dir, &[mnist_dir, text_dir])?;
        Ok(metrics)
    }
}

/// A model's forward pass as a boxed function.
type BoxedForward = Box<dyn Fn(&Tensor) -> Result<Tensor>>;

fn int8_mlp(vs: &VarStore, c: &MlpConfig) -> Result<BoxedForward> {
    let m = Int8Mlp::from_vs(vs, "", c)?;
    Ok(Box::new(move |x: &Tensor| m.forward(x)))
}

fn int8_lstm(vs: &VarStore, c: &SequenceClassifierConfig) -> Result<BoxedForward> {
    let m = Int8SequenceClassifier::from_vs(vs, c)?;
    Ok(Box::new(move |x: &Tensor| m.forward(x)))
}

fn goals(r: &[TaskResult]) -> Vec<Goal> {
    let pts = |a: f64, b: f64| (a - b) * 100.0;
    let worst = |f: &dyn Fn(&TaskResult) -> Option<f64>| {
        r.iter().filter_map(f).fold(f64::NEG_INFINITY, f64::max)
    };
    let least = |f: &dyn Fn(&TaskResult) -> Option<f64>| {
        r.iter().filter_map(f).fold(f64::INFINITY, f64::min)
    };
    let drop8 = worst(&|t| {
        let d = pts(t.fp32_accuracy, t.ptq8_accuracy);
        Some(
            t.int8_accuracy
                .map_or(d, |a| d.max(pts(t.fp32_accuracy, a))),
        )
    });
    let size = least(&|t| Some(t.fp32_bytes as f64 / t.int8_bytes as f64));
    let speed = least(&|t| t.int8_latency_s.map(|l| t.fp32_latency_s / l));
    let qat = worst(&|t| Some(pts(t.fp32_accuracy, t.qat4_accuracy)));
    vec![
        Goal {
            goal: "int8 accuracy drop <= 0.5 point (worst model)".into(),
            value: drop8,
            met: drop8 <= 0.5,
        },
        Goal {
            goal: "int8 files >= 3.5x smaller (least)".into(),
            value: size,
            met: size >= 3.5,
        },
        Goal {
            goal: "int8 >= 1.5x faster than f32 on MLP and LSTM, 1 thread (least)".into(),
            value: speed,
            met: speed >= 1.5,
        },
        Goal {
            goal: "4-bit QAT accuracy drop <= 1.5 point (worst model)".into(),
            value: qat,
            met: qat <= 1.5,
        },
    ]
}

fn write_plots(m: &QuantizationMetrics, dir: &ResultsDir) -> Result<()> {
    let groups: Vec<String> = m.tasks.iter().map(|t| t.task.clone()).collect();
    let acc = |f: fn(&TaskResult) -> f64| m.tasks.iter().map(|t| 100.0 * f(t)).collect::<Vec<_>>();
    plots::BarChart::new("Test accuracy by quantization (weights)", "accuracy (%)")
        .groups(&groups.iter().map(String::as_str).collect::<Vec<_>>())
        .series("f32", &acc(|t| t.fp32_accuracy))
        .series("PTQ 8-bit", &acc(|t| t.ptq8_accuracy))
        .series("PTQ 4-bit", &acc(|t| t.ptq4_accuracy))
        .series("QAT 4-bit", &acc(|t| t.qat4_accuracy))
        .x_axis("model")
        .render(&dir.file("accuracy.png"))?;
    let lat: Vec<&TaskResult> = m
        .tasks
        .iter()
        .filter(|t| t.int8_latency_s.is_some())
        .collect();
    let names: Vec<&str> = lat.iter().map(|t| t.task.as_str()).collect();
    let ms = |f: &dyn Fn(&TaskResult) -> f64| lat.iter().map(|t| 1e3 * f(t)).collect::<Vec<_>>();
    let mut chart = plots::BarChart::new("One-thread latency per batch", "latency (ms)")
        .groups(&names)
        .series("deepfield f32", &ms(&|t| t.fp32_latency_s))
        .series(
            "deepfield int8",
            &ms(&|t| t.int8_latency_s.unwrap_or(f64::NAN)),
        );
    if lat.iter().all(|t| t.torch_ao.is_some()) {
        chart = chart
            .series(
                "torch f32",
                &ms(&|t| t.torch_ao.as_ref().map_or(f64::NAN, |a| a.fp32_latency_s)),
            )
            .series(
                "torch.ao int8",
                &ms(&|t| t.torch_ao.as_ref().map_or(f64::NAN, |a| a.int8_latency_s)),
            );
    }
    chart.x_axis("model").render(&dir.file("latency.png"))?;
    Ok(())
}

fn write_report(
    cfg: &QuantizationConfig,
    m: &QuantizationMetrics,
    dir: &ResultsDir,
    data: &[std::path::PathBuf],
) -> Result<()> {
    let mut r =
        Report::new("quantization: PTQ, QAT and int8 inference (Gholami et al. 2021 survey)");
    r.para(
        "Each model is trained in f32, then its weights are quantized per output channel \
         (symmetric, min-max): PTQ at 8 and 4 bits, and QAT at 4 bits (fine-tuning from the f32 \
         weights with fake-quantized weights and the straight-through estimator). The MLP and the \
         LSTM also run in real int8 (int8 weights, activations quantized per batch, int8 \
         products through libtorch's `_int_mm`), timed on one thread beside their f32 forward \
         and beside torch.ao's `quantize_dynamic` of the same weights.",
    );
    let p = |v: f64| format!("{:.2}", 100.0 * v);
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("–".to_string(), f);
    let rows: Vec<Vec<String>> = m
        .tasks
        .iter()
        .map(|t| {
            vec![
                t.task.clone(),
                p(t.fp32_accuracy),
                p(t.ptq8_accuracy),
                opt(t.int8_accuracy, &p),
                p(t.ptq4_accuracy),
                p(t.qat4_accuracy),
                opt(t.torch_ao.as_ref().map(|a| a.int8_accuracy), &p),
            ]
        })
        .collect();
    r.heading(2, "Accuracy (%)").table(
        &[
            "model",
            "f32",
            "PTQ 8",
            "int8 run",
            "PTQ 4",
            "QAT 4",
            "torch.ao int8",
        ],
        &rows,
    );
    let ms = |v: f64| format!("{:.3}", 1e3 * v);
    let rows: Vec<Vec<String>> = m
        .tasks
        .iter()
        .map(|t| {
            vec![
                t.task.clone(),
                format!("{}", t.fp32_bytes),
                format!(
                    "{} ({:.2}x)",
                    t.int8_bytes,
                    t.fp32_bytes as f64 / t.int8_bytes as f64
                ),
                format!(
                    "{} ({:.2}x)",
                    t.int4_bytes,
                    t.fp32_bytes as f64 / t.int4_bytes as f64
                ),
                ms(t.fp32_latency_s),
                opt(t.int8_latency_s, &ms),
                opt(t.torch_ao.as_ref().map(|a| a.fp32_latency_s), &ms),
                opt(t.torch_ao.as_ref().map(|a| a.int8_latency_s), &ms),
            ]
        })
        .collect();
    r.heading(
        2,
        format!(
            "Size (bytes of model.safetensors) and latency (ms per batch of {}, one thread)",
            cfg.latency_batch
        )
        .as_str(),
    )
    .table(
        &[
            "model",
            "f32",
            "int8",
            "4-bit",
            "f32 ms",
            "int8 ms",
            "torch f32 ms",
            "torch.ao int8 ms",
        ],
        &rows,
    );
    let notes: Vec<String> = m
        .tasks
        .iter()
        .filter_map(|t| {
            t.torch_ao_note
                .as_ref()
                .map(|n| format!("{}: torch.ao not run — {n}", t.task))
        })
        .collect();
    if !notes.is_empty() {
        r.bullet(&notes);
    }
    r.heading(2, "Goals");
    let goals: Vec<Vec<String>> = m
        .goals
        .iter()
        .map(|g| {
            vec![
                g.goal.clone(),
                fmt_num(g.value),
                if g.met { "met" } else { "not met" }.into(),
            ]
        })
        .collect();
    r.table(&["goal", "value", "status"], &goals);
    r.heading(2, "What differs");
    r.bullet(&[
        "PTQ and QAT quantize weights only; activations are f32 except in the int8 runs (dynamic).".into(),
        "The CNN's convolutions have no int8 kernel through tch, so the CNN has no int8 latency.".into(),
        "The issue's spoken-digit BiLSTM (audio) and GCN (graph) are not run here: future work through the registry.".into(),
        "Subsets of MNIST and of tiny Shakespeare windows and few epochs: a CPU-minutes budget.".into(),
    ]);
    r.image("Accuracy", "accuracy.png")
        .image("Latency", "latency.png");
    for d in data {
        r.provenance(d);
    }
    dir.write_report(&r)?;
    Ok(())
}
