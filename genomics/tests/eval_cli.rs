//! `deepfield-genomics eval` end to end on small model folders built here (no training): ids
//! with commas and quotes round-trip from the FASTA and the labels table to the predictions CSV,
//! one labelled record still writes predictions with undefined scores named as such, and a
//! signal file with a chromosome too short for the network is predicted with that chromosome
//! skipped and named.

use std::path::Path;

use deepfield_core::models::ModelConfig as _;
use deepfield_core::nn::cnn::{
    CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, GlobalPool, PoolConfig,
};
use deepfield_core::testing::{read_csv, run_line, BinOutput};
use deepfield_genomics::gmna::{self, GmnaCnnConfig, GmnaNaiveBayes, MultinomialNb};
use deepfield_genomics::seq::{ProfileConfig, SparseProfile};
use deepfield_genomics::snp::{write_penncnv, SnpSignal};
use tch::nn::VarStore;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_deepfield-genomics");
const LABELS: [&str; 3] = ["Asia", "Europe", "Oceania"];

/// Run the binary with the command line `line`, each `{}` one of `paths` (see `run_line`).
fn run(line: &str, paths: &[&dyn AsRef<Path>]) -> BinOutput {
    run_line(BIN, line, paths)
}

/// A GMNA model folder: an untrained CNN and a Naive Bayes fitted on `seqs`.
fn gmna_model(dir: &Path, seqs: &[Vec<u8>]) {
    tch::manual_seed(0);
    let config = GmnaCnnConfig {
        length: 200,
        label_column: "country".into(),
        labels: LABELS.map(String::from).to_vec(),
        network: CnnClassifierConfig {
            stack: ConvStackConfig {
                dims: 1,
                input: 4,
                blocks: vec![ConvBlockConfig::new(4, 5).with_pool(PoolConfig::max(4))],
            },
            global_pool: GlobalPool::Max,
            head_hidden: vec![6],
            output: 3,
            ..Default::default()
        },
    };
    let vs = VarStore::new(deepfield_core::device());
    let _m = config.build(&vs.root()).unwrap();
    let profile = ProfileConfig {
        k: 3,
        ..Default::default()
    };
    let ps: Vec<SparseProfile> = seqs.iter().map(|s| profile.sparse(s).unwrap()).collect();
    let refs: Vec<&SparseProfile> = ps.iter().collect();
    let y: Vec<usize> = (0..seqs.len()).map(|i| i % 3).collect();
    let nb = GmnaNaiveBayes {
        profile,
        labels: config.labels.clone(),
        model: MultinomialNb::fit(&refs, &y, 3, 0.5).unwrap(),
    };
    gmna::predict::save(dir, &vs, &config, &nb, None::<&()>).unwrap();
}

fn genome(i: usize) -> Vec<u8> {
    let mut rng = deepfield_core::Rng::new(i as u64 + 1);
    (0..180 + 10 * i).map(|_| b"ACGT"[rng.below(4)]).collect()
}

#[test]
fn eval_gmna_keeps_odd_ids_and_scores_one_labelled_record_as_undefined_where_it_must() {
    let tmp = tempfile::tempdir().unwrap();
    let seqs: Vec<Vec<u8>> = (0..6).map(genome).collect();
    let model = tmp.path().join("model");
    gmna_model(&model, &seqs);
    // Record ids with a comma and quotes (FASTA ids end at the first space).
    let ids = ["hCoV,\"A\"/1", "B/2", "C'3"];
    let fasta = tmp.path().join("g.fa");
    let text: String = ids
        .iter()
        .zip(&seqs)
        .map(|(id, s)| format!(">{id} description\n{}\n", String::from_utf8_lossy(s)))
        .collect();
    std::fs::write(&fasta, text).unwrap();
    // One labelled record; the labels table quotes the id as RFC 4180 asks.
    let labels = tmp.path().join("labels.csv");
    std::fs::write(&labels, "strain,country\n\"hCoV,\"\"A\"\"/1\",Europe\n\n").unwrap();
    let out = tmp.path().join("preds.csv");
    let line = "eval gmna --model {} {} --labels {} --out {} --threads 1";
    let run1 = run(line, &[&model, &fasta, &labels, &out]);
    let stdout = run1.assert_ok();
    assert!(
        stdout.contains("3 genomes") && stdout.contains("1 with a label"),
        "{stdout}"
    );
    // One record: accuracy is defined, the ROC AUC is not — and says so.
    assert!(stdout.contains("macro ROC AUC undefined"), "{stdout}");
    assert!(!stdout.contains("NaN"), "{stdout}");
    let (header, rows) = read_csv(&out);
    assert_eq!(
        header,
        [
            "id",
            "nb_label",
            "nb_prob",
            "cnn_label",
            "cnn_prob",
            "true_label"
        ]
    );
    let got: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(got, ids);
    assert_eq!(rows[0][5], "Europe");
    assert_eq!((rows[1][5].as_str(), rows[2][5].as_str()), ("", ""));
    assert!(rows.iter().all(|r| LABELS.contains(&r[1].as_str())));

    // The older form (`predict`, --fasta, --metadata as a TSV) gives the same predictions.
    let tsv = tmp.path().join("labels.tsv");
    std::fs::write(&tsv, "strain\tcountry\n\"hCoV,\"\"A\"\"/1\"\tEurope\n").unwrap();
    let out2 = tmp.path().join("preds2.csv");
    let line = "predict gmna --model {} --fasta {} --metadata {} --out {}";
    run(line, &[&model, &fasta, &tsv, &out2]).assert_ok();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        std::fs::read_to_string(&out2).unwrap()
    );

    // Labels whose ids match no record: a clear error naming the file and the column.
    let wrong = tmp.path().join("wrong.csv");
    std::fs::write(&wrong, "name,country\nzzz,Asia\n").unwrap();
    run(
        "eval gmna --model {} {} --labels {}",
        &[&model, &fasta, &wrong],
    )
    .assert_fails_with(&["wrong.csv", "`name`", "--id-column"]);
    // No input at all: says what to give.
    run("eval gmna --model {}", &[&model]).assert_fails_with(&["INPUT"]);
}

