//! The `graphfm` pipeline end to end on Cora (tiny settings), the saved classifier on the user's
//! data, the same pipeline on another graph in the CSV-pair layout, and `--resume`.

use deepfield_core::report::fmt_num;
use deepfield_core::testing::{
    assert_contains, assert_csv, assert_history, assert_json_close, assert_repro_results,
    assert_results, read_csv,
};
use deepfield_graph::io::{read_planetoid, GraphSource, CORA};
use deepfield_graph::predict::predict;
use deepfield_graph::repro::graphfm::{
    progress::{progress_dir, PROGRESS_FILE},
    run, run_on, GraphFmConfig, RunOptions,
};
use deepfield_graph::train::BatchMode;

fn tiny(methods: &[&str]) -> GraphFmConfig {
    GraphFmConfig {
        methods: methods.iter().map(|s| s.to_string()).collect(),
        seeds: 1,
        ssl_epochs: Some(4),
        supervised_epochs: 40,
        mini_batch: Some(BatchMode::Mini {
            batch_size: 1024,
            fanouts: vec![5, 5],
        }),
        mini_epochs: Some(2),
        ..Default::default()
    }
}

/// How far DGI's probe accuracy must be above the largest-class rate of Cora's test nodes
/// (0.319). Measured with these settings (seed 0, 4 DGI epochs, one thread): DGI 0.708, so
/// the bar is 0.619.
const DGI_MARGIN: f64 = 0.3;

#[test]
fn graphfm_on_cora_writes_results_and_the_model_predicts() {
    // One libtorch thread: several tests run at once on few cores (oversubscription is slow).
    deepfield_core::device::set_threads(1);
    let dir = deepfield_core::data::dataset(&CORA).unwrap();
    // Always answering the largest class of Cora's 1,000 test nodes scores this.
    let cora = read_planetoid(&dir).unwrap();
    let test = &cora.split.as_ref().expect("Cora's given split").test;
    let mut counts = vec![0usize; cora.n_classes()];
    test.iter()
        .for_each(|&i| counts[cora.labels[i] as usize] += 1);
    let largest_class = *counts.iter().max().unwrap() as f64 / test.len() as f64;
    let out = tempfile::tempdir().unwrap();
    let res = out.path().join("graphfm");
    let mut cfg = tiny(&["gcn", "dgi"]);
    cfg.preset = Some("cora".into());
    let m = run(&cfg, &GraphSource::Planetoid(dir.clone()), &res).unwrap();
    let gcn = m.methods["gcn"].full_batch.as_ref().unwrap().accuracy.mean;
    let dgi = m.methods["dgi"].full_batch.as_ref().unwrap();
    let dgi_acc = dgi.accuracy.mean;
    assert!(gcn > 0.7, "gcn {gcn}");
    // DGI after 4 epochs: a linear probe on its embeddings must beat the largest class.
    assert!(
        dgi_acc > largest_class + DGI_MARGIN,
        "DGI {dgi_acc} vs largest class {largest_class}"
    );
    assert!(dgi.link_auc.unwrap().mean > 0.6, "{dgi:?}");
    assert!(dgi.nmi.is_some() && dgi.nodes_per_s.mean > 0.0);
    assert!(m.methods["dgi"].mini_batch.is_some());
    assert_eq!(m.graph_stats.nodes, 2708);
    assert_eq!(m.graph_stats.edges, 5278);
    assert_eq!(m.benchmark.as_deref(), Some("cora"));
    let saved = assert_repro_results(
        &res,
        &[
            "embeddings_pca.png",
            "accuracy.png",
            "accuracy_vs_throughput.png",
            "model/model.safetensors",
            "encoders/dgi/model.safetensors",
        ],
    );
    assert_json_close(
        &saved["methods"],
        &serde_json::to_value(&m.methods).unwrap(),
        1e-12,
    );
    // The config records the preset; no progress folder is left behind.
    let config: serde_json::Value =
        deepfield_core::fsutil::read_json(&res.join("config.json")).unwrap();
    assert_eq!(config["preset"], "cora");
    assert!(!progress_dir(&res).unwrap().exists());
    // metrics.csv names method, mode/seed/task and metric.
    let (header, rows) = read_csv(&res.join("metrics.csv"));
    assert_eq!(header, ["model", "fold", "metric", "value"]);
    let find = |model: &str, fold: &str, metric: &str| -> f64 {
        rows.iter()
            .find(|r| r[0] == model && r[1] == fold && r[2] == metric)
            .unwrap_or_else(|| panic!("no row {model},{fold},{metric}"))[3]
            .parse()
            .unwrap()
    };
    assert_eq!(
        find("gcn", "full-batch/mean/node-classification", "accuracy"),
        gcn
    );
    assert_eq!(
        find("dgi", "full-batch/seed 0/link-prediction", "auc"),
        dgi.link_auc.unwrap().mean
    );
    // history.csv: every trained model's epochs (GCN 40, the DGI probe 300, ...).
    let hist = assert_history(
        &res.join("history.csv"),
        &["val_accuracy", "val_test_accuracy"],
    );
    let count = |run: &str| hist.iter().filter(|r| r[0] == run).count();
    assert_eq!(count("gcn/full-batch/seed 0"), 40);
    assert_eq!(count("dgi/full-batch/seed 0/probe"), 300);
    assert!((1..=4).contains(&count("dgi/full-batch/seed 0")));
    assert!(count("dgi/full-batch/seed 0/link-prediction") >= 1);
    // The report names the data, shows the measured numbers (accuracies in % for one seed, NMI
    // as a number) and, the data being Cora with its split, the published ones.
    let report = std::fs::read_to_string(res.join("report.md")).unwrap();
    assert!(report.starts_with("> **Quick run**"), "{report}");
    assert_contains(&report, "cora_planetoid");
    assert_contains(&report, "preset `cora`");
    for acc in [gcn, dgi_acc] {
        assert_contains(&report, &format!("{:.1} (1 seed)", 100.0 * acc));
    }
    assert_contains(
        &report,
        &format!("{} (1 seed)", fmt_num(dgi.nmi.unwrap().mean)),
    );
    assert_contains(&report, "Kipf & Welling 2017");
    assert_contains(&report, "81.5");

    // The saved GCN on the user's graph (here: Cora again) reproduces its test accuracy.
    let preds = out.path().join("p.csv");
    let p = predict(
        &res.join("model"),
        &GraphSource::Planetoid(dir.clone()),
        Some(&preds),
    )
    .unwrap();
    assert_eq!(p.scored_nodes, 1000);
    assert!(
        (p.accuracy.unwrap() - gcn).abs() < 1e-6,
        "{:?} vs {gcn}",
        p.accuracy
    );
    assert_csv(&preds, &["node", "predicted", "probability", "label"], 2708);

    // A graph with other feature columns than the model is a clear error (it used to be padded
    // with zeros and scored).
    let other = out.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("nodes.tsv"), "node\tlabel\n0\t1\n1\t0\n").unwrap();
    for (feats, cols) in [("5000\n1\n", 5001), ("4\n1\n", 5)] {
        std::fs::write(other.join("features.txt"), feats).unwrap();
        std::fs::write(other.join("edges.txt"), "0 1\n").unwrap();
        let e = predict(
            &res.join("model"),
            &GraphSource::Planetoid(other.clone()),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains(&format!("{cols} feature columns")) && e.contains("1433"),
            "{e}"
        );
    }
}

