//! `deepfield-vision`: the vision reproductions and `eval` of trained models on your own images.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use deepfield_core::repro::cli::{App, Common};
use deepfield_vision::Result;

#[derive(Parser)]
#[command(
    name = "deepfield-vision",
    version,
    about = "deepfield vision: image models, rotation-invariant and quantum-hybrid reproductions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
}

fn main() -> ExitCode {
    deepfield_core::repro::cli::run_main(|| run(Cli::parse().command))
}

fn app() -> Result<App> {
    Ok(App {
        repros: deepfield_vision::reproductions(),
        models: deepfield_vision::models()?,
    })
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Common(c) => c.run(&app()?)?,
    }
    Ok(())
}
