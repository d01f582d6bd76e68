//! InfoNCE and KoLeo against the PyTorch reference (`scripts/make_ssl_loss_fixture.py` →
//! `fixtures/ssl_losses.json`, float64 there, float32 here: tolerance 1e-4 relative + 1e-5),
//! values and gradients; the augmentations' shapes and band limits; stratified label subsets.

use deepfield_core::tch::{Kind, Tensor};
use deepfield_timeseries::biosignal::augment::{augment, band_noise, AugmentConfig};
use deepfield_timeseries::biosignal::probe::{label_subset, score};
use deepfield_timeseries::biosignal::{info_nce, koleo};
use serde_json::Value;

fn fixture() -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ssl_losses.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Tensor {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    let n = rows.len() as i64;
    let flat: Vec<f32> = rows.iter().flatten().map(|&x| x as f32).collect();
    Tensor::from_slice(&flat).reshape([n, -1])
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-5 + 1e-4 * want.abs(),
        "{what}: {got} vs PyTorch {want}"
    );
}

#[test]
fn info_nce_and_koleo_match_pytorch() {
    let f = fixture();
    let za = matrix(&f["za"]);
    let zb = matrix(&f["zb"]);
    let groups: Vec<i64> = serde_json::from_value(f["groups"].clone()).unwrap();
    let groups = Tensor::from_slice(&groups);
    let tau = f["temperature"].as_f64().unwrap();
    let lam = f["koleo_weight"].as_f64().unwrap();
    let v = |t: Tensor| t.double_value(&[]);
    close(
        v(info_nce(&za, &zb, tau, None).unwrap()),
        f["info_nce"].as_f64().unwrap(),
        "info_nce",
    );
    close(
        v(info_nce(&za, &zb, tau, Some(&groups)).unwrap()),
        f["info_nce_groups"].as_f64().unwrap(),
        "info_nce with groups",
    );
    close(
        v(info_nce(&za, &zb, 0.04, None).unwrap()),
        f["info_nce_tau_0_04"].as_f64().unwrap(),
        "info_nce tau 0.04",
    );
    close(
        v(koleo(&za, 1e-8).unwrap()),
        f["koleo_za"].as_f64().unwrap(),
        "koleo za",
    );
    close(
        v(koleo(&zb, 1e-8).unwrap()),
        f["koleo_zb"].as_f64().unwrap(),
        "koleo zb",
    );

    // The pretraining objective and its gradients.
    let za = za.set_requires_grad(true);
    let zb = zb.set_requires_grad(true);
    let total = info_nce(&za, &zb, tau, Some(&groups)).unwrap()
        + (koleo(&za, 1e-8).unwrap() + koleo(&zb, 1e-8).unwrap()) * (lam / 2.0);
    close(
        total.double_value(&[]),
        f["total"].as_f64().unwrap(),
        "total",
    );
    total.backward();
    for (t, key) in [(&za, "grad_za"), (&zb, "grad_zb")] {
        let want = matrix(&f[key]);
        let got = t.grad();
        let err = (&got - &want).abs().max().double_value(&[]);
        let scale = want.abs().max().double_value(&[]);
        assert!(
            err <= 1e-5 + 1e-4 * scale,
            "{key}: max error {err} (scale {scale})"
        );
    }

    // Bad shapes are errors, not panics.
    let one = Tensor::zeros([1, 4], (Kind::Float, deepfield_core::tch::Device::Cpu));
    assert!(info_nce(&one, &one, 0.1, None)
        .unwrap_err()
        .to_string()
        .contains("B >= 2"));
    assert!(koleo(&one, 1e-8).is_err());
    assert!(info_nce(&matrix(&f["za"]), &matrix(&f["zb"]), 0.0, None).is_err());
}

#[test]
fn augmentations_keep_shape_and_band_noise_stays_in_its_band() {
    deepfield_core::seed(3);
    let x = Tensor::randn([16, 128], (Kind::Float, deepfield_core::tch::Device::Cpu));
    let cfg = AugmentConfig::default();
    let y = augment(&x, &cfg, 180.0).unwrap();
    assert_eq!(y.size(), [16, 128]);
    let mean = y
        .mean_dim([1i64].as_slice(), false, Kind::Float)
        .abs()
        .max()
        .double_value(&[]);
    assert!(mean < 1e-5, "rows are mean-free: {mean}");
    assert!(
        (&y - &x).abs().max().double_value(&[]) > 1e-3,
        "something changed"
    );
    // No augmentation at all: only the mean is removed.
    let off = AugmentConfig {
        p_scale: 0.0,
        p_jitter: 0.0,
        p_band: 0.0,
        ..cfg.clone()
    };
    let z = augment(&x, &off, 180.0).unwrap();
    let want = &x - x.mean_dim([1i64].as_slice(), true, Kind::Float);
    assert!((&z - &want).abs().max().double_value(&[]) < 1e-6);
    // Band-limited noise: unit SD per row, (almost) no power outside 5–20 Hz.
    let n = band_noise(8, 256, 180.0, [5.0, 20.0], &x).unwrap();
    let sd = n.std_dim([1i64].as_slice(), false, false);
    assert!((sd - 1.0).abs().max().double_value(&[]) < 1e-4);
    let p = n
        .fft_rfft(256, -1, "backward")
        .abs()
        .square()
        .sum_dim_intlist([0i64].as_slice(), false, Kind::Float);
    let p = Vec::<f32>::try_from(p).unwrap();
    let bin = 180.0 / 256.0;
    let (mut inside, mut outside) = (0.0, 0.0);
    for (k, v) in p.iter().enumerate() {
        if (5.0..=20.0).contains(&(k as f64 * bin)) {
            inside += v;
        } else {
            outside += v;
        }
    }
    assert!(
        outside < 1e-6 * inside,
        "outside {outside}, inside {inside}"
    );
    assert!(AugmentConfig {
        scale: [1.2, 0.8],
        ..cfg
    }
    .validate()
    .is_err());
}

#[test]
fn label_subsets_are_stratified_and_macro_f1_counts_present_classes() {
    let labels: Vec<i64> = (0..1000)
        .map(|i| {
            if i < 900 {
                0
            } else if i < 990 {
                2
            } else {
                3
            }
        })
        .collect();
    let s = label_subset(&labels, 0.01, 7);
    let count = |c: i64| s.iter().filter(|&&i| labels[i] == c).count();
    assert_eq!((count(0), count(2), count(3)), (9, 1, 1));
    assert_eq!(s, label_subset(&labels, 0.01, 7), "seeded");
    assert_ne!(s, label_subset(&labels, 0.01, 8));
    assert_eq!(label_subset(&labels, 1.0, 0).len(), 1000);
    // The majority predictor: F1 of class 0 only, averaged over the 3 classes present.
    let sc = score(&labels, &vec![0; 1000], 5, None).unwrap();
    let f1_0 = 2.0 * 0.9 / (1.0 + 0.9);
    assert!((sc.macro_f1 - f1_0 / 3.0).abs() < 1e-12, "{}", sc.macro_f1);
    assert_eq!(sc.per_class_f1[1], None);
    assert!((sc.accuracy - 0.9).abs() < 1e-12);
    // Only classes 0 and 2 counted.
    let inc = [true, true, true, false, false];
    let sc = score(&labels, &vec![0; 1000], 5, Some(&inc)).unwrap();
    assert!((sc.macro_f1 - f1_0 / 2.0).abs() < 1e-12, "{}", sc.macro_f1);
}
