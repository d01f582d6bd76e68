//! The command-line pieces every domain binary shares: `list` and `repro <id> [options]`.

use std::path::PathBuf;

pub use super::tool_args::{ExplainArgs, ProfileArgs};
use super::{find, ReproOptions, Reproduction};
use crate::{Error, Result};

/// Arguments of `repro <id>`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReproArgs {
    /// Reproduction id (see `list`).
    pub id: String,
    /// Short run (fewer epochs/folds) for smoke tests; numbers are not the paper's.
    #[arg(long)]
    pub quick: bool,
    /// Seed for weights, splits and shuffling.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder [default: `results/<id>`].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Data directory [default: $DEEPFIELD_DATA or ../shared/datasets beside the checkout].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// libtorch threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Run with this config (the JSON of the run's `config.json`; fields left out take their
    /// defaults) instead of the built-in full or quick one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Replace a full run's results with a quick run's (a quick run alone goes to
    /// `results/<id>-quick/`).
    #[arg(long)]
    pub force: bool,
}

/// The arguments of every binary's `eval` command: a trained model folder, the user's data,
/// optional labels, and where the predictions go. A domain binary flattens them
/// (`#[command(flatten)] eval: EvalArgs`) and adds its own options beside them.
#[derive(clap::Args, Debug, Clone)]
pub struct EvalArgs {
    /// The trained model folder (`results/<id>/model`, or the folder `--out` named).
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// Your data: a file or folder in the format the model was trained on (see the command's help).
    #[arg(value_name = "INPUT")]
    pub input: Option<PathBuf>,
    /// The true labels or targets, as a CSV/TSV with an id column; where given, metrics are printed.
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    /// Write the predictions to this CSV (RFC 4180; the input's id columns are kept).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// libtorch threads (0: all cores).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
}

/// The options every domain's `bench` command takes; a binary flattens them into its own
/// (`#[command(flatten)] bench: BenchArgs`) beside the bench's own settings.
#[derive(clap::Args, Debug, Clone)]
pub struct BenchArgs {
    /// Threads on both sides (libtorch here; the reference side is pinned to the same count).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Python interpreter of the reference side (the bench's help names the packages it needs)
    /// [default: DEEPFIELD_PYTHON or the workspace venv].
    #[arg(long)]
    pub python: Option<PathBuf>,
}

