//! The parallel form (all tokens at once, WKV as a masked softmax) and the recurrent form (one
//! token at a time, the WKV, token-shift and membrane states carried) of the RWKV language model
//! give the same logits, for SpikeGPT and for its non-spiking twin.
//!
//! Tolerances: 1e-9 in double precision (both variants: spikes are thresholded, so a rounding
//! difference at the threshold would flip a spike; double precision keeps the forms within
//! ~1e-13 of each other, far from any threshold crossing), 2e-4 in single precision for the
//! twin (whose outputs are continuous in the rounding).

use deepfield_text::rwkv::{Activity, RwkvConfig, RwkvLm, SpikingConfig};
use tch::{nn::VarStore, Device, Kind, Tensor};

fn config(spiking: bool) -> RwkvConfig {
    RwkvConfig {
        vocab_size: 11,
        n_embd: 16,
        n_layer: 2,
        ffn_mult: 4,
        ctx_len: 24,
        dropout: 0.03,
        spiking: spiking.then(|| SpikingConfig {
            // A low threshold so that untrained neurons fire often and the check has spikes
            // (and resets) to compare.
            threshold: 0.05,
            ..SpikingConfig::default()
        }),
    }
}

/// Largest |parallel − recurrent| over the logits of a [3, 24] batch, and the spike rates of the
/// two forms.
fn compare(spiking: bool, double: bool) -> (f64, Vec<f64>, Vec<f64>) {
    tch::manual_seed(7);
    let mut vs = VarStore::new(Device::Cpu);
    let model = RwkvLm::new(&vs.root(), &config(spiking)).unwrap();
    if double {
        vs.double();
    }
    let (b, t) = (3, 24);
    let ids = Tensor::randint(11, [b, t], (Kind::Int64, Device::Cpu));
    let _g = tch::no_grad_guard();
    let mut act_par = Activity::default();
    let par = model.logits_with(&ids, false, Some(&mut act_par)).unwrap();
    let mut act_rec = Activity::default();
    let mut state = model.zero_state(b);
    let steps: Vec<Tensor> = (0..t)
        .map(|i| {
            model
                .step(&ids.select(1, i), &mut state, Some(&mut act_rec))
                .unwrap()
        })
        .collect();
    let rec = Tensor::stack(&steps, 1);
    assert_eq!(par.size(), vec![b, t, 11]);
    assert_eq!(rec.size(), par.size());
    let diff = (&par - &rec).abs().max().double_value(&[]);
    let rates = |a: &Activity| a.stats().layers.iter().map(|l| l.rate).collect::<Vec<_>>();
    (diff, rates(&act_par), rates(&act_rec))
}

#[test]
fn spiking_parallel_equals_recurrent() {
    let (diff, par, rec) = compare(true, true);
    assert!(diff < 1e-9, "max |parallel − recurrent| = {diff:e}");
    // Two neuron layers per block plus the channel-mixing hidden neurons, two blocks.
    assert_eq!(par.len(), 6);
    assert_eq!(par, rec, "spike rates differ between the forms");
    assert!(
        par.iter().all(|&r| r > 0.01 && r < 0.99),
        "the neurons must fire but not always for the check to mean something: {par:?}"
    );
}

#[test]
fn twin_parallel_equals_recurrent() {
    let (diff64, par, _) = compare(false, true);
    assert!(
        diff64 < 1e-9,
        "double: max |parallel − recurrent| = {diff64:e}"
    );
    assert!(par.is_empty());
    let (diff32, _, _) = compare(false, false);
    assert!(
        diff32 < 2e-4,
        "float: max |parallel − recurrent| = {diff32:e}"
    );
}
