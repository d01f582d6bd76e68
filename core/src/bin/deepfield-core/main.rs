//! `deepfield-core`: doctor, core benchmarks, core reproductions, and evaluation of a trained
//! model on a user's own data.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod bench;
mod bench_compress;
mod know2vec;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use deepfield_core::models::ModelRegistry;
use deepfield_core::repro::{self, cli::App, cli::Common};

#[derive(Parser)]
#[command(
    name = "deepfield-core",
    version,
    about = "deepfield core: doctor, bench, reproductions, evaluation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print what libtorch sees: version, device, CUDA, threads.
    Doctor,
    /// Lift, drag and L/D of an airfoil (NACA 4-digit, CST weights or a Selig .dat file) by
    /// core's panel method and boundary layer: `airfoil --naca 2412 --alpha 0,4,8 --re 1e6`.
    Airfoil(deepfield_core::aero::cli::Args),
    /// Training steps/s of the core Trainer (MLP and BiLSTM), one line per model.
    Bench {
        /// libtorch threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Seconds to measure each model.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
    /// int8 vs f32 latency (MLP, LSTM, CNN) and torch.ao dynamic quantization, PGD-10
    /// throughput vs torchattacks, on the same weights; writes results/bench-compress/.
    BenchCompress(bench_compress::Args),
    /// The run registry: list, show, best, export and plot recorded runs and studies.
    #[cfg(feature = "registry")]
    Registry(deepfield_core::registry::cli::RegistryArgs),
    /// Hyper-parameter search: `hpo run` (tune a core model kind), `hpo compare-optuna`.
    Hpo(deepfield_core::hpo::cli::HpoArgs),
    /// Model retrieval from a zoo (Know2Vec): `know2vec rank --zoo DIR --images X --labels Y`
    /// ranks the zoo's models for your labelled data without fine-tuning them.
    Know2vec(know2vec::Args),
    #[command(flatten)]
    Common(Common),
    /// NN-Factory: assemble a model for your classes and budget from a trained supernet (no
    /// training), or run an assembled model on IDX images.
    #[command(subcommand)]
    Factory(deepfield_core::automl::factory::cli::FactoryCommand),
    /// Run a trained concrete-mlp model on your own table (CSV, TSV or Parquet by extension)
    /// with the training data's column names; other columns (ids) are kept in the output, and
    /// MAE/RMSE/R² are printed when the table has the target column.
    Eval {
        #[command(flatten)]
        eval: deepfield_core::repro::cli::EvalArgs,
        /// Older spelling of INPUT.
        #[arg(long, hide = true)]
        csv: Option<PathBuf>,
    },
    /// A local web page and JSON API for a trained tabular model (`pile-xai`): a form for the
    /// feature values, the prediction with a SHAP bar chart, CSV upload → CSV predictions.
    #[cfg(feature = "serve")]
    Serve(deepfield_core::serve::ServeArgs),
}

fn main() -> ExitCode {
    deepfield_core::repro::cli::run_main(|| run(Cli::parse().command))
}

fn run(cmd: Command) -> deepfield_core::Result<()> {
    match cmd {
        Command::Doctor => {
            let info = deepfield_core::device::info();
            println!("tch crate       0.26 (built for PyTorch 2.13.0)");
            println!("libtorch dir    {}", libtorch_dir());
            println!("device          {}", info.device);
            println!(
                "cuda available  {} ({} device(s), cuDNN {})",
                info.cuda_available, info.cuda_devices, info.cudnn_available
            );
            println!(
                "threads         {} intra-op, {} inter-op",
                info.threads, info.interop_threads
            );
            match deepfield_core::data::data_dir() {
                Ok(d) => println!("data directory  {}", d.display()),
                Err(e) => println!("data directory  missing: {e}"),
            }
            Ok(())
        }
        Command::Airfoil(args) => deepfield_core::aero::cli::run(&args).map(|_| ()),
        Command::Bench { threads, seconds } => bench::run(threads, seconds),
        Command::BenchCompress(args) => bench_compress::run(&args),
        Command::Hpo(args) => deepfield_core::hpo::cli::run(&args),
        Command::Factory(cmd) => cmd.run(),
        #[cfg(feature = "serve")]
        Command::Serve(args) => deepfield_core::serve::run(&args),
        #[cfg(feature = "registry")]
        Command::Registry(args) => deepfield_core::registry::cli::run(&args),
        Command::Know2vec(args) => know2vec::run(&args),
        Command::Common(c) => c.run(&App {
            repros: repro::all(),
            models: ModelRegistry::with_core(),
        }),
        Command::Eval { eval, csv } => {
            eval.apply_threads();
            // `eval concrete-mlp --model … --csv …`, the older form, names the reproduction first.
            let mut eval = eval;
            if csv.is_some() && eval.input.as_deref() == Some(std::path::Path::new("concrete-mlp"))
            {
                eval.input = None;
            }
            let input = eval.input_or(&[("csv", &csv)])?;
            if eval.labels.is_some() {
                return Err(deepfield_core::Error::config(
                    "concrete-mlp reads its targets from the input table's target column; --labels is not used here",
                ));
            }
            let r = repro::concrete::evaluate_csv(&eval.model, &input, eval.out.as_deref())?;
            println!("{} predictions", r.predictions.len());
            if let Some(m) = r.metrics {
                use deepfield_core::metrics::RegressionReport as R;
                println!(
                    "MAE {} MPa, RMSE {} MPa, R² {}, MAPE {}",
                    R::show(m.mae),
                    R::show(m.rmse),
                    R::show(m.r2),
                    R::show(m.mape)
                );
            }
            if let Some(o) = &eval.out {
                println!("predictions written to {}", o.display());
            }
            Ok(())
        }
    }
}

/// Where the running binary's libtorch comes from (the run path baked in at link time).
fn libtorch_dir() -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/libtorch");
    match std::fs::canonicalize(&p) {
        Ok(real) => format!("{} -> {}", p.display(), real.display()),
        Err(_) => format!("{} (missing: run `cargo xtask setup`)", p.display()),
    }
}

#[cfg(test)]
mod tests {
    /// The shared commands and this binary's own must not clash (clap panics on every call).
    #[test]
    fn commands_are_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    /// `serve` binds to the loopback address unless told otherwise.
    #[cfg(feature = "serve")]
    #[test]
    fn serve_defaults_to_loopback() {
        use clap::Parser;
        let cli = super::Cli::try_parse_from(["deepfield-core", "serve", "--model", "m"]).unwrap();
        let super::Command::Serve(a) = cli.command else {
            panic!("not serve")
        };
        assert_eq!(a.addr.to_string(), "127.0.0.1:8080");
        assert!(super::Cli::try_parse_from(["deepfield-core", "serve"]).is_err());
    }
}
