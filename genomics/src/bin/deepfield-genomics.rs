//! `deepfield-genomics`: reproductions (`gmna`, `deep-snp`), `eval` of trained models on your
//! own FASTA or SNP-array signal files, and the k-mer counting benchmark.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;

use clap::{Args, Subcommand};
use deepfield_core::repro::cli::{App, Common, EvalArgs};
use deepfield_genomics::{bench, gmna, snp, Error, Result};

deepfield_core::domain_cli! {
    name: "deepfield-genomics",
    about: "deepfield genomics: GMNA misclassification networks, Deep SNP breakpoints",
    commands: Command,
    run: run,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Run a trained model on your own data, print its calls (and scores, with labels), write
    /// predictions: `eval gmna` on a FASTA, `eval deep-snp` on a PennCNV signal file (alias:
    /// predict). (`forward` runs any registered model on an already-preprocessed tensor batch.)
    #[command(alias = "predict", subcommand)]
    Eval(Eval),
    /// Canonical k-mer counting throughput (k = 21, one thread) against `jellyfish count -C -t 1`.
    Bench {
        /// Threads (the comparison is single-threaded on both sides).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Python interpreter (unused: the reference side is the jellyfish binary).
        #[arg(long)]
        python: Option<PathBuf>,
        /// FASTA/FASTQ (gzip allowed) [default: the SARS-CoV-2 example genomes in the data directory].
        #[arg(long)]
        fasta: Option<PathBuf>,
        /// k-mer length.
        #[arg(long, default_value_t = 21)]
        k: usize,
        /// Runs per side (median reported).
        #[arg(long, default_value_t = 3)]
        repeats: usize,
    },
}

#[derive(Subcommand)]
enum Eval {
    /// Explain a `gmna` model's CNN on the genomes of a FASTA/FASTQ (`--input`), one-hot
    /// encoded as `eval gmna` reads them: the methods and outputs of the shared `explain`
    /// command (attributions per base and position, heat maps, scores; rows in the order of
    /// `ids.txt`).
    ExplainGmna {
        #[command(flatten)]
        explain: Box<deepfield_core::repro::cli::ExplainArgs>,
    },
    /// Location predictions of a `gmna` model (Naive Bayes and CNN) for each genome of a FASTA
    /// (INPUT: FASTA/FASTQ, plain or gzip). Output CSV: id (the record id), nb_label, nb_prob,
    /// cnn_label, cnn_prob[, true_label]. With --labels (CSV, or TSV by extension), accuracy,
    /// balanced accuracy, macro F1 and macro ROC AUC over the classes present are printed.
    Gmna(GmnaEval),
    /// Breakpoint probability and attention-peak position per window of a PennCNV signal file
    /// (INPUT: TAB-separated, columns Name, Chr, Position, *Log R Ratio, *B Allele Freq).
    /// A chromosome shorter than the model's window is one window of its own length when it has
    /// at least the probes the network takes (125 for the default network); shorter ones are
    /// skipped and named on stderr. Output CSV: sample, chrom, first_probe, probes, start_bp,
    /// end_bp, p_breakpoint, breakpoint_call, attention_peak_bp, baseline_*.
    DeepSnp(DeepSnpEval),
}

#[derive(Args)]
struct GmnaEval {
    #[command(flatten)]
    eval: EvalArgs,
    /// The labels table's column holding the FASTA record ids [default: `strain` or `id` when
    /// present, else the first column].
    #[arg(long, value_name = "COLUMN")]
    id_column: Option<String>,
    /// The labels table's column holding the true classes [default: the column the model was
    /// trained on, e.g. `country`].
    #[arg(long, value_name = "COLUMN")]
    label_column: Option<String>,
    /// Older name of INPUT.
    #[arg(long, hide = true)]
    fasta: Option<PathBuf>,
    /// Older name of --labels.
    #[arg(long, hide = true)]
    metadata: Option<PathBuf>,
}

#[derive(Args)]
struct DeepSnpEval {
    #[command(flatten)]
    eval: EvalArgs,
    /// Older name of INPUT.
    #[arg(long, hide = true)]
    signal: Option<PathBuf>,
}

fn app() -> Result<App> {
    Ok(App {
        repros: deepfield_genomics::reproductions(),
        models: deepfield_genomics::models()?,
    })
}

fn eval_gmna(a: GmnaEval) -> Result<()> {
    a.eval.apply_threads();
    let fasta = a.eval.input_or(&[("fasta", &a.fasta)])?;
    let labels_path = match (&a.eval.labels, &a.metadata) {
        (Some(_), Some(_)) => {
            return Err(Error::config(
                "give the labels once: --labels (--metadata is its older name)",
            ))
        }
        (l, m) => l.clone().or_else(|| m.clone()),
    };
    let spec = labels_path.as_deref().map(|path| gmna::LabelsSpec {
        path,
        id_column: a.id_column.as_deref(),
        label_column: a.label_column.as_deref(),
    });
    if spec.is_none() && (a.id_column.is_some() || a.label_column.is_some()) {
        return Err(Error::config(
            "--id-column and --label-column name columns of the --labels file; give --labels too",
        ));
    }
    let e = gmna::evaluate_fasta(&a.eval.model, &fasta, spec.as_ref(), a.eval.out.as_deref())?;
    println!("{}: {} genomes", fasta.display(), e.genomes);
    if let (Some(nb), Some(cnn)) = (&e.naive_bayes, &e.cnn) {
        println!(
            "{} with a label (`{}`) the model knows{}",
            e.labelled,
            e.label_column.as_deref().unwrap_or(""),
            if e.other_labels > 0 {
                format!(
                    "; {} labelled with a class the model does not predict (not scored)",
                    e.other_labels
                )
            } else {
                String::new()
            }
        );
        println!("Naive Bayes: {nb}");
        println!("CNN:         {cnn}");
    }
    a.eval.print_written();
    Ok(())
}

