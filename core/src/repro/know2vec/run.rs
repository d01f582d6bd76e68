//! Build the zoo, run every query (probe, oracle fine-tuning), and compare the retrieval
//! methods.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;

use super::{Arch, Know2VecConfig, Know2VecMetrics, ZooSpec, GOAL_REGRET, GOAL_TOP1};
use crate::automl::know2vec::finetune::fine_tune;
use crate::automl::know2vec::probe::{accuracy, outputs, reshape_for};
use crate::automl::know2vec::score::{self, Features, Scorer};
use crate::automl::know2vec::task::{data_stats, stats_distance, Sources};
use crate::automl::know2vec::{joint_map, probe_labels, probe_zoo, Zoo, ZooEntry};
use crate::data::mnist::Split;
use crate::data::TensorDataset;
use crate::models::{save_model, ModelConfig, ModelRegistry};
use crate::nn::cnn::{CnnClassifierConfig, ConvStackConfig, GlobalPool, PoolConfig};
use crate::nn::mlp::MlpConfig;
use crate::repro::ReproOptions;
use crate::train::{OptimizerConfig, Task, TrainConfig, Trainer};
use crate::{Forward, Result};

/// A trained zoo model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZooModel {
    pub id: String,
    pub kind: String,
    pub source: String,
    pub source_accuracy: f64,
    pub train_seconds: f64,
}

/// What one method retrieved for one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    pub method: String,
    /// The retrieved model (empty for the random expectation).
    pub model: String,
    /// Its fine-tuned accuracy (%) (the zoo mean for random).
    pub accuracy: f64,
    /// Oracle accuracy − this accuracy (points).
    pub regret: f64,
    /// 1 when the retrieved model is the oracle's best (the chance for random).
    pub top1: f64,
    /// 1 when the oracle's best is among the method's first three.
    pub top3: f64,
}

/// One query's oracle results and the methods' picks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    pub name: String,
    /// Fine-tuned test accuracy (%) of every zoo model, in zoo order.
    pub accuracies: Vec<f64>,
    pub best: String,
    pub best_accuracy: f64,
    pub features: Vec<Features>,
    pub picks: Vec<Pick>,
}

/// A method over all queries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodSummary {
    pub method: String,
    /// Queries whose oracle-best model the method retrieved first (%).
    pub top1: f64,
    /// …among its first three (%).
    pub top3: f64,
    pub mean_regret: f64,
    pub max_regret: f64,
}

/// The joint-space map of one query (task first, then the models), for the report.
pub type JointMap = (String, Vec<(f64, f64)>);

fn cnn_config(channels: &[i64]) -> CnnClassifierConfig {
    let mut stack = ConvStackConfig::new(2, 1, channels.to_vec(), 3);
    for b in &mut stack.blocks {
        b.pool = Some(PoolConfig::max(2));
    }
    CnnClassifierConfig {
        stack,
        // Max pooling and a hidden layer: global average pooling with a linear head learns
        // too slowly for the zoo's short budgets.
        global_pool: GlobalPool::Max,
        head_hidden: vec![32],
        output: 10,
        ..Default::default()
    }
}

/// Train a fresh `config` model on `train` and save it into `dir`; returns its outputs on
/// `test` as an accuracy.
fn train_typed<C: ModelConfig>(
    config: &C,
    entry: &ZooEntry,
    trainer: &Trainer,
    (train, test): (&TensorDataset, &TensorDataset),
    dir: &Path,
) -> Result<f64>
where
    C::Model: Forward,
{
    let mut vs = VarStore::new(crate::device());
    let model = config.build(&vs.root())?;
    let x = reshape_for(entry, &train.x)?;
    trainer.fit(
        &model,
        &mut vs,
        &TensorDataset::new(x, train.y.shallow_clone())?,
        None,
    )?;
    let acc = accuracy(&outputs(&model, entry, &test.x)?, &test.y)?;
    save_model(dir, &vs, config, None::<&()>)?;
    Ok(acc)
}

