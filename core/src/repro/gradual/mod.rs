//! `gradual-pruning`: "To prune, or not to prune: exploring the efficacy of pruning for model
//! compression", Zhu & Gupta, 2017 (arXiv:1710.01878).
//!
//! **Reproduced:** the central claim, large-sparse beats small-dense at an equal number of
//! non-zero parameters. Each task trains a dense large model, the same model pruned gradually
//! to 50/75/90/95 % sparsity during training (layer-wise magnitude pruning, the cubic schedule
//! of eq. 1, masks re-applied after every step: [`crate::prune`]), and a dense model whose width
//! is scaled so its parameter count equals the large-sparse model's non-zeros, all with the
//! same training budget. Tasks: a CNN on MNIST (and Fashion-MNIST when configured) and a
//! character-level LSTM language model on tiny_shakespeare (perplexity).
//!
//! **Differs:** the paper's models are InceptionV3/MobileNet on ImageNet, and a 2-layer
//! 1500-unit LSTM on the Penn Treebank word task; here the models and budgets are small enough
//! for a CPU (see the config), so absolute numbers are not the paper's. Pruning starts at
//! `prune_begin` and ends at `prune_end` of the training steps, every `frequency` steps (the
//! paper: Δt of 100–1000 steps over a long run; its released code defaults to 10).

pub mod report;
pub mod tasks;

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;

use super::typed::{Experiment, MetricRow};
use super::{catalog, model_dir, others_dir, ReproOptions};
use crate::data::mnist::Dataset;
use crate::data::TensorDataset;
use crate::prune::export::{nonzeros, save_as};
use crate::prune::{select::select, GradualConfig, Masks, Method, PruneCallback};
use crate::{ensure_config, Error, Forward, Result};
use tasks::{build_cnn, scale_for, score, train, CnnTask, LmTask};

/// The reproduction's id.
pub const ID: &str = "gradual-pruning";

/// The CNN weights pruned: all but the first convolution's (9 weights per channel, under 1 %
/// of the model; pruning it to the same sparsity as the rest leaves one or two weights per
/// filter).
pub const CNN_LAYERS: &str = "blocks.1.*,blocks.2.*,head.*";

/// The run's config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradualPruningConfig {
    /// Final sparsities of the large-sparse models.
    pub sparsities: Vec<f64>,
    /// CNN tasks.
    pub cnn: Vec<CnnTask>,
    /// The character LM task (none: skipped).
    pub lm: Option<LmTask>,
    /// Pruning starts at this fraction of the training steps…
    pub prune_begin: f64,
    /// …and reaches the final sparsity at this fraction; the rest recovers.
    pub prune_end: f64,
    /// Δt: optimizer steps between prunings.
    pub frequency: usize,
    /// How weights are chosen (the paper: per layer, by magnitude).
    pub method: Method,
    /// The pruned variables of the CNN tasks (comma-separated globs; none: every weight of
    /// rank >= 2).
    pub cnn_layers: Option<String>,
}

impl Default for GradualPruningConfig {
    fn default() -> Self {
        GradualPruningConfig {
            sparsities: vec![0.5, 0.75, 0.9, 0.95],
            cnn: vec![
                CnnTask::default(),
                CnnTask {
                    dataset: Dataset::FashionMnist,
                    ..Default::default()
                },
            ],
            lm: Some(LmTask::default()),
            prune_begin: 0.1,
            prune_end: 0.5,
            frequency: 20,
            method: Method::L1,
            cnn_layers: Some(CNN_LAYERS.to_string()),
        }
    }
}

impl GradualPruningConfig {
    /// The quick run of the tests: the CNN on 4,000 MNIST images and a small LM, at 90 %.
    pub fn quick() -> Self {
        GradualPruningConfig {
            sparsities: vec![0.9],
            cnn: vec![CnnTask {
                train_images: 4_000,
                test_images: 1_000,
                ..Default::default()
            }],
            lm: Some(LmTask {
                embedding: 16,
                hidden: 96,
                seq_len: 32,
                train_chars: 40_000,
                val_chars: 8_000,
                epochs: 2,
                ..Default::default()
            }),
            frequency: 5,
            ..Default::default()
        }
    }

