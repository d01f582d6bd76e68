//! `deepfield-audio`: reproductions, evaluation of a trained model on your recordings, event
//! segmentation, and the MFCC benchmark against librosa and python_speech_features.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;

use clap::Subcommand;
use deepfield_audio::{predict, repro, segment, wav};
use deepfield_core::repro::cli::{App, BenchArgs, Common, EvalArgs};

deepfield_core::domain_cli! {
    name: "deepfield-audio",
    about: "deepfield audio: WAV → MFCC → BiLSTM cough and spoken-digit classification",
    commands: Command,
    run: run,
}

/// The long help of `eval`.
const EVAL_ABOUT: &str =
    "Run a trained model on your recordings: INPUT is one WAV file or a folder, \
searched recursively (a data set laid out as none_short/ hand_short/ elbow_short/ works as is).

Which model: a reproduction saves every model of its results table. `--model results/<id>/model` \
(or just `--model results/<id>`) is the default: the model with the best out-of-fold accuracy of \
that run (its report and metrics.json `default_model` say which). Choose another with \
`--model results/<id>/model-bilstm`, `model-cnn` or `model-mlp`.

True labels: from `--labels FILE` (CSV or TSV with a `file` column — the path relative to INPUT, \
or the file name — and a `label` column, or the column `--label-column NAME` names, holding a \
class name or index), else from file names following the training set's pattern \
(`<participant>-<gender>-<n|h|e>-<k>.wav` for coughs, `<digit>_<speaker>_<k>.wav` for digits). \
Macro averages are over the classes present in the labels or the predictions.

`--out FILE` writes one row per recording: file (its path relative to INPUT), predicted, \
confidence, label (when known) and the probability of every class.

Example: deepfield-audio eval --model results/cough-bilstm/model $DEEPFIELD_DATA/cough_etiquette \
--labels $DEEPFIELD_DATA/cough_etiquette/labels.csv --label-column etiquette --out predictions.csv";