/// Train one zoo model on its source task and save it under `zoo_dir/<id>`.
fn train_member(
    i: usize,
    spec: &ZooSpec,
    cfg: &Know2VecConfig,
    sources: &Sources,
    zoo_dir: &Path,
    seed: u64,
) -> Result<(ZooEntry, ZooModel)> {
    let t0 = Instant::now();
    let id = format!("{}-{}", spec.arch.name(), spec.task.name);
    let train = spec.task.take(
        sources.get(spec.task.dataset, Split::Train)?,
        0,
        cfg.zoo_train_images,
        seed + 1000 + i as u64,
    )?;
    let test = spec.task.take(
        sources.get(spec.task.dataset, Split::Test)?,
        0,
        cfg.zoo_test_images,
        seed + 2000 + i as u64,
    )?;
    let (kind, input_shape) = match &spec.arch {
        Arch::Cnn { .. } => (CnnClassifierConfig::KIND, vec![1, 28, 28]),
        Arch::Mlp { .. } => (MlpConfig::KIND, vec![784]),
    };
    let entry = ZooEntry {
        id: id.clone(),
        kind: kind.to_string(),
        dir: id.clone().into(),
        input_shape,
        outputs: 10,
        source: format!("{} ({:?})", spec.task.name, spec.task.dataset),
        source_accuracy: 0.0,
        source_stats: data_stats(&train.x)?,
    };
    crate::seed(seed + i as u64);
    let trainer = Trainer::new(
        TrainConfig {
            epochs: cfg.zoo_epochs,
            batch_size: cfg.zoo_batch_size,
            seed: seed + i as u64,
            progress: false,
            optimizer: OptimizerConfig::adam(cfg.zoo_lr),
            ..Default::default()
        },
        Task::classification(10),
    )?;
    let dir = zoo_dir.join(&id);
    let data = (&train, &test);
    let acc = match &spec.arch {
        Arch::Cnn { channels } => train_typed(&cnn_config(channels), &entry, &trainer, data, &dir)?,
        Arch::Mlp { hidden } => train_typed(
            &MlpConfig::new(784, hidden.clone(), 10),
            &entry,
            &trainer,
            data,
            &dir,
        )?,
    };
    let entry = ZooEntry {
        source_accuracy: acc,
        ..entry
    };
    let record = ZooModel {
        id,
        kind: kind.into(),
        source: entry.source.clone(),
        source_accuracy: acc,
        train_seconds: t0.elapsed().as_secs_f64(),
    };
    Ok((entry, record))
}

/// Mean of `v` (0 when empty).
fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

fn pick(method: &str, order: &[usize], acc: &[f64], best: usize, zoo: &Zoo) -> Pick {
    let first = order.first().copied().unwrap_or(0);
    Pick {
        method: method.into(),
        model: zoo.models[first].id.clone(),
        accuracy: acc[first],
        regret: acc[best] - acc[first],
        top1: f64::from(u8::from(first == best)),
        top3: f64::from(u8::from(order.iter().take(3).any(|&i| i == best))),
    }
}

