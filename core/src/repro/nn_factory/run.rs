//! One data set: train the supernet once, then per task and budget assemble a model (no
//! training) and train the same architecture from scratch; accuracy, cost and wall time of both.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;

use super::{NnFactoryConfig, GOAL_POINTS, GOAL_SPEEDUP};
use crate::automl::factory::{
    assemble, model_accuracy, profiled_cost, task_data, train_supernet, Arch, Budget, Cost,
    FactoryNetConfig,
};
use crate::data::mnist::{self, Dataset, Split};
use crate::data::TensorDataset;
use crate::models::{save_model, ModelConfig};
use crate::repro::gradual::tasks::train_with;
use crate::repro::{model_dir, others_dir, ReproOptions};
use crate::Result;

/// One task under one budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// `0-1-2-3-4`.
    pub task: String,
    pub classes: Vec<i64>,
    pub budget: Budget,
    pub arch: Arch,
    /// Counted from the shapes (what the assembler checks against the budget).
    pub cost: Cost,
    /// Recorded by [`crate::profile`] on the assembled model (must equal `cost`).
    pub profiled: Cost,
    pub assembled_accuracy: f64,
    /// Wall time of the assembly (search and copy).
    pub assembly_seconds: f64,
    pub search_seconds: f64,
    pub copy_seconds: f64,
    /// Architectures fitting the budget, maximal ones, scored ones.
    pub fitting: usize,
    pub maximal: usize,
    pub scored: usize,
    pub scratch_accuracy: f64,
    /// Wall time of training the same architecture from scratch.
    pub scratch_seconds: f64,
    pub scratch_steps: usize,
    /// `scratch − assembled` accuracy points (positive: assembled is worse).
    pub gap: f64,
    /// `scratch_seconds / assembly_seconds`.
    pub speedup: f64,
    pub met: bool,
}

/// One data set's supernet and cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetResult {
    pub dataset: String,
    pub supernet_seconds: f64,
    pub supernet_steps: usize,
    pub supernet_params: u64,
    /// Test accuracy (%) over all classes of the largest and the smallest architecture.
    pub largest_accuracy: f64,
    pub smallest_accuracy: f64,
    pub cases: Vec<Case>,
}

/// The goal over every case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub cases: usize,
    /// Cases within [`GOAL_POINTS`] of from-scratch, cases at ≥ [`GOAL_SPEEDUP`]× less time,
    /// cases with both.
    pub within_points: usize,
    pub fast_enough: usize,
    pub met: usize,
    pub mean_gap: f64,
    pub worst_gap: f64,
    pub min_speedup: f64,
    /// Every case met it.
    pub all_met: bool,
}

/// The data set's name in results.
pub fn dataset_name(d: Dataset) -> &'static str {
    match d {
        Dataset::Mnist => "mnist",
        Dataset::FashionMnist => "fashion_mnist",
    }
}

fn task_name(classes: &[i64]) -> String {
    classes
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join("-")
}

/// Training, search and test images of `d`.
fn load(
    cfg: &NnFactoryConfig,
    d: Dataset,
    root: &Path,
) -> Result<(TensorDataset, TensorDataset, TensorDataset)> {
    let train = mnist::load(root, d, Split::Train)?;
    let test = mnist::load(root, d, Split::Test)?;
    let part = |x: &mnist::Digits, from: usize, n: usize| -> Result<TensorDataset> {
        let n = if n == 0 {
            x.len() - from
        } else {
            n.min(x.len() - from)
        } as i64;
        TensorDataset::new(
            x.images.narrow(0, from as i64, n),
            x.labels.narrow(0, from as i64, n),
        )
    };
    Ok((
        part(&train, 0, cfg.train_images)?,
        part(&train, cfg.train_images, cfg.search_images)?,
        part(&test, 0, cfg.test_images)?,
    ))
}

/// Train the architecture of `config` from scratch on `train`; its variables, accuracy on
/// `test`, seconds and steps.
fn scratch(
    cfg: &NnFactoryConfig,
    config: &FactoryNetConfig,
    train: &TensorDataset,
    test: &TensorDataset,
    seed: u64,
) -> Result<(f64, f64, usize)> {
    crate::seed(seed);
    let mut vs = VarStore::new(crate::device());
    let model = config.build(&vs.root())?;
    let start = Instant::now();
    let hp = (
        cfg.scratch_epochs,
        cfg.scratch_batch_size,
        cfg.scratch_lr,
        seed,
    );
    let steps = train_with(&model, &mut vs, train, hp, &mut [])?;
    let seconds = start.elapsed().as_secs_f64();
    Ok((model_accuracy(&model, test)?, seconds, steps))
}

