//! Supervised GCN on the real Cora data (Kipf & Welling setting, standard Planetoid split).

use deepfield_graph::io::read_planetoid;
use deepfield_graph::supervised::{train, SupervisedConfig};
use deepfield_graph::train::Prepared;

#[test]
fn gcn_on_cora_reaches_075_test_accuracy() {
    // One libtorch thread: several tests run at once on few cores (oversubscription is slow).
    deepfield_core::device::set_threads(1);
    let dir = deepfield_core::data::dataset(&deepfield_graph::io::CORA).unwrap();
    let mut g = read_planetoid(&dir).unwrap();
    g.features.row_normalize();
    let split = g.split.clone().unwrap();
    let data = Prepared::new(g, deepfield_core::tch::Device::Cpu).unwrap();
    let mut cfg = SupervisedConfig::gcn(1433, 7);
    cfg.epochs = 100;
    let t = std::time::Instant::now();
    let run = train(&data, &split, &cfg).unwrap();
    eprintln!(
        "test {} val {} best epoch {} in {:?}",
        run.test_acc,
        run.val_acc,
        run.best_epoch,
        t.elapsed()
    );
    assert!(run.test_acc >= 0.75, "test accuracy {}", run.test_acc);
}
