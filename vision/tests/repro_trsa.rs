//! `trsa --quick` end to end on real MNIST: results folder, LeNet-5 trained, every method
//! identifies every layer without noise and degrades as noise grows. One test in this binary
//! (libtorch's RNG is process-global).

use deepfield_core::testing::{assert_png, assert_results, run_quick, QuickRun};
use deepfield_vision::repro::trsa::Trsa;

/// Measured (seed 0, quick): LeNet-5 0.90; identification 1.0 for every method up to σ = 0.5,
/// RSA 0.70 / tRSA 0.40 / topology 0.30 at σ = 4 (chance 0.2).
#[test]
fn quick_trsa_identifies_layers_and_degrades_with_noise() {
    let QuickRun {
        tmp: _tmp,
        out,
        metrics: m,
    } = run_quick(Trsa);
    assert_results(
        &out,
        &[
            "metrics.json",
            "metrics.csv",
            "config.json",
            "report.md",
            "history.csv",
            "identification.png",
            "layer_similarity.png",
            "model/model.safetensors",
        ],
    );
    assert_png(&out.join("identification.png"), (400, 300));
    assert!(
        m.test_accuracy > 0.8,
        "LeNet-5 accuracy {}",
        m.test_accuracy
    );
    assert_eq!(m.stimuli, 40);
    assert_eq!(m.layers.len(), 5);
    assert!((m.chance - 0.2).abs() < 1e-12);
    // The layers' RDMs differ: no off-diagonal whitened cosine reaches 1.
    for (i, row) in m.layer_similarity.iter().enumerate() {
        assert!((row[i] - 1.0).abs() < 1e-9);
        for (j, v) in row.iter().enumerate() {
            if i != j {
                assert!(*v < 0.999, "layers {i} and {j}: {v}");
            }
        }
    }
    for c in &m.methods {
        assert_eq!(c.accuracy.len(), m.noise_levels.len());
        assert_eq!(c.accuracy[0], 1.0, "{} without noise", c.key);
        let last = *c.accuracy.last().unwrap();
        assert!(last < 0.9, "{}: {last} at the largest noise", c.key);
    }
}
