//! The studies of `lemur`, their statistics, plots and report.

use std::path::Path;
use std::sync::Arc;

use super::{LemurConfig, LemurMetrics, LemurStudy, ID};
use crate::data::dataset::TensorDataset;
use crate::hpo::objective::{load_images, train_image_model, ImageModel, TrialConfig};
use crate::hpo::stats::study_stats;
use crate::hpo::{
    optimize_parallel, pruner_by_name, sampler_by_name, Direction, MemoryStorage, Outcome, Pruner,
    Storage, Study, Trial, TrialCtx,
};
use crate::nn::cnn::CnnClassifierConfig;
use crate::nn::mlp::MlpConfig;
use crate::nn::Forward;
use crate::report::plots::{self, BarChart, LinePlot, Series};
use crate::report::{Report, ResultsDir};
use crate::repro::ReproOptions;
use crate::{Error, Result};

/// Run every study with `cfg.workers` parallel workers against one storage, then query it.
pub fn run(cfg: &LemurConfig, opts: &ReproOptions) -> Result<LemurMetrics> {
    let start = std::time::Instant::now();
    // One study store for all studies: a registry file in the results (queryable afterwards
    // with `deepfield-core registry --storage <out>/studies.sqlite …`), each worker with its
    // own connection, as separate processes would have.
    let location = opts.out.join("studies.sqlite").display().to_string();
    let shared: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    let mut stats = Vec::new();
    let mut histories = Vec::new();
    let bar = crate::progress::bar(cfg.studies.len() as u64, "lemur studies");
    for (k, s) in cfg.studies.iter().enumerate() {
        let trials = match s.kind.as_str() {
            "cnn" => run_study::<CnnClassifierConfig>(cfg, s, &location, &shared, opts, k)?,
            _ => run_study::<MlpConfig>(cfg, s, &location, &shared, opts, k)?,
        };
        stats.push(study_stats(&s.name, &s.space, &trials, Direction::Maximize));
        histories.push(trials);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let metrics = LemurMetrics {
        models: stats.iter().map(|s| s.complete).sum(),
        studies: stats,
        workers: cfg.workers,
        seconds: start.elapsed().as_secs_f64(),
    };
    let results = ResultsDir::at(&opts.out)?;
    write_plots(cfg, &metrics, &histories, &results)?;
    write_report(cfg, &metrics, &results)?;
    Ok(metrics)
}

fn base_config<C>(cfg: &LemurConfig, s: &LemurStudy, seed: u64) -> Result<TrialConfig<C>>
where
    C: ImageModel,
    C::Model: Forward,
{
    let mut base: TrialConfig<C> = serde_json::from_value(s.base.clone())
        .map_err(|e| Error::config(format!("{ID}: study `{}`: base config: {e}", s.name)))?;
    base.data.train = cfg.train_images;
    base.data.val = cfg.val_images;
    base.train.epochs = cfg.epochs;
    base.train.seed = seed;
    s.space
        .check_paths(&base)
        .map_err(|e| Error::config(format!("{ID}: study `{}`: {e}", s.name)))?;
    Ok(base)
}

/// A connection to the study store: a registry connection of its own (feature `registry`),
/// else the shared in-memory store.
#[allow(unused_variables)]
fn connect(location: &str, shared: &Arc<dyn Storage>, s: &LemurStudy) -> Result<Arc<dyn Storage>> {
    #[cfg(feature = "registry")]
    {
        Ok(Arc::new(
            crate::hpo::registry_storage::RegistryStorage::open(location)?
                .with_run_info(&s.kind, Some(&s.name)),
        ))
    }
    #[cfg(not(feature = "registry"))]
    Ok(shared.clone())
}

fn run_study<C>(
    cfg: &LemurConfig,
    s: &LemurStudy,
    location: &str,
    shared: &Arc<dyn Storage>,
    opts: &ReproOptions,
    k: usize,
) -> Result<Vec<Trial>>
where
    C: ImageModel,
    C::Model: Forward,
{
    let base = base_config::<C>(cfg, s, opts.seed)?;
    let data = load_images(&base.data)?;
    let pruner: Option<Arc<dyn Pruner>> = pruner_by_name(&cfg.pruner)?.map(Arc::from);
    let models = opts.out.join("models").join(&s.name);
    let workers = (0..cfg.workers as u64)
        .map(|w| {
            let study = Study::open(
                connect(location, shared, s)?,
                &s.name,
                Direction::Maximize,
                &s.space,
                sampler_by_name(&cfg.sampler)?,
            )?
            .with_pruner(pruner.clone())
            .with_seed(opts.seed.wrapping_add(k as u64 * 1000))
            .with_worker(w);
            // Each worker owns views of the images (tensors are Send, not Sync).
            let data = (share(&data.0), share(&data.1));
            let (space, base, models) = (s.space.clone(), base.clone(), models.clone());
            let objective = move |t: &mut TrialCtx| -> Result<Outcome> {
                let config: TrialConfig<C> = space.apply(&base, &t.params)?;
                let save = models.join(format!("trial-{}", t.number));
                Ok(train_image_model(&config, &data, t, Some(save))?.0)
            };
            Ok((study, objective))
        })
        .collect::<Result<Vec<_>>>()?;
    optimize_parallel(workers, cfg.trials)?;
    let storage = connect(location, shared, s)?;
    let info = storage.open_study(&s.name, Direction::Maximize, &s.space)?;
    let trials = storage.trials(&info)?;
    keep_best_model(&trials, &models, opts, k == 0)?;
    Ok(trials)
}

/// Copy the first study's best model to the headline `model/` (every trial's model stays in
/// `models/<study>/trial-N`: the dataset of models).
fn keep_best_model(
    trials: &[Trial],
    models: &Path,
    opts: &ReproOptions,
    headline: bool,
) -> Result<()> {
    if let (true, Some(b)) = (headline, crate::hpo::best_of(trials, Direction::Maximize)) {
        copy_dir(
            &models.join(format!("trial-{}", b.number)),
            &crate::repro::model_dir(&opts.out),
        )?;
    }
    Ok(())
}

fn share(d: &TensorDataset) -> TensorDataset {
    TensorDataset {
        x: d.x.shallow_clone(),
        y: d.y.shallow_clone(),
        mask: d.mask.as_ref().map(|m| m.shallow_clone()),
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let entry = entry.map_err(|e| Error::io(from, e))?;
        let dest = to.join(entry.file_name());
        std::fs::copy(entry.path(), &dest).map_err(|e| Error::io(&dest, e))?;
    }
    Ok(())
}

fn write_plots(
    cfg: &LemurConfig,
    m: &LemurMetrics,
    histories: &[Vec<Trial>],
    results: &ResultsDir,
) -> Result<()> {
    // Best validation accuracy so far against trials, one line per study.
    let series: Vec<Series> = cfg
        .studies
        .iter()
        .zip(histories)
        .map(|(s, trials)| {
            let mut best = f64::NAN;
            let pts = trials
                .iter()
                .map(|t| {
                    if let Some(v) = t
                        .value
                        .filter(|_| t.state == crate::hpo::TrialState::Complete)
                    {
                        if best.is_nan() || v > best {
                            best = v;
                        }
                    }
                    (t.number as f64 + 1.0, 100.0 * best)
                })
                .filter(|p| p.1.is_finite())
                .collect();
            Series::new(&s.name, pts)
        })
        .collect();
    LinePlot::new(
        "LEMUR studies: best validation accuracy so far",
        plots::Axis::new("trial").integer(),
        plots::Axis::new("best validation accuracy").unit("%"),
    )
    .series(series)
    .render(&results.file("best_so_far.png"))?;
    // Accuracy distribution of the dataset of models: quartiles per study.
    let names: Vec<String> = m.studies.iter().map(|s| s.study.clone()).collect();
    let q = |i: usize| -> Vec<f64> { m.studies.iter().map(|s| 100.0 * s.quantiles[i]).collect() };
    BarChart::new(
        "Validation accuracy of the trained models",
        plots::Axis::new("validation accuracy").unit("%"),
    )
    .groups(&names)
    .series("min", &q(0))
    .series("median", &q(2))
    .series("max", &q(4))
    .x_axis(plots::Axis::new("study"))
    .render(&results.file("accuracy_distribution.png"))?;
    // Parameter importance of the first study.
    if let Some(s) = m.studies.first() {
        let labels: Vec<String> = s.importance.iter().map(|i| i.0.clone()).collect();
        let vals: Vec<f64> = s.importance.iter().map(|i| i.2).collect();
        BarChart::new(
            &format!(
                "{}: hyper-parameter importance (normalised |ρ| / η)",
                s.study
            ),
            plots::Axis::new("importance"),
        )
        .bars(&labels, &vals)
        .x_axis(plots::Axis::new("parameter"))
        .render(&results.file("importance.png"))?;
    }
    Ok(())
}

fn write_report(cfg: &LemurConfig, m: &LemurMetrics, results: &ResultsDir) -> Result<()> {
    let mut r = Report::new("LEMUR: a dataset of models from HPO studies");
    r.para(
        "LEMUR (Goodarzi et al., 2025) builds a dataset of neural networks by running Optuna \
         studies over many models and data sets, storing every trial's config, metrics and weights, \
         and querying the collection for statistics. This run does the same with core::hpo: a TPE \
         sampler with Optuna 5's defaults and a median pruner, parallel workers sharing one study \
         storage, on core's `mlp` and `cnn` model kinds over MNIST and Fashion-MNIST subsets.",
    );
    r.key_values(&[
        ("studies", cfg.studies.len().to_string()),
        ("trials per study", cfg.trials.to_string()),
        (
            "workers per study",
            format!("{} (threads sharing one storage)", cfg.workers),
        ),
        (
            "sampler / pruner",
            format!("{} / {}", cfg.sampler, cfg.pruner),
        ),
        (
            "images per trial",
            format!(
                "{} train, {} validation (training split of the data set)",
                cfg.train_images, cfg.val_images
            ),
        ),
        ("epochs per trial", cfg.epochs.to_string()),
        ("models in the dataset", m.models.to_string()),
        ("wall time", format!("{:.0} s", m.seconds)),
    ]);
    r.heading(2, "Best model per study");
    let rows: Vec<Vec<String>> = m
        .studies
        .iter()
        .map(|s| {
            vec![
                s.study.clone(),
                format!("{} / {} / {}", s.complete, s.pruned, s.failed),
                s.best_value
                    .map_or("—".into(), |v| format!("{:.2} %", 100.0 * v)),
                format!(
                    "{:.2} / {:.2} / {:.2} %",
                    100.0 * s.quantiles[0],
                    100.0 * s.quantiles[2],
                    100.0 * s.quantiles[4]
                ),
                serde_json::to_string(&s.best_params).unwrap_or_default(),
            ]
        })
        .collect();
    r.table(
        &[
            "study",
            "complete / pruned / failed",
            "best val. acc.",
            "min / median / max",
            "best parameters",
        ],
        &rows,
    );
    r.heading(2, "Hyper-parameter importance");
    let rows: Vec<Vec<String>> = m
        .studies
        .iter()
        .flat_map(|s| {
            s.importance.iter().map(move |(p, a, i)| {
                vec![
                    s.study.clone(),
                    p.clone(),
                    format!("{a:.3}"),
                    format!("{i:.3}"),
                ]
            })
        })
        .collect();
    r.table(&["study", "parameter", "|ρ| or η", "normalised"], &rows);
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        "LEMUR's studies train torchvision-scale models on several vision, audio and text data sets for GPU-days; these are small MLPs and CNNs on 28×28 image subsets for minutes on a CPU, so accuracies are not comparable to the paper's tables.".into(),
        "Workers are threads of one process sharing one in-memory study storage; the multi-process, SQLite/PostgreSQL storage is core::registry's (see core/tests/hpo_*.rs).".into(),
        "Parameter importance is the absolute Spearman correlation (numbers) or correlation ratio (categories) with validation accuracy over complete trials, not Optuna's fANOVA.".into(),
        "Every complete trial's model is kept (models/<study>/trial-N, restorable through core's model registry, with its validation accuracy beside the weights); the first study's best is also the headline model/.".into(),
    ]);
    r.para("Plots: best_so_far.png (best validation accuracy vs trials), accuracy_distribution.png (min/median/max per study), importance.png.");
    results.write_report(&r)?;
    Ok(())
}
