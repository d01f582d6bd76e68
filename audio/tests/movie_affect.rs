//! `movie-affect --quick` end to end on the real FSDD and MNIST files: results folder, speakers
//! held apart, every model trained and evaluated; the central comparison (with one modality
//! noisy, the best fusion model beats each single-modality model); then the saved default model
//! scoring a user's pairs CSV through `eval-av`'s library call, and its error cases.

use deepfield_audio::avmnist::eval::evaluate_pairs;
use deepfield_audio::repro::affect::config::Part;
use deepfield_audio::repro::affect::{AffectMetrics, MovieAffect};
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_repro_results;

/// How far the best fusion model must be above the better single-modality model when the image
/// carries noise of σ = 1 (quick run, seed 0). Measured: late fusion 0.575 vs audio only 0.300 and
/// image only 0.117 (margin 0.275); clean: late 0.875, audio only 0.300, image only 0.650.
const NOISY_MARGIN: f64 = 0.10;

#[test]
fn quick_movie_affect_fusion_beats_single_modalities_under_noise() {
    deepfield_core::device::set_threads(1);
    let tmp = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("movie-affect", tmp.path().join("movie-affect"));
    let m: AffectMetrics = Typed(MovieAffect)
        .run_typed(&opts)
        .expect("movie-affect --quick");
    assert_repro_results(
        &opts.out,
        &[
            "accuracy_vs_audio_noise.png",
            "accuracy_vs_image_noise.png",
            "accuracy_by_model.png",
            "missing_modality.png",
            "seed_comparison.png",
            "history.csv",
            "model/model.safetensors",
            "model/avmnist.json",
            "models/late/model.safetensors",
        ],
    );
    // 5 speakers × 10 digits × ≤ 12 recordings; one test and one validation speaker.
    assert_eq!(
        (m.data.n_train, m.data.n_val, m.data.n_test),
        (360, 120, 120)
    );
    let s = &m.data.speakers;
    for t in &s.test {
        assert!(!s.train.contains(t) && !s.val.contains(t));
    }
    assert_eq!(m.models.len(), 13);
    for x in &m.models {
        assert!(
            x.test_accuracy.is_finite() && x.test_accuracy >= 0.0,
            "{x:?}"
        );
        if x.modalities.len() == 2 {
            assert!(x.missing_audio.is_some() && x.missing_image.is_some());
        }
    }
    let get = |k: &str| m.models.iter().find(|x| x.key == k).unwrap();
    // Chance is 0.1: both single modalities learn something.
    assert!(
        get("image_only").test_accuracy > 0.5,
        "{:?}",
        get("image_only")
    );
    assert!(
        get("audio_only").test_accuracy > 0.2,
        "{:?}",
        get("audio_only")
    );
    // Noise hurts the image model.
    let k1 = m.noise_levels.iter().position(|&s| s == 1.0).unwrap();
    assert!(get("image_only").image_noise[k1] < get("image_only").test_accuracy - 0.2);
    // The central comparison.
    let cond = m
        .conditions
        .iter()
        .find(|c| c.name == "image_noise_1")
        .unwrap();
    assert!(
        cond.margin > NOISY_MARGIN,
        "best fusion {} {:.3} vs audio only {:.3}, image only {:.3}",
        cond.best_fusion,
        cond.best_fusion_accuracy,
        cond.audio_only,
        cond.image_only
    );
    assert!(m
        .models
        .iter()
        .any(|x| x.key == m.default_model && x.part == Part::Fusion));

    // eval-av on a pairs CSV: three test recordings with PNG images of their digits.
    let dir = tmp.path().join("pairs");
    std::fs::create_dir_all(&dir).unwrap();
    let data = deepfield_core::data::data_dir().unwrap();
    let digits = deepfield_core::data::mnist::load(
        &data,
        deepfield_core::data::mnist::Dataset::Mnist,
        deepfield_core::data::mnist::Split::Test,
    )
    .unwrap();
    let labels = Vec::<i64>::try_from(&digits.labels).unwrap();
    let mut csv = String::from("audio,image,label\n");
    for (n, digit) in [3i64, 7, 0].into_iter().enumerate() {
        let i = labels.iter().position(|&l| l == digit).unwrap();
        let img = digits.images.get(i as i64).view([28 * 28]);
        let px: Vec<u8> = Vec::<f32>::try_from(&img)
            .unwrap()
            .iter()
            .map(|v| (v * 255.0).round() as u8)
            .collect();
        let png_path = dir.join(format!("{n}.png"));
        let file = std::fs::File::create(&png_path).unwrap();
        let mut enc = png::Encoder::new(file, 28, 28);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.write_header().unwrap().write_image_data(&px).unwrap();
        let wav = data.join(format!("fsdd/recordings/{digit}_{}_0.wav", s.test[0]));
        // The second pair has no audio: a missing modality.
        let audio = if n == 1 {
            String::new()
        } else {
            wav.display().to_string()
        };
        csv.push_str(&format!("{audio},{n}.png,{digit}\n"));
    }
    std::fs::write(dir.join("pairs.csv"), &csv).unwrap();
    let r = evaluate_pairs(&opts.out, &dir.join("pairs.csv")).unwrap();
    assert_eq!(r.predictions.len(), 3);
    assert!(r.accuracy.unwrap() >= 2.0 / 3.0, "{:?}", r.predictions);
    for p in &r.predictions {
        assert!((0.0..=1.0).contains(&p.confidence));
    }
    // Errors name the problem.
    let bad = |text: &str, what: &str| {
        std::fs::write(dir.join("bad.csv"), text).unwrap();
        let e = evaluate_pairs(&opts.out, &dir.join("bad.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(what), "{e}");
    };
    bad("audio,image,label\n,missing.png,1\n", "missing.png");
    bad("audio,image,label\n,0.png,eleven\n", "label `eleven`");
    bad("sound,picture\na,b\n", "`audio` and/or an `image` column");
    bad("audio,image\n,\n", "every cell empty");
    std::fs::write(dir.join("notpng.png"), b"hello").unwrap();
    bad("image\nnotpng.png\n", "not a readable PNG");
    let e = evaluate_pairs(tmp.path(), &dir.join("pairs.csv"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("avmnist.json"), "{e}");
}
