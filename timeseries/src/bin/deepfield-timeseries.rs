//! `deepfield-timeseries`: list/run reproductions, evaluate a trained model on your own CSV, and
//! benchmark the CNN-LSTM training loop against PyTorch eager.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Subcommand;
use deepfield_core::data::TensorDataset;
use deepfield_core::metrics::show_opt;
use deepfield_core::models::ModelConfig;
use deepfield_core::nn::cnn_lstm::CnnLstmConfig;
use deepfield_core::repro::cli::{App, BenchArgs, Common, EvalArgs};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::train::{OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_timeseries::models::aamdm::predict::predict_file;
use deepfield_timeseries::models::aamdm::Sampler;
use deepfield_timeseries::{detect, forecast, repro, Error, Result};

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Run a trained model (results/<id>/model) on your series: forecasts (amd-kinetic,
    /// stock-cnn-lstm) or anomaly scores (stackvae-g). INPUT is a CSV, TSV (`.tsv`) or Parquet
    /// file with the training column names (time column included); its time and id columns are
    /// carried to the output.
    Eval {
        #[command(flatten)]
        eval: EvalArgs,
        /// The input file (older spelling of INPUT).
        #[arg(long, hide = true)]
        csv: Option<PathBuf>,
        /// Detectors: the value column(s) to score (repeat for several). A univariate detector
        /// (results/stackvae-g/model_univariate) scores any one column.
        #[arg(long, value_name = "NAME")]
        column: Vec<String>,
        /// Detectors: the time column of INPUT [default: the one the detector was trained with].
        #[arg(long, value_name = "NAME")]
        time_column: Option<String>,
        /// Detectors: the column of INPUT holding 0/1 anomaly labels (instead of --labels).
        #[arg(long, value_name = "NAME")]
        label_column: Option<String>,
        /// Detectors: train a fresh detector of the saved kind and settings on INPUT (no labels
        /// needed) instead of using the saved weights.
        #[arg(long)]
        fit: bool,
        /// Seed of --fit.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Classify the annotated beats of a WFDB record (AAMI classes N/S/V/F/Q) with a saved beat
    /// classifier (results/biosignal-ssl/model); writes one CSV row per beat and prints macro-F1
    /// against the record's annotations.
    ClassifyBeats {
        /// The model folder (results/biosignal-ssl/model).
        #[arg(long)]
        model: PathBuf,
        /// The record's header file (<record>.hea, its .dat beside it).
        #[arg(long)]
        record: PathBuf,
        /// The beat annotation file [default: <record>.atr beside the header].
        #[arg(long)]
        annotations: Option<PathBuf>,
        /// Where to write the per-beat CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Infer the rate matrix and initial distribution of a Markov jump process zero-shot with a
    /// pretrained FIM-MJP model (results/fim-mjp/model). INPUT is a CSV with columns
    /// `path,time,state` (states 0 … k-1, k <= 6).
    FimInfer {
        /// The model folder.
        #[arg(long, default_value = "results/fim-mjp/model")]
        model: PathBuf,
        /// The observations.
        input: PathBuf,
        /// Number of states [default: the largest observed state + 1].
        #[arg(long)]
        states: Option<usize>,
        /// Write the result as JSON here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Sample future trajectories with a trained AAMDM model (results/aamdm/model): INPUT holds
    /// observed tracks as `frame,ped,x,y` rows in metres (tabs or spaces also work, a header line
    /// is optional); every pedestrian whose last 8 annotated frames are consecutive is forecast
    /// 12 steps ahead. The output CSV has `ped,sample,step,frame,x,y` rows.
    TrajPredict {
        /// The model folder (results/aamdm/model or results/aamdm/models/<fold>).
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        /// The observed tracks.
        #[arg(value_name = "INPUT")]
        input: PathBuf,
        /// Samples per pedestrian.
        #[arg(long, default_value_t = 20)]
        samples: usize,
        /// aamdm, aamdm_no_polish or ddpm [default: the saved model's, aamdm].
        #[arg(long)]
        sampler: Option<String>,
        /// Seed of the sampling noise.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Write the futures to this CSV.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// libtorch threads (0: all cores).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// CNN-LSTM training steps/s here and in PyTorch eager (same shapes, same loop).
    Bench {
        #[command(flatten)]
        bench: BenchArgs,
        /// Seconds to measure each side per round.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Rounds, alternating the two sides; the best round of each is reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
}

deepfield_core::domain_cli! {
    name: "deepfield-timeseries",
    about: "deepfield timeseries: forecasting (NSE), CNN-LSTM, StackVAE-G anomaly detection",
    commands: Command,
    run: run,
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Common(c) => c
            .run(&App {
                repros: repro::all(),
                models: deepfield_timeseries::models()?,
            })
            .map_err(Error::from),
        Command::Eval {
            eval: args,
            csv,
            column,
            time_column,
            label_column,
            fit,
            seed,
        } => {
            let input = args.input_or(&[("csv", &csv)])?;
            args.apply_threads();
            let opts = detect::EvalOptions {
                columns: column,
                time_column,
                labels: args.labels.clone(),
                label_column,
                fit,
                seed,
            };
            eval(&args, &input, &opts)
        }
        Command::ClassifyBeats {
            model,
            record,
            annotations,
            out,
        } => classify_beats(&model, &record, annotations.as_deref(), out.as_deref()),
        Command::FimInfer {
            model,
            input,
            states,
            out,
        } => fim_infer(&model, &input, states, out.as_deref()),
        Command::TrajPredict {
            model,
            input,
            samples,
            sampler,
            seed,
            out,
            threads,
        } => {
            deepfield_core::device::set_threads(threads);
            let sampler = sampler.as_deref().map(Sampler::parse).transpose()?;
            let r = predict_file(&model, &input, samples, sampler, seed, out.as_deref())?;
            println!(
                "{} pedestrians forecast ({} samples each, frame step {}); {} skipped",
                r.forecast.len(),
                samples,
                r.frame_step,
                r.skipped.len()
            );
            for (ped, why) in r.skipped.iter().take(10) {
                println!("  skipped pedestrian {ped}: {why}");
            }
            if let Some(out) = out {
                println!("wrote {}", out.display());
            }
            Ok(())
        }
        Command::Bench {
            bench: BenchArgs { threads, python },
            seconds,
            rounds,
        } => run_bench(threads, python, seconds, rounds),
    }
}

fn eval(args: &EvalArgs, input: &Path, opts: &detect::EvalOptions) -> Result<()> {
    let model = &args.model;
    let out = args.out.as_deref();
    // The kind is in config.json in both layouts: the registry's ("timeseries.forecaster", …)
    // and the one before it ("forecaster", "detector").
    let cfg: serde_json::Value = deepfield_core::checkpoint::load(model)?;
    let kind = cfg.get("kind").and_then(|k| k.as_str()).ok_or_else(|| {
        Error::input(format!(
            "{}: config.json names no model kind; is this a model folder of \
                 deepfield-timeseries (results/<id>/model)?",
            model.display()
        ))
    })?;
    match kind {
        forecast::LEGACY_KIND | forecast::ForecastPipelineConfig::KIND => {
            if args.labels.is_some() || opts.fit || !opts.columns.is_empty() {
                return Err(Error::input(
                    "--labels, --column and --fit are for anomaly detectors; a forecaster \
                     compares its forecasts with the target columns of INPUT itself",
                ));
            }
            let r = forecast::evaluate_csv(model, input, out)?;
            println!(
                "{} forecasts (one per window, the last one beyond the end of the file); {} \
                 complete windows scored",
                r.origin.len(),
                r.complete_windows
            );
            for m in &r.metrics {
                println!(
                    "{:<12} n {:<5} NSE {}  RMSE {}  MAE {}",
                    m.target,
                    m.n,
                    show_opt(m.nse),
                    show_opt(m.rmse),
                    show_opt(m.mae)
                );
            }
        }
        detect::LEGACY_KIND | detect::DetectorPipelineConfig::KIND => {
            let r = detect::evaluate_csv(model, input, opts, out)?;
            println!(
                "{} scores of {}, {} flagged as anomalous (threshold {:.4}: {})",
                r.scores.len(),
                r.columns.join(", "),
                r.flags.iter().filter(|&&f| f).count(),
                r.threshold,
                r.threshold_source
            );
            if let Some(m) = &r.metrics {
                println!("{} labelled rows, {} anomalous", m.labelled, m.anomalous);
                for (name, p) in [
                    ("as flagged", &m.at_threshold),
                    ("point-adjusted", &m.point_adjusted),
                ] {
                    println!(
                        "{name:<15} precision {}  recall {}  F1 {}",
                        show_opt(p.precision),
                        show_opt(p.recall),
                        show_opt(p.f1)
                    );
                }
                println!(
                    "best F1 over thresholds: {}  point-adjusted: {}",
                    show_opt(m.best.map(|b| b.f1)),
                    show_opt(m.best_point_adjusted.map(|b| b.f1))
                );
            }
        }
        other => {
            return Err(Error::input(format!(
                "{}: a `{other}` model; eval here runs timeseries forecasters and detectors \
                 (`forward` runs any registered model on a tensor)",
                model.display()
            )))
        }
    }
    args.print_written();
    Ok(())
}

fn classify_beats(
    model: &Path,
    record: &Path,
    annotations: Option<&Path>,
    out: Option<&Path>,
) -> Result<()> {
    let r = deepfield_timeseries::biosignal::classify_record(model, record, annotations, out)?;
    let mut per_class = vec![0usize; r.classes.len()];
    for b in &r.beats {
        if let Some(k) = r.classes.iter().position(|c| *c == b.predicted) {
            per_class[k] += 1;
        }
    }
    println!(
        "record {}: {} beats classified ({} too close to the ends skipped)",
        r.record,
        r.beats.len(),
        r.skipped
    );
    let shares: Vec<String> = r
        .classes
        .iter()
        .zip(&per_class)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    println!("predicted: {}", shares.join(", "));
    println!(
        "against the annotations: macro-F1 {:.4} (classes present), accuracy {:.4}",
        r.scores.macro_f1, r.scores.accuracy
    );
    if let Some(o) = out {
        println!("wrote {}", o.display());
    }
    Ok(())
}

fn fim_infer(model: &Path, input: &Path, states: Option<usize>, out: Option<&Path>) -> Result<()> {
    let (obs, r) = deepfield_timeseries::mjp::infer::infer_csv(model, input, states, out)?;
    let k = obs.k;
    println!(
        "{} paths, {:.1} observations per path, {k} states (times scaled by {:.4}, {} path group(s))",
        obs.paths.len(),
        obs.mean_observations(),
        r.time_scale,
        r.groups
    );
    println!("rates q_ij (row i = from, column j = to), ± predicted standard deviation:");
    for i in 0..k {
        let row: Vec<String> = (0..k)
            .map(|j| {
                if i == j {
                    format!("{:>15}", "-")
                } else {
                    format!(
                        "{:>7.4} ±{:<6.3}",
                        r.rates.rate(i, j),
                        r.rate_std[i * k + j]
                    )
                }
            })
            .collect();
        println!("  {i}: {}", row.join(" "));
    }
    let init: Vec<String> = r.init.iter().map(|p| format!("{p:.3}")).collect();
    println!("initial distribution: {}", init.join(" "));
    if let Some(out) = out {
        println!("written: {}", out.display());
    }
    Ok(())
}

/// Fixed shapes of the bench: windows of 30 days × 8 features, batch 64, 20 batches per epoch.
const N: i64 = 64 * 20;
const T: i64 = 30;
const F: i64 = 8;

fn run_bench(threads: usize, python: Option<PathBuf>, seconds: f64, rounds: usize) -> Result<()> {
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
    /// The shared eval form parses, the old `--csv` flag still works, and both at once is an error.
    #[test]
    fn commands_are_consistent() {
        use clap::Parser;
        let parse = |args: &[&str]| super::Cli::try_parse_from(args);
        let pick = |c: super::Cli| match c.command {
            super::Command::Eval { eval, csv, .. } => eval.input_or(&[("csv", &csv)]),
            _ => panic!("not eval"),
        };
        let new = parse(&[
            "x",
            "eval",
            "--model",
            "m",
            "in.tsv",
            "--labels",
            "l.csv",
            "--threads",
            "2",
        ])
        .unwrap();
        assert_eq!(pick(new).unwrap(), std::path::PathBuf::from("in.tsv"));
        let old = parse(&[
            "x", "eval", "--model", "m", "--csv", "in.csv", "--out", "o.csv",
        ])
        .unwrap();
        assert_eq!(pick(old).unwrap(), std::path::PathBuf::from("in.csv"));
        let both = parse(&["x", "eval", "--model", "m", "a.csv", "--csv", "b.csv"]).unwrap();
        let e = pick(both).unwrap_err().to_string();
        assert!(
            e.contains("more than one input") && e.contains("--csv"),
            "{e}"
        );
    }
}
