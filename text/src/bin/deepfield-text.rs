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
    /// Apply a trained text model to your own files.
    #[command(subcommand)]
    Eval(Eval),
    /// Index a folder of text documents with BM25 (tantivy) and answer a query, optionally
    /// re-ranked by a saved attentive ranker; prints rank, document and score.
    #[cfg(feature = "search")]
    Search(deepfield_text::search::SearchArgs),
}

#[derive(Subcommand)]
enum Eval {
    /// Bits per character of a UTF-8 text file under a character language model
    /// (`text.spikegpt` or `text.rwkv`, e.g. `results/spikegpt/model`); characters the model
    /// never saw count as `<unk>` and are reported.
    Lm {
        /// The trained model folder.
        #[arg(long, value_name = "DIR")]
        model: std::path::PathBuf,
        /// The text file to score.
        #[arg(value_name = "FILE")]
        input: std::path::PathBuf,
        /// Characters per window (0: the model's context length).
        #[arg(long, default_value_t = 0)]
        seq_len: i64,
        /// Also write the evaluation (BPC, spike rates, operations) to this JSON file.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
        /// libtorch threads (0: all cores).
        #[arg(long, default_value_t = 0, value_name = "N")]
        threads: usize,
    },
    /// Sample text from a character language model after a prompt (recurrent form).
    Generate {
        /// The trained model folder.
        #[arg(long, value_name = "DIR")]
        model: std::path::PathBuf,
        /// The text to continue (empty: start at a new line).
        #[arg(long, default_value = "")]
        prompt: String,
        /// Characters to generate.
        #[arg(long, default_value_t = 300)]
        chars: usize,
        /// Softmax temperature (0: always the most likely character).
        #[arg(long, default_value_t = 0.8)]
        temperature: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// libtorch threads (0: all cores).
        #[arg(long, default_value_t = 0, value_name = "N")]
        threads: usize,
    },
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
        Command::Eval(Eval::Lm {
            model,
            input,
            seq_len,
            out,
            threads,
        }) => {
            deepfield_core::device::set_threads(threads);
            let e = deepfield_text::lm::eval_file(&model, &input, seq_len)?;
            println!(
                "{}: {:.4} bits per character over {} characters ({} unknown, scored as <unk>) \
                 under {} ({})",
                input.display(),
                e.bpc,
                e.characters,
                e.unknown_characters,
                model.display(),
                e.kind
            );
            if let Some(s) = &e.spikes {
                println!(
                    "spike rate {:.4}; per character {:.0} synaptic operations, {:.0} MACs \
                     (non-spiking twin: {:.0} MACs)",
                    s.network_rate, s.energy.sops, s.energy.macs, s.energy.twin_macs
                );
            }
            if let Some(path) = out {
                deepfield_core::fsutil::write_json(&path, &e)?;
                println!("evaluation written to {}", path.display());
            }
        }
        Command::Eval(Eval::Generate {
            model,
            prompt,
            chars,
            temperature,
            seed,
            threads,
        }) => {
            deepfield_core::device::set_threads(threads);
            let lm = deepfield_text::lm::load(&model, deepfield_core::device())?;
            let opts = deepfield_text::lm::SampleOptions {
                chars,
                temperature,
                seed,
            };
            println!(
                "{}",
                deepfield_text::lm::generate(&lm.model, &lm.vocab, &prompt, &opts)?
            );
        }
        #[cfg(feature = "search")]
        Command::Search(args) => {
            deepfield_text::search::run(&args)?;
        }
    }
    Ok(())
}
