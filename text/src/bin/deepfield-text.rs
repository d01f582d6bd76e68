//! `deepfield-text`: the text reproductions and the commands that apply trained text models to
//! your own files.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use clap::Subcommand;
use deepfield_core::repro::cli::{App, Common};
use deepfield_text::Result;

deepfield_core::domain_cli! {
    name: "deepfield-text",
    about: "deepfield text: taggers, die/dat, de-identification, spiking language models, legal retrieval",
    commands: Command,
    run: run,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Index a folder of text documents with BM25 (tantivy) and answer a query, optionally
    /// re-ranked by a saved attentive ranker; prints rank, document and score.
    #[cfg(feature = "search")]
    Search(deepfield_text::search::SearchArgs),
}

fn app() -> Result<App> {
    Ok(App {
        repros: deepfield_text::reproductions(),
        models: deepfield_text::models()?,
    })
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Common(c) => c.run(&app()?)?,
        #[cfg(feature = "search")]
        Command::Search(args) => {
            deepfield_text::search::run(&args)?;
        }
    }
    Ok(())
}
