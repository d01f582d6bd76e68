//! Augmentation geometry: where a single pixel lands, identities, flips, seeding.

use deepfield_core::testing::{assert_close, max_abs_diff};
use deepfield_core::Rng;
use deepfield_vision::augment::{
    affine, centre_crop, hflip, rotate, vflip, Affine, Interpolation, Padding, RandomAffine,
    RandomFlips,
};
use tch::{Device, Kind, Tensor};

/// A `[1, 1, h, w]` image that is 1 at (row, col), 0 elsewhere.
fn dot(h: i64, w: i64, row: i64, col: i64) -> Tensor {
    let x = Tensor::zeros([1, 1, h, w], (Kind::Float, Device::Cpu));
    let _ = x.get(0).get(0).get(row).get(col).fill_(1.0);
    x
}

/// (row, col) of the brightest pixel of a `[1, 1, h, w]` image, and its value.
fn peak(x: &Tensor) -> (i64, i64, f64) {
    let w = x.size()[3];
    let flat = x.reshape([-1]);
    let i = flat.argmax(0, false).int64_value(&[]);
    (i / w, i % w, flat.double_value(&[i]))
}

#[test]
fn one_pixel_rotated_by_90_lands_counter_clockwise() {
    // Right of the centre of a 5×5 image; counter-clockwise 90° takes it to the top.
    let x = dot(5, 5, 2, 4);
    let (r, c, v) = peak(&rotate(&x, 90.0).unwrap());
    assert_eq!((r, c), (0, 2));
    assert!((v - 1.0).abs() < 1e-5, "{v}");
    // −90° (clockwise) to the bottom, 180° to the left.
    let (r, c, _) = peak(&rotate(&x, -90.0).unwrap());
    assert_eq!((r, c), (4, 2));
    let (r, c, _) = peak(&rotate(&x, 180.0).unwrap());
    assert_eq!((r, c), (2, 0));
    // On a non-square 5×7 image, 90° keeps distances in pixels: (2, 5) → (0, 3).
    let (r, c, v) = peak(&rotate(&dot(5, 7, 2, 5), 90.0).unwrap());
    assert_eq!((r, c), (0, 3));
    assert!(v > 0.99, "{v}");
}

#[test]
fn four_quarter_turns_are_the_identity() {
    let x = Tensor::rand([3, 2, 9, 9], (Kind::Float, Device::Cpu));
    let mut y = x.shallow_clone();
    for _ in 0..4 {
        y = rotate(&y, 90.0).unwrap();
    }
    assert_close(&y, &x, 1e-4);
    // 45° four times loses the corners but the centre disc comes back within interpolation
    // error of a smooth image.
    let smooth = Tensor::linspace(0.0, 1.0, 21, (Kind::Float, Device::Cpu));
    let smooth = (smooth.view([1, 1, 21, 1]) + smooth.view([1, 1, 1, 21])) / 2.0;
    let mut z = smooth.shallow_clone();
    for _ in 0..8 {
        z = rotate(&z, 45.0).unwrap();
    }
    let err = max_abs_diff(
        &centre_crop(&z, 7, 7).unwrap(),
        &centre_crop(&smooth, 7, 7).unwrap(),
    );
    assert!(err < 0.02, "8 × 45° differs by {err} in the centre");
}

#[test]
fn flips_and_translation_move_pixels_exactly() {
    let x = dot(4, 6, 1, 0);
    let (r, c, _) = peak(&hflip(&x).unwrap());
    assert_eq!((r, c), (1, 5));
    let (r, c, _) = peak(&vflip(&x).unwrap());
    assert_eq!((r, c), (2, 0));
    // Right 3, down 2 pixels.
    let t = Affine {
        tx: 3.0,
        ty: 2.0,
        ..Affine::default()
    };
    let (r, c, v) = peak(&affine(&x, &[t], Interpolation::Bilinear, Padding::Zeros).unwrap());
    assert_eq!((r, c), (3, 3));
    assert!((v - 1.0).abs() < 1e-5);
    // A half-pixel shift splits the dot over two pixels.
    let half = Affine {
        tx: 0.5,
        ..Affine::default()
    };
    let y = affine(&x, &[half], Interpolation::Bilinear, Padding::Zeros).unwrap();
    assert!((y.double_value(&[0, 0, 1, 0]) - 0.5).abs() < 1e-5);
    assert!((y.double_value(&[0, 0, 1, 1]) - 0.5).abs() < 1e-5);
    // Scale 2 doubles the distance from the centre: (2, 3) of 5×5 is one right → two right.
    let s = Affine {
        scale: 2.0,
        ..Affine::default()
    };
    let (r, c, _) = peak(
        &affine(
            &dot(5, 5, 2, 3),
            &[s],
            Interpolation::Bilinear,
            Padding::Zeros,
        )
        .unwrap(),
    );
    assert_eq!((r, c), (2, 4));
    // Shear 1: x' = x + y; one row below the centre moves one column right.
    let sh = Affine {
        shear: 1.0,
        ..Affine::default()
    };
    let (r, c, _) = peak(
        &affine(
            &dot(5, 5, 3, 2),
            &[sh],
            Interpolation::Bilinear,
            Padding::Zeros,
        )
        .unwrap(),
    );
    assert_eq!((r, c), (3, 3));
}

#[test]
fn random_augmentations_are_seeded() {
    let x = Tensor::rand([6, 1, 12, 12], (Kind::Float, Device::Cpu));
    let aug = RandomAffine {
        translate: (0.1, 0.1),
        ..RandomAffine::default()
    };
    let a = aug.apply(&x, &mut Rng::new(7)).unwrap();
    let b = aug.apply(&x, &mut Rng::new(7)).unwrap();
    let c = aug.apply(&x, &mut Rng::new(8)).unwrap();
    assert!(a.equal(&b));
    assert!(max_abs_diff(&a, &c) > 0.05);
    let maps = aug.sample(500, 12, 12, &mut Rng::new(1));
    assert!(maps.iter().all(|m| m.angle.abs() <= 20.0
        && m.shear.abs() <= 0.2
        && (0.8..=1.2).contains(&m.scale)
        && m.tx.abs() <= 1.2));
    assert!(maps.iter().any(|m| m.angle > 15.0) && maps.iter().any(|m| m.angle < -15.0));
    let f = RandomFlips {
        horizontal: 0.5,
        vertical: 0.5,
    };
    let fa = f.apply(&x, &mut Rng::new(3)).unwrap();
    assert!(fa.equal(&f.apply(&x, &mut Rng::new(3)).unwrap()));
    assert!(!fa.equal(&x));
    assert!(RandomAffine::rotation(10.0, -10.0)
        .apply(&x, &mut Rng::new(1))
        .is_err());
}

#[test]
fn cuda_gives_the_cpu_result() {
    if !tch::Cuda::is_available() {
        eprintln!("no CUDA device: skipped");
        return;
    }
    let x = Tensor::rand([4, 3, 16, 16], (Kind::Float, Device::Cpu));
    let aug = RandomAffine::default();
    let cpu = aug.apply(&x, &mut Rng::new(5)).unwrap();
    let gpu = aug
        .apply(&x.to_device(Device::Cuda(0)), &mut Rng::new(5))
        .unwrap();
    assert_eq!(gpu.device(), Device::Cuda(0));
    assert_close(&gpu, &cpu, 1e-4);
}
