//! The `quantum-creep` run: for each dataset, level and seed, train the network with Adam on the
//! training images, testing after every epoch (as the repository does); save the first seed's
//! network of every level through the registry; plot and report.

use std::path::Path;

use deepfield_core::data::TensorDataset;
use deepfield_core::metrics::mean_std;
use deepfield_core::models::{self, ModelConfig};
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{model_dir, ReproOptions};
use deepfield_core::train::{
    write_histories_csv, AfterEpoch, Context, Control, EpochRecord, History, OptimizerConfig, Task,
    TrainConfig, Trainer,
};
use tch::nn::VarStore;

use super::{
    dataset_name, repository_accuracy, LevelSummary, QuantumCreepMetrics, QuantumCreepRunConfig,
    RunResult,
};
use crate::data::mnist::{self, Dataset, Split};
use crate::quantum::net::QuantumCreepConfig;
use crate::{Error, Result};

/// One split as a tensor dataset, cut to its first `limit` images.
fn split(dir: &Path, split: Split, limit: Option<usize>) -> Result<TensorDataset> {
    let (images, labels) = mnist::files(dir, split);
    let d = mnist::load_files(&images, &labels)?;
    let n = limit.map_or(d.len(), |l| l.min(d.len())) as i64;
    Ok(TensorDataset::new(
        d.images.narrow(0, 0, n),
        d.labels.narrow(0, 0, n),
    )?)
}

/// Where the trained network of `dataset` at `level` is saved.
pub fn saved_model(out: &Path, dataset: Dataset, level: u8) -> std::path::PathBuf {
    model_dir(out).join(format!("{}_level{level}", dataset_name(dataset)))
}

/// Train one network; returns its result and history.
fn train_one(
    cfg: &QuantumCreepRunConfig,
    dataset: Dataset,
    level: u8,
    seed: u64,
    data: (&TensorDataset, &TensorDataset),
    save_to: Option<&Path>,
) -> Result<(RunResult, History)> {
    let (train, test) = data;
    deepfield_core::seed(seed);
    let net_cfg = QuantumCreepConfig::level(level);
    let mut vs = VarStore::new(deepfield_core::device());
    let net = net_cfg.build(&vs.root())?;
    let parameters: i64 = vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    let epochs = cfg.epochs_of(level);
    let train_cfg = TrainConfig {
        epochs,
        batch_size: cfg.batch_size,
        optimizer: OptimizerConfig::adam(cfg.lr),
        seed,
        shuffle: true,
        progress: false,
        ..Default::default()
    };
    let trainer = Trainer::new(train_cfg, Task::classification(10))?;
    let loss_fn = trainer.task.loss_fn(vs.device());
    let name = dataset_name(dataset);
    let mut log = AfterEpoch(|_: &mut Context<'_, _>, r: &EpochRecord| {
        eprintln!(
            "quantum-creep: {name} level {level} seed {seed} epoch {}/{epochs}: train loss {:.4}, \
             test accuracy {:.2} % ({:.1} s)",
            r.epoch,
            r.train_loss,
            100.0 * r.val_metrics.get("accuracy").copied().unwrap_or(f64::NAN),
            r.seconds
        );
        Ok(Control::Continue)
    });
    let history = trainer.fit_callbacks(
        &net,
        &mut vs,
        train,
        Some(test),
        |out, b| loss_fn.compute(out, &b.y, b.mask.as_ref()),
        &mut [&mut log],
    )?;
    let acc: Vec<f64> = history
        .val_metric("accuracy")
        .iter()
        .map(|a| 100.0 * a)
        .collect();
    let test_accuracy = *acc
        .last()
        .ok_or_else(|| Error::input("quantum-creep: training ran no epoch"))?;
    let result = RunResult {
        dataset,
        level,
        seed,
        test_accuracy,
        test_accuracy_per_epoch: acc,
        train_loss_per_epoch: history.train_losses(),
        seconds_per_epoch: history.epochs.iter().map(|e| e.seconds).sum::<f64>()
            / history.epochs.len().max(1) as f64,
        parameters,
    };
    if let Some(dir) = save_to {
        models::save_model(dir, &vs, &net_cfg, Some(&result))?;
    }
    Ok((result, history))
}

/// Run the whole reproduction into `opts.out` (config.json and metrics.json are the caller's).
pub fn run(cfg: &QuantumCreepRunConfig, opts: &ReproOptions) -> Result<QuantumCreepMetrics> {
    let out = &opts.out;
    let results = ResultsDir::at(out)?;
    let mut runs = Vec::new();
    let mut histories = Vec::new();
    let mut sizes = (0, 0);
    for &dataset in &cfg.datasets {
        let dir = opts.dataset(&dataset.spec())?;
        let train = split(&dir, Split::Train, cfg.train_limit)?;
        let test = split(&dir, Split::Test, cfg.test_limit)?;
        sizes = (train.len(), test.len());
        for &level in &cfg.levels {
            for (k, &seed) in cfg.seeds_of(level).iter().enumerate() {
                let save = (k == 0).then(|| saved_model(out, dataset, level));
                let (r, h) =
                    train_one(cfg, dataset, level, seed, (&train, &test), save.as_deref())?;
                eprintln!(
                    "quantum-creep: {} level {level} seed {seed}: test accuracy {:.2} %",
                    dataset_name(dataset),
                    r.test_accuracy
                );
                histories.push((
                    format!("{}/level{level}/seed{seed}", dataset_name(dataset)),
                    h,
                ));
                runs.push(r);
            }
        }
    }
    let mut summaries = Vec::new();
    for &dataset in &cfg.datasets {
        for &level in &cfg.levels {
            let these: Vec<&RunResult> = runs
                .iter()
                .filter(|r| r.dataset == dataset && r.level == level)
                .collect();
            let accs: Vec<f64> = these.iter().map(|r| r.test_accuracy).collect();
            let (mean, std) = mean_std(&accs);
            let repo = repository_accuracy(dataset, level);
            let difference = repo.map(|r| mean - r);
            summaries.push(LevelSummary {
                dataset,
                level,
                seeds: accs.len(),
                epochs: cfg.epochs_of(level),
                mean_accuracy: mean,
                std_accuracy: std,
                repository_accuracy: repo,
                difference,
                within_one_point: difference.map(|d| d.abs() <= 1.0),
                parameters: these.first().map_or(0, |r| r.parameters),
                seconds_per_epoch: mean_std(
                    &these
                        .iter()
                        .map(|r| r.seconds_per_epoch)
                        .collect::<Vec<_>>(),
                )
                .0,
            });
        }
    }
    let metrics = QuantumCreepMetrics {
        summaries,
        runs,
        train_images: sizes.0,
        test_images: sizes.1,
        threads: deepfield_core::device::threads(),
    };
    let named: Vec<(String, &History)> = histories.iter().map(|(n, h)| (n.clone(), h)).collect();
    write_histories_csv(&results.file("history.csv"), &named)?;
    super::report::write_plots(cfg, &metrics, &results)?;
    super::report::write(cfg, &metrics, &results)?;
    Ok(metrics)
}
