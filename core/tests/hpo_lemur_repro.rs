//! `lemur --quick` on real MNIST (1,000 images, 3 epochs): two studies (MLP, CNN) of 4 trials each with 2 parallel workers
//! against one storage; the dataset of models has its statistics, the best model restores through
//! the model registry, and the results folder holds the report and plots.

use deepfield_core::models::ModelRegistry;
use deepfield_core::repro::lemur::Lemur;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_results;

#[test]
fn quick_lemur_builds_a_dataset_of_models() {
    deepfield_core::device::set_threads(1);
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("lemur", out.path().join("lemur"));
    let m = Typed(Lemur).run_typed(&opts).expect("lemur --quick");
    assert_eq!(m.studies.len(), 2);
    assert_eq!(m.workers, 2);
    for s in &m.studies {
        assert_eq!(s.trials, 4, "{s:?}");
        assert_eq!(s.complete + s.pruned + s.failed, 4, "{s:?}");
        // Ten classes: a constant predictor scores about 11 %; the best of 4 MLPs on 1,000 images
        // for 3 epochs reaches well above; the small CNN (global average pooling) learns slowly
        // in the quick budget (best 0.20 at seed 0), so its floor only asks for above chance.
        let best = s.best_value.unwrap();
        let floor = if s.study.ends_with("mlp") { 0.6 } else { 0.15 };
        assert!(best > floor && best <= 1.0, "{s:?}");
        assert!(s.quantiles[0] <= s.quantiles[2] && s.quantiles[2] <= s.quantiles[4]);
        assert_eq!(s.importance.len(), 4);
        let sum: f64 = s.importance.iter().map(|i| i.2).sum();
        assert!(sum == 0.0 || (sum - 1.0).abs() < 1e-9, "{sum}");
    }
    // The trials are registry runs in the results' study store, queryable afterwards.
    let mut reg =
        deepfield_core::registry::Registry::open(opts.out.join("studies.sqlite").to_str().unwrap())
            .unwrap();
    for s in &m.studies {
        let filter = deepfield_core::registry::Filter {
            study: Some(s.study.clone()),
            ..Default::default()
        };
        let runs = reg.runs(&filter).unwrap();
        assert_eq!(runs.len(), 4, "{}", s.study);
        assert!(runs.iter().all(|r| r.params.is_some() && r.source == "hpo"));
    }
    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "report.md",
            "config.json",
            "best_so_far.png",
            "accuracy_distribution.png",
            "importance.png",
            "model/model.safetensors",
        ],
    );
    let cnn = &m.studies[1];
    let best = opts.out.join(format!(
        "models/mnist-cnn/trial-{}",
        cnn.best_number.unwrap()
    ));
    assert!(
        best.join("model.safetensors").exists(),
        "{}",
        best.display()
    );
    let restored = ModelRegistry::with_core()
        .restore(&opts.out.join("model"), deepfield_core::device())
        .unwrap();
    assert_eq!(restored.kind, "mlp");
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(report.contains("Best model per study"), "{report}");
}
