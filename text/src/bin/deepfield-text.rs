//! `deepfield-text`: the text reproductions and the commands that apply trained text models to
//! your own files.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use clap::Subcommand;
use deepfield_core::repro::cli::{App, Common, EvalArgs};
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
}

#[derive(Subcommand)]
enum Eval {
    /// Fill die/dat gaps in a plain UTF-8 text file with a saved die/dat model (e.g.
    /// results/die-dat/model).
    ///
    /// Gaps are the positions written `<mask>` or `___`; a file without such marks has every
    /// die/dat as a gap, and the share the model restores is printed. The previous sentence is
    /// the context. Predictions: line, word index, written form, predicted die/dat, P(dat), the
    /// POS class (multitask models) and the sentence.
    DieDat {
        #[command(flatten)]
        eval: EvalArgs,
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
        Command::Eval(Eval::DieDat { eval }) => {
            eval.apply_threads();
            let input = eval.input_or(&[])?;
            let p = deepfield_text::diedat::predict::DieDatPredictor::load(&eval.model)?;
            let r = p.predict_file(&input)?;
            let csv = r.csv()?;
            match &eval.out {
                Some(out) => {
                    deepfield_core::fsutil::write_atomic(out, csv.as_bytes())?;
                    println!(
                        "{} gaps filled; predictions in {}",
                        r.gaps.len(),
                        out.display()
                    );
                }
                None => print!("{csv}"),
            }
            if let Some(a) = r.accuracy {
                eprintln!(
                    "die/dat as written restored: accuracy {a:.4} (n = {})",
                    r.gaps.len()
                );
            }
        }
    }
    Ok(())
}
