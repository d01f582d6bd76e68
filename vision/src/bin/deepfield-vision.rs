//! `deepfield-vision`: the vision reproductions and `eval` of trained models on your own images.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use clap::Subcommand;
use deepfield_core::repro::cli::{App, BenchArgs, Common, EvalArgs};
use deepfield_vision::data::ListColumns;
use deepfield_vision::eval::{classify, ClassifyOptions};
use deepfield_vision::generate::GenerateOptions;
use deepfield_vision::Result;

deepfield_core::domain_cli! {
    name: "deepfield-vision",
    about: "deepfield vision: image models, rotation-invariant and quantum-hybrid reproductions",
    commands: Command,
    run: run,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Evaluate a trained model on your own data.
    #[command(subcommand)]
    Eval(Eval),
    /// Time per training step of LeNet-5 and ResNet-20 on MNIST batches (Adam) through the
    /// Trainer, against the same models in PyTorch eager (needs torch and numpy in the Python;
    /// `cargo xtask bench vision` installs them). Rounds alternate; the best of each side counts.
    /// With `--task gradcam++`: time per image of Grad-CAM++ (one image per call, the last
    /// convolutional stage) against torchcam's GradCAMpp on the same weights; `--steps` is then
    /// the number of MNIST test images.
    Bench {
        #[command(flatten)]
        bench: BenchArgs,
        /// What to time: `train` (training steps) or `gradcam++` (class activation maps).
        #[arg(long, default_value = "train", value_parser = ["train", "gradcam++"])]
        task: String,
        /// Models to time, comma-separated.
        #[arg(long, default_value = "lenet5,resnet20", value_delimiter = ',')]
        models: Vec<String>,
        /// Timed steps per round.
        #[arg(long, default_value_t = 30)]
        steps: usize,
        /// Untimed steps before each round.
        #[arg(long, default_value_t = 5)]
        warmup: usize,
        /// Rounds per side.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Images per batch.
        #[arg(long, default_value_t = 64)]
        batch: usize,
    },
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
    /// Explain a saved image classifier's predictions on your images: `--input` is an IDX
    /// image file, an image folder or a CSV image list, preprocessed as the model's config
    /// records; the methods and outputs are those of the shared `explain` command (heat maps,
    /// attributions, scores; rows in the order of `ids.txt`).
    Explain {
        #[command(flatten)]
        explain: Box<deepfield_core::repro::cli::ExplainArgs>,
        /// Id (or path) column of a CSV image list [default: by name].
        #[arg(long, value_name = "NAME")]
        id_column: Option<String>,
    },
    /// Find the tables of CSV sheets with a saved table detector (results/tablesense/model).
    ///
    /// INPUT is a CSV sheet or a folder of them (ragged rows, quoting, UTF-8/UTF-16/Latin-1);
    /// files that do not parse are listed and left out. Every detected table is printed as an
    /// A1 range with its 0-based rows and columns; `--out` writes them as CSV
    /// (sheet,table,range,top_row,left_col,bottom_row,right_col).
    Tables {
        #[command(flatten)]
        eval: EvalArgs,
    },
    /// Draw images of a class with a trained label-conditional generator (e.g.
    /// results/cond-gan/model) into a PNG grid: `--class 3` (an index or a class name) as a
    /// square grid of N images, `--class all` as one labelled row of N images per class.
    Generate {
        /// The generator's checkpoint folder.
        #[arg(long, value_name = "DIR")]
        model: std::path::PathBuf,
        /// A class index, a class name, or `all`.
        #[arg(long)]
        class: String,
        /// Images per class.
        #[arg(long, default_value_t = 64)]
        n: usize,
        /// Seed of the noise.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Pixel magnification.
        #[arg(long, default_value_t = 2)]
        scale: u32,
        /// The PNG to write (atomically).
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// libtorch threads (0: all cores).
        #[arg(long, default_value_t = 0, value_name = "N")]
        threads: usize,
    },
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
        Command::Bench {
            bench,
            task,
            models,
            steps,
            warmup,
            rounds,
            batch,
        } => {
            let settings = deepfield_vision::bench::BenchSettings {
                threads: bench.threads,
                python: bench.python,
                models,
                steps,
                warmup,
                rounds,
                batch,
            };
            match task.as_str() {
                "gradcam++" => deepfield_vision::bench_cam::run(&settings)?,
                _ => deepfield_vision::bench::run(&settings)?,
            }
        }
        Command::Eval(Eval::Generate {
            model,
            class,
            n,
            seed,
            scale,
            out,
            threads,
        }) => {
            if threads > 0 {
                deepfield_core::device::set_threads(threads);
            }
            let g = deepfield_vision::generate::generate(&GenerateOptions {
                model,
                class,
                n,
                seed,
                out: out.clone(),
                scale,
            })?;
            println!(
                "{} images of {} class(es) written to {} ({}×{} pixels)",
                g.images,
                g.classes.len(),
                out.display(),
                g.size.0,
                g.size.1
            );
        }
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
        Command::Eval(Eval::Explain { explain, id_column }) => {
            let columns = ListColumns {
                id: id_column,
                label: None,
            };
            let (r, _ids, bad) = deepfield_vision::eval::explain_images(
                &deepfield_vision::models()?,
                &explain.request(),
                &columns,
            )?;
            for b in &bad {
                eprintln!("skipped {}: {}", b.path.display(), b.reason);
            }
            println!("{}", r.summary("images", bad.len(), &explain.out));
        }
        Command::Eval(Eval::Tables { eval }) => {
            eval.apply_threads();
            if eval.labels.is_some() {
                return Err(deepfield_vision::Error::config(
                    "eval tables takes no --labels (it lists the tables it finds)",
                ));
            }
            let input = eval.input_or(&[])?;
            let r = deepfield_vision::sheets::detect::detect_tables(
                &eval.model,
                &input,
                eval.out.as_ref(),
            )?;
            for b in &r.bad {
                eprintln!("skipped {}: {}", b.path.display(), b.reason);
            }
            print!("{}", r.listing());
            println!(
                "{} sheets read, {} tables found, {} files skipped",
                r.sheets.len(),
                r.sheets.iter().map(|s| s.tables.len()).sum::<usize>(),
                r.bad.len()
            );
            eval.print_written();
        }
    }
    Ok(())
}
