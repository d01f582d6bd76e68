//! `deepfield-core hpo …`: run a study over a core model kind, compare our samplers with Optuna's.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::compare::{markdown, run_arm, CompareRow};
use super::functions::{self, FUNCTIONS};
use super::objective::{load_images, train_image_model, ImageModel, TrialConfig};
use super::storage::open_storage;
use super::{pruner_by_name, sampler_by_name, Direction, Pruner, Space, Study};
use crate::nn::cnn::CnnClassifierConfig;
use crate::nn::mlp::MlpConfig;
use crate::nn::Forward;
use crate::{Error, Result};

#[derive(Debug, Args)]
pub struct HpoArgs {
    #[command(subcommand)]
    pub command: HpoCommand,
}

#[derive(Debug, Subcommand)]
pub enum HpoCommand {
    /// Tune a core model kind (mlp, cnn) on MNIST/Fashion-MNIST images: the search space's
    /// dotted paths (`model.hidden.0`, `train.optimizer.lr`) are written into the base config.
    Run(RunArgs),
    /// Our samplers beside Optuna 5.0's on test functions and a small MNIST MLP, same budget and
    /// seeds; prints and writes a table of mean best values.
    CompareOptuna(CompareArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Search space JSON (`{"params": [{"name": "train.optimizer.lr", "type": "float", …}]}`).
    #[arg(long)]
    pub space: PathBuf,
    /// Base config JSON: `{"model": {...}, "train": {...}, "data": {...}}`.
    #[arg(long)]
    pub config: PathBuf,
    /// Model kind: mlp or cnn.
    #[arg(long)]
    pub kind: String,
    /// `memory`, a SQLite file path, `sqlite://PATH` or `postgres://…`.
    #[arg(long, default_value = "memory")]
    pub storage: String,
    #[arg(long)]
    pub study: String,
    #[arg(long, default_value_t = 20)]
    pub trials: usize,
    /// random, tpe or cmaes.
    #[arg(long, default_value = "tpe")]
    pub sampler: String,
    /// median, successive_halving or none.
    #[arg(long, default_value = "median")]
    pub pruner: String,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker index (mixed into the seed; give each process its own).
    #[arg(long, default_value_t = 0)]
    pub worker: u64,
    /// Save every complete trial's model under DIR/trial-N (restorable with the model registry).
    #[arg(long)]
    pub save_models: Option<PathBuf>,
    /// libtorch threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Test functions (comma-separated).
    #[arg(
        long,
        default_value = "forrester,branin,hartmann6,mixed",
        value_delimiter = ','
    )]
    pub functions: Vec<String>,
    /// Arms: our samplers (tpe, random, cmaes) and Optuna's (optuna-tpe, optuna-random).
    #[arg(long, default_value = "tpe,optuna-tpe,random", value_delimiter = ',')]
    pub arms: Vec<String>,
    #[arg(long, default_value_t = 50)]
    pub trials: usize,
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// Also tune a small MNIST MLP (lr, width, dropout) with this many trials (0: skip).
    #[arg(long, default_value_t = 15)]
    pub model_trials: usize,
    /// Seeds of the model comparison.
    #[arg(long, default_value_t = 3)]
    pub model_seeds: u64,
    /// Where `compare.md` and `compare.json` go.
    #[arg(long, default_value = "results/hpo-compare")]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

/// Run `hpo` subcommands.
pub fn run(args: &HpoArgs) -> Result<()> {
    match &args.command {
        HpoCommand::Run(a) => run_study(a),
        HpoCommand::CompareOptuna(a) => compare(a),
    }
}

fn run_study(a: &RunArgs) -> Result<()> {
    crate::device::set_threads(a.threads);
    let space = Space::from_json(&read(&a.space)?, &a.space.display().to_string())?;
    let text = read(&a.config)?;
    match a.kind.as_str() {
        "mlp" => run_kind::<MlpConfig>(a, &space, &text),
        "cnn" => run_kind::<CnnClassifierConfig>(a, &space, &text),
        other => Err(Error::config(format!(
            "hpo run: unknown model kind `{other}` (expected mlp or cnn)"
        ))),
    }
}

fn run_kind<C>(a: &RunArgs, space: &Space, text: &str) -> Result<()>
where
    C: ImageModel,
    C::Model: Forward,
{
    let origin = a.config.display().to_string();
    let base: TrialConfig<C> = serde_json::from_str(text).map_err(|e| Error::Json {
        context: format!("base config {origin}"),
        source: e,
    })?;
    space
        .check_paths(&base)
        .map_err(|e| Error::config(format!("{origin}: {e}")))?;
    base.train.validate()?;
    let storage = open_storage(&a.storage)?;
    let pruner: Option<Arc<dyn Pruner>> = pruner_by_name(&a.pruner)?.map(Arc::from);
    let mut study = Study::open(
        storage,
        &a.study,
        Direction::Maximize,
        space,
        sampler_by_name(&a.sampler)?,
    )?
    .with_pruner(pruner)
    .with_seed(a.seed)
    .with_worker(a.worker);
    let data = load_images(&base.data)?;
    study.optimize_config(a.trials, &base, |cfg: TrialConfig<C>, t| {
        let save = a
            .save_models
            .as_ref()
            .map(|d| d.join(format!("trial-{}", t.number)));
        let (outcome, result) = train_image_model(&cfg, &data, t, save)?;
        match &result {
            Some(r) => println!(
                "trial {:>3}: val accuracy {:.4} ({} epochs, {:.1} s) {}",
                t.number,
                r.val_accuracy,
                r.epochs,
                r.seconds,
                serde_json::Value::from(serde_json::Map::from_iter(t.params.clone()))
            ),
            None => println!("trial {:>3}: pruned", t.number),
        }
        Ok(outcome)
    })?;
    if let Some(best) = study.best_trial()? {
        println!(
            "best: trial {} val accuracy {:.4} {}",
            best.number,
            best.value.unwrap_or(f64::NAN),
            serde_json::Value::from(serde_json::Map::from_iter(best.params))
        );
    }
    println!("kind {} study `{}` in {}", C::KIND, a.study, a.storage);
    Ok(())
}

