//! `deepfield-genomics`: reproductions (`gmna`, `deep-snp`), predictions of trained models on
//! your own FASTA or SNP-array signal files, and the k-mer counting benchmark.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use deepfield_core::repro::cli::{App, Common};
use deepfield_genomics::{bench, gmna, snp, Error, Result};

#[derive(Parser)]
#[command(
    name = "deepfield-genomics",
    version,
    about = "deepfield genomics: GMNA misclassification networks, Deep SNP breakpoints"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Run a trained model on your own data and write predictions (alias: eval): `predict gmna`
    /// on a FASTA, `predict deep-snp` on a PennCNV signal file. (`forward` runs any registered
    /// model on an already-preprocessed tensor batch.)
    #[command(visible_alias = "eval", subcommand)]
    Predict(Predict),
    /// Canonical k-mer counting throughput (k = 21, one thread) against `jellyfish count -C -t 1`.
    Bench {
        /// Threads (the comparison is single-threaded on both sides).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Python interpreter (unused: the reference side is the jellyfish binary).
        #[arg(long)]
        python: Option<PathBuf>,
        /// FASTA/FASTQ (gzip allowed) [default: the SARS-CoV-2 example genomes in the data directory].
        #[arg(long)]
        fasta: Option<PathBuf>,
        /// k-mer length.
        #[arg(long, default_value_t = 21)]
        k: usize,
        /// Runs per side (median reported).
        #[arg(long, default_value_t = 3)]
        repeats: usize,
    },
}

#[derive(Subcommand)]
enum Predict {
    /// Location predictions of a `gmna` model (Naive Bayes and CNN) for the genomes of a FASTA.
    Gmna {
        /// Model folder (results/gmna/model).
        #[arg(long)]
        model: PathBuf,
        /// FASTA/FASTQ, plain or gzip.
        #[arg(long)]
        fasta: PathBuf,
        /// Metadata TSV with true labels (accuracy is printed).
        #[arg(long)]
        metadata: Option<PathBuf>,
        #[arg(long, default_value = "strain")]
        id_column: String,
        #[arg(long, default_value = "region")]
        label_column: String,
        /// Output CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Breakpoint probability and attention-peak position per window of a PennCNV signal file.
    DeepSnp {
        /// Model folder (results/deep-snp/model).
        #[arg(long)]
        model: PathBuf,
        /// PennCNV signal file (Name, Chr, Position, *Log R Ratio, *B Allele Freq).
        #[arg(long)]
        signal: PathBuf,
        /// Output CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    deepfield_core::repro::cli::run_main(|| run(Cli::parse().command))
}

fn app() -> Result<App> {
    Ok(App {
        repros: deepfield_genomics::reproductions(),
        models: deepfield_genomics::models()?,
    })
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Common(c) => c.run(&app()?)?,
        Command::Predict(Predict::Gmna {
            model,
            fasta,
            metadata,
            id_column,
            label_column,
            out,
        }) => {
            let meta = metadata
                .as_deref()
                .map(|m| (m, id_column.as_str(), label_column.as_str()));
            let e = gmna::evaluate_fasta(&model, &fasta, meta, out.as_deref())?;
            println!("{} genomes, {} with a known label", e.genomes, e.labelled);
            if let (Some(nb), Some(cnn)) = (e.nb_accuracy, e.cnn_accuracy) {
                println!("accuracy: Naive Bayes {nb:.4}, CNN {cnn:.4}");
            }
            if let Some(o) = out {
                println!("predictions written to {}", o.display());
            }
        }
        Command::Predict(Predict::DeepSnp { model, signal, out }) => {
            let p = snp::predict_signal(&model, &signal, out.as_deref())?;
            let called = p.iter().filter(|w| w.breakpoint_call).count();
            let thr = p.first().map_or(0.5, |w| w.threshold);
            println!(
                "{} windows, {called} with p(breakpoint) ≥ {thr:.4} (the model's validation threshold)",
                p.len()
            );
            for w in p.iter().filter(|w| w.breakpoint_call) {
                println!(
                    "  chr{} {}-{}: p = {:.3}, attention peak at {}",
                    w.chrom, w.start_bp, w.end_bp, w.p_breakpoint, w.attention_peak_bp
                );
            }
            if let Some(o) = out {
                println!("predictions written to {}", o.display());
            }
        }
        Command::Bench {
            threads,
            python: _,
            fasta,
            k,
            repeats,
        } => {
            let fasta = match fasta {
                Some(f) => f,
                None => deepfield_core::data::dataset(&gmna::repro::DATASET)
                    .map_err(Error::from)?
                    .join("example_sequences.fasta.gz"),
            };
            bench::run(&fasta, k, threads, repeats)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn predict_takes_this_crates_models_and_forward_tensor_batches() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|c| c.command);
        let cmd = parse(&[
            "deepfield-genomics",
            "predict",
            "deep-snp",
            "--model",
            "m",
            "--signal",
            "s.txt",
        ])
        .unwrap();
        assert!(matches!(cmd, Command::Predict(Predict::DeepSnp { .. })));
        let cmd = parse(&[
            "deepfield-genomics",
            "eval",
            "gmna",
            "--model",
            "m",
            "--fasta",
            "g.fa",
        ])
        .unwrap();
        assert!(matches!(cmd, Command::Predict(Predict::Gmna { .. })));
        let cmd = parse(&[
            "deepfield-genomics",
            "forward",
            "--model",
            "m",
            "--input",
            "x.safetensors",
            "--out",
            "y.csv",
        ])
        .unwrap();
        assert!(matches!(cmd, Command::Common(Common::Forward { .. })));
        // The tensor form needs all three.
        assert!(parse(&["deepfield-genomics", "forward", "--model", "m"]).is_err());
        assert!(matches!(
            parse(&["deepfield-genomics", "inspect", "m"]).unwrap(),
            Command::Common(Common::Inspect { .. })
        ));
    }
}
