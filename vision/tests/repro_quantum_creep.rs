//! `quantum-creep --quick` end to end on the real MNIST files through core's `Typed`: results
//! folder, typed metrics, plots and report, accuracies clearly above chance for levels 0 and 1,
//! and the saved networks restored through the registry scoring the test images as the run did.

use deepfield_core::testing::{run_quick, QuickRun};
use deepfield_core::train::{Task, TrainConfig, Trainer};
use deepfield_vision::data::mnist::{self, Dataset, Split};
use deepfield_vision::repro::quantum_creep::run::saved_model;
use deepfield_vision::repro::quantum_creep::QuantumCreep;
use tch::Device;

/// Measured (seed 0, quick mode: 10,000 training / 2,000 test images, 3 epochs, 1 thread):
/// level 0 87.2 %, level 1 85.9 %; chance is 10 %, a constant predictor ≤ 11.5 %.
const LEVEL0_MIN: f64 = 80.0;
const LEVEL1_MIN: f64 = 75.0;

#[test]
fn quick_quantum_creep_learns_mnist_and_its_models_restore() {
    let QuickRun {
        tmp: _tmp,
        out,
        metrics: m,
    } = run_quick(QuantumCreep);

    assert_eq!((m.train_images, m.test_images), (10_000, 2000));
    assert_eq!(m.runs.len(), 2);
    let l0 = m.summary(Dataset::Mnist, 0).unwrap();
    let l1 = m.summary(Dataset::Mnist, 1).unwrap();
    assert!(
        l0.mean_accuracy >= LEVEL0_MIN,
        "level 0: {}",
        l0.mean_accuracy
    );
    assert!(
        l1.mean_accuracy >= LEVEL1_MIN,
        "level 1: {}",
        l1.mean_accuracy
    );
    assert_eq!((l0.parameters, l1.parameters), (130_394, 133_658));
    assert_eq!(l0.repository_accuracy, Some(92.3));
    for r in &m.runs {
        assert_eq!(r.test_accuracy_per_epoch.len(), 3);
        assert!(
            r.train_loss_per_epoch[2] < r.train_loss_per_epoch[0],
            "{r:?}"
        );
    }
    deepfield_core::testing::assert_results(
        &out,
        &[
            "report.md",
            "metrics.json",
            "metrics.csv",
            "config.json",
            "history.csv",
            "accuracy_mnist.png",
            "curves_mnist.png",
            "model/",
        ],
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("92.3") && report.contains("Not the full protocol"));

    // The saved networks, restored by kind through the registry, score the same test images.
    let reg = deepfield_vision::models().unwrap();
    let data_dir = deepfield_core::data::data_dir().unwrap();
    let test = mnist::load(&data_dir, Dataset::Mnist, Split::Test).unwrap();
    let ds = deepfield_core::data::TensorDataset::new(
        test.images.narrow(0, 0, 2000),
        test.labels.narrow(0, 0, 2000),
    )
    .unwrap();
    let trainer = Trainer::new(TrainConfig::default(), Task::classification(10)).unwrap();
    for (level, want) in [(0u8, l0.mean_accuracy), (1, l1.mean_accuracy)] {
        let restored = reg
            .restore(&saved_model(&out, Dataset::Mnist, level), Device::Cpu)
            .unwrap();
        assert_eq!(restored.kind, "vision.quantum_creep");
        assert_eq!(restored.config["level"], level);
        let e = trainer
            .evaluate(&restored.model, &restored.vs, &ds)
            .unwrap();
        let acc = 100.0 * e.metrics["accuracy"];
        assert!(
            (acc - want).abs() < 1e-9,
            "level {level}: restored {acc} vs run {want}"
        );
    }
}