/// The MNIST MLP objective of the comparison (validation error, minimised).
fn model_space() -> Result<Space> {
    Space::from_json(
        r#"{"params": [
            {"name": "train.optimizer.lr", "type": "float", "low": 1e-4, "high": 0.3, "log": true},
            {"name": "model.hidden.0", "type": "int", "low": 16, "high": 256, "log": true},
            {"name": "model.dropout", "type": "float", "low": 0.0, "high": 0.6}
        ]}"#,
        "compare model space",
    )
}

fn model_base() -> TrialConfig<MlpConfig> {
    let mut train = crate::train::TrainConfig {
        epochs: 4,
        batch_size: 64,
        ..Default::default()
    };
    train.optimizer = crate::train::OptimizerConfig::sgd(0.01, 0.9);
    TrialConfig {
        model: MlpConfig::new(784, [64], 10),
        train,
        data: super::objective::DataSpec {
            set: "mnist".into(),
            train: 1500,
            val: 1000,
            seed: 0,
        },
    }
}

#[derive(Serialize)]
struct CompareOut<'a> {
    rows: &'a [CompareRow],
    note: &'static str,
}

/// Every arm on one objective: the best value of each seed's run.
fn compare_row(
    name: &str,
    arms: &[String],
    space: &Space,
    (trials, seeds): (usize, u64),
    python: Option<&Path>,
    objective: &mut dyn FnMut(&super::Params) -> Result<f64>,
) -> Result<CompareRow> {
    let mut best = Vec::new();
    for arm in arms {
        let mut per_seed = Vec::new();
        for seed in 0..seeds {
            let curve = run_arm(
                arm,
                space,
                Direction::Minimize,
                trials,
                seed,
                python,
                objective,
            )?;
            per_seed.push(curve.last().copied().unwrap_or(f64::NAN));
        }
        best.push((arm.clone(), per_seed));
    }
    Ok(CompareRow {
        objective: name.to_string(),
        direction: Direction::Minimize,
        trials,
        seeds: seeds as usize,
        best,
    })
}

fn compare(a: &CompareArgs) -> Result<()> {
    crate::device::set_threads(a.threads);
    let python = crate::python::interpreter();
    if a.arms.iter().any(|x| x.starts_with("optuna-")) && python.is_none() {
        return Err(Error::config(
            "compare-optuna: no Python interpreter (set DEEPFIELD_PYTHON or run `cargo xtask setup`)",
        ));
    }
    let mut rows = Vec::new();
    for f in &a.functions {
        if !FUNCTIONS.contains(&f.as_str()) {
            return Err(Error::config(format!(
                "compare-optuna: unknown function `{f}` (expected {})",
                FUNCTIONS.join(", ")
            )));
        }
        let space = functions::space(f)?;
        let row = compare_row(
            f,
            &a.arms,
            &space,
            (a.trials, a.seeds),
            python.as_deref(),
            &mut |p| functions::evaluate(f, p),
        )?;
        print!("{}", markdown(std::slice::from_ref(&row)));
        rows.push(row);
    }
    if a.model_trials > 0 {
        let space = model_space()?;
        let base = model_base();
        let data = load_images(&base.data)?;
        let mut objective = |p: &super::Params| -> Result<f64> {
            let cfg = space.apply(&base, p)?;
            let mut t = super::TrialCtx::detached(p.clone())?;
            let (_, r) = train_image_model(&cfg, &data, &mut t, None)?;
            Ok(r.map_or(f64::NAN, |r| 1.0 - r.val_accuracy))
        };
        let row = compare_row(
            "mnist-mlp val error",
            &a.arms,
            &space,
            (a.model_trials, a.model_seeds),
            python.as_deref(),
            &mut objective,
        )?;
        print!("{}", markdown(std::slice::from_ref(&row)));
        rows.push(row);
    }
    let table = markdown(&rows);
    std::fs::create_dir_all(&a.out).map_err(|e| Error::io(&a.out, e))?;
    crate::fsutil::write_atomic(&a.out.join("compare.md"), table.as_bytes())?;
    crate::fsutil::write_json(
        &a.out.join("compare.json"),
        &CompareOut {
            rows: &rows,
            note: "mean ± std over seeds of the best value found (all minimised); optuna-* arms are Optuna 5.0 through core/bench/optuna_ask_tell.py",
        },
    )?;
    println!("\n{table}\nwritten to {}", a.out.display());
    Ok(())
}
