//! Initialisation, draw for draw: `kaiming_uniform` is tch's `nn::linear(.., Default::default())`
//! exactly (so old numbers can be brought back), `torch` draws the weight then the bias from
//! U(±1/√fan_in). Its own test binary with one test: it re-seeds libtorch's process-global
//! generator, which tests running in parallel would otherwise share.

use deepfield_core::nn::init::{linear, linear_no_bias, LinearInit};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::tch::{self, nn, Device, Kind, Tensor};

#[test]
fn initialisations_draw_exactly_like_tch_and_pytorch() {
    // kaiming_uniform == tch's default linear, with and without bias, names included.
    for bias in [true, false] {
        tch::manual_seed(42);
        let vs_a = nn::VarStore::new(Device::Cpu);
        let cfg = nn::LinearConfig {
            bias,
            ..Default::default()
        };
        let a1 = nn::linear(vs_a.root() / "a", 37, 19, cfg);
        let a2 = nn::linear(vs_a.root() / "b", 19, 5, cfg);
        tch::manual_seed(42);
        let vs_b = nn::VarStore::new(Device::Cpu);
        let make = if bias { linear } else { linear_no_bias };
        let b1 = make(&(vs_b.root() / "a"), 37, 19, LinearInit::KaimingUniform).unwrap();
        let b2 = make(&(vs_b.root() / "b"), 19, 5, LinearInit::KaimingUniform).unwrap();
        assert!(a1.ws.equal(&b1.ws) && a2.ws.equal(&b2.ws));
        assert_eq!(a1.bs.is_some(), bias);
        if bias {
            assert!(a1.bs.unwrap().equal(&b1.bs.unwrap()));
            assert!(a2.bs.unwrap().equal(&b2.bs.unwrap()));
        } else {
            assert!(b1.bs.is_none());
        }
        let mut names: Vec<String> = vs_b.variables().into_keys().collect();
        names.sort();
        let mut want: Vec<String> = vs_a.variables().into_keys().collect();
        want.sort();
        assert_eq!(names, want);
    }

    // torch: weight, then bias, each U(±1/√fan_in).
    tch::manual_seed(3);
    let vs = nn::VarStore::new(Device::Cpu);
    let l = linear(&(vs.root() / "l"), 10, 4, LinearInit::Torch).unwrap();
    tch::manual_seed(3);
    let bound = 1.0 / 10f64.sqrt();
    let cpu = (Kind::Float, Device::Cpu);
    let w = Tensor::zeros([4, 10], cpu).uniform_(-bound, bound);
    let b = Tensor::zeros([4], cpu).uniform_(-bound, bound);
    assert!(l.ws.equal(&w) && l.bs.unwrap().equal(&b));

    // An MLP with `init: kaiming_uniform` is the MLP built before init was a config field.
    let mut cfg = MlpConfig::new(6, [9, 7], 2);
    cfg.init = LinearInit::KaimingUniform;
    tch::manual_seed(11);
    let vs = nn::VarStore::new(Device::Cpu);
    cfg.init(&vs.root()).unwrap();
    tch::manual_seed(11);
    let old = nn::VarStore::new(Device::Cpu);
    let r = old.root();
    nn::linear(&r / "hidden" / 0, 6, 9, Default::default());
    nn::linear(&r / "hidden" / 1, 9, 7, Default::default());
    nn::linear(&r / "out", 7, 2, Default::default());
    let (a, b) = (vs.variables(), old.variables());
    assert_eq!(a.len(), b.len());
    for (k, t) in &a {
        assert!(t.equal(&b[k]), "{k} differs");
    }
}
