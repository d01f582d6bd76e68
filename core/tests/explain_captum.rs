//! core::explain against captum 0.9 on the same weights and inputs (fixture
//! `tests/fixtures/explain/captum_reference.safetensors`, written by `gen_captum.py` beside it):
//! saliency, input × gradient and integrated gradients (two quadratures, a zero and a constant
//! baseline, per-example and single targets, a padded BiLSTM batch with its mask) to 1e-4,
//! plus the properties that hold without a reference: completeness, noise-tunnel identities,
//! untouched parameter gradients and refused input.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::explain::{
    input_x_gradient, saliency, Baseline, Inputs, IntegratedGradients, Integration, Noise,
    NoiseTunnel, Smoothing, Target,
};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::testing::{assert_close, load_prefixed, read_safetensors};
use deepfield_core::Forward;

const TOL: f64 = 1e-4;

fn fixture() -> BTreeMap<String, Tensor> {
    read_safetensors(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/explain/captum_reference.safetensors"),
    )
}

fn mlp(fx: &BTreeMap<String, Tensor>) -> (VarStore, impl Forward) {
    let config = MlpConfig::new(6, [16, 8], 3);
    assert_eq!(config.dropout, 0.0);
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    load_prefixed(&vs, fx, "mlp.w.");
    (vs, model)
}

fn bilstm(fx: &BTreeMap<String, Tensor>) -> (VarStore, impl Forward) {
    let config = SequenceClassifierConfig {
        rnn: RnnConfig::new(Cell::Lstm, 4, 6, true),
        pooling: Pooling::Mean,
        head_hidden: vec![8],
        output: 3,
        dropout: 0.0,
        ..Default::default()
    };
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    load_prefixed(&vs, fx, "seq.w.");
    (vs, model)
}

const MLP_TARGETS: [i64; 5] = [0, 1, 2, 0, 1];

#[test]
fn mlp_attributions_match_captum() {
    let fx = fixture();
    let (_vs, model) = mlp(&fx);
    let x = &fx["mlp.x"];
    let target = Target::Classes(MLP_TARGETS.to_vec());
    let s = saliency(&model, Inputs::new(x), &target, true).unwrap();
    // saliency (abs) against captum Saliency
    assert_close(&s, &fx["mlp.saliency"], TOL);
    let ixg = input_x_gradient(&model, Inputs::new(x), &target).unwrap();
    // input × gradient against captum InputXGradient
    assert_close(&ixg, &fx["mlp.ixg"], TOL);

    let ig = IntegratedGradients::default().attribute(&model, Inputs::new(x), &target);
    // IG, Gauss–Legendre 50 steps, zero baseline
    assert_close(&ig.unwrap().attributions, &fx["mlp.ig_gl50"], TOL);

    let trap = IntegratedGradients {
        steps: 20,
        method: Integration::RiemannTrapezoid,
        baseline: Baseline::Tensor(Tensor::full([1, 6], 0.25, (Kind::Float, Device::Cpu))),
        internal_batch_size: Some(7), // several passes, a partial last one
    }
    .attribute(&model, Inputs::new(x), &Target::Class(2))
    .unwrap();
    // captum's trapezoid weights are 1/n (halved at the ends) on nodes 1/(n − 1) apart, so they
    // sum to (n − 1)/n; ours sum to 1. Its attributions are ours times 19/20 at n = 20.
    let scaled = &trap.attributions * (19.0 / 20.0);
    // IG, trapezoid 20 steps, constant baseline, chunked passes
    assert_close(&scaled, &fx["mlp.ig_trap20"], TOL);
    // Ours is complete where captum's is 5 % short: its delta is −F-difference/20 off ours.
    let f_diff = &trap.attributions.sum_dim_intlist(1, false, Kind::Double) - &trap.delta;
    let captum_delta = &trap.delta - &f_diff / 20.0;
    // convergence delta against captum's, after the same rescaling
    assert_close(
        &captum_delta.to_kind(Kind::Float),
        &fx["mlp.ig_trap20_delta"],
        TOL,
    );
    assert!(trap.delta.abs().max().double_value(&[]) < 0.05 * f_diff.abs().max().double_value(&[]));
}