#[path = "../../bench/bench.rs"]
mod bench;

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Run a trained model on your recordings: one WAV file or a folder (searched recursively);
    /// accuracy and macro F1 where true labels are known.
    #[command(alias = "classify", long_about = EVAL_ABOUT)]
    Eval {
        #[command(flatten)]
        eval: EvalArgs,
        /// The column of the labels file holding the true class (default `label`); e.g.
        /// `etiquette` for the cough data set's own labels.csv.
        #[arg(long, value_name = "NAME")]
        label_column: Option<String>,
        /// Older name of INPUT (a folder of .wav files).
        #[arg(long, hide = true, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Explain a trained model's predictions on your recordings (a WAV file or a folder,
    /// searched recursively): the recordings go through the model's own MFCC front end and
    /// scaler, then the methods and outputs of the shared `explain` command (attributions over
    /// frames × coefficients, heat maps, scores; rows in the order of `ids.txt`).
    ExplainRecordings {
        #[command(flatten)]
        explain: Box<deepfield_core::repro::cli::ExplainArgs>,
    },
    /// Evaluate a saved `movie-affect` (AV-MNIST fusion) model on your own audio-visual pairs:
    /// a CSV with an `audio` column (WAV files) and an `image` column (28×28 PNG, light digit on
    /// dark ground), optional `label` (digit 0–9); paths relative to the CSV's folder; an empty
    /// cell marks that modality missing for the row.
    EvalAv {
        /// The pairs CSV.
        pairs: PathBuf,
        /// The model folder (a results folder holding `model/` works too).
        #[arg(long, default_value = "results/movie-affect/model")]
        model: PathBuf,
        /// Write line,predicted,confidence,label per pair to this CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Split a recording into events (coughs, words) by energy; print or save the boundaries.
    Segment {
        /// The recording.
        file: PathBuf,
        /// Write index,start_sample,end_sample,start_s,end_s to this CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Speech to text with a trained `subword-asr` recogniser: one line `file<TAB>text` per WAV
    /// file; `--out FILE` also writes them as CSV (`file,text`) or JSON (by the extension).
    Transcribe {
        /// The model folder (`results/subword-asr/model`, `…/model-tamil-morph`, …) or the
        /// results folder.
        #[arg(long)]
        model: PathBuf,
        /// WAV files (any rate; stereo is downmixed).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Greedy decoding instead of beam search with the model's LM.
        #[arg(long)]
        greedy: bool,
        /// Write the transcripts to this .csv or .json file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// MFCC throughput (audio-seconds per second) of ours vs librosa and python_speech_features
    /// on the spoken-digit recordings, in one command.
    Bench {
        #[command(flatten)]
        bench: BenchArgs,
        /// Minimum seconds to time each side.
        #[arg(long, default_value_t = 2.0)]
        seconds: f64,
        /// Data directory [default: $DEEPFIELD_DATA or ../shared/datasets].
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

fn run(cmd: Command) -> deepfield_audio::Result<()> {
    match cmd {
        Command::Common(c) => c.run(&App {
            repros: repro::all(),
            models: deepfield_audio::models()?,
        })?,
        Command::Eval {
            eval,
            label_column,
            dir,
        } => run_eval(&eval, label_column.as_deref(), &dir)?,
        Command::ExplainRecordings { explain } => {
            let r = predict::explain_recordings(&deepfield_audio::models()?, &explain.request())?;
            for (f, e) in &r.skipped {
                eprintln!("skipped {}: {e}", f.display());
            }
            println!(
                "{}",
                r.output
                    .summary("recordings", r.skipped.len(), &explain.out)
            );
        }
        Command::EvalAv { pairs, model, out } => {
            let r = deepfield_audio::avmnist::eval::evaluate_pairs(&model, &pairs)?;
            for p in &r.predictions {
                let truth = p.label.map(|l| format!("\t(true {l})")).unwrap_or_default();
                println!(
                    "line {}\t{}\t{:.3}{truth}",
                    p.line, p.predicted, p.confidence
                );
            }
            if let Some(a) = r.accuracy {
                println!("accuracy over the labelled pairs: {a:.4}");
            }
            if let Some(o) = out {
                deepfield_core::fsutil::write_csv(
                    &o,
                    ["line", "predicted", "confidence", "label"],
                    r.predictions.iter().map(|p| {
                        [
                            p.line.to_string(),
                            p.predicted.to_string(),
                            format!("{:.6}", p.confidence),
                            p.label.map(|l| l.to_string()).unwrap_or_default(),
                        ]
                    }),
                )?;
                println!("predictions written to {}", o.display());
            }
            eprintln!("model: {}", r.model_dir.display());
        }
        Command::Segment { file, out } => {
            let audio = wav::read_wav(&file)?;
            let epochs = segment::segment(&audio.samples, audio.sample_rate, &Default::default())?;
            for (i, e) in epochs.iter().enumerate() {
                println!("{i}\t{:.3}\t{:.3}", e.start_s, e.end_s);
            }
            println!("{} event(s)", epochs.len());
            if let Some(o) = out {
                segment::save_epochs(&o, &epochs)?;
                println!("boundaries written to {}", o.display());
            }
        }
        Command::Transcribe {
            model,
            files,
            greedy,
            out,
        } => transcribe::run(&model, &files, greedy, out.as_deref())?,
        Command::Bench {
            bench: BenchArgs { threads, python },
            seconds,
            data,
        } => bench::run(threads, python, seconds, data)?,
    }
    Ok(())
}

mod transcribe {
    use std::path::{Path, PathBuf};

    use deepfield_audio::asr::Transcriber;
    use deepfield_audio::{Error, Result};

    /// Transcribe every file; failures are listed and make the command fail after the rest ran.
    pub fn run(model: &Path, files: &[PathBuf], greedy: bool, out: Option<&Path>) -> Result<()> {
        let t = Transcriber::load(model)?;
        let mut rows = Vec::new();
        let mut failed = Vec::new();
        for f in files {
            match t.transcribe(f, !greedy) {
                Ok(text) => {
                    println!("{}\t{text}", f.display());
                    rows.push((f.display().to_string(), text));
                }
                Err(e) => failed.push(e.to_string()),
            }
        }
        if let Some(o) = out {
            let json = o
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            if json {
                let v: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(f, t)| serde_json::json!({"file": f, "text": t}))
                    .collect();
                deepfield_core::fsutil::write_json(o, &v)?;
            } else {
                deepfield_core::fsutil::write_csv(
                    o,
                    ["file", "text"],
                    rows.iter().map(|(f, t)| [f.clone(), t.clone()]),
                )?;
            }
            eprintln!("transcripts written to {}", o.display());
        }
        eprintln!(
            "model: {} ({:?} units, {})",
            t.dir.display(),
            t.config.unit_kind,
            t.config.language.name()
        );
        if failed.is_empty() {
            Ok(())
        } else {
            Err(Error::input(format!(
                "{} of {} file(s) failed:\n  {}",
                failed.len(),
                files.len(),
                failed.join("\n  ")
            )))
        }
    }
}

/// `eval`: predictions, metrics and skipped files on the terminal, predictions to `--out`.
fn run_eval(
    eval: &EvalArgs,
    label_column: Option<&str>,
    dir: &Option<PathBuf>,
) -> deepfield_audio::Result<()> {
    eval.apply_threads();
    let input = eval.input_or(&[("dir", dir)])?;
    let opts = predict::EvalOptions {
        labels: eval.labels.as_deref(),
        label_column,
        out: eval.out.as_deref(),
    };
    let r = predict::evaluate(&eval.model, &input, &opts)?;
    for p in &r.predictions {
        println!(
            "{}\t{}\t{:.3}{}",
            p.id,
            p.predicted,
            p.confidence,
            p.label
                .as_ref()
                .map(|l| format!("\t(true {l})"))
                .unwrap_or_default()
        );
    }
    if let Some(m) = &r.metrics {
        let num = deepfield_core::metrics::show;
        println!(
            "\n{} labelled recordings: accuracy {}, balanced accuracy {}, macro F1 {} (over the {} classes present: {})",
            m.n,
            num(m.accuracy),
            num(m.balanced_accuracy),
            num(m.f1_macro),
            m.classes.len(),
            m.classes.join(" ")
        );
        println!(
            "confusion (rows = truth, columns = predicted: {})",
            r.class_names.join(" ")
        );
        for (name, row) in r.class_names.iter().zip(&m.confusion) {
            println!(
                "{name:>8} {}",
                row.iter().map(|c| format!("{c:>5}")).collect::<String>()
            );
        }
    }
    if r.unmatched_labels > 0 {
        eprintln!(
            "note: {} row(s) of the labels file match no recording under {}",
            r.unmatched_labels,
            input.display()
        );
    }
    if !r.skipped.is_empty() {
        eprintln!("\n{} file(s) skipped:", r.skipped.len());
        for (_, e) in &r.skipped {
            eprintln!("  {e}");
        }
    }
    eprintln!("model: {}", r.model_dir.display());
    eval.print_written();
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    /// `eval` takes INPUT, the older `--dir` (hidden) and `--label-column`; `classify` is `eval`.
    #[test]
    fn eval_accepts_input_the_old_dir_flag_and_classify() {
        let parse = |args: &[&str]| super::Cli::try_parse_from(args).map(|c| c.command);
        let Ok(super::Command::Eval {
            eval,
            label_column,
            dir,
        }) = parse(&[
            "deepfield-audio",
            "eval",
            "--model",
            "m",
            "data/",
            "--labels",
            "l.csv",
            "--label-column",
            "etiquette",
            "--threads",
            "2",
        ])
        else {
            panic!("eval did not parse");
        };
        assert_eq!(
            eval.input_or(&[("dir", &dir)]).unwrap(),
            std::path::Path::new("data/")
        );
        assert_eq!(
            (label_column.as_deref(), eval.threads),
            (Some("etiquette"), 2)
        );
        let Ok(super::Command::Eval { eval, dir, .. }) =
            parse(&["deepfield-audio", "eval", "--model", "m", "--dir", "old/"])
        else {
            panic!("--dir did not parse");
        };
        assert_eq!(
            eval.input_or(&[("dir", &dir)]).unwrap(),
            std::path::Path::new("old/")
        );
        let Ok(super::Command::Eval { eval, dir, .. }) =
            parse(&["deepfield-audio", "classify", "--model", "m", "one.wav"])
        else {
            panic!("classify did not parse");
        };
        assert_eq!(
            eval.input_or(&[("dir", &dir)]).unwrap(),
            std::path::Path::new("one.wav")
        );
        // Both, or neither, is an error in the user's terms.
        let Ok(super::Command::Eval { eval, dir, .. }) = parse(&[
            "deepfield-audio",
            "eval",
            "--model",
            "m",
            "a/",
            "--dir",
            "b/",
        ]) else {
            panic!("eval did not parse");
        };
        let e = eval.input_or(&[("dir", &dir)]).unwrap_err().to_string();
        assert!(
            e.contains("more than one input") && e.contains("--dir"),
            "{e}"
        );
        // The help says which model runs by default and how to choose another; --dir is hidden.
        use clap::CommandFactory;
        let mut cmd = super::Cli::command();
        let help = cmd
            .find_subcommand_mut("eval")
            .unwrap()
            .render_long_help()
            .to_string();
        for want in [
            "results/<id>/model",
            "model-cnn",
            "best out-of-fold",
            "--label-column",
        ] {
            assert!(help.contains(want), "{want}: {help}");
        }
        assert!(!help.contains("--dir"), "{help}");
    }
}
