//! `deepfield-core know2vec rank`: rank a model zoo (built by the `know2vec` reproduction, or
//! any zoo described by a `zoo.json`) for the user's labelled data, without fine-tuning.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Subcommand};
use deepfield_core::automl::know2vec::{self, input, Zoo};
use deepfield_core::models::ModelRegistry;
use deepfield_core::{fsutil, Error, Result};

#[derive(ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: Know2VecCommand,
}

#[derive(Subcommand)]
enum Know2VecCommand {
    /// Rank the zoo's models for your labelled examples (IDX images + labels, or a CSV with a
    /// `label` column and pixel columns), best first.
    Rank {
        /// The zoo folder (holding zoo.json), e.g. results/know2vec/zoo.
        #[arg(long)]
        zoo: PathBuf,
        /// IDX image file (u8 [N, rows, cols], gzip or not).
        #[arg(long, requires = "labels", conflicts_with = "csv")]
        images: Option<PathBuf>,
        /// IDX label file (u8 [N]).
        #[arg(long, requires = "images")]
        labels: Option<PathBuf>,
        /// CSV: a `label` column and one column per pixel.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Probe examples used (the first ones of the file).
        #[arg(long, default_value_t = 100)]
        probes: usize,
        /// Models printed.
        #[arg(long, default_value_t = 5)]
        top: usize,
        /// Also write the whole ranking as JSON here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(args: &Args) -> Result<()> {
    let Know2VecCommand::Rank {
        zoo,
        images,
        labels,
        csv,
        probes,
        top,
        out,
    } = &args.command;
    let (x, y) = match (images, labels, csv) {
        (Some(i), Some(l), None) => input::read_idx(i, l)?,
        (None, None, Some(c)) => input::read_csv(c)?,
        _ => {
            return Err(Error::config(
                "give --images and --labels (IDX files) or --csv",
            ))
        }
    };
    if *probes < know2vec::MIN_PROBES {
        return Err(Error::config(format!(
            "--probes must be >= {}",
            know2vec::MIN_PROBES
        )));
    }
    let n = (*probes as i64).min(y.size()[0]);
    let (x, y) = (x.narrow(0, 0, n), y.narrow(0, 0, n));
    let description = Zoo::load(zoo)?;
    let ranked = know2vec::rank(zoo, &description, &ModelRegistry::with_core(), &x, &y)?;
    println!("{:<4} {:<28} {:>8}  source", "rank", "model", "score");
    for (i, r) in ranked.iter().take(*top).enumerate() {
        println!("{:<4} {:<28} {:>8.3}  {}", i + 1, r.id, r.score, r.source);
    }
    if let Some(o) = out {
        fsutil::write_json(o, &ranked)?;
        println!("ranking written to {}", o.display());
    }
    Ok(())
}