#[test]
fn padded_bilstm_attributions_match_captum() {
    let fx = fixture();
    let (_vs, model) = bilstm(&fx);
    let x = &fx["seq.x"];
    let mask = fx["seq.mask"].to_kind(Kind::Bool);
    let inputs = Inputs::masked(x, &mask);
    let s = saliency(&model, inputs, &Target::Class(1), false).unwrap();
    // signed saliency through a packed BiLSTM
    assert_close(&s, &fx["seq.saliency"], TOL);
    let ig = IntegratedGradients {
        steps: 32,
        ..Default::default()
    }
    .attribute(&model, inputs, &Target::Class(1))
    .unwrap();
    // IG with the mask repeated per step
    assert_close(&ig.attributions, &fx["seq.ig_gl32"], TOL);
    // Padded steps get no attribution.
    let pad = mask.logical_not().unsqueeze(-1).expand_as(x);
    assert_eq!(
        ig.attributions
            .masked_select(&pad)
            .abs()
            .max()
            .double_value(&[]),
        0.0
    );
}

/// Completeness: attributions sum to F(x) − F(baseline); the delta shrinks with more steps.
#[test]
fn integrated_gradients_are_complete() {
    let fx = fixture();
    let (_vs, model) = mlp(&fx);
    let x = &fx["mlp.x"];
    let delta = |steps: usize| {
        let r = IntegratedGradients {
            steps,
            method: Integration::RiemannRight,
            ..Default::default()
        }
        .attribute(&model, Inputs::new(x), &Target::Predicted)
        .unwrap();
        r.delta.abs().max().double_value(&[])
    };
    let (coarse, fine) = (delta(4), delta(400));
    assert!(fine < 1e-3, "delta {fine} with 400 steps");
    assert!(coarse > 5.0 * fine, "coarse {coarse} vs fine {fine}");
}

#[test]
fn noise_tunnel_identities() {
    let fx = fixture();
    let (vs, model) = mlp(&fx);
    let x = &fx["mlp.x"];
    let target = Target::Classes(MLP_TARGETS.to_vec());
    let grad = |inp: Inputs| saliency(&model, inp, &target, false);
    let plain = grad(Inputs::new(x)).unwrap();
    let tunnel = |smoothing, noise, samples| NoiseTunnel {
        samples,
        noise,
        smoothing,
    };
    // Without noise SmoothGrad is the gradient, SmoothGrad² its square, VarGrad zero.
    let none = Noise::Absolute(0.0);
    let sg = tunnel(Smoothing::SmoothGrad, none, 3).attribute(Inputs::new(x), grad);
    assert_close(&sg.unwrap(), &plain, 1e-6);
    let sq = tunnel(Smoothing::SmoothGradSquared, none, 3).attribute(Inputs::new(x), grad);
    assert_close(&sq.unwrap(), &(&plain * &plain), 1e-6);
    let var = tunnel(Smoothing::VarGrad, none, 3).attribute(Inputs::new(x), grad);
    assert!(var.unwrap().abs().max().double_value(&[]) < 1e-6);

    // With noise the result differs from the plain gradient, and VarGrad is ≥ 0.
    deepfield_core::seed(3);
    let noisy = tunnel(Smoothing::SmoothGrad, Noise::Relative(0.3), 16)
        .attribute(Inputs::new(x), grad)
        .unwrap();
    assert!((&noisy - &plain).abs().max().double_value(&[]) > 1e-3);
    let var = tunnel(Smoothing::VarGrad, Noise::Relative(0.3), 16)
        .attribute(Inputs::new(x), grad)
        .unwrap();
    assert!(var.min().double_value(&[]) >= -1e-9);
    assert!(var.max().double_value(&[]) > 0.0);

    // The model's own parameters never received a gradient.
    for (name, v) in vs.variables() {
        assert!(!v.grad().defined(), "{name} got a gradient");
    }
    let bad = tunnel(Smoothing::SmoothGrad, Noise::Absolute(f64::NAN), 2);
    assert!(bad.attribute(Inputs::new(x), grad).is_err());
}

#[test]
fn bad_requests_are_errors() {
    let fx = fixture();
    let (_vs, model) = mlp(&fx);
    let x = &fx["mlp.x"];
    let ids = Tensor::zeros([5, 6], (Kind::Int64, Device::Cpu));
    let err = saliency(&model, Inputs::new(&ids), &Target::Class(0), true).unwrap_err();
    assert!(err.to_string().contains("floating-point"), "{err}");
    let err = saliency(&model, Inputs::new(x), &Target::Class(3), true).unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
    let err = IntegratedGradients {
        baseline: Baseline::Tensor(Tensor::zeros([2, 6], (Kind::Float, Device::Cpu))),
        ..Default::default()
    }
    .attribute(&model, Inputs::new(x), &Target::Class(0))
    .unwrap_err();
    assert!(err.to_string().contains("does not broadcast"), "{err}");
    let err = IntegratedGradients {
        steps: 0,
        ..Default::default()
    }
    .attribute(&model, Inputs::new(x), &Target::Class(0))
    .unwrap_err();
    assert!(err.to_string().contains("at least 1"), "{err}");
}
