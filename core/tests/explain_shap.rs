//! core::explain::shap against `shap` 0.51 on the same MLP weights, background and examples
//! (fixture `tests/fixtures/explain/shap_reference.safetensors`, written by `gen_shap.py`):
//! exact values (6 and 12 features) to 1e-5, KernelSHAP with every coalition equal to them,
//! sampled KernelSHAP and permutation SHAP within sampling error of the exact values (no worse
//! than shap's own estimates at the same budget, with a margin); plus analytic values of an
//! additive model, efficiency, feature groups and a non-differentiable model.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::explain::shap::{exact::exact, kernel::kernel, permutation::permutation};
use deepfield_core::explain::{Masker, ShapValues};
use deepfield_core::nn::mlp::{Mlp, MlpConfig};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::testing::{load_prefixed, read_safetensors};
use deepfield_core::Forward;

fn fixture() -> BTreeMap<String, Tensor> {
    read_safetensors(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/explain/shap_reference.safetensors"),
    )
}

fn mlp(fx: &BTreeMap<String, Tensor>, m: i64) -> (VarStore, Mlp) {
    let vs = VarStore::new(Device::Cpu);
    let model = MlpConfig::new(m, [16], 3).init(&vs.root()).unwrap();
    load_prefixed(&vs, fx, &format!("m{m}.w."));
    (vs, model)
}

/// The explained score: the probability of class 1.
fn prob1(model: &Mlp) -> impl Fn(&Tensor) -> deepfield_core::Result<Tensor> + '_ {
    move |x: &Tensor| {
        let logits = model.try_forward_t(x, None, false)?;
        Ok(logits.softmax(1, Kind::Double).select(1, 1))
    }
}

fn row(t: &Tensor, i: i64) -> Vec<f64> {
    Vec::<f64>::try_from(t.get(i).to_kind(Kind::Double)).unwrap()
}

