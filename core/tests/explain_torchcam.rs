//! core::explain::cam against torchcam 0.5 on the same weights and images (fixture
//! `tests/fixtures/explain/torchcam_reference.safetensors`, written by `gen_torchcam.py`):
//! CAM, Grad-CAM (normalised and raw), Grad-CAM++ (the paper's α, which torchcam's
//! SmoothGradCAMpp computes with one noiseless sample) and Score-CAM on deepfield's 2-D
//! CnnClassifier, to 1e-4; torchcam's GradCAMpp, whose α stays g², differs. Also: Smooth
//! Grad-CAM++ without noise equals Grad-CAM++, maps are in [0, 1], bad layers and targets are
//! errors naming what exists.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::explain::cam::{normalize, upsample};
use deepfield_core::explain::{
    class_activation_map, class_activation_map_of, CamMethod, Inputs, Target,
};
use deepfield_core::nn::cnn::{
    CnnClassifier, CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, PoolConfig,
};
use deepfield_core::tch::{nn::VarStore, Device, Tensor};
use deepfield_core::testing::{assert_close, load_prefixed, read_safetensors};

const TOL: f64 = 1e-4;
const TARGETS: [i64; 3] = [0, 3, 1];
const LAYER: &str = "blocks.1";

fn fixture() -> BTreeMap<String, Tensor> {
    read_safetensors(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/explain/torchcam_reference.safetensors"),
    )
}

fn model(fx: &BTreeMap<String, Tensor>) -> (VarStore, CnnClassifier) {
    let config = CnnClassifierConfig {
        stack: ConvStackConfig {
            dims: 2,
            input: 3,
            blocks: vec![
                ConvBlockConfig::new(8, 3).with_pool(PoolConfig::max(2)),
                ConvBlockConfig::new(12, 3),
            ],
        },
        output: 4,
        ..Default::default()
    };
    let vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    load_prefixed(&vs, fx, "w.");
    (vs, model)
}

fn run(model: &CnnClassifier, x: &Tensor, method: &CamMethod, normalized: bool) -> Tensor {
    let target = Target::Classes(TARGETS.to_vec());
    class_activation_map(model, Inputs::new(x), LAYER, &target, method, normalized).unwrap()
}

#[test]
fn maps_match_torchcam() {
    let fx = fixture();
    let (vs, model) = model(&fx);
    let x = &fx["x"];
    let fc_weight = vs.variables()["head.out.weight"].shallow_clone();
    let cam = run(&model, x, &CamMethod::Cam { fc_weight }, true);
    assert_eq!(cam.size(), vec![3, 8, 8]);
    // CAM against torchcam CAM(fc_layer="head.out")
    assert_close(&cam, &fx["cam"], TOL);
    // Grad-CAM against torchcam GradCAM
    assert_close(
        &run(&model, x, &CamMethod::GradCam, true),
        &fx["gradcam"],
        TOL,
    );
    // Grad-CAM, unnormalised
    assert_close(
        &run(&model, x, &CamMethod::GradCam, false),
        &fx["gradcam_raw"],
        TOL,
    );
    let pp = run(&model, x, &CamMethod::GradCamPlusPlus, true);
    // Grad-CAM++ against torchcam SmoothGradCAMpp(1 sample, σ = 1e-9)
    assert_close(&pp, &fx["gradcampp_paper"], TOL);
    let torchcam_pp = (&pp - &fx["gradcampp"]).abs().max().double_value(&[]);
    assert!(
        torchcam_pp > 1e-2,
        "torchcam's GradCAMpp now equals the paper's Grad-CAM++ ({torchcam_pp}): regenerate the \
         fixture and update the module docs"
    );
    let score = run(&model, x, &CamMethod::ScoreCam { batch_size: 5 }, true);
    // Score-CAM against torchcam ScoreCAM(batch_size=5)
    assert_close(&score, &fx["scorecam"], TOL);
    let score_one_pass = run(&model, x, &CamMethod::ScoreCam { batch_size: 64 }, true);
    assert_close(&score_one_pass, &score, 1e-6);
}

