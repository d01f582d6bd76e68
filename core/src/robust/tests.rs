//! Attacks against a linear two-class model, where the worst case in each ball is known in
//! closed form: the logit margin `2·x·w` moves by at most `2ε‖w‖₁` (L∞) or `2ε‖w‖₂` (L2).

use tch::{Device, Kind, Tensor};

use super::*;
use crate::data::Batch;
use crate::nn::mlp::MlpConfig;
use crate::train::{Callback, Context, ForwardStep};

/// logits `[x·w, −x·w]`.
fn linear(w: &Tensor) -> impl Fn(&Tensor) -> Result<Tensor> + '_ {
    move |x: &Tensor| {
        let s = x.flatten(1, -1).matmul(w);
        Ok(Tensor::stack(&[&s, &(-&s)], 1))
    }
}

fn setup() -> (Tensor, Tensor, Tensor) {
    crate::seed(7);
    let w = Tensor::from_slice(&[0.5f32, -1.0, 0.25, 2.0]);
    let x = Tensor::randn([400, 4], (Kind::Float, Device::Cpu));
    let y = x.matmul(&w).lt(0.0).to_kind(Kind::Int64);
    (w, x, y)
}

/// The fraction of examples whose margin `|x·w|` exceeds `reach`.
fn expected_robust(x: &Tensor, w: &Tensor, reach: f64) -> f64 {
    x.matmul(w)
        .abs()
        .gt(reach)
        .to_kind(Kind::Float)
        .mean(Kind::Float)
        .double_value(&[])
}

fn unbounded(method: Method, eps: f64, steps: usize) -> AttackConfig {
    AttackConfig {
        bounds: None,
        random_start: false,
        ..AttackConfig::new(method, eps, steps)
    }
}

#[test]
fn fgsm_moves_every_coordinate_by_eps_against_the_label() {
    let (w, x, y) = setup();
    let f = linear(&w);
    let adv = fgsm(&f, &x, &y, 0.3, None).unwrap();
    // Class 0 (x·w > 0): the loss rises along −w.
    let sign = (y.to_kind(Kind::Float) * 2.0 - 1.0).unsqueeze(1);
    let expected = &x + w.sign().unsqueeze(0) * sign * 0.3;
    assert!(adv.allclose(&expected, 1e-6, 1e-6, false));
}

#[test]
fn pgd_and_apgd_reach_the_closed_form_worst_case() {
    let (w, x, y) = setup();
    let f = linear(&w);
    let l1 = w.abs().sum(Kind::Float).double_value(&[]);
    let l2 = w.norm().double_value(&[]);
    for (method, reach) in [
        (Method::Fgsm, l1),
        (Method::Pgd, l1),
        (Method::Apgd, l1),
        (Method::PgdL2, l2),
        (Method::ApgdL2, l2),
    ] {
        let eps = 0.4;
        let r = robust_accuracy(&f, &x, &y, &unbounded(method, eps, 20), 128).unwrap();
        let want = expected_robust(&x, &w, eps * reach);
        assert_eq!(r.clean, 1.0);
        assert!(
            (r.robust - want).abs() < 0.006,
            "{method:?}: robust {} vs closed form {want}",
            r.robust
        );
        assert!(want < 0.9 && want > 0.3, "the test must bite: {want}");
    }
}

#[test]
fn attacks_stay_in_the_ball_and_the_bounds() {
    crate::seed(3);
    let w = Tensor::from_slice(&[0.5f32, -1.0, 0.25, 2.0]);
    let x = Tensor::rand([64, 4], (Kind::Float, Device::Cpu));
    let y = Tensor::randint(2, [64], (Kind::Int64, Device::Cpu));
    let f = linear(&w);
    for method in [
        Method::Fgsm,
        Method::Pgd,
        Method::PgdL2,
        Method::Apgd,
        Method::ApgdL2,
    ] {
        let cfg = AttackConfig {
            restarts: 2,
            ..AttackConfig::new(method, 0.2, 7)
        };
        let adv = cfg.perturb(&f, &x, &y).unwrap();
        let d = &adv - &x;
        let size = match method.norm() {
            Norm::Linf => d.abs().max().double_value(&[]),
            Norm::L2 => d
                .norm_scalaropt_dim(2.0, [1i64].as_slice(), false)
                .max()
                .double_value(&[]),
        };
        assert!(size <= 0.2 + 1e-5, "{method:?}: perturbation {size}");
        assert!(size > 0.05, "{method:?}: the attack moved nothing");
        assert!(adv.min().double_value(&[]) >= 0.0 && adv.max().double_value(&[]) <= 1.0);
    }
}

#[test]
fn restarts_keep_each_examples_first_success() {
    let (w, x, y) = setup();
    let f = linear(&w);
    let cfg = AttackConfig {
        random_start: true,
        restarts: 3,
        seed: Some(1),
        ..unbounded(Method::Pgd, 0.4, 10)
    };
    let one = robust_accuracy(
        &f,
        &x,
        &y,
        &AttackConfig {
            restarts: 1,
            ..cfg.clone()
        },
        400,
    )
    .unwrap();
    let three = robust_accuracy(&f, &x, &y, &cfg, 400).unwrap();
    assert!(three.robust <= one.robust + 1e-9);
}

