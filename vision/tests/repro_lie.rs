//! `lie-equivariant --quick` end to end on the real MNIST files: results folder, typed metrics,
//! every model clearly above chance on MNIST and on the generated affNIST-style set, and the
//! saved affine model evaluated by `deepfield-vision eval classify`. One test in this binary
//! (libtorch's RNG is process-global).

use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::{assert_csv, assert_png, assert_results, run_bin};
use deepfield_vision::repro::lie_equivariant::{LieEquivariant, LieMetrics};

/// Chance is 0.10 on ten balanced digits; every model must clear these with room to spare.
/// Measured (seed 0, quick, 1 thread): see the assertion messages in a failing run.
const MNIST_FLOOR: f64 = 0.60;
const AFFNIST_FLOOR: f64 = 0.25;

#[test]
fn quick_lie_equivariant_beats_chance_and_its_model_evaluates() {
    deepfield_core::device::set_threads(1);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("lie-equivariant");
    let opts = ReproOptions::quick("lie-equivariant", &out);
    let m: LieMetrics = Typed(LieEquivariant)
        .run_typed(&opts)
        .expect("lie-equivariant --quick");
    assert_results(
        &out,
        &[
            "metrics.json",
            "metrics.csv",
            "config.json",
            "report.md",
            "history.csv",
            "accuracy.png",
            "accuracy_by_strength.png",
            "model/model.safetensors",
            "models/cnn/model.safetensors",
            "models/cnn_aug/model.safetensors",
            "models/p4/model.safetensors",
        ],
    );
    assert_png(&out.join("accuracy.png"), (400, 300));
    assert_png(&out.join("accuracy_by_strength.png"), (400, 300));
    assert_eq!((m.train, m.test, m.curve), (1500, 500, 300));
    let keys: Vec<&str> = m.variants.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(keys, ["cnn", "cnn_aug", "p4", "affine"]);
    for v in &m.variants {
        eprintln!(
            "{}: MNIST {:.3}, affNIST {:.3}, by strength {:?}, {} parameters",
            v.key, v.mnist_accuracy, v.affnist_accuracy, v.accuracy_by_strength, v.parameters
        );
        assert!(
            v.mnist_accuracy > MNIST_FLOOR,
            "{}: {}",
            v.key,
            v.mnist_accuracy
        );
        assert!(
            v.affnist_accuracy > AFFNIST_FLOOR,
            "{}: {}",
            v.key,
            v.affnist_accuracy
        );
        assert_eq!(v.accuracy_by_strength.len(), m.strengths.len());
    }
    assert_csv(
        &out.join("metrics.csv"),
        &["model", "fold", "metric", "value"],
        4 * (2 + m.strengths.len()),
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("affNIST") && report.contains("quick"));

    // The saved affine model through the CLI on 28×28 MNIST test digits (an IDX pair).
    let dir = deepfield_core::data::data_dir().unwrap().join("mnist");
    let pred = tmp.path().join("pred.csv");
    let r = run_bin(
        env!("CARGO_BIN_EXE_deepfield-vision"),
        [
            "eval".as_ref(),
            "classify".as_ref(),
            "--model".as_ref(),
            out.join("model").as_os_str(),
            dir.join("t10k-images-idx3-ubyte.gz").as_os_str(),
            "--labels".as_ref(),
            dir.join("t10k-labels-idx1-ubyte.gz").as_os_str(),
            "--out".as_ref(),
            pred.as_os_str(),
        ],
    );
    assert!(r.success, "{}", r.stderr);
    let rows = std::fs::read_to_string(&pred).unwrap();
    let rows: Vec<Vec<&str>> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 10_000);
    let hits = rows.iter().filter(|r| r[1] == r[2]).count() as f64 / 10_000.0;
    let affine = m.get("affine").unwrap();
    assert!(
        (hits - affine.mnist_accuracy).abs() < 0.05,
        "eval accuracy {hits} vs the run's MNIST accuracy {}",
        affine.mnist_accuracy
    );
}
