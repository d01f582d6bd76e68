//! Determinism under a seed on CPU. Its own test binary: libtorch's generator is global to the
//! process, so a test running beside it in the same process would interleave random draws.

use deepfield_graph::io::read_planetoid;
use deepfield_graph::supervised::{train, SupervisedConfig};
use deepfield_graph::train::Prepared;

#[test]
fn training_is_deterministic_under_a_seed_and_checks_its_config() {
    deepfield_core::device::set_threads(1);
    let dir = deepfield_core::data::dataset(&deepfield_graph::io::CORA).unwrap();
    let g = read_planetoid(&dir).unwrap();
    let split = g.split.clone().unwrap();
    let data = Prepared::new(g, deepfield_core::tch::Device::Cpu).unwrap();
    let mut cfg = SupervisedConfig::with_kind(deepfield_graph::encoder::LayerKind::Sage, 1433, 7);
    cfg.epochs = 5;
    let a = train(&data, &split, &cfg).unwrap();
    let b = train(&data, &split, &cfg).unwrap();
    assert_eq!(a.train_losses, b.train_losses);
    for (x, y) in
        a.vs.trainable_variables()
            .iter()
            .zip(b.vs.trainable_variables())
    {
        assert!(x.equal(&y));
    }
    cfg.encoder.dims = vec![16, 5];
    let e = train(&data, &split, &cfg).err().unwrap().to_string();
    assert!(e.contains("5 but 7 classes"), "{e}");
}
