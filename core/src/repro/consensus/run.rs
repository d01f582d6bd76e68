//! The arms of one task: dense, gated (one pass) and magnitude-pruned at the gates' sparsity,
//! each trained for the same epochs; their accuracy, sparsity and training cost.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;

use super::{ConsensusConfig, PAPER_LOSS, PAPER_SPARSITY};
use crate::data::TensorDataset;
use crate::prune::export::{nonzeros, save_as};
use crate::prune::gates::{GateCallback, GateConfig, Granularity};
use crate::prune::select::select;
use crate::prune::{GradualConfig, Masks, Method, PruneCallback};
use crate::repro::gradual::tasks::{build_cnn, score, train_with, CnnTask};
use crate::repro::{model_dir, others_dir, ReproOptions};
use crate::{Error, Result};

/// One trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    /// `dense`, `gated` or `magnitude`.
    pub method: String,
    /// Channel or connection (none for dense).
    pub granularity: Option<Granularity>,
    /// The requested sparsity (0 for dense).
    pub target: f64,
    /// Fraction of the pruned layers' connections removed (the masks' sparsity).
    pub sparsity: f64,
    /// Test accuracy (%).
    pub accuracy: f64,
    /// Training wall time (one thread).
    pub seconds: f64,
    pub epochs: usize,
    /// Optimizer steps.
    pub steps: usize,
    /// Non-zero values of the whole model, and all of them.
    pub nonzeros: i64,
    pub params: i64,
}

impl Arm {
    /// `dense`, `gated-channel-50`, `magnitude-connection-70`…
    pub fn label(&self) -> String {
        match self.granularity {
            None => self.method.clone(),
            Some(g) => format!(
                "{}-{}-{:02}",
                self.method,
                granularity_name(g),
                (100.0 * self.target).round()
            ),
        }
    }
}

/// `channel` or `connection`.
pub fn granularity_name(g: Granularity) -> &'static str {
    match g {
        Granularity::Channel => "channel",
        Granularity::Connection => "connection",
    }
}

/// The gate probabilities of a gated arm at the end of training, in ten bins of width 0.1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateHistogram {
    pub granularity: Granularity,
    pub target: f64,
    pub counts: Vec<usize>,
    /// Fraction of the gates below 0.1 or above 0.9 (every gate starts at σ(init_logit)).
    pub polarized: f64,
}

/// One task's arms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    pub task: String,
    pub dense: Arm,
    /// Gated and magnitude arms, by granularity and target.
    pub arms: Vec<Arm>,
    pub histograms: Vec<GateHistogram>,
}

/// The goal: gated at −50 % connections loses < 1 point against dense.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub task: String,
    pub granularity: Granularity,
    pub dense: f64,
    pub gated: f64,
    pub sparsity_reached: f64,
    pub loss_vs_dense: f64,
    pub magnitude: f64,
    /// Sparsity reached (≥ 49 %) and under 1 point lost.
    pub met: bool,
    pub beats_magnitude: bool,
}

/// What a trained arm leaves for saving.
struct Trained {
    arm: Arm,
    vs: VarStore,
    masks: Option<Masks>,
    probabilities: Vec<f64>,
}

/// How an arm prunes.
enum Plan {
    Dense,
    Gated(GateConfig),
    /// Method, sparsity, layers, fraction of the steps before the one-shot pruning.
    Magnitude(Method, f64, String, f64),
}

