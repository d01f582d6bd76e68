//! LeNet-5, the ResNet and the VGG-style CNN: output shapes, parameter counts and state-dict
//! names equal to their PyTorch twins (fixtures/torch_models.json, written by
//! fixtures/torch_models.py with torch 2.13 from the project's venv), PyTorch/torchvision
//! initialisation ranges, capture points, bad input, and save/restore through the registry.

use std::collections::BTreeMap;

use deepfield_core::models::{self, ModelConfig};
use deepfield_core::nn::capture::Capture;
use deepfield_core::Forward;
use deepfield_vision::data::Preprocess;
use deepfield_vision::models::lenet::LeNet5Config;
use deepfield_vision::models::resnet::ResNetConfig;
use deepfield_vision::models::vgg::VggConfig;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

fn fixture() -> serde_json::Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/torch_models.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn rgb() -> Preprocess {
    Preprocess {
        channels: 3,
        height: 32,
        width: 32,
        mean: vec![0.0; 3],
        std: vec![1.0; 3],
        ..Default::default()
    }
}

/// Build `config`, check its count and names against the fixture entry `name`, run a batch.
fn check<C: ModelConfig>(config: &C, name: &str, input: [i64; 4], classes: i64) -> VarStore
where
    C::Model: deepfield_core::nn::Forward,
{
    let want = &fixture()[name];
    tch::manual_seed(0);
    let vs = VarStore::new(Device::Cpu);
    let model = config.build(&vs.root()).unwrap();
    let count: i64 = vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    assert_eq!(
        count,
        want["parameters"].as_i64().unwrap(),
        "{name}: parameters"
    );
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    let torch: Vec<String> = want["state_dict"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, torch, "{name}: state-dict names");
    let x = Tensor::rand(input, (Kind::Float, Device::Cpu));
    for train in [true, false] {
        let y = model.forward_t(&x, None, train);
        assert_eq!(y.size(), [input[0], classes], "{name}");
        assert!(bool::try_from(y.isfinite().all()).unwrap());
    }
    vs
}

#[test]
fn lenet5_matches_pytorch() {
    // 6·25+6 + 16·6·25+16 + 400·120+120 + 120·84+84 + 84·10+10 = 61,706.
    let vs = check(&LeNet5Config::default(), "lenet5", [3, 1, 28, 28], 10);
    // PyTorch's default: U(±1/√fan_in); conv2 fan_in = 6·25.
    let w = vs.variables()["conv2.weight"].abs().max().double_value(&[]);
    let bound = 1.0 / 150f64.sqrt();
    assert!(w <= bound && w > 0.9 * bound, "conv2 max |w| {w}");
}

#[test]
fn resnet_matches_torchvision_layout() {
    let vs = check(&ResNetConfig::default(), "resnet20", [2, 1, 28, 28], 10);
    check(&ResNetConfig::cifar(5), "resnet32", [2, 1, 28, 28], 10);
    let rgb = ResNetConfig {
        preprocess: rgb(),
        ..Default::default()
    };
    check(&rgb, "resnet20_rgb", [2, 3, 32, 32], 10);
    // torchvision's init: conv N(0, 2/fan_out), batch-norm weight 1, bias 0.
    let v = vs.variables();
    let w = &v["layer3.2.conv2.weight"];
    let std = w.std(true).double_value(&[]);
    let want = (2.0f64 / (64.0 * 9.0)).sqrt();
    assert!((std / want - 1.0).abs() < 0.05, "std {std} vs {want}");
    assert_eq!(
        v["layer1.0.bn1.weight"].mean(Kind::Float).double_value(&[]),
        1.0
    );
    assert_eq!(
        v["layer1.0.bn1.bias"]
            .abs()
            .sum(Kind::Float)
            .double_value(&[]),
        0.0
    );
}

#[test]
fn vgg_matches_torchvision_layout() {
    check(&VggConfig::default(), "vgg_small", [2, 1, 28, 28], 10);
    let plain = VggConfig {
        batch_norm: false,
        ..Default::default()
    };
    let vs = check(&plain, "vgg_small_nobn", [2, 1, 28, 28], 10);
    let w = vs.variables()["classifier.3.weight"]
        .std(true)
        .double_value(&[]);
    assert!((w / 0.01 - 1.0).abs() < 0.05, "classifier std {w}");
}

