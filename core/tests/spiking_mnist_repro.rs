//! `spiking-mnist --quick`: a small spiking MLP on 2,000 MNIST digits learns far above chance,
//! its spike statistics and energy proxy are consistent, and the results folder is complete.

use deepfield_core::repro::hlop::mnist::SpikingMnist;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_results;

#[test]
fn quick_spiking_mnist_learns_and_reports_spike_statistics() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("spiking-mnist", out.path().join("spiking-mnist"));
    let m = Typed(SpikingMnist)
        .run_typed(&opts)
        .expect("spiking-mnist --quick");
    let r = &m.result;
    eprintln!(
        "quick spiking MNIST: accuracy {:.3}, rates {:?}, energy ratio {:.2}",
        r.test_accuracy,
        r.stats.layers.iter().map(|l| l.rate).collect::<Vec<_>>(),
        r.stats.energy.ratio
    );
    assert_eq!((r.train_images, r.test_images), (2000, 500));
    assert!(r.test_accuracy > 0.82, "quick accuracy {}", r.test_accuracy);
    assert!(!m.meets_goal || r.test_accuracy >= 0.975);
    assert_eq!(r.stats.layers.len(), 2);
    for l in &r.stats.layers {
        assert!(
            l.rate > 0.001 && l.rate < 0.9,
            "{}: rate {}",
            l.name,
            l.rate
        );
    }
    // twin MACs of 784-200-200-10
    assert_eq!(
        r.stats.energy.twin_macs,
        (784 * 200 + 200 * 200 + 200 * 10) as f64
    );
    assert!(r.stats.energy.sops > 0.0 && r.stats.energy.energy_pj > 0.0);
    assert_eq!(r.history.epochs.len(), 3);
    assert_results(&opts.out, &["accuracy.png"]);
}
