//! A stacked BiLSTM with dropout between layers gives the same training-mode output inside a
//! capture session (which runs the layers one call each) as outside it (one fused call), under
//! the same seed. Its own test binary: it re-seeds libtorch's process-global generator.

use deepfield_core::nn::capture::Capture;
use deepfield_core::nn::rnn::{Cell, RnnConfig, SequenceClassifierConfig};
use deepfield_core::tch::{self, nn::VarStore, Device, Kind, Tensor};
use deepfield_core::Forward;

#[test]
fn dropout_between_layers_draws_the_same_inside_and_outside_a_session() {
    tch::manual_seed(2);
    let vs = VarStore::new(Device::Cpu);
    let mut rnn = RnnConfig::new(Cell::Lstm, 3, 5, true);
    rnn.layers = 2;
    rnn.dropout = 0.5;
    let m = SequenceClassifierConfig {
        rnn,
        output: 2,
        ..Default::default()
    }
    .init(&vs.root())
    .unwrap();
    let xs = Tensor::randn([2, 6, 3], (Kind::Float, Device::Cpu));
    let mask = Tensor::from_slice(&[
        true, true, true, true, true, true, true, true, true, false, false, false,
    ])
    .view([2, 6]);
    tch::manual_seed(9);
    let a = m.forward_t(&xs, Some(&mask), true);
    tch::manual_seed(9);
    let cap = Capture::all();
    let b = cap.run(|| m.forward_t(&xs, Some(&mask), true));
    assert!(cap.seen().iter().any(|n| n == "rnn.l0"), "{:?}", cap.seen());
    let d = (&a - &b).abs().max().double_value(&[]);
    assert!(d < 1e-6, "{d}");
    // And dropout really is active: another seed gives another output.
    tch::manual_seed(10);
    let c = m.forward_t(&xs, Some(&mask), true);
    assert!((&a - &c).abs().max().double_value(&[]) > 1e-4);
}
