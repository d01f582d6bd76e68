//! The command-line pieces every domain binary shares: `list` and `repro <id> [options]`.

use std::path::PathBuf;

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
    /// Output folder [default: results/<id>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Data directory [default: $DEEPFIELD_DATA or ../shared/datasets beside the checkout].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// libtorch threads (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

impl ReproArgs {
    /// The [`ReproOptions`] these arguments describe.
    pub fn options(&self) -> ReproOptions {
        let mut o = ReproOptions::new(&self.id);
        o.quick = self.quick;
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
    let metrics = repro.run(&opts)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&metrics).unwrap_or_default()
    );
    println!("results written to {}", opts.out.display());
    Ok(metrics)
}