fn eval_deep_snp(a: DeepSnpEval) -> Result<()> {
    a.eval.apply_threads();
    let signal = a.eval.input_or(&[("signal", &a.signal)])?;
    if let Some(l) = &a.eval.labels {
        return Err(Error::config(format!(
            "--labels {}: eval deep-snp takes no labels (a PennCNV signal file has no breakpoint \
             truth); leave it out",
            l.display()
        )));
    }
    let p = snp::predict_signal(&a.eval.model, &signal, a.eval.out.as_deref())?;
    for s in &p.skipped {
        eprintln!("warning: {s}");
    }
    let called = p.windows.iter().filter(|w| w.breakpoint_call).count();
    let thr = p.windows.first().map_or(0.5, |w| w.threshold);
    println!(
        "{}: {} windows, {called} with p(breakpoint) ≥ {thr:.4} (the model's validation threshold){}",
        signal.display(),
        p.windows.len(),
        if p.skipped.is_empty() {
            String::new()
        } else {
            format!("; {} chromosome(s) too short, skipped", p.skipped.len())
        }
    );
    for w in p.windows.iter().filter(|w| w.breakpoint_call) {
        println!(
            "  chr{} {}-{}: p = {:.3}, attention peak at {}",
            w.chrom, w.start_bp, w.end_bp, w.p_breakpoint, w.attention_peak_bp
        );
    }
    a.eval.print_written();
    Ok(())
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Common(c) => c.run(&app()?)?,
        Command::Eval(Eval::Gmna(a)) => eval_gmna(a)?,
        Command::Eval(Eval::ExplainGmna { explain }) => {
            let (r, _ids) =
                gmna::explain::explain_fasta(&deepfield_genomics::models()?, &explain.request())?;
            println!("{}", r.summary("genomes", 0, &explain.out));
        }
        Command::Eval(Eval::DeepSnp(a)) => eval_deep_snp(a)?,
        Command::Bench {
            threads,
            python: _,
            fasta,
            k,
            repeats,
        } => {
            let fasta = match fasta {
                Some(f) => f,
                None => deepfield_core::data::dataset(&gmna::repro::DATASET)
                    .map_err(Error::from)?
                    .join("example_sequences.fasta.gz"),
            };
            bench::run(&fasta, k, threads, repeats)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use clap::Parser;
    fn parse(args: &[&str]) -> std::result::Result<Command, clap::Error> {
        Cli::try_parse_from(args).map(|c| c.command)
    }

    #[test]
    fn eval_takes_input_positionally_and_keeps_predict_and_the_older_flags() {
        // The shared form: eval <kind> --model DIR INPUT [--labels F] [--out F] [--threads N].
        let Command::Eval(Eval::Gmna(a)) = parse(&[
            "deepfield-genomics",
            "eval",
            "gmna",
            "--model",
            "m",
            "g.fa",
            "--labels",
            "l.csv",
            "--out",
            "p.csv",
            "--threads",
            "2",
            "--label-column",
            "region",
        ])
        .unwrap() else {
            panic!("not eval gmna")
        };
        assert_eq!(
            a.eval.input_or(&[("fasta", &a.fasta)]).unwrap(),
            PathBuf::from("g.fa")
        );
        assert_eq!(a.eval.labels, Some(PathBuf::from("l.csv")));
        assert_eq!(
            (a.eval.threads, a.label_column.as_deref()),
            (2, Some("region"))
        );
        // `predict` and `--fasta`/`--signal`/`--metadata` still work.
        let Command::Eval(Eval::Gmna(a)) = parse(&[
            "deepfield-genomics",
            "predict",
            "gmna",
            "--model",
            "m",
            "--fasta",
            "g.fa",
            "--metadata",
            "m.tsv",
        ])
        .unwrap() else {
            panic!("not predict gmna")
        };
        assert_eq!(
            a.eval.input_or(&[("fasta", &a.fasta)]).unwrap(),
            PathBuf::from("g.fa")
        );
        assert_eq!(a.metadata, Some(PathBuf::from("m.tsv")));
        let Command::Eval(Eval::DeepSnp(a)) = parse(&[
            "deepfield-genomics",
            "predict",
            "deep-snp",
            "--model",
            "m",
            "--signal",
            "s.txt",
        ])
        .unwrap() else {
            panic!("not predict deep-snp")
        };
        assert_eq!(
            a.eval.input_or(&[("signal", &a.signal)]).unwrap(),
            PathBuf::from("s.txt")
        );
        // Both forms at once, or none: an error that says what to give.
        let Command::Eval(Eval::DeepSnp(a)) = parse(&[
            "deepfield-genomics",
            "eval",
            "deep-snp",
            "--model",
            "m",
            "s.txt",
            "--signal",
            "t.txt",
        ])
        .unwrap() else {
            panic!("not eval deep-snp")
        };
        let e = a
            .eval
            .input_or(&[("signal", &a.signal)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("--signal"), "{e}");
        // The older flags are hidden from the help.
        let mut cmd = Cli::command();
        let help = cmd
            .find_subcommand_mut("eval")
            .and_then(|e| e.find_subcommand_mut("gmna"))
            .unwrap()
            .render_help()
            .to_string();
        assert!(
            help.contains("--labels") && help.contains("[INPUT]"),
            "{help}"
        );
        assert!(
            !help.contains("--fasta") && !help.contains("--metadata"),
            "{help}"
        );
    }
}
