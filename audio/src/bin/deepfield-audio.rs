//! `deepfield-audio`: reproductions, evaluation of a trained model on your recordings, event
//! segmentation, and the MFCC benchmark against librosa and python_speech_features.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use deepfield_audio::{predict, repro, segment, wav};
use deepfield_core::repro::cli::{App, Common};

#[path = "../../bench/bench.rs"]
mod bench;

#[derive(Parser)]
#[command(
    name = "deepfield-audio",
    version,
    about = "deepfield audio: WAV → MFCC → BiLSTM cough and spoken-digit classification"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Run a trained model on a folder of WAV files; prints accuracy and a confusion matrix where
    /// labels are known (from --labels or the training set's file-name pattern).
    Eval {
        /// Model folder (results/<id>/model).
        #[arg(long)]
        model: PathBuf,
        /// Folder of .wav files.
        #[arg(long)]
        dir: PathBuf,
        /// CSV with columns file,label (class name or index).
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Write predictions to this CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Classify one WAV file.
    Classify {
        /// Model folder (results/<id>/model).
        #[arg(long)]
        model: PathBuf,
        /// The recording.
        file: PathBuf,
    },
    /// Split a recording into events (coughs, words) by energy; print or save the boundaries.
    Segment {
        /// The recording.
        file: PathBuf,
        /// Write index,start_sample,end_sample,start_s,end_s to this CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// MFCC throughput (audio-seconds per second) of ours vs librosa and python_speech_features
    /// on the spoken-digit recordings, in one command.
    Bench {
        /// Threads (ours; the Python side is pinned to the same count).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Python interpreter with librosa and python_speech_features.
        #[arg(long)]
        python: Option<PathBuf>,
        /// Minimum seconds to time each side.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// Data directory [default: $DEEPFIELD_DATA or ../shared/datasets].
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    deepfield_core::repro::cli::run_main(|| run(Cli::parse().command))
}

fn run(cmd: Command) -> deepfield_audio::Result<()> {
    match cmd {
        Command::Common(c) => c.run(&App {
            repros: repro::all(),
            models: deepfield_audio::models()?,
        })?,
        Command::Eval {
            model,
            dir,
            labels,
            out,
        } => {
            let r = predict::evaluate_folder(&model, &dir, labels.as_deref(), out.as_deref())?;
            for p in &r.predictions {
                println!(
                    "{}\t{}\t{:.3}{}",
                    p.file.display(),
                    p.predicted,
                    p.confidence,
                    p.label
                        .as_ref()
                        .map(|l| format!("\t(true {l})"))
                        .unwrap_or_default()
                );
            }
            if let Some(m) = &r.metrics {
                println!(
                    "\n{} labelled files: accuracy {:.4}, macro F1 {:.4}",
                    m.n, m.accuracy, m.f1_macro
                );
                println!(
                    "confusion (rows = truth, columns = predicted: {})",
                    r.class_names.join(" ")
                );
                for (name, row) in r.class_names.iter().zip(&m.confusion) {
                    println!(
                        "{name:>8} {}",
                        row.iter().map(|c| format!("{c:>5}")).collect::<String>()
                    );
                }
            }
            if !r.skipped.is_empty() {
                eprintln!("\n{} file(s) skipped:", r.skipped.len());
                for (p, e) in &r.skipped {
                    eprintln!("  {}: {e}", p.display());
                }
            }
            if let Some(o) = out {
                println!("predictions written to {}", o.display());
            }
        }
        Command::Classify { model, file } => {
            let p = predict::classify_file(&model, &file)?;
            println!("{}\t{}\t{:.3}", p.file.display(), p.predicted, p.confidence);
        }
        Command::Segment { file, out } => {
            let audio = wav::read_wav(&file)?;
            let epochs = segment::segment(&audio.samples, audio.sample_rate, &Default::default())?;
            for (i, e) in epochs.iter().enumerate() {
                println!("{i}\t{:.3}\t{:.3}", e.start_s, e.end_s);
            }
            println!("{} event(s)", epochs.len());
            if let Some(o) = out {
                segment::save_epochs(&o, &epochs)?;
                println!("boundaries written to {}", o.display());
            }
        }
        Command::Bench {
            threads,
            python,
            seconds,
            data,
        } => bench::run(threads, python, seconds, data)?,
    }
    Ok(())
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
