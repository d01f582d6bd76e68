//! `deepfield-timeseries`: list/run reproductions, evaluate a trained model on your own CSV, and
//! benchmark the CNN-LSTM training loop against PyTorch eager.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use deepfield_core::data::TensorDataset;
use deepfield_core::models::ModelConfig;
use deepfield_core::nn::cnn_lstm::CnnLstmConfig;
use deepfield_core::repro::cli::{App, Common};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::train::{OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_timeseries::{detect, forecast, repro, Error, Result};

#[derive(Parser)]
#[command(
    name = "deepfield-timeseries",
    version,
    about = "deepfield timeseries: forecasting (NSE), CNN-LSTM, StackVAE-G anomaly detection"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Run a trained model (results/<id>/model) on your CSV: forecasts or anomaly scores.
    /// (`predict` is the shared command that runs any saved model on a tensor.)
    Eval {
        /// The model folder.
        #[arg(long)]
        model: PathBuf,
        /// CSV with the training column names (time column included).
        #[arg(long)]
        csv: PathBuf,
        /// Write forecasts / scores to this CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// CNN-LSTM training steps/s here and in PyTorch eager (same shapes, same loop).
    Bench {
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Python with torch (default: the workspace venv).
        #[arg(long)]
        python: Option<PathBuf>,
        /// Seconds to measure each side per round.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Rounds, alternating the two sides; the best round of each is reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
}

fn main() -> ExitCode {
    deepfield_core::repro::cli::run_main(|| run(Cli::parse().command))
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Common(c) => c
            .run(&App {
                repros: repro::all(),
                models: deepfield_timeseries::models()?,
            })
            .map_err(Error::from),
        Command::Eval { model, csv, out } => eval(&model, &csv, out.as_deref()),
        Command::Bench {
            threads,
            python,
            seconds,
            rounds,
        } => bench(threads, python, seconds, rounds),
    }
}

fn eval(model: &Path, csv: &Path, out: Option<&Path>) -> Result<()> {
    // The kind is in config.json in both layouts: the registry's ("timeseries.forecaster", …)
    // and the one before it ("forecaster", "detector").
    let cfg: serde_json::Value = deepfield_core::checkpoint::load(model)?;
    match cfg["kind"].as_str() {
        Some(forecast::LEGACY_KIND | forecast::ForecastPipelineConfig::KIND) => {
            let r = forecast::evaluate_csv(model, csv, out)?;
            println!(
                "{} forecasts (one per window, the last one beyond the end of the file)",
                r.origin.len()
            );
            for m in r.metrics.iter().flatten() {
                println!(
                    "{:<12} NSE {:.4}  RMSE {:.4}  MAE {:.4}",
                    m.target, m.nse, m.rmse, m.mae
                );
            }
        }
        Some(detect::LEGACY_KIND | detect::DetectorPipelineConfig::KIND) => {
            let (_, scores, flags) = detect::evaluate_csv(model, csv, out)?;
            println!(
                "{} scores, {} flagged as anomalous",
                scores.len(),
                flags.iter().filter(|&&f| f).count()
            );
        }
        other => {
            return Err(Error::input(format!(
                "{}: unknown model kind {other:?}",
                model.display()
            )))
        }
    }
    if let Some(o) = out {
        println!("written to {}", o.display());
    }
    Ok(())
}

/// Fixed shapes of the bench: windows of 30 days × 8 features, batch 64, 20 batches per epoch.
const N: i64 = 64 * 20;
const T: i64 = 30;
const F: i64 = 8;

fn bench(threads: usize, python: Option<PathBuf>, seconds: f64, rounds: usize) -> Result<()> {
    deepfield_core::device::set_threads(threads);
    let python = python
        .or_else(deepfield_core::python::interpreter)
        .ok_or_else(|| {
            Error::input("no python with torch: pass --python or run `cargo xtask setup`")
        })?;
    let (mut ours, mut theirs) = (0.0f64, 0.0f64);
    for round in 1..=rounds.max(1) {
        let a = bench_ours(seconds)?;
        let b = bench_pytorch(&python, threads, seconds)?;
        println!("round {round}: deepfield {a:.2} steps/s, pytorch {b:.2} steps/s");
        ours = ours.max(a);
        theirs = theirs.max(b);
    }
    println!("bench cnn_lstm threads={threads} steps_per_s={ours:.2}");
    println!("bench cnn_lstm_pytorch threads={threads} steps_per_s={theirs:.2}");
    println!(
        "ratio cnn_lstm threads={threads} deepfield/pytorch={:.3}",
        ours / theirs
    );
    Ok(())
}

/// Training steps/s of core's CNN-LSTM through the Trainer, after one warm-up epoch.
fn bench_ours(seconds: f64) -> Result<f64> {
    deepfield_core::seed(0);
    let x = Tensor::randn([N, T, F], (Kind::Float, Device::Cpu));
    let y = Tensor::randn([N, 1], (Kind::Float, Device::Cpu));
    let data = TensorDataset::new(x, y)?;
    let mut vs = VarStore::new(Device::Cpu);
    let model = CnnLstmConfig::new(F, 1).init(&vs.root())?;
    let cfg = |epochs| TrainConfig {
        epochs,
        batch_size: 64,
        optimizer: OptimizerConfig::adam(1e-3),
        progress: false,
        ..Default::default()
    };
    let t = Instant::now();
    Trainer::new(cfg(1), Task::regression())?.fit(&model, &mut vs, &data, None)?;
    let epochs = ((seconds / t.elapsed().as_secs_f64().max(1e-4)).ceil() as usize).max(1);
    let t = Instant::now();
    Trainer::new(cfg(epochs), Task::regression())?.fit(&model, &mut vs, &data, None)?;
    Ok((epochs as f64 * (N / 64) as f64) / t.elapsed().as_secs_f64())
}

/// The PyTorch-eager twin (`bench/bench_cnn_lstm.py`) in a separate process.
fn bench_pytorch(python: &Path, threads: usize, seconds: f64) -> Result<f64> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/bench_cnn_lstm.py");
    let out = deepfield_core::allocator::configure_child(&mut std::process::Command::new(python))
        .arg(&script)
        .args([
            "--threads",
            &threads.to_string(),
            "--seconds",
            &seconds.to_string(),
        ])
        .output()
        .map_err(|e| Error::input(format!("cannot run {}: {e}", python.display())))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(Error::input(format!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    text.lines()
        .find_map(|l| {
            l.strip_prefix("bench cnn_lstm_pytorch ")
                .and_then(|r| r.split("steps_per_s=").nth(1))
                .and_then(|v| v.trim().parse::<f64>().ok())
        })
        .ok_or_else(|| Error::input(format!("no steps_per_s line in the python output: {text}")))
}

#[cfg(test)]
mod tests {
    /// clap's checks of the command tree (duplicate names or aliases between the shared and the
    /// domain commands panic at run time in debug builds).
    #[test]
    fn command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