fn max_err(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

fn efficient(s: &ShapValues, f_x: f64) {
    assert!(
        (s.prediction() - f_x).abs() < 1e-6, // float32 model, batched differently
        "base + Σφ = {} but f(x) = {f_x}",
        s.prediction()
    );
}

#[test]
fn exact_and_complete_kernel_match_shap_on_six_features() {
    let fx = fixture();
    let (_vs, model) = mlp(&fx, 6);
    let f = prob1(&model);
    let masker = Masker::new(&fx["m6.bg"]).unwrap();
    let base_ref = Vec::<f64>::try_from(fx["m6.base"].to_kind(Kind::Double)).unwrap();
    for i in 0..2 {
        let x = fx["m6.x"].get(i);
        let f_x = f(&x.unsqueeze(0)).unwrap().double_value(&[0]);
        let e = exact(&f, &masker, &x).unwrap();
        // exact Shapley values against shap's ExactExplainer
        assert!(max_err(&e.values, &row(&fx["m6.exact"], i)) < 1e-5, "{e:?}");
        assert!((e.base - base_ref[i as usize]).abs() < 1e-6);
        efficient(&e, f_x);
        let k = kernel(&f, &masker, &x, 1000, 0).unwrap();
        // KernelSHAP with all 62 coalitions against shap's KernelExplainer (and exact)
        assert!(
            max_err(&k.values, &row(&fx["m6.kernel"], i)) < 1e-5,
            "{k:?}"
        );
        assert!(max_err(&k.values, &e.values) < 1e-6);
        efficient(&k, f_x);
    }
}

#[test]
fn sampled_estimates_on_twelve_features_are_within_sampling_error() {
    let fx = fixture();
    let (_vs, model) = mlp(&fx, 12);
    let f = prob1(&model);
    let masker = Masker::new(&fx["m12.bg"]).unwrap();
    for i in 0..2 {
        let x = fx["m12.x"].get(i);
        let f_x = f(&x.unsqueeze(0)).unwrap().double_value(&[0]);
        let e = exact(&f, &masker, &x).unwrap();
        let truth = row(&fx["m12.exact"], i);
        // exact values with 4096 coalitions against shap's
        assert!(max_err(&e.values, &truth) < 1e-5);
        let scale = truth.iter().map(|v| v.abs()).fold(0.0, f64::max);

        let k = kernel(&f, &masker, &x, 200, 1).unwrap();
        efficient(&k, f_x);
        let (ours, theirs) = (
            max_err(&k.values, &truth),
            max_err(&row(&fx["m12.kernel200"], i), &truth),
        );
        assert!(
            ours < (2.0 * theirs).max(0.1 * scale),
            "KernelSHAP (200 coalitions) error {ours} vs shap's {theirs} (largest value {scale})"
        );
        let p = permutation(&f, &masker, &x, 80, 2).unwrap();
        efficient(&p, f_x);
        let (ours, theirs) = (
            max_err(&p.values, &truth),
            max_err(&row(&fx["m12.perm"], i), &truth),
        );
        assert!(
            ours < (2.0 * theirs).max(0.05 * scale),
            "permutation SHAP error {ours} vs shap's {theirs} (largest value {scale})"
        );
        // More permutations, smaller error.
        let coarse = permutation(&f, &masker, &x, 1, 2).unwrap();
        assert!(max_err(&coarse.values, &truth) > ours);
    }
}

#[test]
fn additive_model_has_analytic_values_and_groups_add_up() {
    // f(x) = 2 x₂ + 3 x₅ (any other input ignored): φ₂ = 2 (x₂ − E b₂), φ₅ = 3 (x₅ − E b₅).
    let f = |x: &Tensor| Ok(x.select(1, 2) * 2.0 + x.select(1, 5) * 3.0);
    let bg = Tensor::randn([10, 8], (Kind::Float, Device::Cpu));
    let x = Tensor::from_slice(&[0.5f32, -1.0, 2.0, 0.0, 1.0, -0.5, 3.0, 1.0]);
    let masker = Masker::new(&bg).unwrap();
    let mean = |j: i64| bg.select(1, j).mean(Kind::Double).double_value(&[]);
    let expected: Vec<f64> = (0..8)
        .map(|j| match j {
            2 => 2.0 * (2.0 - mean(2)),
            5 => 3.0 * (-0.5 - mean(5)),
            _ => 0.0,
        })
        .collect();
    for s in [
        exact(&f, &masker, &x).unwrap(),
        kernel(&f, &masker, &x, 300, 0).unwrap(),
        permutation(&f, &masker, &x, 3, 0).unwrap(),
    ] {
        assert!(max_err(&s.values, &expected) < 1e-5, "{s:?}");
    }
    // Features as 3 groups: {0,1,2}, {3,4}, {5,6,7}.
    let grouped = Masker::new(&bg)
        .unwrap()
        .groups(vec![0, 0, 0, 1, 1, 2, 2, 2])
        .unwrap();
    let g = exact(&f, &grouped, &x).unwrap();
    assert_eq!(g.values.len(), 3);
    assert!((g.values[0] - expected[2]).abs() < 1e-5);
    assert!(g.values[1].abs() < 1e-9);
    assert!((g.values[2] - expected[5]).abs() < 1e-5);
    assert!(Masker::new(&bg)
        .unwrap()
        .groups(vec![0, 2, 2, 2, 2, 2, 2, 2])
        .is_err());
}

#[test]
fn non_differentiable_models_and_bad_input() {
    // A thresholded decision: no gradient exists, Shapley values still do.
    let f = |x: &Tensor| {
        Ok(x.sum_dim_intlist(1, false, Kind::Float)
            .gt(1.0)
            .to_kind(Kind::Float))
    };
    let bg = Tensor::zeros([4, 3], (Kind::Float, Device::Cpu));
    let x = Tensor::from_slice(&[1.0f32, 1.0, 0.0]);
    let s = exact(&f, &Masker::new(&bg).unwrap(), &x).unwrap();
    // Only {0, 1} together cross the threshold: they split the whole effect.
    assert!((s.values[0] - 0.5).abs() < 1e-9 && (s.values[1] - 0.5).abs() < 1e-9);
    assert!(s.values[2].abs() < 1e-9);

    let masker = Masker::new(&bg).unwrap();
    let err = exact(&f, &masker, &Tensor::zeros([4], (Kind::Float, Device::Cpu)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("shape"), "{err}");
    let nan = |x: &Tensor| Ok(x.select(1, 0) * f64::NAN);
    let err = exact(&nan, &masker, &x).unwrap_err().to_string();
    assert!(err.contains("non-finite"), "{err}");
    let wide = |x: &Tensor| Ok(x.shallow_clone());
    let err = exact(&wide, &masker, &x).unwrap_err().to_string();
    assert!(err.contains("one score per row"), "{err}");
    assert!(Masker::new(&Tensor::zeros([0, 3], (Kind::Float, Device::Cpu))).is_err());
    let big = Masker::new(&Tensor::zeros([1, 21], (Kind::Float, Device::Cpu))).unwrap();
    assert!(exact(&f, &big, &Tensor::zeros([21], (Kind::Float, Device::Cpu))).is_err());
}