fn run_arm(
    task: &CnnTask,
    data: (&TensorDataset, &TensorDataset),
    plan: &Plan,
    seed: u64,
) -> Result<Trained> {
    crate::seed(seed);
    let mut vs = VarStore::new(crate::device());
    let model = build_cnn(task, 1.0, &vs.root())?;
    let steps_per_epoch = data.0.len().div_ceil(task.batch_size);
    let total = steps_per_epoch * task.epochs;
    let start = Instant::now();
    let hp = (task.epochs, task.batch_size, task.lr, seed);
    let (method, granularity, target, masks, probabilities) = match plan {
        Plan::Dense => {
            train_with(&model, &mut vs, data.0, hp, &mut [])?;
            ("dense", None, 0.0, None, Vec::new())
        }
        Plan::Gated(g) => {
            let mut gates = GateCallback::new(&vs, g.clone())?;
            train_with(&model, &mut vs, data.0, hp, &mut [&mut gates])?;
            let p = gates.probabilities()?;
            (
                "gated",
                Some(g.granularity),
                g.sparsity,
                Some(gates.masks()?),
                p,
            )
        }
        Plan::Magnitude(m, s, layers, frac) => {
            let at = ((total as f64 * frac).round() as usize).min(total.saturating_sub(1));
            let schedule = GradualConfig {
                initial_sparsity: *s,
                final_sparsity: *s,
                begin_step: at,
                frequency: 1,
                pruning_steps: 1,
                exponent: 3.0,
            };
            let names = select(&vs, Some(layers.as_str()))?;
            let mut cb = PruneCallback::gradual(&vs, names, *m, schedule)?;
            train_with(&model, &mut vs, data.0, hp, &mut [&mut cb])?;
            let g = match m {
                Method::Channels(_) => Granularity::Channel,
                _ => Granularity::Connection,
            };
            ("magnitude", Some(g), *s, Some(cb.masks), Vec::new())
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let accuracy = score(&model, data.1, false)?;
    let (params, nz) = nonzeros(&vs);
    let sparsity = masks.as_ref().map_or(0.0, |m| weight_sparsity(m, &vs));
    Ok(Trained {
        arm: Arm {
            method: method.into(),
            granularity,
            target,
            sparsity,
            accuracy,
            seconds,
            epochs: task.epochs,
            steps: total,
            nonzeros: nz,
            params,
        },
        vs,
        masks,
        probabilities,
    })
}

/// Sparsity over the masked weights of rank >= 2 (biases and batch norms left out).
fn weight_sparsity(masks: &Masks, vs: &VarStore) -> f64 {
    let vars = vs.variables();
    let (mut total, mut kept) = (0i64, 0i64);
    for (n, m) in masks.iter() {
        if vars.get(n).is_some_and(|v| v.dim() >= 2) {
            total += m.numel() as i64;
            kept += m.count_nonzero(None::<i64>).int64_value(&[]);
        }
    }
    if total == 0 {
        0.0
    } else {
        1.0 - kept as f64 / total as f64
    }
}

fn histogram(p: &[f64], granularity: Granularity, target: f64) -> GateHistogram {
    let mut counts = vec![0usize; 10];
    for v in p {
        counts[((v * 10.0).floor() as usize).min(9)] += 1;
    }
    let polar = p.iter().filter(|v| **v < 0.1 || **v > 0.9).count();
    GateHistogram {
        granularity,
        target,
        counts,
        polarized: polar as f64 / p.len().max(1) as f64,
    }
}

/// The task's name in results.
pub fn task_name(t: &CnnTask) -> &'static str {
    match t.dataset {
        crate::data::mnist::Dataset::Mnist => "mnist_cnn",
        crate::data::mnist::Dataset::FashionMnist => "fashion_mnist_cnn",
    }
}

/// Dense, then per granularity and target the gated arm and magnitude pruning at the
/// sparsity the gates reached; models saved under `opts.out` (the first task's gated channel
/// arm at the first target as `model/`).
pub fn run_task(
    cfg: &ConsensusConfig,
    task: &CnnTask,
    data_root: &Path,
    opts: &ReproOptions,
    headline: bool,
) -> Result<TaskResult> {
    let (train, test) = task.data(data_root)?;
    let name = task_name(task);
    let save = |t: &Trained, head: bool| -> Result<()> {
        let dir = if head {
            model_dir(&opts.out)
        } else {
            others_dir(&opts.out, &format!("{name}-{}", t.arm.label()))
        };
        let config = serde_json::to_value(task.config(1.0)).map_err(|source| Error::Json {
            context: "cnn config".into(),
            source,
        })?;
        save_as(&dir, &t.vs, "cnn", &config)?;
        if let Some(m) = &t.masks {
            m.save(&Masks::path_in(&dir))?;
        }
        Ok(())
    };
    let data = (&train, &test);
    let dense = run_arm(task, data, &Plan::Dense, opts.seed)?;
    save(&dense, false)?;
    eprintln!(
        "{name}: dense {:.2} % in {:.0} s",
        dense.arm.accuracy, dense.arm.seconds
    );
    let mut arms = Vec::new();
    let mut histograms = Vec::new();
    for (gi, &g) in cfg.granularities.iter().enumerate() {
        let layers = cfg.layers(g).to_string();
        for (si, &s) in cfg.sparsities.iter().enumerate() {
            let gcfg = GateConfig {
                sparsity: s,
                granularity: g,
                layers: Some(layers.clone()),
                gate_lr: match g {
                    Granularity::Channel => cfg.channel_gate_lr,
                    Granularity::Connection => cfg.gates.gate_lr,
                },
                ..cfg.gates.clone()
            };
            let gated = run_arm(task, data, &Plan::Gated(gcfg), opts.seed)?;
            save(&gated, headline && gi == 0 && si == 0)?;
            histograms.push(histogram(&gated.probabilities, g, s));
            let method = match g {
                Granularity::Channel => Method::Channels(1),
                Granularity::Connection => Method::Global,
            };
            // Magnitude pruning at the sparsity the gates reached (at most 99 %).
            let reached = gated.arm.sparsity.clamp(0.0, 0.99);
            let mag = run_arm(
                task,
                data,
                &Plan::Magnitude(method, reached, layers.clone(), cfg.magnitude_prune_at),
                opts.seed,
            )?;
            save(&mag, false)?;
            eprintln!(
                "{name} {} target {s:.2}: gated {:.2} % at {:.3} ({:.0} s) vs magnitude {:.2} % at {:.3} ({:.0} s); dense {:.2}",
                granularity_name(g),
                gated.arm.accuracy,
                gated.arm.sparsity,
                gated.arm.seconds,
                mag.arm.accuracy,
                mag.arm.sparsity,
                mag.arm.seconds,
                dense.arm.accuracy
            );
            let mut m = mag.arm;
            m.target = s;
            arms.push(gated.arm);
            arms.push(m);
        }
    }
    Ok(TaskResult {
        task: name.into(),
        dense: dense.arm,
        arms,
        histograms,
    })
}

/// The goal at −50 % for every task and granularity that ran it.
pub fn goals(tasks: &[TaskResult]) -> Vec<Goal> {
    let mut out = Vec::new();
    for t in tasks {
        let at = |method: &str, g: Granularity| {
            t.arms.iter().find(|a| {
                a.method == method
                    && a.granularity == Some(g)
                    && (a.target - PAPER_SPARSITY).abs() < 1e-9
            })
        };
        for g in [Granularity::Channel, Granularity::Connection] {
            if let (Some(gated), Some(mag)) = (at("gated", g), at("magnitude", g)) {
                let loss = t.dense.accuracy - gated.accuracy;
                out.push(Goal {
                    task: t.task.clone(),
                    granularity: g,
                    dense: t.dense.accuracy,
                    gated: gated.accuracy,
                    sparsity_reached: gated.sparsity,
                    loss_vs_dense: loss,
                    magnitude: mag.accuracy,
                    met: loss < PAPER_LOSS && gated.sparsity >= PAPER_SPARSITY - 0.01,
                    beats_magnitude: gated.accuracy > mag.accuracy,
                });
            }
        }
    }
    out
}
