//! The conditional GAN networks: shapes, parameter names, label checks, and the registry
//! round trip under the `LabelConditioned` interface.

use deepfield_core::models::{save_model, ModelConfig};
use deepfield_vision::models::gan::{
    CondDiscriminatorConfig, CondGeneratorConfig, Conditioning, LabelConditioned,
};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

fn labels(v: &[i64]) -> Tensor {
    Tensor::from_slice(v)
}

#[test]
fn generator_and_discriminators_have_the_papers_shapes() {
    let gc = CondGeneratorConfig::default();
    let vs = VarStore::new(Device::Cpu);
    let g = gc.build(&vs.root()).unwrap();
    let z = Tensor::randn([5, 100], (Kind::Float, Device::Cpu));
    let y = labels(&[0, 3, 9, 3, 1]);
    let x = g.generate(&z, &y, false).unwrap();
    assert_eq!(x.size(), [5, 1, 28, 28]);
    // tanh output.
    assert!(f64::try_from(x.abs().max()).unwrap() <= 1.0);
    // The class changes the image (the label embedding reaches the output).
    let x2 = g.generate(&z, &labels(&[1, 3, 9, 3, 1]), false).unwrap();
    assert!(f64::try_from((&x - &x2).abs().sum(Kind::Float)).unwrap() > 1e-3);
    let names: Vec<String> = vs.variables().into_keys().collect();
    for n in [
        "label_emb.weight",
        "fc.weight",
        "deconv1.weight",
        "deconv2.bias",
        "bn0.running_mean",
    ] {
        assert!(names.iter().any(|k| k == n), "{n} missing in {names:?}");
    }
    // DCGAN init: weights N(0, 0.02).
    let w = vs.variables()["deconv1.weight"].shallow_clone();
    let std = f64::try_from(w.std(true)).unwrap();
    assert!((std - 0.02).abs() < 0.002, "deconv1 std {std}");

    for (cond, outputs) in [(Conditioning::Concat, 1), (Conditioning::Auxiliary, 11)] {
        let dc = CondDiscriminatorConfig {
            conditioning: cond,
            ..CondDiscriminatorConfig::default()
        };
        let vs = VarStore::new(Device::Cpu);
        let d = dc.build(&vs.root()).unwrap();
        assert_eq!(d.logits(&x, &y, true).unwrap().size(), [5, outputs]);
        let first = &vs.variables()["conv1.weight"];
        let c_in = if cond == Conditioning::Concat { 11 } else { 1 };
        assert_eq!(first.size(), [32, c_in, 4, 4]);
    }
}

#[test]
fn bad_shapes_labels_and_configs_are_clear_errors() {
    let vs = VarStore::new(Device::Cpu);
    let g = CondGeneratorConfig::default().build(&vs.root()).unwrap();
    let z = Tensor::randn([2, 100], (Kind::Float, Device::Cpu));
    let e = g
        .generate(&z, &labels(&[0, 10]), false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("0..10"), "{e}");
    let e = g
        .generate(
            &Tensor::randn([2, 7], (Kind::Float, Device::Cpu)),
            &labels(&[0, 1]),
            false,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("[B, 100]"), "{e}");
    let d = CondDiscriminatorConfig::default()
        .build(&vs.root().sub("d"))
        .unwrap();
    let e = d
        .logits(
            &Tensor::zeros([2, 1, 32, 32], (Kind::Float, Device::Cpu)),
            &labels(&[0, 1]),
            false,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("28"), "{e}");
    let bad = CondGeneratorConfig {
        size: 30,
        ..CondGeneratorConfig::default()
    };
    assert!(bad.validate().is_err());
    let bad = CondGeneratorConfig {
        class_names: vec!["a".into()],
        ..CondGeneratorConfig::default()
    };
    assert!(bad
        .validate()
        .unwrap_err()
        .to_string()
        .contains("class names"));
}

#[test]
fn both_networks_round_trip_through_the_registry() {
    let reg = deepfield_vision::models().unwrap();
    assert!(reg.contains("vision.cond_generator"));
    assert!(reg.contains("vision.cond_discriminator"));
    let tmp = tempfile::tempdir().unwrap();
    let gc = CondGeneratorConfig {
        width: 8,
        z_dim: 16,
        ..CondGeneratorConfig::default()
    };
    let vs = VarStore::new(Device::Cpu);
    let g = gc.build(&vs.root()).unwrap();
    save_model(&tmp.path().join("g"), &vs, &gc, None::<&()>).unwrap();
    let r = reg
        .restore_as::<dyn LabelConditioned>(&tmp.path().join("g"), Device::Cpu)
        .unwrap();
    assert_eq!(r.kind, "vision.cond_generator");
    let z = Tensor::randn([3, 16], (Kind::Float, Device::Cpu));
    let y = labels(&[2, 2, 7]);
    let a = g.generate(&z, &y, false).unwrap();
    let b = r.model.forward_labels(&z, &y, false).unwrap();
    assert!(a.equal(&b));
    // Not a plain tensor-in model: restoring it as one says what it takes.
    let e = reg
        .restore(&tmp.path().join("g"), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(e.contains("class labels"), "{e}");

    let dc = CondDiscriminatorConfig {
        width: 8,
        conditioning: Conditioning::Auxiliary,
        ..CondDiscriminatorConfig::default()
    };
    let vs = VarStore::new(Device::Cpu);
    let d = dc.build(&vs.root()).unwrap();
    save_model(&tmp.path().join("d"), &vs, &dc, None::<&()>).unwrap();
    let r = reg
        .restore_as::<dyn LabelConditioned>(&tmp.path().join("d"), Device::Cpu)
        .unwrap();
    let a = d.logits(&((a + 0.0) * 1.0), &y, false).unwrap();
    let b = r
        .model
        .forward_labels(&g.generate(&z, &y, false).unwrap(), &y, false)
        .unwrap();
    assert!(a.allclose(&b, 1e-6, 1e-6, false));
}