#[test]
fn smooth_grad_cam_pp_without_noise_is_grad_cam_pp_and_with_noise_differs() {
    let fx = fixture();
    let (_vs, model) = model(&fx);
    let x = &fx["x"];
    let pp = run(&model, x, &CamMethod::GradCamPlusPlus, true);
    let quiet = CamMethod::SmoothGradCamPlusPlus {
        samples: 3,
        std: 0.0,
    };
    assert_close(&run(&model, x, &quiet, true), &pp, 1e-5);
    // At the last block, ∂y/∂A is the head's weight over H·W whatever the input (global average
    // pooling, then a linear layer), so noise changes nothing there; at the first block it does.
    deepfield_core::seed(7);
    let noisy = CamMethod::SmoothGradCamPlusPlus {
        samples: 8,
        std: 0.5,
    };
    let smooth = run(&model, x, &noisy, true);
    assert_close(&smooth, &pp, 1e-5);
    let target = Target::Classes(TARGETS.to_vec());
    let first = |method: &CamMethod| {
        class_activation_map(&model, Inputs::new(x), "blocks.0", &target, method, true).unwrap()
    };
    let smooth0 = first(&noisy);
    let pp0 = first(&CamMethod::GradCamPlusPlus);
    assert_eq!(smooth0.size(), vec![3, 8, 8]);
    assert!((&smooth0 - &pp0).abs().max().double_value(&[]) > 1e-2);
    // Normalised maps span [0, 1] per image.
    for m in [&smooth0, &pp0, &pp] {
        assert!(m.min().double_value(&[]) >= 0.0);
        for i in 0..3 {
            let top = m.get(i).max().double_value(&[]);
            assert!((top - 1.0).abs() < 1e-6, "image {i}: max {top}");
        }
    }
}

#[test]
fn helpers_and_bad_requests() {
    let fx = fixture();
    let (_vs, model) = model(&fx);
    let x = &fx["x"];
    let m = run(&model, x, &CamMethod::GradCam, false);
    let up = upsample(&m, &[16, 16]).unwrap();
    assert_eq!(up.size(), vec![3, 16, 16]);
    let n = normalize(&Tensor::from_slice(&[2.0f32, 4.0, 6.0]).view([1, 3]));
    assert_close(
        &n,
        &Tensor::from_slice(&[0.0f32, 0.5, 1.0]).view([1, 3]),
        1e-6,
    );

    let target = Target::Class(0);
    let err = class_activation_map(
        &model,
        Inputs::new(x),
        "blocks.9",
        &target,
        &CamMethod::GradCam,
        true,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("blocks.9") && err.contains("blocks.0") && err.contains("blocks.1"),
        "{err}"
    );
    // The pooled vector is captured too, but it has no spatial dimensions.
    let err = class_activation_map(
        &model,
        Inputs::new(x),
        "pool",
        &target,
        &CamMethod::GradCam,
        true,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("[B, K, spatial"), "{err}");
    let err = class_activation_map(
        &model,
        Inputs::new(x),
        LAYER,
        &Target::Class(4),
        &CamMethod::GradCamPlusPlus,
        true,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("out of range"), "{err}");
    let wrong = CamMethod::Cam {
        fc_weight: Tensor::zeros([4, 7], (deepfield_core::tch::Kind::Float, Device::Cpu)),
    };
    let err = class_activation_map(&model, Inputs::new(x), LAYER, &target, &wrong, true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("[classes, 12]"), "{err}");
}

/// Maps of chosen feature maps: all channels give the full map; CAM (no ReLU) is additive over
/// a split of the channels; a channel out of range is an error naming the layer's count.
#[test]
fn maps_of_chosen_channels() {
    let fx = fixture();
    let (vs, model) = model(&fx);
    let x = &fx["x"];
    let target = Target::Classes(TARGETS.to_vec());
    let run_of = |method: &CamMethod, channels: Option<&[i64]>| {
        class_activation_map_of(
            &model,
            Inputs::new(x),
            LAYER,
            &target,
            method,
            false,
            channels,
        )
        .unwrap()
    };
    let all: Vec<i64> = (0..12).collect();
    let full = run_of(&CamMethod::GradCamPlusPlus, None);
    assert_close(
        &run_of(&CamMethod::GradCamPlusPlus, Some(&all)),
        &full,
        1e-6,
    );
    let cam = || CamMethod::Cam {
        fc_weight: vs.variables()["head.out.weight"].shallow_clone(),
    };
    let (low, high): (Vec<i64>, Vec<i64>) = (0..12).partition(|&c| c < 5);
    let sum = run_of(&cam(), Some(&low)) + run_of(&cam(), Some(&high));
    assert_close(&sum, &run_of(&cam(), None), 1e-5);
    assert!(
        (&run_of(&cam(), Some(&low)) - &run_of(&cam(), None))
            .abs()
            .max()
            .double_value(&[])
            > 1e-3
    );
    let err = class_activation_map_of(
        &model,
        Inputs::new(x),
        LAYER,
        &target,
        &CamMethod::GradCam,
        true,
        Some(&[12]),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("12 channels"), "{err}");
}
