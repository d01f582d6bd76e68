//! `gmna --quick` on the real SARS-CoV-2 genomes, the saved model on a user's FASTA, and bad input.

use deepfield_core::repro::{ReproOptions, Reproduction};
use deepfield_genomics::gmna::repro::{evaluate_fasta, Gmna, DATASET};

#[test]
fn quick_gmna_beats_chance_and_writes_the_network() {
    let out = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::new("gmna");
    opts.quick = true;
    opts.seed = 3;
    opts.out = out.path().join("gmna");
    let m = Gmna.run(&opts).expect("gmna --quick");

    let labels = m["labels"].as_array().unwrap().len();
    assert_eq!(labels, 6, "{}", m["labels"]); // countries with ≥ 5 genomes
    assert_eq!(m["genomes"].as_u64(), Some(396));
    let majority = m["majority_accuracy"].as_f64().unwrap();
    let nb = m["naive_bayes"]["accuracy"].as_f64().unwrap();
    let cnn = m["cnn"]["accuracy"].as_f64().unwrap();
    // USA is 257/396 = 0.649; 5-fold NB on 8-mers measured ≈ 0.84 (seed 0).
    assert!((majority - 257.0 / 396.0).abs() < 1e-9);
    assert!(nb > majority + 0.1, "NB {nb} vs majority {majority}");
    assert!(m["naive_bayes"]["evaluated"].as_u64() == Some(396));
    // The quick CNN (one fold, 4 epochs, 12 kb crop) only has to beat uniform chance.
    assert!(cnn > 1.0 / labels as f64, "CNN {cnn}");

    let net = &m["networks"]["naive_bayes"];
    let soft = net["soft_confusion"].as_array().unwrap();
    for row in soft {
        let s: f64 = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((s - 1.0).abs() < 1e-6);
    }
    assert!(net["edges"].as_u64().unwrap() > 0);
    assert_eq!(net["communities"].as_array().unwrap().len(), 6);
    for f in [
        "metrics.json",
        "report.md",
        "config.json",
        "network_naive_bayes.png",
        "network_naive_bayes.graphml",
        "network_naive_bayes.dot",
        "network_cnn.png",
        "confusion_naive_bayes.png",
        "accuracy.png",
        "model/model.safetensors",
        "model/naive_bayes.json",
        "model/config.json",
    ] {
        let p = opts.out.join(f);
        assert!(
            p.metadata().map(|m| m.len() > 0).unwrap_or(false),
            "missing {}",
            p.display()
        );
    }
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(
        report.contains("Scarpino") && report.contains("500,000"),
        "{report}"
    );

    // The saved model on a user's FASTA with metadata: NB was refitted on all genomes.
    let data = deepfield_core::data::dataset(&DATASET).unwrap();
    let preds = out.path().join("preds.csv");
    let e = evaluate_fasta(
        &opts.out.join("model"),
        &data.join("example_sequences.fasta.gz"),
        Some((&data.join("example_metadata.tsv"), "strain", "country")),
        Some(&preds),
    )
    .unwrap();
    assert_eq!(e.genomes, 418);
    assert_eq!(e.labelled, 396);
    assert!(e.nb_accuracy.unwrap() > 0.9, "{e:?}");
    let text = std::fs::read_to_string(&preds).unwrap();
    assert_eq!(text.lines().count(), 419);
    assert!(text.starts_with("id,nb_label,nb_prob,cnn_label,cnn_prob,true_label"));

    // Bad input: a FASTA with a non-sequence character is a clear error, no output written.
    let bad = out.path().join("bad.fa");
    std::fs::write(&bad, ">x\nACGT7ACGT\n").unwrap();
    let bad_out = out.path().join("bad.csv");
    let err = evaluate_fasta(&opts.out.join("model"), &bad, None, Some(&bad_out))
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.fa:2") && err.contains("'7'"), "{err}");
    assert!(!bad_out.exists());
}

#[test]
fn missing_dataset_names_folder_and_source() {
    let empty = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::new("gmna");
    opts.quick = true;
    opts.data = Some(empty.path().to_path_buf());
    opts.out = empty.path().join("out");
    let e = Gmna.run(&opts).unwrap_err().to_string();
    assert!(
        e.contains("sarscov2_nextstrain_example") && e.contains("nextstrain/ncov"),
        "{e}"
    );
}
