//! core's Fréchet distance against scipy, and its properties.
//!
//! Reference values: `core/tests/fixtures/frechet_scipy.json`, written by
//! `core/tests/fixtures/gen_frechet_fixture.py` (numpy.cov + scipy.linalg.sqrtm of S1·S2, the
//! usual FID code). Tolerance: relative 1e-8 (`|ours − scipy| ≤ 1e-8·max(1, |scipy|)`); the two
//! compute the matrix square root differently (eigendecomposition here, Schur there).

use deepfield_core::metrics::{frechet_distance, frechet_distance_stats, GaussianStats};
use deepfield_core::tch::{Kind, Tensor};
use serde::Deserialize;

const TOL: f64 = 1e-8;

#[derive(Deserialize)]
struct Case {
    name: String,
    a: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
    frechet: f64,
}

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

fn matrix(rows: &[Vec<f64>]) -> Tensor {
    let d = rows[0].len() as i64;
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Tensor::from_slice(&flat).reshape([-1, d])
}

#[test]
fn frechet_distance_matches_scipy() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/frechet_scipy.json"
    ))
    .unwrap();
    let f: Fixture = serde_json::from_str(&text).unwrap();
    assert_eq!(f.cases.len(), 4);
    for c in &f.cases {
        let ours = frechet_distance(&matrix(&c.a), &matrix(&c.b)).unwrap();
        assert!(
            (ours - c.frechet).abs() <= TOL * c.frechet.abs().max(1.0),
            "{}: ours {ours} vs scipy {}",
            c.name,
            c.frechet
        );
        // Symmetric in its arguments.
        let back = frechet_distance(&matrix(&c.b), &matrix(&c.a)).unwrap();
        assert!((back - ours).abs() <= TOL * ours.max(1.0), "{}", c.name);
    }
}

#[test]
fn frechet_distance_is_zero_for_identical_sets_and_grows_with_a_mean_shift() {
    deepfield_core::seed(3);
    let a = Tensor::randn([400, 8], (Kind::Float, deepfield_core::tch::Device::Cpu));
    let same = frechet_distance(&a, &a).unwrap();
    assert!(same.abs() < 1e-9, "identical sets: {same}");
    // Shifting every feature by s adds exactly D·s² (covariances unchanged).
    let mut last = 0.0;
    for s in [0.5, 1.0, 2.0] {
        let d = frechet_distance(&a, &(&a + s)).unwrap();
        assert!((d - 8.0 * s * s).abs() < 1e-6, "shift {s}: {d}");
        assert!(d > last);
        last = d;
    }
    // Scaling by 2: ‖μ − 2μ‖² + tr(S) + tr(4S) − 2·tr(2S) = ‖μ‖² + tr(S).
    let sa = GaussianStats::fit(&a).unwrap();
    let sb = GaussianStats::fit(&(&a * 2.0)).unwrap();
    let want = f64::try_from(sa.cov.trace() + sa.mean.dot(&sa.mean)).unwrap();
    let d = frechet_distance_stats(&sa, &sb).unwrap();
    assert!((d - want).abs() < 1e-9 * want, "{d} vs {want}");
}

#[test]
fn frechet_distance_refuses_bad_input() {
    let a = Tensor::randn([10, 3], (Kind::Float, deepfield_core::tch::Device::Cpu));
    let b = Tensor::randn([10, 4], (Kind::Float, deepfield_core::tch::Device::Cpu));
    let e = frechet_distance(&a, &b).unwrap_err().to_string();
    assert!(e.contains("dimensions differ"), "{e}");
    let one = Tensor::randn([1, 3], (Kind::Float, deepfield_core::tch::Device::Cpu));
    assert!(frechet_distance(&one, &a).is_err());
    let nan = Tensor::full(
        [5, 3],
        f64::NAN,
        (Kind::Float, deepfield_core::tch::Device::Cpu),
    );
    let e = frechet_distance(&nan, &a).unwrap_err().to_string();
    assert!(e.contains("NaN"), "{e}");
}
