//! `deepfield-text`: the text reproductions and the commands that apply trained text models to
//! your own files.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;

use clap::Subcommand;
use deepfield_core::nn::crf::TagScheme;
use deepfield_core::repro::cli::{App, BenchArgs, Common, EvalArgs};
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
    /// Replace the PHI a saved tagger finds in your text files (a file or a folder of files)
    /// with type placeholders ([NAME], [DATE], …) or, with --surrogate, seeded stand-ins; the
    /// results go under the same names into --out.
    Deidentify {
        /// The saved tagger (`results/deid-rnn/model_phi`, or your own).
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        /// A text file or a folder of text files.
        #[arg(value_name = "INPUT")]
        input: PathBuf,
        /// Output folder (created).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Replace by surrogates of the same type instead of placeholders.
        #[arg(long)]
        surrogate: bool,
        /// Seed of the surrogates.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// libtorch threads (0: all cores).
        #[arg(long, default_value_t = 0, value_name = "N")]
        threads: usize,
    },
    /// Time against the Python references: `crf` — a NeuroNER BiLSTM-CRF training step vs
    /// PyTorch eager + pytorch-crf; `tokenize` — encoding throughput of one trained BPE
    /// tokenizer.json against Hugging Face's Python `tokenizers` on the same sentences (needs
    /// text/bench/requirements.txt in the Python side); `all` runs every task.
    Bench {
        #[command(flatten)]
        bench: BenchArgs,
        #[arg(long, default_value = "all", value_parser = ["all", "crf", "tokenize"])]
        task: String,
        /// Timed training steps per round.
        #[arg(long, default_value_t = 20)]
        steps: usize,
        /// Untimed steps before each round.
        #[arg(long, default_value_t = 3)]
        warmup: usize,
        /// Rounds per side (alternating; the best counts).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Sentences per step.
        #[arg(long, default_value_t = 32)]
        batch: usize,
    },
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
    /// Tag a CoNLL NER file (its tags are the gold standard: seqeval scores are printed) or a
    /// `.txt` file (one sentence per line) with a saved tagger; --out writes the predictions as
    /// CoNLL.
    Tag {
        #[command(flatten)]
        eval: EvalArgs,
        /// Tag scheme of the CoNLL input and of the written predictions.
        #[arg(long, default_value = "bio", value_parser = ["bio", "bioes"])]
        scheme: String,
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
        Command::Eval(Eval::Tag { eval, scheme }) => eval_tag(&eval, &scheme)?,
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
        Command::Bench {
            bench,
            task,
            steps,
            warmup,
            rounds,
            batch,
        } => {
            let settings = deepfield_text::bench::BenchSettings {
                threads: bench.threads,
                python: bench.python,
                steps,
                warmup,
                rounds,
                batch,
            };
            if task == "all" || task == "crf" {
                deepfield_text::bench::run(&settings)?;
            }
            if task == "all" || task == "tokenize" {
                #[cfg(feature = "tokenizers")]
                deepfield_text::bench_tokenize::run(
                    &deepfield_text::bench_tokenize::TokenizeBenchSettings {
                        threads: settings.threads.max(1),
                        python: settings.python.clone(),
                        ..Default::default()
                    },
                )?;
                #[cfg(not(feature = "tokenizers"))]
                return Err(deepfield_text::Error::config(
                    "bench --task tokenize needs deepfield-text's `tokenizers` feature",
                ));
            }
        }
        Command::Deidentify {
            model,
            input,
            out,
            surrogate,
            seed,
            threads,
        } => {
            deepfield_core::device::set_threads(threads);
            let tagger = deepfield_text::tagger::Tagger::load(&model, deepfield_core::device())?;
            let replace = if surrogate {
                deepfield_text::deid::Replace::Surrogate { seed }
            } else {
                deepfield_text::deid::Replace::Placeholder
            };
            let c = deepfield_text::deid::deidentify_files(&tagger, &input, &out, replace)?;
            let found: Vec<String> = c.replaced.iter().map(|(k, n)| format!("{k} {n}")).collect();
            println!(
                "{} lines, {} tokens; replaced: {}; written to {}",
                c.lines,
                c.tokens,
                if found.is_empty() {
                    "nothing".to_string()
                } else {
                    found.join(", ")
                },
                out.display()
            );
        }
    }
    Ok(())
}

fn eval_tag(eval: &EvalArgs, scheme: &str) -> Result<()> {
    eval.apply_threads();
    if eval.labels.is_some() {
        return Err(deepfield_text::Error::input(
            "eval tag reads the gold tags from the CoNLL input itself; --labels is not used",
        ));
    }
    let input = eval
        .input
        .clone()
        .ok_or_else(|| deepfield_text::Error::input("eval tag: give the file to tag (INPUT)"))?;
    let opts = deepfield_text::tagger::apply::TagOptions {
        model: eval.model.clone(),
        input,
        scheme: if scheme == "bioes" {
            TagScheme::Bioes
        } else {
            TagScheme::Bio
        },
        out: eval.out.clone(),
    };
    let o = deepfield_text::tagger::apply::tag_file(&opts)?;
    println!("{} sentences, {} tokens tagged", o.sentences, o.tokens);
    if !o.repairs.is_empty() {
        println!(
            "{} broken gold tags repaired as seqeval reads them",
            o.repairs.len()
        );
    }
    if let Some(r) = &o.report {
        println!("type\tprecision\trecall\tf1\tsupport");
        for (k, s) in &r.per_type {
            println!(
                "{k}\t{:.4}\t{:.4}\t{:.4}\t{}",
                s.precision, s.recall, s.f1, s.support
            );
        }
        let m = &r.micro;
        println!(
            "micro\t{:.4}\t{:.4}\t{:.4}\t{}",
            m.precision, m.recall, m.f1, m.support
        );
    }
    eval.print_written();
    Ok(())
}