    /// Sparsities in `[0, 1)`, a schedule window inside the run, Δt ≥ 1, some task.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(!self.sparsities.is_empty(), "{ID}: no sparsities");
        for &s in &self.sparsities {
            crate::prune::magnitude::check_sparsity(s)?;
        }
        ensure_config!(
            0.0 <= self.prune_begin && self.prune_begin < self.prune_end && self.prune_end <= 1.0,
            "{ID}: need 0 <= prune_begin < prune_end <= 1, got {} and {}",
            self.prune_begin,
            self.prune_end
        );
        ensure_config!(self.frequency >= 1, "{ID}: frequency must be >= 1 step");
        ensure_config!(
            !self.cnn.is_empty() || self.lm.is_some(),
            "{ID}: no task (give a cnn task or an lm)"
        );
        for t in &self.cnn {
            ensure_config!(
                t.epochs >= 1 && t.batch_size >= 1 && !t.channels.is_empty(),
                "{ID}: a cnn task needs epochs, batch_size and channels"
            );
        }
        if let Some(l) = &self.lm {
            ensure_config!(
                l.epochs >= 1 && l.batch_size >= 1 && l.hidden >= 1 && l.seq_len >= 2,
                "{ID}: the lm task needs epochs, batch_size, hidden and seq_len >= 2"
            );
        }
        self.method.validate()
    }

    /// The schedule for a run of `total` optimizer steps ending at `sparsity`.
    pub fn schedule(&self, total: usize, sparsity: f64) -> GradualConfig {
        let begin = (self.prune_begin * total as f64).round() as usize;
        let span = (((self.prune_end - self.prune_begin) * total as f64).round() as usize).max(1);
        let frequency = self.frequency.min(span).max(1);
        GradualConfig::ramp(sparsity, begin, frequency, (span / frequency).max(1))
    }
}

/// One trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    /// `dense`, `large_sparse` or `small_dense`.
    pub arm: String,
    /// Final sparsity of the large-sparse model this arm belongs to (0 for dense).
    pub sparsity: f64,
    /// Non-zero values of the whole model (weights and biases).
    pub nonzeros: i64,
    /// All values of the model.
    pub params: i64,
    /// Width relative to the large model.
    pub width_scale: f64,
    /// Test accuracy (%) or validation perplexity.
    pub score: f64,
    /// Training time.
    pub seconds: f64,
}

/// One task's arms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub task: String,
    /// `accuracy_pct` or `perplexity`.
    pub metric: String,
    pub higher_is_better: bool,
    pub dense: Arm,
    pub large_sparse: Vec<Arm>,
    pub small_dense: Vec<Arm>,
}

/// The goal at 90 % sparsity for one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub task: String,
    pub sparsity: f64,
    pub dense: f64,
    pub large_sparse: f64,
    pub small_dense: f64,
    /// Points of accuracy lost, or % perplexity gained, against dense.
    pub loss_vs_dense: f64,
    /// 1 point, or 2 %.
    pub tolerance: f64,
    pub within_tolerance: bool,
    pub beats_small_dense: bool,
    pub met: bool,
}

/// `metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradualMetrics {
    pub tasks: Vec<TaskResult>,
    pub goal: Vec<Goal>,
}

/// The reproduction.
pub struct GradualPruning;

/// Builds a task's model at a width scale under a path.
type Builder<'a> = &'a dyn Fn(f64, &tch::nn::Path) -> Result<Box<dyn Forward>>;

/// What one task trains and how it is scored.
struct TaskSpec<'a> {
    name: String,
    perplexity: bool,
    train: TensorDataset,
    test: TensorDataset,
    epochs: usize,
    batch_size: usize,
    lr: f64,
    layers: Option<String>,
    build: Builder<'a>,
}

/// What a trained arm leaves for saving.
struct Trained {
    arm: Arm,
    vs: VarStore,
    masks: Option<Masks>,
}

