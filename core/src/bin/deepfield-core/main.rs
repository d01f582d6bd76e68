//! `deepfield-core`: doctor, core benchmarks, core reproductions, and evaluation of a trained
//! model on a user's own data.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod bench;

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
    /// Training steps/s of the core Trainer (MLP and BiLSTM), one line per model.
    Bench {
        /// libtorch threads.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Seconds to measure each model.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
    #[command(flatten)]
    Common(Common),
    /// Evaluate a trained model on your own data.
    Eval {
        /// Reproduction id whose model this is (concrete-mlp).
        id: String,
        /// The model folder (results/<id>/model).
        #[arg(long)]
        model: PathBuf,
        /// CSV with the training column names.
        #[arg(long)]
        csv: PathBuf,
        /// Write predictions to this CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
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
        Command::Bench { threads, seconds } => bench::run(threads, seconds),
        Command::Common(c) => c.run(&App {
            repros: repro::all(),
            models: ModelRegistry::with_core(),
        }),
        Command::Eval {
            id,
            model,
            csv,
            out,
        } => match id.as_str() {
            "concrete-mlp" => {
                let r = repro::concrete::evaluate_csv(&model, &csv, out.as_deref())?;
                println!("{} predictions", r.predictions.len());
                if let Some(m) = r.metrics {
                    println!(
                        "MAE {:.3} MPa, RMSE {:.3} MPa, R² {:.4}, MAPE {:.4}",
                        m.mae, m.rmse, m.r2, m.mape
                    );
                }
                if let Some(o) = out {
                    println!("predictions written to {}", o.display());
                }
                Ok(())
            }
            other => Err(deepfield_core::Error::config(format!(
                "no evaluator for `{other}` in deepfield-core (available: concrete-mlp)"
            ))),
        },
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
}
