//! Equivariance of the group layers: the p4 lifting and group convolutions (rotating the input
//! by 90° rotates every output map and cyclically shifts the rotation axis), a p4 kernel with
//! the tying broken (which must fail that check), the whole p4 network's invariance, and the
//! affine-group layers under a relabelling of their samples by a quarter turn.

use deepfield_core::testing::max_abs_diff;
use deepfield_core::Forward;
use deepfield_vision::models::affine_conv::{AffineConv, KernelNet};
use deepfield_vision::models::glplus::{self, Mat2};
use deepfield_vision::models::liecnn::{Group, LieCnn, LieCnnConfig};
use deepfield_vision::models::p4::{group_kernel, rot90, P4Conv};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

/// Float32 convolutions of these sizes agree to ~1e-6; a broken layer is off by O(0.1).
const TOL: f64 = 1e-4;

/// What the output of an equivariant p4 layer must become when the input turns by 90°.
fn turned(y: &Tensor) -> Tensor {
    rot90(&y.roll([1], [2]), 1)
}

fn randn(shape: &[i64]) -> Tensor {
    Tensor::randn(shape, (Kind::Float, Device::Cpu))
}

#[test]
fn p4_lifting_and_group_convolutions_are_equivariant_to_quarter_turns() {
    tch::manual_seed(3);
    let vs = VarStore::new(Device::Cpu);
    let lift = P4Conv::new(&(vs.root() / "lift"), 3, 5, 5, true).unwrap();
    let conv = P4Conv::new(&(vs.root() / "conv"), 5, 4, 3, false).unwrap();
    let x = randn(&[2, 3, 12, 12]);
    let y = lift.forward(&x).unwrap();
    assert_eq!(y.size(), [2, 5, 4, 12, 12]);
    let y_rot = lift.forward(&rot90(&x, 1)).unwrap();
    let e = max_abs_diff(&y_rot, &turned(&y));
    assert!(e < TOL, "lifting layer: equivariance error {e}");

    let z = conv.forward(&y).unwrap();
    assert_eq!(z.size(), [2, 4, 4, 12, 12]);
    let z_rot = conv.forward(&turned(&y)).unwrap();
    let e = max_abs_diff(&z_rot, &turned(&z));
    assert!(e < TOL, "group layer: equivariance error {e}");
    // Four quarter turns are the identity for the input, and so for the output.
    let mut f = y.shallow_clone();
    for _ in 0..4 {
        f = turned(&f);
    }
    assert!(max_abs_diff(&f, &y) < 1e-7);
}

#[test]
fn a_p4_kernel_without_its_tying_fails_the_equivariance_check() {
    tch::manual_seed(4);
    let w = randn(&[4, 5, 4, 3, 3]);
    let f = randn(&[2, 5, 4, 12, 12]);
    let layer = |k: &Tensor, f: &Tensor| {
        let s = f.size();
        let y = f.reshape([s[0], s[1] * 4, s[3], s[4]]).conv2d(
            k,
            None::<Tensor>,
            [1, 1],
            [1, 1],
            [1, 1],
            1,
        );
        y.reshape([s[0], 4, 4, s[3], s[4]])
    };
    let error = |rotate: bool, shift: bool| {
        let k = group_kernel(&w, rotate, shift);
        max_abs_diff(&layer(&k, &turned(&f)), &turned(&layer(&k, &f)))
    };
    assert!(error(true, true) < TOL, "{}", error(true, true));
    for (rotate, shift) in [(true, false), (false, true), (false, false)] {
        let e = error(rotate, shift);
        assert!(
            e > 100.0 * TOL,
            "rotate {rotate}, shift {shift}: a broken kernel passed with error {e}"
        );
    }
}

#[test]
fn the_p4_network_is_invariant_to_quarter_turns() {
    tch::manual_seed(5);
    let vs = VarStore::new(Device::Cpu);
    let cfg = LieCnnConfig {
        group: Group::P4,
        channels: vec![4, 6, 6],
        ..LieCnnConfig::default()
    };
    let net = LieCnn::new(&vs.root(), &cfg).unwrap();
    let x = randn(&[3, 1, 40, 40]);
    let a = net.try_forward_t(&x, None, false).unwrap();
    let b = net.try_forward_t(&rot90(&x, 1), None, false).unwrap();
    assert_eq!(a.size(), [3, 10]);
    let e = max_abs_diff(&a, &b);
    assert!(
        e < TOL,
        "p4 network logits change by {e} under a quarter turn"
    );
    // The plain CNN of the same trunk is not invariant.
    let plain = LieCnn::new(
        &(vs.root() / "plain"),
        &LieCnnConfig {
            group: Group::Trivial,
            ..cfg
        },
    )
    .unwrap();
    let a = plain.try_forward_t(&x, None, false).unwrap();
    let b = plain.try_forward_t(&rot90(&x, 1), None, false).unwrap();
    assert!(max_abs_diff(&a, &b) > 100.0 * TOL);
}

#[test]
fn affine_layers_commute_with_a_quarter_turn_of_input_and_samples() {
    tch::manual_seed(6);
    let vs = VarStore::new(Device::Cpu);
    let net = KernelNet {
        hidden: 16,
        depth: 2,
        w0: 10.0,
    };
    let lift = AffineConv::new(&(vs.root() / "lift"), 2, 3, 5, true, net).unwrap();
    let conv = AffineConv::new(&(vs.root() / "conv"), 3, 2, 5, false, net).unwrap();
    let g = glplus::sample(4, 0.15, &mut deepfield_core::Rng::new(1));
    // torch's rot90 maps (x, y) (y down) to (y, −x): the rotation by −90° in these coordinates.
    let h = glplus::rotation(-std::f64::consts::FRAC_PI_2);
    let hg: Vec<Mat2> = g.iter().map(|gi| glplus::mul(&h, gi)).collect();
    let x = randn(&[2, 2, 16, 16]);
    let y = lift.forward(&x, &g).unwrap();
    assert_eq!(y.size(), [2, 3, 4, 16, 16]);
    let y_rot = lift.forward(&rot90(&x, 1), &hg).unwrap();
    let e = max_abs_diff(&y_rot, &rot90(&y, 1));
    assert!(e < TOL, "affine lifting: error {e}");
    let z = conv.forward(&y, &g).unwrap();
    let z_rot = conv.forward(&rot90(&y, 1), &hg).unwrap();
    let e = max_abs_diff(&z_rot, &rot90(&z, 1));
    assert!(e < TOL, "affine group conv: error {e}");
    // Samples not relabelled: the turned input gives a different answer.
    let e = max_abs_diff(&lift.forward(&rot90(&x, 1), &g).unwrap(), &rot90(&y, 1));
    assert!(e > 100.0 * TOL, "{e}");
}
