//! `consensus-subnet --quick` on real MNIST: the CNN with connection gates at a 50 % target
//! reaches about half the connections removed in one pass and stays within a margin of dense
//! (a wide one: this short run loses about 10 points, see the report); the
//! results folder holds the report, plots and a pruned model the registry restores with its masks.

use deepfield_core::models::ModelRegistry;
use deepfield_core::prune::gates::Granularity;
use deepfield_core::prune::Masks;
use deepfield_core::repro::consensus::ConsensusSubnet;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_results;

#[test]
fn quick_consensus_gates_reach_half_sparsity_near_dense() {
    deepfield_core::device::set_threads(1);
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("consensus-subnet", out.path().join("cs"));
    let m = Typed(ConsensusSubnet)
        .run_typed(&opts)
        .expect("consensus-subnet --quick");
    let t = &m.tasks[0];
    // A constant predictor scores ~11 %.
    assert!(t.dense.accuracy > 75.0, "{t:?}");
    {
        let g = Granularity::Connection;
        let gated = t
            .arms
            .iter()
            .find(|a| a.method == "gated" && a.granularity == Some(g))
            .unwrap();
        let mag = t
            .arms
            .iter()
            .find(|a| a.method == "magnitude" && a.granularity == Some(g))
            .unwrap();
        assert!((gated.sparsity - 0.5).abs() < 0.08, "{g:?}: {gated:?}");
        assert!(
            (mag.sparsity - gated.sparsity).abs() < 0.03,
            "{mag:?} vs {gated:?}"
        );
        // The central comparison: gated at 50 % within a margin of dense.
        assert!(
            gated.accuracy > t.dense.accuracy - 15.0 && gated.accuracy > 50.0,
            "{g:?}: gated {} vs dense {}",
            gated.accuracy,
            t.dense.accuracy
        );
        assert_eq!(gated.epochs, t.dense.epochs);
        assert_eq!(gated.steps, mag.steps);
    }
    // Gates leave their start (all at σ(1) ≈ 0.73, none below 0.1 or above 0.9).
    for h in &t.histograms {
        assert!(h.polarized > 0.2, "{h:?}");
    }
    assert_eq!(m.goal.len(), 1);

    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "metrics.csv",
            "report.md",
            "config.json",
            "mnist_cnn_accuracy.png",
            "mnist_cnn_gates.png",
            "model/model.safetensors",
            "model/masks.safetensors",
        ],
    );
    let r = ModelRegistry::with_core()
        .restore(&opts.out.join("model"), deepfield_core::device())
        .unwrap();
    let masks = Masks::load_from_dir(&opts.out.join("model"), &r.vs)
        .unwrap()
        .unwrap();
    assert!(masks.counts().sparsity() > 0.3, "{:?}", masks.counts());
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(report.contains("Goal: −50 % connections"), "{report}");
}