fn run_arm(
    spec: &TaskSpec<'_>,
    cfg: &GradualPruningConfig,
    arm: &str,
    scale: f64,
    sparsity: f64,
    seed: u64,
) -> Result<Trained> {
    crate::seed(seed);
    let mut vs = VarStore::new(crate::device());
    let model = (spec.build)(scale, &vs.root())?;
    let start = Instant::now();
    let mut prune = if arm == "large_sparse" {
        let steps_per_epoch = spec.train.len().div_ceil(spec.batch_size);
        let schedule = cfg.schedule(steps_per_epoch * spec.epochs, sparsity);
        let names = select(&vs, spec.layers.as_deref())?;
        Some(PruneCallback::gradual(&vs, names, cfg.method, schedule)?)
    } else {
        None
    };
    train(
        &model,
        &mut vs,
        &spec.train,
        (spec.epochs, spec.batch_size, spec.lr, seed),
        prune.as_mut(),
    )?;
    let masks = prune.map(|p| p.masks);
    let seconds = start.elapsed().as_secs_f64();
    let (params, nz) = nonzeros(&vs);
    let s = score(&model, &spec.test, spec.perplexity)?;
    Ok(Trained {
        arm: Arm {
            arm: arm.to_string(),
            sparsity,
            nonzeros: nz,
            params,
            width_scale: scale,
            score: s,
            seconds,
        },
        vs,
        masks,
    })
}

/// Dense, then large-sparse and small-dense at each sparsity; `keep` sees every trained arm.
fn run_task(
    spec: &TaskSpec<'_>,
    cfg: &GradualPruningConfig,
    seed: u64,
    keep: &mut dyn FnMut(&Trained) -> Result<()>,
) -> Result<TaskResult> {
    let dense = run_arm(spec, cfg, "dense", 1.0, 0.0, seed)?;
    keep(&dense)?;
    let mut large = Vec::new();
    let mut small = Vec::new();
    for &s in &cfg.sparsities {
        let ls = run_arm(spec, cfg, "large_sparse", 1.0, s, seed)?;
        keep(&ls)?;
        let scale = scale_for(&|sc, p| (spec.build)(sc, p).map(|_| ()), ls.arm.nonzeros)?;
        let sd = run_arm(spec, cfg, "small_dense", scale, s, seed)?;
        keep(&sd)?;
        eprintln!(
            "{}: s={s:.2} large-sparse {:.3} ({} nz) vs small-dense {:.3} ({} params); dense {:.3}",
            spec.name, ls.arm.score, ls.arm.nonzeros, sd.arm.score, sd.arm.params, dense.arm.score
        );
        large.push(ls.arm);
        small.push(sd.arm);
    }
    Ok(TaskResult {
        task: spec.name.clone(),
        metric: if spec.perplexity {
            "perplexity"
        } else {
            "accuracy_pct"
        }
        .into(),
        higher_is_better: !spec.perplexity,
        dense: dense.arm,
        large_sparse: large,
        small_dense: small,
    })
}

/// The goal at 90 % for each task that ran it.
pub fn goals(tasks: &[TaskResult]) -> Vec<Goal> {
    tasks
        .iter()
        .filter_map(|t| {
            let i = t
                .large_sparse
                .iter()
                .position(|a| (a.sparsity - 0.9).abs() < 1e-9)?;
            let (d, ls, sd) = (
                t.dense.score,
                t.large_sparse[i].score,
                t.small_dense[i].score,
            );
            let (loss, tol, beats) = if t.higher_is_better {
                (d - ls, 1.0, ls > sd)
            } else {
                (100.0 * (ls - d) / d, 2.0, ls < sd)
            };
            Some(Goal {
                task: t.task.clone(),
                sparsity: 0.9,
                dense: d,
                large_sparse: ls,
                small_dense: sd,
                loss_vs_dense: loss,
                tolerance: tol,
                within_tolerance: loss <= tol,
                beats_small_dense: beats,
                met: loss <= tol && beats,
            })
        })
        .collect()
}

fn dataset_name(d: Dataset) -> &'static str {
    match d {
        Dataset::Mnist => "mnist_cnn",
        Dataset::FashionMnist => "fashion_mnist_cnn",
    }
}

impl Experiment for GradualPruning {
    type Config = GradualPruningConfig;
    type Metrics = GradualMetrics;