#[test]
fn eval_deep_snp_skips_and_names_a_chromosome_too_short_for_the_network() {
    let tmp = tempfile::tempdir().unwrap();
    let model = common::save_deep_snp_model(tmp.path());
    // chr1: 1,500 probes (one window); chrX: 90 probes (fewer than the 125 the network takes).
    let n = 1590;
    let mut rng = deepfield_core::Rng::new(4);
    let signal = SnpSignal {
        sample: "kid".into(),
        names: (0..n).map(|i| format!("rs{i}")).collect(),
        chrom: (0..n)
            .map(|i| if i < 1500 { "1" } else { "X" }.to_string())
            .collect(),
        pos: (0..n as u64).map(|i| 100 + 30 * i).collect(),
        lrr: (0..n).map(|_| rng.normal() as f32 * 0.2).collect(),
        baf: (0..n).map(|_| rng.uniform() as f32).collect(),
    };
    let file = tmp.path().join("kid.txt");
    write_penncnv(&file, &signal).unwrap();
    let out = tmp.path().join("w.csv");
    let run1 = run(
        "eval deep-snp --model {} {} --out {}",
        &[&model, &file, &out],
    );
    let stdout = run1.assert_ok();
    let stderr = &run1.stderr;
    assert!(
        stderr.contains("kid.txt: chromosome X skipped: 90 probes, the model needs at least 125"),
        "{stderr}"
    );
    assert!(
        stdout.contains("1 windows") && stdout.contains("skipped"),
        "{stdout}"
    );
    let (header, rows) = read_csv(&out);
    assert_eq!(
        header[..6],
        [
            "sample",
            "chrom",
            "first_probe",
            "probes",
            "start_bp",
            "end_bp"
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0][1].as_str(), rows[0][3].as_str()), ("1", "1024"));

    // Labels are refused for deep-snp with a reason.
    run(
        "eval deep-snp --model {} {} --labels x.csv",
        &[&model, &file],
    )
    .assert_fails_with(&["takes no labels"]);
}

/// `eval explain-gmna`: integrated gradients of the GMNA CNN per base and position, rows in the
/// FASTA's order (`ids.txt`), complete (Σ = f(x) − f(0) within 1e-2) and zero past the end of
/// a genome shorter than the model's input (the one-hot padding is all zeros); Grad-CAM maps
/// along the genome at the block's resolution (after its pool); a file without records is an error.
#[test]
fn explain_gmna_attributes_bases_and_positions() {
    let tmp = tempfile::tempdir().unwrap();
    let seqs: Vec<Vec<u8>> = (0..3).map(genome).collect();
    let model = tmp.path().join("model");
    gmna_model(&model, &seqs);
    let fasta = tmp.path().join("g.fa");
    let text: String = seqs
        .iter()
        .enumerate()
        .map(|(i, s)| format!(">g{i}\n{}\n", String::from_utf8_lossy(s)))
        .collect();
    std::fs::write(&fasta, text).unwrap();
    let out = tmp.path().join("ig");
    let line =
        "eval explain-gmna --model {} --input {} --method integrated-gradients --steps 32 --out {}";
    let ran = run(line, &[&model, &fasta, &out]);
    let text = ran.assert_ok();
    assert!(text.contains("3 genomes explained"), "{text}");
    let ids = std::fs::read_to_string(out.join("ids.txt")).unwrap();
    assert_eq!(ids.lines().collect::<Vec<_>>(), ["g0", "g1", "g2"]);
    let a =
        deepfield_core::checkpoint::read_tensors(&out.join("attributions.safetensors")).unwrap();
    let (_, a) = a.iter().find(|(n, _)| n == "attributions").unwrap();
    assert_eq!(a.size(), [3, 4, 200]);
    // Genome 0 has 180 bases: positions 180..200 are padding.
    let g0 = a.get(0);
    let pad = g0.narrow(1, 180, 20).abs().max().double_value(&[]);
    let body = g0.narrow(1, 0, 180).abs().max().double_value(&[]);
    assert!(pad == 0.0 && body > 0.0, "padding {pad}, body {body}");
    let csv = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    for row in csv.lines().skip(1) {
        let delta: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
        assert!(delta.abs() < 1e-2, "completeness delta {delta} in {row}");
    }
    let cam = tmp.path().join("cam");
    run(
        "eval explain-gmna --model {} --input {} --method gradcam --out {}",
        &[&model, &fasta, &cam],
    )
    .assert_ok();
    let m =
        deepfield_core::checkpoint::read_tensors(&cam.join("attributions.safetensors")).unwrap();
    let (_, m) = m.iter().find(|(n, _)| n == "attributions").unwrap();
    assert_eq!(
        m.size(),
        [3, 50],
        "Grad-CAM of the block output: 200 positions after a max pool of 4"
    );
    let empty = tmp.path().join("empty.fa");
    std::fs::write(&empty, "").unwrap();
    run(
        "eval explain-gmna --model {} --input {} --method saliency --out {}",
        &[&model, &empty, &tmp.path().join("bad")],
    )
    .assert_fails_with(&["empty.fa"]);
    assert!(!tmp.path().join("bad").exists());
}
