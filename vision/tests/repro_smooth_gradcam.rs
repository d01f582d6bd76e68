//! `smooth-gradcam --quick` end to end on real MNIST digits: results folder, every method's
//! maps clearly better than the floors on the pointing game, deletion below insertion, and
//! the saved model explained through the binary's shared `explain` command. One test in this
//! binary (libtorch's RNG is process-global).

use deepfield_core::checkpoint;
use deepfield_core::testing::{assert_png, assert_results, run_bin, run_quick, QuickRun};
use deepfield_vision::repro::smooth_gradcam::SmoothGradCam;

/// Measured (seed 0, quick): test accuracy ≈ 0.2–0.4 (4 short epochs on cluttered canvases);
/// pointing 0.62–0.88 for every method against a random-pixel floor of ≈ 0.11 and a
/// centre floor of ≈ 0.27.
const MARGIN: f64 = 0.15;

#[test]
fn quick_smooth_gradcam_scores_every_method_and_its_model_explains() {
    let QuickRun {
        tmp,
        out,
        metrics: m,
    } = run_quick(SmoothGradCam);
    assert_results(
        &out,
        &[
            "metrics.json",
            "metrics.csv",
            "config.json",
            "report.md",
            "history.csv",
            "gallery.png",
            "seed_views.png",
            "pointing_game.png",
            "deletion_insertion.png",
            "model/model.safetensors",
        ],
    );
    assert_png(&out.join("gallery.png"), (800, 800));
    assert_png(&out.join("seed_views.png"), (800, 800));
    assert!(
        m.test_accuracy > 0.15,
        "accuracy {} (chance 0.1)",
        m.test_accuracy
    );
    let keys: Vec<&str> = m.methods.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "cam",
            "gradcam",
            "gradcampp",
            "smooth_gradcampp",
            "scorecam"
        ]
    );
    let floor = m.pointing_random.max(m.pointing_centre);
    for r in &m.methods {
        assert!(
            r.pointing > floor + MARGIN,
            "{}: pointing {} vs floor {floor}",
            r.key,
            r.pointing
        );
        assert!(
            r.deletion_auc < r.insertion_auc,
            "{}: deletion {} ≥ insertion {}",
            r.key,
            r.deletion_auc,
            r.insertion_auc
        );
        assert_eq!(r.deletion_curve.len(), 17);
    }
    assert_eq!(
        m.smooth_ge_gradcampp,
        m.get("smooth_gradcampp").unwrap().pointing >= m.get("gradcampp").unwrap().pointing
    );

    // The saved core CNN through `deepfield-vision explain`: Grad-CAM++ maps of 3 canvases.
    let canvases = deepfield_core::tch::Tensor::rand(
        [3, 1, 64, 64],
        (
            deepfield_core::tch::Kind::Float,
            deepfield_core::tch::Device::Cpu,
        ),
    );
    let input = tmp.path().join("x.safetensors");
    checkpoint::write_tensors(&input, &[("input", &canvases)]).unwrap();
    let maps = tmp.path().join("maps");
    let o = run_bin(
        env!("CARGO_BIN_EXE_deepfield-vision"),
        [
            "explain",
            "--model",
            out.join("model").to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--method",
            "gradcam++",
            "--layer",
            "blocks.1",
            "--out",
            maps.to_str().unwrap(),
        ],
    );
    assert!(o.success, "{}", o.stderr);
    assert!(
        o.stdout.contains("3 examples explained at layer blocks.1"),
        "{}",
        o.stdout
    );
    let t = checkpoint::read_tensors(&maps.join("attributions.safetensors")).unwrap();
    assert_eq!(t[0].1.size(), vec![3, 16, 16]);
    assert!(maps.join("heatmap_002.png").exists());
}