    fn id(&self) -> &'static str {
        ID
    }

    fn description(&self) -> &'static str {
        catalog::describe(super::REPRODUCTIONS, ID)
    }

    fn config(&self, opts: &ReproOptions) -> Result<GradualPruningConfig> {
        let c = if opts.quick {
            GradualPruningConfig::quick()
        } else {
            GradualPruningConfig::default()
        };
        c.validate()?;
        Ok(c)
    }

    fn validate(&self, cfg: &GradualPruningConfig) -> Result<()> {
        cfg.validate()
    }

    fn execute(&self, cfg: &GradualPruningConfig, opts: &ReproOptions) -> Result<GradualMetrics> {
        let out = &opts.out;
        let data_root = match &opts.data {
            Some(d) => d.clone(),
            None => crate::data::data_dir()?,
        };
        let mut results = Vec::new();
        let mut provenance = Vec::new();
        for (k, task) in cfg.cnn.iter().enumerate() {
            let (train_ds, test_ds) = task.data(&data_root)?;
            provenance.push(opts.dataset(&task.dataset.spec())?);
            let build: Builder<'_> = &|s, p| build_cnn(task, s, p);
            let spec = TaskSpec {
                name: dataset_name(task.dataset).to_string(),
                perplexity: false,
                train: train_ds,
                test: test_ds,
                epochs: task.epochs,
                batch_size: task.batch_size,
                lr: task.lr,
                layers: cfg.cnn_layers.clone(),
                build,
            };
            let headline = k == 0;
            let mut keep = |t: &Trained| -> Result<()> {
                let key = format!(
                    "{}-{}-{:02}",
                    spec.name,
                    t.arm.arm,
                    (100.0 * t.arm.sparsity).round()
                );
                let is_head =
                    headline && t.arm.arm == "large_sparse" && (t.arm.sparsity - 0.9).abs() < 1e-9;
                let dir = if is_head {
                    model_dir(out)
                } else {
                    others_dir(out, &key)
                };
                let config =
                    serde_json::to_value(task.config(t.arm.width_scale)).map_err(|source| {
                        Error::Json {
                            context: "cnn config".into(),
                            source,
                        }
                    })?;
                save_as(&dir, &t.vs, "cnn", &config)?;
                if let Some(m) = &t.masks {
                    m.save(&Masks::path_in(&dir))?;
                }
                Ok(())
            };
            results.push(run_task(&spec, cfg, opts.seed, &mut keep)?);
        }
        if let Some(lm) = &cfg.lm {
            let (train_ds, val_ds, vocab) = lm.data(&data_root)?;
            provenance.push(opts.dataset(&tasks::SHAKESPEARE)?);
            let build: Builder<'_> = &|s, p| Ok(Box::new(lm.build(s, vocab, p)));
            let spec = TaskSpec {
                name: "shakespeare_char_lstm".into(),
                perplexity: true,
                train: train_ds,
                test: val_ds,
                epochs: lm.epochs,
                batch_size: lm.batch_size,
                lr: lm.lr,
                layers: None,
                build,
            };
            let mut keep = |t: &Trained| -> Result<()> {
                if t.arm.arm == "large_sparse" && (t.arm.sparsity - 0.9).abs() < 1e-9 {
                    let dir = others_dir(out, "shakespeare_char_lstm-large_sparse-90");
                    let (e, h) = lm.widths(t.arm.width_scale);
                    let saved = serde_json::json!({"model": "char_lstm_lm", "embedding": e, "hidden": h, "vocab": vocab, "seq_len": lm.seq_len});
                    crate::checkpoint::save(&dir, &t.vs, &saved, None::<&()>)?;
                    if let Some(m) = &t.masks {
                        m.save(&Masks::path_in(&dir))?;
                    }
                }
                Ok(())
            };
            results.push(run_task(&spec, cfg, opts.seed, &mut keep)?);
        }
        let metrics = GradualMetrics {
            goal: goals(&results),
            tasks: results,
        };
        report::write(cfg, &metrics, &provenance, out)?;
        Ok(metrics)
    }

    fn metric_rows(&self, m: &GradualMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for t in &m.tasks {
            let arms = std::iter::once(&t.dense)
                .chain(&t.large_sparse)
                .chain(&t.small_dense);
            for a in arms {
                let model = format!("{}/{}", t.task, a.arm);
                let fold = format!("s={:.2}", a.sparsity);
                rows.push(MetricRow::new(&model, &fold, &t.metric, a.score));
                rows.push(MetricRow::new(&model, &fold, "nonzeros", a.nonzeros as f64));
            }
        }
        for g in &m.goal {
            rows.push(MetricRow::new(
                &g.task,
                "s=0.90",
                "goal_met",
                if g.met { 1.0 } else { 0.0 },
            ));
        }
        rows
    }
}
