//! The affNIST-style generator on real MNIST test digits: the 40×40 frame, parameters within
//! the recipe's ranges, whole digits kept inside the frame, strength 0 = the centred digit, and
//! bad input refused. (Seeded determinism is in `affnist_seeded.rs`, alone in its binary.)

use deepfield_core::testing::max_abs_diff;
use deepfield_core::Rng;
use deepfield_vision::data::affnist::{generate, AffnistRecipe};
use deepfield_vision::data::mnist::{load_default, Dataset, Split};
use tch::Tensor;

fn digits(n: i64) -> Tensor {
    load_default(Dataset::Mnist, Split::Test)
        .unwrap()
        .images
        .narrow(0, 0, n)
}

#[test]
fn generated_digits_fill_the_40_pixel_frame_within_the_recipe() {
    let x = digits(200);
    let out = generate(&x, &AffnistRecipe::default(), &mut Rng::new(7)).unwrap();
    assert_eq!(out.images.size(), [200, 1, 40, 40]);
    assert_eq!(out.maps.len(), 200);
    let (mut min_angle, mut max_angle) = (f64::INFINITY, f64::NEG_INFINITY);
    for m in &out.maps {
        assert!(m.angle.abs() <= 20.0, "{m:?}");
        assert!(m.shear.abs() <= 0.2, "{m:?}");
        assert!((0.8..=1.2).contains(&m.scale), "{m:?}");
        assert!(m.tx.abs() <= 20.0 && m.ty.abs() <= 20.0, "{m:?}");
        min_angle = min_angle.min(m.angle);
        max_angle = max_angle.max(m.angle);
    }
    // The draws spread over the range (200 uniform draws in ±20°).
    assert!(
        min_angle < -15.0 && max_angle > 15.0,
        "{min_angle} {max_angle}"
    );
    let moved = out.maps.iter().filter(|m| m.tx.abs() > 2.0).count();
    assert!(
        moved > 50,
        "only {moved} digits translated by more than 2 pixels"
    );
    // Nothing is cut off: each digit's ink is its original ink times the area factor
    // (determinant = scale²), up to interpolation (a digit may touch the frame's edge).
    let ink_in: Vec<f64> =
        Vec::try_from(x.sum_dim_intlist([1i64, 2, 3].as_slice(), false, tch::Kind::Double))
            .unwrap();
    let ink_out: Vec<f64> = Vec::try_from(out.images.sum_dim_intlist(
        [1i64, 2, 3].as_slice(),
        false,
        tch::Kind::Double,
    ))
    .unwrap();
    for (i, m) in out.maps.iter().enumerate() {
        let ratio = ink_out[i] / (ink_in[i] * m.scale * m.scale);
        assert!(
            (0.93..1.07).contains(&ratio),
            "digit {i}: ink ratio {ratio}, {m:?}"
        );
    }
    let (lo, hi) = (
        out.images.min().double_value(&[]),
        out.images.max().double_value(&[]),
    );
    assert!(lo >= -1e-6 && hi <= 1.0 + 1e-6, "{lo} {hi}");
}

#[test]
fn strength_zero_without_translation_is_the_centred_digit() {
    let x = digits(20);
    let recipe = AffnistRecipe {
        strength: 0.0,
        translate: false,
        ..AffnistRecipe::default()
    };
    let out = generate(&x, &recipe, &mut Rng::new(1)).unwrap();
    let centred = x.constant_pad_nd([6, 6, 6, 6]);
    let e = max_abs_diff(&out.images, &centred);
    assert!(e < 1e-5, "{e}");
    // A stronger recipe moves more ink away from the centred digit.
    let diff = |s: f64| {
        let r = AffnistRecipe {
            strength: s,
            translate: false,
            ..AffnistRecipe::default()
        };
        let y = generate(&x, &r, &mut Rng::new(2)).unwrap().images;
        (y - &centred)
            .abs()
            .mean(tch::Kind::Double)
            .double_value(&[])
    };
    assert!(diff(0.5) < diff(1.5), "{} {}", diff(0.5), diff(1.5));
}

#[test]
fn bad_input_and_recipes_are_refused() {
    let mut rng = Rng::new(0);
    let wrong = Tensor::zeros([2, 1, 32, 32], (tch::Kind::Float, tch::Device::Cpu));
    let e = generate(&wrong, &AffnistRecipe::default(), &mut rng).unwrap_err();
    assert!(e.to_string().contains("[N, 1, 28, 28]"), "{e}");
    let bad = AffnistRecipe {
        scale: 0.6,
        strength: 2.0,
        ..AffnistRecipe::default()
    };
    assert!(generate(&digits(1), &bad, &mut rng).is_err());
}
