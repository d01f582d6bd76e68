//! `deepfield-vision`: the vision reproductions and `eval` of trained models on your own images.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use deepfield_core::repro::cli::{App, Common, EvalArgs};
use deepfield_vision::data::ListColumns;
use deepfield_vision::eval::{classify, ClassifyOptions};
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
    /// Evaluate a trained model on your own data.
    #[command(subcommand)]
    Eval(Eval),
}

#[derive(Subcommand)]
enum Eval {
    /// Classify images with any saved vision image classifier (e.g. results/galaxy-rotinv/model).
    ///
    /// INPUT is an IDX image file (u8 [N, H, W], gzip or plain), an image folder (one subfolder
    /// per class, whose names are the labels, or images directly; PNG, JPEG, BMP) or a CSV image
    /// list (an id/path column and optionally a label column). Images are preprocessed as the
    /// model's config records (channels, crop, size, normalisation); files that do not decode
    /// are listed and left out. Predictions: id, predicted class, true label (where known) and
    /// one probability per class. With labels, accuracy and macro-F1 are printed.
    Classify {
        #[command(flatten)]
        eval: EvalArgs,
        /// Id (or path) column of a CSV image list or labels file [default: by name].
        #[arg(long, value_name = "NAME")]
        id_column: Option<String>,
        /// Label column of a CSV image list or labels file [default: by name].
        #[arg(long, value_name = "NAME")]
        label_column: Option<String>,
    },
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
        Command::Eval(Eval::Classify {
            eval,
            id_column,
            label_column,
        }) => {
            eval.apply_threads();
            let opts = ClassifyOptions {
                model: eval.model.clone(),
                input: eval.input_or(&[])?,
                labels: eval.labels.clone(),
                columns: ListColumns {
                    id: id_column,
                    label: label_column,
                },
                out: eval.out.clone(),
            };
            let r = classify(&deepfield_vision::models()?, &opts)?;
            for b in &r.bad {
                eprintln!("skipped {}: {}", b.path.display(), b.reason);
            }
            if opts.out.is_none() {
                print!("{}", r.csv);
            }
            let say = |s: String| {
                if opts.out.is_some() {
                    println!("{s}")
                } else {
                    eprintln!("{s}")
                }
            };
            say(format!(
                "{} images classified ({} skipped){}",
                r.ids.len(),
                r.bad.len(),
                opts.out
                    .as_ref()
                    .map(|p| format!("; predictions in {}", p.display()))
                    .unwrap_or_default()
            ));
            if let Some(rep) = &r.report {
                say(format!(
                    "accuracy {:.4}, macro-F1 {:.4}, balanced accuracy {:.4} (n = {})",
                    rep.accuracy, rep.f1_macro, rep.balanced_accuracy, rep.n
                ));
            }
        }
    }
    Ok(())
}
