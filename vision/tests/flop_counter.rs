//! The cost counter against fvcore (fixtures/flops_fvcore.json, written by
//! fixtures/gen_flops.py from the same architectures in PyTorch): every convolution's and fully
//! connected layer's MACs and parameters of LeNet-5 and ResNet-20 exactly (fvcore's "flop" is
//! one multiply-add, our MAC), and the totals; then every vision kind, profiled as the registry
//! hands it out, produces non-zero counts.

use deepfield_core::models::ModelRegistry;
use deepfield_core::profile::{self, LatencyOptions, ModelProfile};
use serde_json::Value;

fn quick() -> LatencyOptions {
    LatencyOptions::once()
}

fn registry() -> ModelRegistry {
    let mut reg = ModelRegistry::with_core();
    deepfield_vision::models::register(&mut reg).unwrap();
    reg
}

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/flops_fvcore.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn check_against_fvcore(p: &ModelProfile, reference: &Value) {
    let layers = reference["layers"].as_object().unwrap();
    let mut total = 0;
    for (name, want) in layers {
        let got = p
            .layers
            .iter()
            .find(|l| &l.name == name && (l.op == "conv2d" || l.op == "linear"))
            .unwrap_or_else(|| panic!("{}: no layer `{name}` recorded", p.kind));
        assert_eq!(
            got.macs,
            want["macs"].as_u64().unwrap(),
            "{}: {name}",
            p.kind
        );
        assert_eq!(
            got.params,
            want["params"].as_u64().unwrap(),
            "{}: {name}",
            p.kind
        );
        total += got.macs;
    }
    // Every convolution and linear layer we recorded is one of fvcore's (none extra).
    let ours: u64 = p
        .layers
        .iter()
        .filter(|l| l.op == "conv2d" || l.op == "linear")
        .map(|l| l.macs)
        .sum();
    assert_eq!(ours, total, "{}", p.kind);
    assert_eq!(total, reference["conv_linear_macs"].as_u64().unwrap());
    assert_eq!(
        p.params,
        reference["params"].as_u64().unwrap(),
        "{}",
        p.kind
    );
}

#[test]
fn lenet5_and_resnet20_match_fvcore_exactly() {
    let reg = registry();
    let f = fixture();
    for (kind, key) in [("vision.lenet5", "lenet5"), ("vision.resnet", "resnet20")] {
        let p = reg.profile(kind, &quick()).unwrap().unwrap();
        assert!(p.input.starts_with("[1, 1, 28, 28]"), "{}", p.input);
        check_against_fvcore(&p, &f[key]);
    }
}

#[test]
fn every_vision_kind_profiles_to_nonzero_counts() {
    let reg = registry();
    let kinds: Vec<String> = reg
        .kinds()
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| k.starts_with("vision."))
        .collect();
    assert!(kinds.len() >= 5, "{kinds:?}");
    let (profiles, skipped) = profile::profile_all(&reg, &kinds, &quick()).unwrap();
    // The GANs take a batch *and* its labels (`dyn LabelConditioned`) and have no profiling
    // example yet; every other vision kind must be profiled.
    let mut skipped = skipped;
    skipped.sort();
    assert_eq!(
        skipped,
        ["vision.cond_discriminator", "vision.cond_generator"],
        "only the label-conditioned GANs may lack an example"
    );
    assert_eq!(profiles.len(), kinds.len() - 2);
    for p in &profiles {
        assert!(
            p.macs > 0 && p.params > 0 && p.activation_bytes > 0,
            "{}",
            p.kind
        );
        assert!(p.layers.iter().any(|l| l.op == "conv2d"), "{}", p.kind);
    }
}