/// A planted two-community graph in the CSV layout: features hint at the class, edges mostly
/// within a class. The node file is called `cora.csv`: a name does not make data Cora.
fn planted(dir: &std::path::Path) -> GraphSource {
    let (nodes, edges) = (dir.join("cora.csv"), dir.join("edges.csv"));
    let mut rng = deepfield_core::Rng::new(3);
    let n = 200;
    let mut text = String::from("id,label,f0,f1,f2,f3\n");
    for i in 0..n {
        let c = i % 2;
        let f: Vec<String> = (0..4)
            .map(|j| {
                format!(
                    "{:.3}",
                    if j % 2 == c { 1.0 } else { 0.0 } + 0.8 * rng.normal()
                )
            })
            .collect();
        text.push_str(&format!(
            "p{i},{},{}\n",
            if c == 0 { "alpha" } else { "beta" },
            f.join(",")
        ));
    }
    std::fs::write(&nodes, text).unwrap();
    let mut text = String::from("source,target\n");
    for _ in 0..800 {
        let a = rng.below(n);
        let b = if rng.uniform() < 0.9 {
            (rng.below(n / 2) * 2 + a % 2) % n
        } else {
            rng.below(n)
        };
        text.push_str(&format!("p{a},p{b}\n"));
    }
    std::fs::write(&edges, text).unwrap();
    GraphSource::CsvPair { nodes, edges }
}