#[test]
fn bad_attacks_and_labels_are_errors() {
    let (w, x, y) = setup();
    let f = linear(&w);
    let e = AttackConfig::new(Method::Pgd, -0.1, 10)
        .perturb(&f, &x, &y)
        .unwrap_err();
    assert!(e.to_string().contains("eps"), "{e}");
    assert!(AttackConfig::new(Method::Pgd, 0.1, 0).validate().is_err());
    let e = AttackConfig::default()
        .perturb(&f, &x, &y.narrow(0, 0, 3))
        .unwrap_err();
    assert!(e.to_string().contains("labels must be [B=400]"), "{e}");
    let e = AttackConfig::default()
        .perturb(&f, &x, &y.to_kind(Kind::Float))
        .unwrap_err();
    assert!(e.to_string().contains("integer"), "{e}");
}

#[test]
fn relative_errors_and_the_most_vulnerable_layers() {
    let a = Tensor::from_slice(&[3.0f32, 4.0]);
    let re = lsa::relative_error(&a, &(&a * 1.1))
        .unwrap()
        .double_value(&[]);
    assert!((re - 0.1).abs() < 1e-6, "{re}");
    let errs: Vec<LayerError> = [("a", 0.1), ("b", 0.5), ("c", 0.2)]
        .iter()
        .map(|(l, e)| LayerError {
            layer: l.to_string(),
            relative_error: *e,
        })
        .collect();
    assert_eq!(most_vulnerable(&errs, 0.0), ["b"]);
    assert_eq!(most_vulnerable(&errs, -0.5), ["b", "c"]);
    assert_eq!(most_vulnerable(&errs, 10.0), ["b"]);

    let vs = tch::nn::VarStore::new(Device::Cpu);
    let mlp = MlpConfig::new(4, [8, 6], 2).init(&vs.root()).unwrap();
    let x = Tensor::rand([16, 4], (Kind::Float, Device::Cpu));
    let errs = layer_errors(&mlp, &x, &(&x + 0.1), None).unwrap();
    let names: Vec<_> = errs.iter().map(|e| e.layer.as_str()).collect();
    assert_eq!(names, ["hidden.0", "hidden.1"]);
    assert!(errs.iter().all(|e| e.relative_error > 0.0));
    let same = layer_errors(&mlp, &x, &x, None).unwrap();
    assert!(same.iter().all(|e| e.relative_error == 0.0));
    let e = layer_errors(&mlp, &x, &x, Some(&["nope".to_string()])).unwrap_err();
    assert!(e.to_string().contains("no layer `nope`"), "{e}");
}

#[test]
fn training_callbacks_swap_the_batch_and_add_the_layer_term() {
    let vs = tch::nn::VarStore::new(Device::Cpu);
    let mlp = MlpConfig::new(4, [8, 6], 2).init(&vs.root()).unwrap();
    let x = Tensor::rand([16, 4], (Kind::Float, Device::Cpu));
    let y = Tensor::randint(2, [16], (Kind::Int64, Device::Cpu));
    let step = ForwardStep {
        model: &mlp,
        loss: |_: &Tensor, _: &Batch| -> Result<Tensor> { unreachable!() },
    };
    let mut ctx = Context {
        model: &step,
        vs: &vs,
        epoch: 0,
        epochs: 1,
        step: 0,
        lr: 0.1,
    };
    let attack = AttackConfig::new(Method::Fgsm, 0.05, 1);
    let mut batch = Batch {
        x: x.copy(),
        y: y.copy(),
        mask: None,
    };
    let mut at = AdversarialTraining::new(attack.clone()).unwrap();
    at.before_forward(&mut ctx, &mut batch).unwrap();
    let d = (&batch.x - &x).abs().max().double_value(&[]);
    assert!(d > 0.0 && d <= 0.05 + 1e-6, "{d}");
    // The attack's gradients never reach the parameters.
    assert!(vs.trainable_variables().iter().all(|v| !v.grad().defined()));

    let mut atlr = AtLr::new(AtLrConfig {
        attack,
        layers: vec!["hidden.1".into()],
        gamma: 2.0,
    })
    .unwrap();
    let mut batch = Batch {
        x: x.copy(),
        y,
        mask: None,
    };
    atlr.before_forward(&mut ctx, &mut batch).unwrap();
    let p = atlr.penalty(&mut ctx, &batch).unwrap().unwrap();
    let want = layer_errors(&mlp, &x, &batch.x, Some(&["hidden.1".to_string()])).unwrap();
    assert!((p.double_value(&[]) - 2.0 * want[0].relative_error).abs() < 1e-5);
    assert!(p.requires_grad());
    assert!(AtLr::new(AtLrConfig {
        attack: AttackConfig::default(),
        layers: vec![],
        gamma: 1.0
    })
    .is_err());
}