#[test]
fn capture_points_are_the_module_names() {
    let x = Tensor::rand([2, 1, 28, 28], (Kind::Float, Device::Cpu));
    let reg = deepfield_vision::models().unwrap();
    let cases: [(&str, &[&str]); 3] = [
        ("vision.lenet5", &["conv1", "conv2", "fc1", "fc2", "fc3"]),
        (
            "vision.resnet",
            &[
                "conv1", "layer1.0", "layer1", "layer2.0", "layer3.2", "layer3", "fc",
            ],
        ),
        (
            "vision.vgg",
            &[
                "features.2",
                "features.5",
                "features.19",
                "features",
                "classifier.6",
            ],
        ),
    ];
    for (kind, names) in cases {
        let vs = VarStore::new(Device::Cpu);
        let model = reg.build(kind, &serde_json::json!({}), &vs.root()).unwrap();
        let cap = Capture::all().with_gradients();
        let y = cap.run(|| model.try_forward_t(&x, None, false)).unwrap();
        y.select(1, 3).sum(Kind::Float).backward();
        let seen = cap.seen();
        for n in names {
            assert!(seen.iter().any(|s| s == n), "{n} not in {seen:?}");
            assert!(cap.gradient(n).is_some(), "no gradient at {n}");
        }
    }
    // The last VGG convolution block's activation is [B, 128, 7, 7].
    let vs = VarStore::new(Device::Cpu);
    let vgg = VggConfig::default().build(&vs.root()).unwrap();
    let cap = Capture::layers(["features.19"]);
    let _ = cap.run(|| vgg.predict(&x, None));
    assert_eq!(
        cap.activation("features.19").unwrap().size(),
        [2, 128, 7, 7]
    );
}

#[test]
fn bad_input_and_configs_are_errors() {
    let vs = VarStore::new(Device::Cpu);
    let lenet = LeNet5Config::default().build(&vs.root()).unwrap();
    let e = lenet
        .try_forward_t(
            &Tensor::rand([2, 3, 28, 28], (Kind::Float, Device::Cpu)),
            None,
            false,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected images [N, 1, 28, 28]"), "{e}");
    let vs = VarStore::new(Device::Cpu);
    let resnet = ResNetConfig::default().build(&vs.root()).unwrap();
    assert!(resnet
        .try_forward_t(
            &Tensor::rand([2, 28, 28], (Kind::Float, Device::Cpu)),
            None,
            false
        )
        .is_err());
    assert!(ResNetConfig {
        widths: vec![16, 32],
        ..Default::default()
    }
    .validate()
    .is_err());
    assert!(VggConfig {
        stages: vec![vec![8]; 6],
        ..Default::default()
    }
    .validate()
    .is_err());
    assert!(VggConfig {
        dropout: 1.0,
        ..Default::default()
    }
    .validate()
    .is_err());
}

#[test]
fn registry_round_trips_every_model() {
    let reg = deepfield_vision::models().unwrap();
    let x = Tensor::rand([2, 1, 28, 28], (Kind::Float, Device::Cpu));
    let configs: Vec<(&str, serde_json::Value)> = vec![
        (
            "vision.lenet5",
            serde_json::to_value(LeNet5Config::default()).unwrap(),
        ),
        (
            "vision.resnet",
            serde_json::to_value(ResNetConfig::default()).unwrap(),
        ),
        (
            "vision.vgg",
            serde_json::to_value(VggConfig::default()).unwrap(),
        ),
    ];
    for (kind, config) in configs {
        let dir = tempfile::tempdir().unwrap();
        tch::manual_seed(1);
        let vs = VarStore::new(Device::Cpu);
        let model = reg.build(kind, &config, &vs.root()).unwrap();
        // A few training-mode passes move the batch-norm running statistics off their start.
        for _ in 0..2 {
            let _ = model.forward_t(&x, None, true);
        }
        let before = model.predict(&x, None);
        let saved: BTreeMap<String, Tensor> = vs.variables().into_iter().collect();
        match kind {
            "vision.lenet5" => save::<LeNet5Config>(dir.path(), &vs, &config),
            "vision.resnet" => save::<ResNetConfig>(dir.path(), &vs, &config),
            _ => save::<VggConfig>(dir.path(), &vs, &config),
        }
        let restored = reg.restore(dir.path(), Device::Cpu).unwrap();
        assert_eq!(restored.kind, kind);
        assert!(restored.model.predict(&x, None).equal(&before), "{kind}");
        let rv = restored.vs.variables();
        for (name, t) in &saved {
            assert!(rv[name].equal(t), "{kind}: {name}");
        }
    }
}

fn save<C: ModelConfig>(dir: &std::path::Path, vs: &VarStore, config: &serde_json::Value) {
    let c: C = serde_json::from_value(config.clone()).unwrap();
    models::save_model::<_, ()>(dir, vs, &c, None).unwrap();
}
