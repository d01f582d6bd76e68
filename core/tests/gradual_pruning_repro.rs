//! `gradual-pruning --quick` on real data (MNIST and tiny_shakespeare from the data directory):
//! at 90 % sparsity the large-sparse CNN beats the small-dense CNN with as many parameters, and
//! the results folder holds what the report promises, with a pruned model the registry restores.

use deepfield_core::models::ModelRegistry;
use deepfield_core::prune::export::nonzeros;
use deepfield_core::prune::Masks;
use deepfield_core::repro::gradual::GradualPruning;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_results;

#[test]
fn quick_gradual_pruning_large_sparse_beats_small_dense() {
    deepfield_core::device::set_threads(1);
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("gradual-pruning", out.path().join("gp"));
    let m = Typed(GradualPruning)
        .run_typed(&opts)
        .expect("gradual-pruning --quick");
    assert_eq!(m.tasks.len(), 2);
    let cnn = &m.tasks[0];
    let (ls, sd) = (&cnn.large_sparse[0], &cnn.small_dense[0]);
    // Equal budgets of non-zeros (within 3 %), and 90 % of the pruned weights gone.
    let ratio = sd.params as f64 / ls.nonzeros as f64;
    assert!((0.97..1.03).contains(&ratio), "{ratio}: {ls:?} {sd:?}");
    assert!(ls.nonzeros * 5 < cnn.dense.nonzeros, "{ls:?}");
    // A constant predictor scores ~11 %; the dense CNN is far above it.
    assert!(cnn.dense.score > 80.0, "{cnn:?}");
    // The paper's claim, with a margin.
    assert!(
        ls.score > sd.score + 2.0,
        "large-sparse {} vs small-dense {}",
        ls.score,
        sd.score
    );
    let lm = &m.tasks[1];
    assert!(lm.dense.score < 20.0 && lm.dense.score > 1.0, "{lm:?}");
    assert_eq!(m.goal.len(), 2);

    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "metrics.csv",
            "report.md",
            "config.json",
            "mnist_cnn.png",
            "shakespeare_char_lstm.png",
            "model/model.safetensors",
            "model/masks.safetensors",
        ],
    );
    let r = ModelRegistry::with_core()
        .restore(&opts.out.join("model"), deepfield_core::device())
        .unwrap();
    assert_eq!(nonzeros(&r.vs).1, ls.nonzeros);
    let masks = Masks::load_from_dir(&opts.out.join("model"), &r.vs)
        .unwrap()
        .unwrap();
    assert!((masks.counts().sparsity() - 0.9).abs() < 0.01);
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(report.contains("Goal at 90 % sparsity"), "{report}");
}