impl EvalArgs {
    /// The input path: the positional `INPUT`, or one of the older named flags a binary keeps
    /// as an alias (`--csv`, `--dir`, `--fasta`, …) passed as `legacy`. Both or neither is an
    /// error that says what to give.
    pub fn input_or(&self, legacy: &[(&str, &Option<PathBuf>)]) -> Result<PathBuf> {
        let given: Vec<(&str, &PathBuf)> = legacy
            .iter()
            .filter_map(|(name, p)| p.as_ref().map(|p| (*name, p)))
            .collect();
        match (&self.input, given.as_slice()) {
            (Some(p), []) => Ok(p.clone()),
            (None, [(_, p)]) => Ok((*p).clone()),
            (None, []) => Err(Error::config(
                "no input: give your data file or folder after the options (INPUT)".to_string(),
            )),
            (Some(_), _) | (None, _) => Err(Error::config(format!(
                "more than one input: give INPUT once ({} also given)",
                given
                    .iter()
                    .map(|(n, _)| format!("--{n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Set libtorch's threads as asked (0 leaves libtorch's default).
    pub fn apply_threads(&self) {
        crate::device::set_threads(self.threads);
    }

    /// Print where `--out` wrote the predictions, when it was given (the last line of every
    /// domain's `eval`).
    pub fn print_written(&self) {
        if let Some(o) = &self.out {
            println!("predictions written to {}", o.display());
        }
    }
}

/// A domain binary's command line and `main`, written once: a `Cli` parser (clap) named `$name`
/// with `$about` and the crate's version whose subcommands are the enum `$commands` (which
/// flattens [`Common`] beside its own), and a `main` that parses it and runs `$run` on the
/// command through [`run_main`]. It also adds the tests every binary keeps: clap's checks of the
/// command tree (duplicate names or aliases between the shared and the domain commands panic
/// at run time in debug builds), and that the shared commands parse (`$commands` flattens
/// [`Common`] as its variant `Common`).
///
/// ```ignore
/// deepfield_core::domain_cli! {
///     name: "deepfield-audio",
///     about: "deepfield audio: WAV → MFCC → BiLSTM cough and spoken-digit classification",
///     commands: Command,
///     run: run,
/// }
/// ```
#[macro_export]
macro_rules! domain_cli {
    (name: $name:literal, about: $about:literal, commands: $cmd:ident, run: $run:path $(,)?) => {
        #[derive(clap::Parser)]
        #[command(name = $name, version, about = $about)]
        struct Cli {
            #[command(subcommand)]
            command: $cmd,
        }

        fn main() -> std::process::ExitCode {
            $crate::repro::cli::run_main(|| $run(<Cli as clap::Parser>::parse().command))
        }

        #[cfg(test)]
        mod cli_is_well_formed {
            use $crate::repro::cli::Common;

            fn parse(args: &[&str]) -> Result<super::$cmd, clap::Error> {
                <super::Cli as clap::Parser>::try_parse_from(args).map(|c| c.command)
            }

            /// clap's checks of the command tree.
            #[test]
            fn command_line_is_well_formed() {
                <super::Cli as clap::CommandFactory>::command().debug_assert();
            }

            /// The shared commands are there beside the domain's, with their arguments.
            #[test]
            fn shared_commands_are_there() {
                let forward = [$name, "forward", "--model", "m", "--input", "x.safetensors"];
                let cmd = parse(&[&forward[..], &["--out", "y.csv"]].concat());
                assert!(matches!(
                    cmd,
                    Ok(super::$cmd::Common(Common::Forward { .. }))
                ));
                // The tensor form needs all three.
                assert!(parse(&forward).is_err());
                assert!(parse(&forward[..4]).is_err());
                let cmd = parse(&[$name, "inspect", "m"]);
                assert!(matches!(
                    cmd,
                    Ok(super::$cmd::Common(Common::Inspect { .. }))
                ));
                let explain = [
                    $name,
                    "explain",
                    "--model",
                    "m",
                    "--input",
                    "x.safetensors",
                    "--method",
                    "gradcam++",
                    "--out",
                    "o",
                    "--channels",
                    "1,3",
                    "--neuron-layer",
                    "blocks.1",
                    "--neuron-channels",
                    "2",
                ];
                assert!(matches!(
                    parse(&explain),
                    Ok(super::$cmd::Common(Common::Explain(ref a)))
                        if a.channels.as_deref() == Some(&[1, 3][..])
                            && a.request().neurons.as_ref().is_some_and(|n| n.channels == [2])
                ));
                let cmd = parse(&[$name, "profile", "--out", "p.json", "--kind", "mlp"]);
                assert!(matches!(
                    cmd,
                    Ok(super::$cmd::Common(Common::Profile(ref a))) if a.kinds == ["mlp"]
                ));
                assert!(parse(&[$name, "profile"]).is_err());
                let quantize = [
                    $name, "compress", "quantize", "--model", "m", "--method", "ptq", "--bits",
                    "4", "--per-channel", "--out", "q",
                ];
                assert!(matches!(
                    parse(&quantize),
                    Ok(super::$cmd::Common(Common::Compress(
                        $crate::compress_cli::Compress::Quantize(ref a)
                    ))) if a.bits == 4 && a.per_channel
                ));
                assert!(parse(&quantize[..8]).is_err());
                let prune = [
                    $name, "compress", "prune", "--model", "m", "--method", "channels",
                    "--sparsity", "0.5", "--out", "o", "--physical",
                ];
                assert!(matches!(
                    parse(&prune),
                    Ok(super::$cmd::Common(Common::Compress(
                        $crate::compress_cli::Compress::Prune(ref a)
                    ))) if a.physical && a.sparsity == 0.5
                ));
                assert!(parse(&prune[..7]).is_err());
                let attack = [
                    $name, "attack", "--model", "m", "--input", "x.safetensors", "--labels",
                    "y.txt", "--method", "pgd-l2", "--eps", "0.5", "--out", "o",
                ];
                assert!(matches!(
                    parse(&attack),
                    Ok(super::$cmd::Common(Common::Attack(ref a)))
                        if a.method == $crate::robust::Method::PgdL2 && a.eps == 0.5
                            && a.bounds == [0.0, 1.0]
                ));
                assert!(parse(&attack[..attack.len() - 2]).is_err());
                for shared in ["list", "models"] {
                    assert!(parse(&[$name, shared]).is_ok(), "{shared}");
                }
            }
        }
    };
}

impl ReproArgs {
    /// The [`ReproOptions`] these arguments describe.
    pub fn options(&self) -> ReproOptions {
        let mut o = ReproOptions::new(&self.id);
        o.quick = self.quick;
        o.force = self.force;
        o.config = self.config.clone();
        if self.quick {
            o.out = PathBuf::from("results").join(format!("{}-quick", self.id));
        }
        o.seed = self.seed;
        if let Some(out) = &self.out {
            o.out = out.clone();
        }
        o.data = self.data.clone();
        o.threads = self.threads;
        o
    }
}

/// The process exit status of a command's result: success, or the error printed as
/// `error: …` on stderr and a failure status. Every deepfield binary's `main` ends with it.
pub fn exit_code<E: std::fmt::Display>(
    result: std::result::Result<(), E>,
) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A deepfield binary's `main`: tune the allocator for training ([`crate::allocator::tune`]),
/// run the command, and turn its result into the exit status ([`exit_code`]).
pub fn run_main<E: std::fmt::Display>(
    command: impl FnOnce() -> std::result::Result<(), E>,
) -> std::process::ExitCode {
    crate::allocator::tune();
    exit_code(command())
}

/// Print `id  description` for each reproduction.
pub fn print_list(repros: &[Box<dyn Reproduction>]) {
    for r in repros {
        println!("{:<18} {}", r.id(), r.description());
    }
}

/// Run the reproduction named in `args`, then print where its results are.
pub fn run(repros: &[Box<dyn Reproduction>], args: &ReproArgs) -> Result<serde_json::Value> {
    let repro = find(repros, &args.id).ok_or_else(|| {
        Error::config(format!(
            "no reproduction `{}` here (available: {})",
            args.id,
            repros.iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let opts = args.options();
    crate::device::set_threads(opts.threads);
    eprintln!(
        "repro {}{}: seed {}, device {:?}, {} threads -> {}",
        repro.id(),
        if opts.quick { " (quick)" } else { "" },
        opts.seed,
        crate::device(),
        crate::device::threads(),
        opts.out.display()
    );
    #[cfg(feature = "registry")]
    let recording = record::start(repro.id(), &opts);
    let result = repro.run(&opts);
    #[cfg(feature = "registry")]
    record::end(recording, &result, &opts);
    let metrics = result?;
    print!(
        "{}",
        super::typed::summary_table(&repro.summary(&metrics), 20)
    );
    println!(
        "results written to {} (all numbers: metrics.json, metrics.csv)",
        opts.out.display()
    );
    Ok(metrics)
}

/// What a binary offers through the shared commands: its reproductions and the model kinds it
/// can rebuild from a checkpoint.
pub struct App {
    pub repros: Vec<Box<dyn Reproduction>>,
    pub models: crate::models::ModelRegistry,
}

/// The subcommands every deepfield binary shares; a domain binary flattens them into its own
/// command enum (`#[command(flatten)] Common(Common)`) beside its domain commands (`eval`,
/// `predict`, … with the domain's own preprocessing), which must not reuse these names.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Common {
    /// List this binary's reproductions.
    List,
    /// Run a reproduction, writing `results/<id>/`.
    Repro(ReproArgs),
    /// List the model kinds this binary can build, restore and run.
    Models,
    /// Describe a saved model folder: kind, config, parameters, metadata, metrics.
    Inspect {
        /// The model folder (e.g. `results/<id>/model`).
        model: PathBuf,
    },
    /// Run any saved model's forward pass on a tensor: input from a safetensors file (the tensor `input`, or
    /// its only tensor), outputs to a safetensors file (tensor `output`) or, for 1-D/2-D
    /// outputs, a CSV with one row per sample.
    Forward {
        /// The model folder.
        #[arg(long)]
        model: PathBuf,
        /// safetensors file with the input batch (batch first).
        #[arg(long)]
        input: PathBuf,
        /// Output file: `.safetensors` or `.csv`.
        #[arg(long)]
        out: PathBuf,
    },
    /// Explain any saved model's predictions on a tensor file (as `forward` reads it: `input`,
    /// optionally a `mask`): gradients, integrated gradients, SmoothGrad, or a class activation
    /// map of a captured layer, or SHAP values against a background set (any model). Writes
    /// `attributions.safetensors`, `scores.csv`,
    /// `explain.json` and heat-map PNGs into `--out`.
    Explain(Box<ExplainArgs>),
    /// Attack any saved classifier on a tensor file and its labels (FGSM, PGD L∞/L2, APGD-CE):
    /// writes the clean and robust accuracy (`attack.json`) and the adversarial examples
    /// (`adversarial.safetensors`) into `--out`.
    Attack(crate::robust::cli::AttackArgs),
    /// Profile every registered model kind on its example input (fresh weights): MACs, FLOPs,
    /// parameters, activation memory and arithmetic intensity per layer, measured latency, and
    /// this machine's roofline (matrix-product peak, copy bandwidth), written as JSON.
    Profile(ProfileArgs),
    /// Compress any saved model: `compress prune` (magnitude, global or channel pruning,
    /// sparse or physically smaller) and `compress quantize` (int8 dynamic, or post-training
    /// at 2..8 bits).
    #[command(subcommand)]
    Compress(crate::compress_cli::Compress),
}

impl Common {
    /// Run the command against `app`.
    pub fn run(&self, app: &App) -> Result<()> {
        match self {
            Common::List => {
                print_list(&app.repros);
                Ok(())
            }
            Common::Repro(args) => run(&app.repros, args).map(|_| ()),
            Common::Models => {
                for (kind, desc) in app.models.kinds() {
                    println!("{kind:<22} {desc}");
                }
                Ok(())
            }
            Common::Inspect { model } => {
                println!("{}", inspect(&app.models, model)?);
                Ok(())
            }
            Common::Profile(args) => {
                let file = args.run(&app.models)?;
                for m in &file.models {
                    println!(
                        "{:<24} {:>12} MACs {:>10} params {:>10.3} ms",
                        m.kind,
                        m.macs,
                        m.params,
                        m.latency.median_s * 1e3
                    );
                }
                println!(
                    "{} profiles ({} kinds without an example) written to {}",
                    file.models.len(),
                    file.skipped.len(),
                    args.out.display()
                );
                Ok(())
            }
            Common::Compress(c) => c.run(&app.models),
            Common::Forward { model, input, out } => {
                let n = forward_file(&app.models, model, input, out)?;
                println!("{n} outputs written to {}", out.display());
                Ok(())
            }
            Common::Attack(args) => {
                let r = args.run(&app.models)?;
                println!(
                    "{} examples: clean accuracy {:.4}, robust accuracy {:.4}; written to {}",
                    r.accuracy.examples,
                    r.accuracy.clean,
                    r.accuracy.robust,
                    args.out.display()
                );
                Ok(())
            }
            Common::Explain(args) => {
                let r = crate::explain::run::explain(&app.models, &args.request())?;
                println!(
                    "{} examples explained{}; {} files in {}",
                    r.examples,
                    r.layer
                        .map(|l| format!(" at layer {l}"))
                        .unwrap_or_default(),
                    r.files.len(),
                    args.out.display()
                );
                Ok(())
            }
        }
    }
}

/// A readable description of the model folder `dir`.
pub fn inspect(models: &crate::models::ModelRegistry, dir: &std::path::Path) -> Result<String> {
    use std::fmt::Write as _;
    let weights = crate::checkpoint::weights_path(dir);
    let meta = crate::checkpoint::read_metadata(&weights)?;
    let tensors = crate::checkpoint::tensor_names(&weights)?;
    let mut s = String::new();
    let kind = meta.get(crate::checkpoint::META_KIND).cloned();
    let _ = writeln!(
        s,
        "model      {}",
        kind.as_deref()
            .unwrap_or("(no kind in the weights' metadata: an older checkpoint)")
    );
    if let Some(k) = &kind {
        let _ = writeln!(
            s,
            "registered {}",
            match models.input_of(k) {
                Some(_) if models.is::<dyn crate::Forward>(k) => "yes (`forward` runs it)".into(),
                Some(input) => format!("yes; takes {input}"),
                None => "no: not a model kind of this binary's registry (its domain commands \
                         load it)"
                    .to_string(),
            }
        );
    }
    for (k, v) in &meta {
        if k != crate::checkpoint::META_CONFIG && k != crate::checkpoint::META_KIND {
            let _ = writeln!(s, "{k:<10} {v}");
        }
    }
    let params: i64 = tensors
        .iter()
        .map(|(_, sh)| sh.iter().product::<i64>())
        .sum();
    let _ = writeln!(s, "tensors    {} ({params} values)", tensors.len());
    for (name, shape) in &tensors {
        let _ = writeln!(s, "  {name:<40} {shape:?}");
    }
    if let Some(c) = meta.get(crate::checkpoint::META_CONFIG) {
        let _ = writeln!(s, "config     {c}");
    }
    if let Ok(m) = crate::checkpoint::read_metrics(dir) {
        let _ = writeln!(s, "metrics    {m}");
    }
    Ok(s)
}

/// Restore the model in `dir` through `models`, run it on the input tensor of `input` in
/// evaluation mode, and write the outputs to `out` (safetensors, or CSV for 1-D/2-D outputs).
/// Returns the number of samples.
pub fn forward_file(
    models: &crate::models::ModelRegistry,
    dir: &std::path::Path,
    input: &std::path::Path,
    out: &std::path::Path,
) -> Result<usize> {
    let restored = models.restore(dir, crate::device())?;
    let x = crate::checkpoint::read_named(input, &["input"])?;
    let ds = crate::data::TensorDataset::new(x.shallow_clone(), x.zeros_like())?
        .to_device(restored.vs.device());
    let y = crate::train::predict(&restored.model, &ds, 256)?.to_device(tch::Device::Cpu);
    let n = ds.len();
    let is_csv = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let y2 = match y.dim() {
            1 => y.unsqueeze(1),
            2 => y,
            d => {
                return Err(Error::input(format!(
                "{}: the model's outputs have {d} dimensions; write them to a .safetensors file",
                out.display()
            )))
            }
        };
        let cols = y2.size()[1];
        let vals = Vec::<f64>::try_from(y2.to_kind(tch::Kind::Double).flatten(0, -1))?;
        let header: Vec<String> = std::iter::once("row".to_string())
            .chain((0..cols).map(|c| format!("output_{c}")))
            .collect();
        let rows: Vec<Vec<String>> = vals
            .chunks(cols.max(1) as usize)
            .enumerate()
            .map(|(i, r)| {
                std::iter::once(i.to_string())
                    .chain(r.iter().map(|v| v.to_string()))
                    .collect()
            })
            .collect();
        crate::fsutil::write_csv(out, &header, &rows)?;
    } else {
        crate::checkpoint::write_tensors(out, &[("output", &y)])?;
    }
    Ok(n)
}

/// Every reproduction run through the command line is a run of the run registry
/// (`<out>/../registry.sqlite`, or `$DEEPFIELD_REGISTRY`; `off` records nothing). Recording
/// never fails a reproduction: a registry error is printed as a warning.
#[cfg(feature = "registry")]
mod record {
    use super::super::{model_dir, ReproOptions};
    use crate::registry::{self, active, Finish, NewRun};
    use crate::Result;

    pub fn start(id: &str, opts: &ReproOptions) -> bool {
        let location = registry::location_for(&opts.out);
        if location == "off" {
            return false;
        }
        let mut run = NewRun::new(
            &format!("repro:{id}"),
            id,
            serde_json::json!({ "options": opts }),
        );
        run.seed = Some(opts.seed);
        run.split = Some(if opts.quick { "quick" } else { "full" }.to_string());
        match active::begin(&location, &run) {
            Ok(r) => {
                eprintln!("recording run {} in {location}", r.id);
                true
            }
            Err(e) => {
                eprintln!("warning: run registry: not recording this run: {e}");
                false
            }
        }
    }

    pub fn end(recording: bool, result: &Result<serde_json::Value>, opts: &ReproOptions) {
        if !recording {
            return;
        }
        let finish = match result {
            Ok(metrics) => {
                let mut f = Finish::complete(None);
                f.metrics = registry::numeric_leaves(metrics);
                f.config =
                    crate::fsutil::read_json::<serde_json::Value>(&opts.out.join("config.json"))
                        .ok();
                let model = model_dir(&opts.out);
                if model.is_dir() {
                    f.checkpoint = Some(model.display().to_string());
                }
                f
            }
            Err(_) => Finish::ended(crate::hpo::TrialState::Failed),
        };
        if let Err(e) = active::end(&finish) {
            eprintln!("warning: run registry: the run's end was not recorded: {e}");
        }
    }
}
