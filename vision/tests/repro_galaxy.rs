//! `galaxy-rotinv --quick` end to end on the real images: results folder, typed metrics, the
//! models clearly above the majority class, the cyclic models' exact invariance to quarter
//! turns, and the saved headline model evaluated by `deepfield-vision eval classify`. One test
//! in this binary (libtorch's RNG is process-global).

use deepfield_core::testing::{
    assert_csv, assert_png, assert_results, run_bin, run_quick, QuickRun,
};
use deepfield_vision::repro::galaxy::GalaxyRotinv;

/// Measured (seed 0, quick, 1 thread): majority 0.319; the four models 0.544–0.580 at 0°,
/// macro-F1 0.35–0.43.
/// A model must beat the majority class by this much.
const MARGIN: f64 = 0.12;

#[test]
fn quick_galaxy_rotinv_beats_the_majority_class_and_its_model_evaluates() {
    let QuickRun {
        tmp,
        out,
        metrics: m,
    } = run_quick(GalaxyRotinv);

    assert_results(
        &out,
        &[
            "metrics.json",
            "metrics.csv",
            "config.json",
            "report.md",
            "history.csv",
            "accuracy_by_angle.png",
            "confusion_rotinv_aug.png",
            "model/model.safetensors",
            "models/plain_noaug/model.safetensors",
        ],
    );
    assert_png(&out.join("accuracy_by_angle.png"), (400, 300));
    assert_eq!(m.images, 1926);
    assert_eq!(m.class_counts, [614, 359, 381, 427, 49, 96]);
    assert_eq!(m.train + m.validation + m.test, 1926);
    assert_eq!(m.angles.len(), 24);
    assert!(
        (m.majority_rate - 123.0 / 386.0).abs() < 0.01,
        "{}",
        m.majority_rate
    );
    let keys: Vec<&str> = m.variants.iter().map(|v| v.key.as_str()).collect();
    assert_eq!(
        keys,
        ["rotinv_aug", "rotinv_noaug", "plain_aug", "plain_noaug"]
    );
    let tol = 1.5 / m.test as f64;
    for v in &m.variants {
        assert!(
            v.accuracy > m.majority_rate + MARGIN,
            "{}: accuracy {} vs majority {}",
            v.key,
            v.accuracy,
            m.majority_rate
        );
        assert!(v.f1_macro > 0.25, "{}: macro-F1 {}", v.key, v.f1_macro);
        let total: u64 = v.confusion.iter().flatten().sum();
        assert_eq!(total as usize, m.test);
        if v.cyclic {
            // Exactly invariant to quarter turns (up to a rare argmax tie from rounding).
            for q in [6, 12, 18] {
                let d = (v.accuracy_by_angle[q] - v.accuracy_by_angle[0]).abs();
                assert!(d <= tol, "{}: {}° differs from 0° by {d}", v.key, q * 15);
            }
        }
    }
    // Same weights: the cyclic model and its plain twin have equal parameter counts.
    assert_eq!(m.variants[0].parameters, m.variants[3].parameters);
    assert_csv(
        &out.join("metrics.csv"),
        &["model", "fold", "metric", "value"],
        1 + 4 * 30,
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("quick") && report.contains("Rotations only"));

    // The saved model through the CLI on the dataset's own list: the same preprocessing, so
    // its accuracy on the 1,926 images is in line with the test accuracy.
    let list = deepfield_core::data::data_dir()
        .unwrap()
        .join("galaxy_zoo1_subset/labels.csv");
    let pred = tmp.path().join("pred.csv");
    let r = run_bin(
        env!("CARGO_BIN_EXE_deepfield-vision"),
        [
            "eval".as_ref(),
            "classify".as_ref(),
            "--model".as_ref(),
            out.join("model").as_os_str(),
            list.as_os_str(),
            "--out".as_ref(),
            pred.as_os_str(),
        ],
    );
    assert!(r.success, "{}", r.stderr);
    assert!(r.stdout.contains("1926 images classified"), "{}", r.stdout);
    let rows = assert_csv(
        &pred,
        &[
            "id",
            "predicted",
            "label",
            "p_0",
            "p_1",
            "p_2",
            "p_3",
            "p_4",
            "p_5",
        ],
        1926,
    );
    let hits = rows.iter().filter(|r| r[1] == r[2]).count() as f64 / 1926.0;
    assert!(
        hits > m.majority_rate + MARGIN,
        "eval accuracy {hits} vs majority {}",
        m.majority_rate
    );
}