/// Supernet once, then every task × budget; models saved under `opts.out` (the first task's
/// first budget of the first data set as `model/`, the supernet as `models/<dataset>-supernet`).
pub fn run_dataset(
    cfg: &NnFactoryConfig,
    d: Dataset,
    root: &Path,
    opts: &ReproOptions,
    headline: bool,
) -> Result<DatasetResult> {
    let name = dataset_name(d);
    let (train, search, test) = load(cfg, d, root)?;
    let start = Instant::now();
    let (svs, supernet, steps) = train_supernet(&cfg.supernet, &cfg.training, &train, opts.seed)?;
    let supernet_seconds = start.elapsed().as_secs_f64();
    save_model(
        &others_dir(&opts.out, &format!("{name}-supernet")),
        &svs,
        &cfg.supernet,
        None::<&()>,
    )?;
    let all = |arch: Arch| -> Result<f64> {
        crate::automl::factory::accuracy(&test, &|x| supernet.forward_arch(x, &arch, None))
    };
    let largest_accuracy = all(cfg.supernet.largest())?;
    let smallest_accuracy = all(cfg.supernet.smallest())?;
    eprintln!(
        "{name}: supernet trained in {supernet_seconds:.0} s ({steps} steps): largest {largest_accuracy:.2} %, smallest {smallest_accuracy:.2} %"
    );
    let n = cfg.supernet.classes;
    let mut cases = Vec::new();
    for (ti, classes) in cfg.tasks.iter().enumerate() {
        let (t_train, t_search, t_test) = (
            task_data(&train, classes, n)?,
            task_data(&search, classes, n)?,
            task_data(&test, classes, n)?,
        );
        for (bi, &budget) in cfg.budgets.iter().enumerate() {
            let a = assemble(
                &supernet,
                &svs,
                classes,
                budget,
                Some(&t_search),
                &cfg.assembly,
            )?;
            let assembled_accuracy = model_accuracy(&a.model, &t_test)?;
            let side = cfg.supernet.image_size;
            let profiled = profiled_cost(
                &a.model,
                &a.vs,
                [1, cfg.supernet.input_channels, side, side],
            )?;
            let (scratch_accuracy, scratch_seconds, scratch_steps) =
                scratch(cfg, &a.config, &t_train, &t_test, opts.seed)?;
            let task = task_name(classes);
            let dir = if headline && ti == 0 && bi == 0 {
                model_dir(&opts.out)
            } else {
                others_dir(&opts.out, &format!("{name}-{task}-{}", budget.label()))
            };
            let r = &a.report;
            save_model(&dir, &a.vs, &a.config, Some(r))?;
            let gap = scratch_accuracy - assembled_accuracy;
            let speedup = scratch_seconds / r.seconds.max(1e-9);
            eprintln!(
                "{name} task {task} {}: assembled {assembled_accuracy:.2} % in {:.3} s vs scratch {scratch_accuracy:.2} % in {scratch_seconds:.1} s ({} params, {} FLOPs)",
                budget.label(),
                r.seconds,
                r.cost.params,
                r.cost.flops
            );
            cases.push(Case {
                task,
                classes: classes.clone(),
                budget,
                arch: r.arch.clone(),
                cost: r.cost,
                profiled,
                assembled_accuracy,
                assembly_seconds: r.seconds,
                search_seconds: r.search_seconds,
                copy_seconds: r.copy_seconds,
                fitting: r.fitting,
                maximal: r.maximal,
                scored: r.scored,
                scratch_accuracy,
                scratch_seconds,
                scratch_steps,
                gap,
                speedup,
                met: gap <= GOAL_POINTS && speedup >= GOAL_SPEEDUP,
            });
        }
    }
    Ok(DatasetResult {
        dataset: name.into(),
        supernet_seconds,
        supernet_steps: steps,
        supernet_params: crate::profile::report::trainable_params(&svs),
        largest_accuracy,
        smallest_accuracy,
        cases,
    })
}

/// The goal over every case of every data set.
pub fn goal(datasets: &[DatasetResult]) -> Goal {
    let cases: Vec<&Case> = datasets.iter().flat_map(|d| &d.cases).collect();
    let n = cases.len();
    let count = |f: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| f(c)).count();
    let met = count(&|c| c.met);
    Goal {
        cases: n,
        within_points: count(&|c| c.gap <= GOAL_POINTS),
        fast_enough: count(&|c| c.speedup >= GOAL_SPEEDUP),
        met,
        mean_gap: cases.iter().map(|c| c.gap).sum::<f64>() / n.max(1) as f64,
        worst_gap: cases
            .iter()
            .map(|c| c.gap)
            .fold(f64::NEG_INFINITY, f64::max),
        min_speedup: cases
            .iter()
            .map(|c| c.speedup)
            .fold(f64::INFINITY, f64::min),
        all_met: n > 0 && met == n,
    }
}