#[test]
fn the_same_pipeline_runs_on_a_csv_graph_without_cora_anchors() {
    deepfield_core::device::set_threads(1);
    let out = tempfile::tempdir().unwrap();
    let source = planted(out.path());
    let mut cfg = tiny(&["gcn", "cca-ssg"]);
    cfg.ssl_epochs = Some(20);
    cfg.supervised_epochs = 100;
    let res = out.path().join("res");
    let m = run(&cfg, &source, &res).unwrap();
    assert_eq!(m.graph_stats.classes, 2);
    for method in ["gcn", "cca-ssg"] {
        let acc = m.methods[method].full_batch.as_ref().unwrap().accuracy.mean;
        assert!(acc > 0.8, "{method} {acc}");
    }
    assert_eq!(m.runs.len(), 4);
    // Not one of the published benchmarks: no published numbers in the report.
    assert_eq!(m.benchmark, None);
    let report = std::fs::read_to_string(res.join("report.md")).unwrap();
    assert_contains(&report, "Not compared");
    assert_contains(&report, "cora.csv");
    for anchor in ["Kipf & Welling", "81.5", "84.0", "Zhang et al."] {
        assert!(!report.contains(anchor), "{anchor} in\n{report}");
    }
    // Cora itself still reads (the repro's data) — the layouts are interchangeable.
    let dir = deepfield_core::data::dataset(&CORA).unwrap();
    assert_eq!(read_planetoid(&dir).unwrap().n_features(), 1433);
}

#[test]
fn resume_continues_only_the_same_settings() {
    deepfield_core::device::set_threads(1);
    let tmp = tempfile::tempdir().unwrap();
    let source = planted(tmp.path());
    let res = tmp.path().join("res");
    let progress = progress_dir(&res).unwrap();
    let opts = |resume| RunOptions {
        out: res.clone(),
        resume,
        ..Default::default()
    };
    // Run A finishes.
    let a = GraphFmConfig {
        methods: vec!["gcn".into()],
        seeds: 1,
        supervised_epochs: 20,
        link_prediction: false,
        mini_batch: None,
        ..Default::default()
    };
    let ma = run_on(&source, &a, &opts(false)).unwrap();
    assert!(!progress.exists());
    // Run B (random splits, and GAT) stops after its GCN run: a GAT with learning rate 0
    // fails, as a killed run would stop. A's results stay as they were.
    let mut b = a.clone();
    b.given_split = false;
    b.methods.push("gat".into());
    b.overrides
        .insert("gat".into(), serde_json::json!({"lr": 0.0}));
    let e = run_on(&source, &b, &opts(false)).unwrap_err().to_string();
    assert!(e.contains("lr must be > 0"), "{e}");
    let kept: serde_json::Value =
        deepfield_core::fsutil::read_json(&res.join("metrics.json")).unwrap();
    assert_json_close(
        &kept["runs"],
        &serde_json::to_value(&ma.runs).unwrap(),
        1e-12,
    );
    assert!(progress.join(PROGRESS_FILE).is_file());
    assert!(progress.join("model/model.safetensors").is_file());

    // Resuming with A's settings is refused, naming what differs (it used to report A's runs
    // as B's).
    let e = run_on(&source, &a, &opts(true)).unwrap_err().to_string();
    assert!(
        e.contains("other settings") && e.contains("given_split") && e.contains("methods"),
        "{e}"
    );

    // Say B had been killed after its GCN run (with a working GAT): resuming keeps that run —
    // marked here with an accuracy no training gives — and trains only the GAT.
    let mut b2 = b.clone();
    b2.overrides.clear();
    let file = progress.join(PROGRESS_FILE);
    let mut p: serde_json::Value = deepfield_core::fsutil::read_json(&file).unwrap();
    p["config"] = serde_json::to_value(&b2).unwrap();
    assert_eq!(p["runs"].as_array().unwrap().len(), 1);
    p["runs"][0]["record"]["accuracy"] = serde_json::json!(0.123456);
    deepfield_core::fsutil::write_json(&file, &p).unwrap();
    let mb = run_on(&source, &b2, &opts(true)).unwrap();
    let gcn = mb.methods["gcn"].full_batch.as_ref().unwrap().accuracy.mean;
    assert!((gcn - 0.123456).abs() < 1e-12, "{gcn}");
    assert_eq!(mb.runs.len(), 2);
    assert_eq!(mb.runs[1].method, "gat");
    assert_eq!(mb.runs[1].stats.epochs, 20);
    assert_results(&res, &["model/model.safetensors", "history.csv"]);
    // The GCN's history comes from the progress file, the GAT's from this session.
    let (_, hist) = read_csv(&res.join("history.csv"));
    let count = |run: &str| hist.iter().filter(|r| r[0] == run).count();
    assert_eq!(
        (
            count("gcn/full-batch/seed 0"),
            count("gat/full-batch/seed 0")
        ),
        (20, 20)
    );
    assert!(!progress.exists());
    // Without --resume a leftover progress folder is not reused: a fresh run of B2 trains GCN.
    let fresh = run_on(&source, &b2, &opts(false)).unwrap();
    assert_ne!(
        fresh.methods["gcn"]
            .full_batch
            .as_ref()
            .unwrap()
            .accuracy
            .mean,
        0.123456
    );
}
