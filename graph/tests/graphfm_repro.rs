//! The `graphfm` pipeline end to end on Cora (tiny settings), the saved classifier on the user's
//! data, and the same pipeline on another graph in the CSV-pair layout.

use deepfield_core::report::fmt_num;
use deepfield_core::testing::{assert_contains, assert_csv, assert_json_close, assert_results};
use deepfield_graph::io::{read_planetoid, GraphSource, CORA};
use deepfield_graph::predict::predict;
use deepfield_graph::repro::graphfm::{run, run_resumable, GraphFmConfig};
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
    let m = run(
        &tiny(&["gcn", "dgi"]),
        &GraphSource::Planetoid(dir.clone()),
        &res,
    )
    .unwrap();
    let gcn = m["methods"]["gcn"]["full-batch"]["accuracy"]
        .as_f64()
        .unwrap();
    let dgi = &m["methods"]["dgi"]["full-batch"];
    let dgi_acc = dgi["accuracy"].as_f64().unwrap();
    assert!(gcn > 0.7, "gcn {gcn}");
    // DGI after 4 epochs: a linear probe on its embeddings must beat the largest class.
    assert!(
        dgi_acc > largest_class + DGI_MARGIN,
        "DGI {dgi_acc} vs largest class {largest_class}"
    );
    assert!(dgi["link_auc"].as_f64().unwrap() > 0.6, "{dgi}");
    assert!(dgi["nmi"].as_f64().is_some() && dgi["nodes_per_s"].as_f64().unwrap() > 0.0);
    assert!(m["methods"]["dgi"]["mini-batch"]["accuracy"]
        .as_f64()
        .is_some());
    assert_eq!(m["graph_stats"]["nodes"], 2708);
    assert_eq!(m["graph_stats"]["edges"], 5278);
    let saved = assert_results(
        &res,
        &[
            "metrics.json",
            "report.md",
            "config.json",
            "embeddings_pca.png",
            "accuracy_vs_throughput.png",
            "model/model.safetensors",
            "encoders/dgi/model.safetensors",
        ],
    );
    assert_json_close(&saved["methods"], &m["methods"], 1e-12);
    // The report shows the measured numbers: accuracies in % (one seed), NMI as a number.
    let report = std::fs::read_to_string(res.join("report.md")).unwrap();
    for acc in [gcn, dgi_acc] {
        assert_contains(&report, &format!("{:.1} (1 seed)", 100.0 * acc));
    }
    assert_contains(
        &report,
        &format!("{} (1 seed)", fmt_num(dgi["nmi"].as_f64().unwrap())),
    );

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

    // A graph with more feature columns than the model is a clear error.
    let wide = out.path().join("wide");
    std::fs::create_dir(&wide).unwrap();
    std::fs::write(wide.join("nodes.tsv"), "node\tlabel\n0\t1\n1\t0\n").unwrap();
    std::fs::write(wide.join("features.txt"), "5000\n1\n").unwrap();
    std::fs::write(wide.join("edges.txt"), "0 1\n").unwrap();
    let e = predict(&res.join("model"), &GraphSource::Planetoid(wide), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("5001 feature columns") && e.contains("1433"),
        "{e}"
    );
}

#[test]
fn the_same_pipeline_runs_on_a_csv_graph() {
    // One libtorch thread: several tests run at once on few cores (oversubscription is slow).
    deepfield_core::device::set_threads(1);
    // A planted two-community graph: features hint at the class, edges mostly within a class.
    let out = tempfile::tempdir().unwrap();
    let (nodes, edges) = (out.path().join("nodes.csv"), out.path().join("edges.csv"));
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
    let source = GraphSource::CsvPair { nodes, edges };
    let mut cfg = tiny(&["gcn", "cca-ssg"]);
    cfg.ssl_epochs = Some(20);
    cfg.supervised_epochs = 100;
    let m = run(&cfg, &source, &out.path().join("res")).unwrap();
    assert_eq!(m["graph_stats"]["classes"], 2);
    for method in ["gcn", "cca-ssg"] {
        let acc = m["methods"][method]["full-batch"]["accuracy"]
            .as_f64()
            .unwrap();
        assert!(acc > 0.8, "{method} {acc}");
    }
    // Resuming a finished run re-runs nothing: the same numbers, the plots rebuilt from the
    // saved encoder; a resume with another config is refused.
    let res = out.path().join("res");
    std::fs::remove_file(res.join("embeddings_pca.png")).unwrap();
    let again = run_resumable(&cfg, &source, &res, true).unwrap();
    let accs = |v: &serde_json::Value| -> Vec<(String, f64)> {
        v["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["method"].to_string() + &r["mode"].to_string(),
                    r["accuracy"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(accs(&m).len(), 4);
    for ((a, x), (b, y)) in accs(&m).iter().zip(accs(&again)) {
        assert_eq!(a, &b);
        assert!((x - y).abs() < 1e-9, "{a}: {x} vs {y}");
    }
    assert_results(&res, &["embeddings_pca.png"]);
    let mut other = cfg.clone();
    other.supervised_epochs = 50;
    let err = run_resumable(&other, &source, &res, true).unwrap_err();
    assert!(err.to_string().contains("another config"), "{err}");
    // Cora itself still reads (the repro's data) — the layouts are interchangeable.
    let dir = deepfield_core::data::dataset(&CORA).unwrap();
    assert_eq!(read_planetoid(&dir).unwrap().n_features(), 1433);
}