/// The whole run: zoo, queries, methods. Returns the metrics and the joint-space maps.
pub fn run(
    cfg: &Know2VecConfig,
    data_root: &Path,
    opts: &ReproOptions,
) -> Result<(Know2VecMetrics, Vec<JointMap>)> {
    let sources = Sources::load(data_root)?;
    let zoo_dir = opts.out.join("zoo");
    let registry = ModelRegistry::with_core();
    let bar = crate::progress::bar(cfg.zoo.len() as u64, "know2vec zoo");
    let mut entries = Vec::new();
    let mut zoo_models = Vec::new();
    for (i, spec) in cfg.zoo.iter().enumerate() {
        let (e, z) = train_member(i, spec, cfg, &sources, &zoo_dir, opts.seed)?;
        entries.push(e);
        zoo_models.push(z);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut zoo = Zoo {
        models: entries,
        scorer: Scorer::default(),
    };
    zoo.save(&zoo_dir)?;

    // Every query: probes, features, statistics, and the oracle.
    struct Q {
        name: String,
        acc: Vec<f64>,
        feats: Vec<Features>,
        dist: Vec<f64>,
    }
    let mut qs = Vec::new();
    let mut maps = Vec::new();
    let (mut probe_s, mut oracle_s) = (0.0, 0.0);
    let bar = crate::progress::bar(cfg.queries.len() as u64, "know2vec queries");
    for (qi, task) in cfg.queries.iter().enumerate() {
        let seed = opts.seed + 5000 + qi as u64;
        let train = task.take(
            sources.get(task.dataset, Split::Train)?,
            cfg.query_offset,
            cfg.query_train,
            seed,
        )?;
        let test = task.take(
            sources.get(task.dataset, Split::Test)?,
            cfg.zoo_test_images,
            cfg.query_test,
            seed + 1,
        )?;
        let probe_x = train.x.narrow(0, 0, cfg.probe as i64);
        let probe_y = train.y.narrow(0, 0, cfg.probe as i64);
        let t0 = Instant::now();
        let (y, k) = probe_labels(&probe_x, &probe_y)?;
        let outs = probe_zoo(&zoo_dir, &zoo, &registry, &probe_x)?;
        let feats: Vec<Features> = outs.iter().map(|o| score::features(o, &y, k)).collect();
        probe_s += t0.elapsed().as_secs_f64();
        maps.push((task.name.clone(), joint_map(&outs, &y, k)?));
        let stats = data_stats(&probe_x)?;
        let dist = zoo
            .models
            .iter()
            .map(|m| stats_distance(&stats, &m.source_stats))
            .collect();
        let t1 = Instant::now();
        let mut acc = Vec::new();
        for m in &zoo.models {
            crate::seed(seed);
            let r = Zoo::restore(&zoo_dir, m, &registry, crate::device())?;
            acc.push(fine_tune(r, m, &train, &test, &cfg.finetune)?);
        }
        oracle_s += t1.elapsed().as_secs_f64();
        qs.push(Q {
            name: task.name.clone(),
            acc,
            feats,
            dist,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();

    // The methods.
    let mut queries = Vec::new();
    for (qi, q) in qs.iter().enumerate() {
        let others: Vec<(Vec<Features>, Vec<f64>)> = qs
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != qi)
            .map(|(_, o)| (o.feats.clone(), o.acc.clone()))
            .collect();
        let fitted = Scorer::fit(&others, cfg.rank_margin, cfg.rank_l2);
        let best = score::order(&q.acc)[0];
        let k2v = score::order(&fitted.scores(&q.feats));
        let cka = score::order(&Scorer::default().scores(&q.feats));
        let neg: Vec<f64> = q.dist.iter().map(|d| -d).collect();
        let sim = score::order(&neg);
        let oracle = score::order(&q.acc);
        let n = zoo.models.len() as f64;
        let ties = q.acc.iter().filter(|&&a| a == q.acc[best]).count() as f64;
        let random = Pick {
            method: "random".into(),
            model: String::new(),
            accuracy: mean(&q.acc),
            regret: q.acc[best] - mean(&q.acc),
            top1: ties / n,
            top3: (3.0 / n).min(1.0),
        };
        queries.push(QueryResult {
            name: q.name.clone(),
            best: zoo.models[best].id.clone(),
            best_accuracy: q.acc[best],
            accuracies: q.acc.clone(),
            features: q.feats.clone(),
            picks: vec![
                pick("know2vec", &k2v, &q.acc, best, &zoo),
                pick("know2vec-cka", &cka, &q.acc, best, &zoo),
                pick("source-similarity", &sim, &q.acc, best, &zoo),
                random,
                pick("oracle", &oracle, &q.acc, best, &zoo),
            ],
        });
    }
    let methods: Vec<MethodSummary> = [
        "know2vec",
        "know2vec-cka",
        "source-similarity",
        "random",
        "oracle",
    ]
    .iter()
    .map(|&m| {
        let ps: Vec<&Pick> = queries
            .iter()
            .filter_map(|q| q.picks.iter().find(|p| p.method == m))
            .collect();
        let f = |g: fn(&Pick) -> f64| ps.iter().map(|p| g(p)).collect::<Vec<f64>>();
        MethodSummary {
            method: m.into(),
            top1: 100.0 * mean(&f(|p| p.top1)),
            top3: 100.0 * mean(&f(|p| p.top3)),
            mean_regret: mean(&f(|p| p.regret)),
            max_regret: f(|p| p.regret).into_iter().fold(0.0, f64::max),
        }
    })
    .collect();
    // The zoo keeps the scorer fitted on every query, for `know2vec rank`.
    let all: Vec<(Vec<Features>, Vec<f64>)> = qs
        .iter()
        .map(|q| (q.feats.clone(), q.acc.clone()))
        .collect();
    zoo.scorer = Scorer::fit(&all, cfg.rank_margin, cfg.rank_l2);
    zoo.save(&zoo_dir)?;
    let k2v = &methods[0];
    let nq = qs.len().max(1) as f64;
    Ok((
        Know2VecMetrics {
            goal_met: k2v.top1 >= GOAL_TOP1 && k2v.mean_regret <= GOAL_REGRET,
            zoo: zoo_models,
            queries,
            methods,
            probe_seconds: probe_s / nq,
            oracle_seconds: oracle_s / nq,
        },
        maps,
    ))
}
