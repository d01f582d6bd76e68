//! core::robust against torchattacks 3.5.1 on the same weights and inputs (fixture
//! `tests/fixtures/robust/torchattacks_reference.safetensors`, written by `gen_torchattacks.py`
//! beside it: an MLP trained on 14×14 MNIST digits, 128 test digits): FGSM and PGD without a
//! random start (L∞ and L2) give the same adversarial examples, the same perturbed accuracy, and
//! APGD-CE (a different random start) a close robust accuracy, at least as strong as PGD's.
//! The `attack` command runs the same attack on the model saved as a folder.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::models::{save_model, ModelRegistry};
use deepfield_core::nn::mlp::{Mlp, MlpConfig};
use deepfield_core::robust::cli::AttackArgs;
use deepfield_core::robust::{robust_accuracy, AttackConfig, Method};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::testing::{load_prefixed, read_safetensors};
use deepfield_core::{Forward, Result};

fn fixture() -> BTreeMap<String, Tensor> {
    read_safetensors(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/robust/torchattacks_reference.safetensors"),
    )
}

fn config() -> MlpConfig {
    MlpConfig::new(196, [32], 10)
}

fn mlp(fx: &BTreeMap<String, Tensor>) -> (VarStore, Mlp) {
    let vs = VarStore::new(Device::Cpu);
    let model = config().init(&vs.root()).unwrap();
    load_prefixed(&vs, fx, "w.");
    (vs, model)
}

/// The model on `[B, 1, 14, 14]` images (torchattacks' `nn.Flatten` in front of the MLP).
fn logits(model: &Mlp) -> impl Fn(&Tensor) -> Result<Tensor> + '_ {
    move |x| model.try_forward_t(&x.flatten(1, -1), None, false)
}

fn accuracy(f: &dyn Fn(&Tensor) -> Result<Tensor>, x: &Tensor, y: &Tensor) -> f64 {
    f(x).unwrap()
        .argmax(-1, false)
        .eq_tensor(y)
        .to_kind(Kind::Float)
        .mean(Kind::Float)
        .double_value(&[])
}

fn scalar(fx: &BTreeMap<String, Tensor>, k: &str) -> f64 {
    fx[k].double_value(&[0])
}

fn deterministic(method: Method, eps: f64, alpha: f64, steps: usize) -> AttackConfig {
    AttackConfig {
        alpha: Some(alpha),
        random_start: false,
        ..AttackConfig::new(method, eps, steps)
    }
}

#[test]
fn fgsm_and_pgd_equal_torchattacks() {
    let fx = fixture();
    let (_vs, model) = mlp(&fx);
    let f = logits(&model);
    let (x, y) = (&fx["x"], &fx["y"]);
    let clean = accuracy(&f, x, y);
    assert!((clean - scalar(&fx, "acc.clean")).abs() < 1e-9, "{clean}");
    assert!(
        clean > 0.85,
        "the reference model must be a working classifier: {clean}"
    );
    for (key, cfg) in [
        ("fgsm", deterministic(Method::Fgsm, 0.03, 0.03, 1)),
        ("pgd", deterministic(Method::Pgd, 0.03, 0.005, 10)),
        ("pgdl2", deterministic(Method::PgdL2, 0.3, 0.06, 10)),
    ] {
        let adv = cfg.perturb(&f, x, y).unwrap();
        let reference = &fx[key];
        let diff = (&adv - reference).abs();
        // FGSM exactly; the iterated attacks may differ where a gradient element's sign is
        // decided by rounding, so: almost every element exact, accuracy within half a point.
        let far = diff
            .gt(1e-5)
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[]);
        let limit = if key == "fgsm" { 0.0 } else { 1e-3 };
        assert!(
            far <= limit,
            "{key}: {far} of the elements differ by more than 1e-5"
        );
        let ours = accuracy(&f, &adv, y);
        let theirs = scalar(&fx, &format!("acc.{key}"));
        assert!(
            (ours - theirs).abs() <= 0.005,
            "{key}: accuracy {ours} vs torchattacks {theirs}"
        );
        assert!(
            ours < clean - 0.2,
            "{key}: the attack must bite ({ours} vs clean {clean})"
        );
    }
}

#[test]
fn apgd_is_close_to_torchattacks_and_at_least_as_strong_as_pgd() {
    let fx = fixture();
    let (_vs, model) = mlp(&fx);
    let f = logits(&model);
    let (x, y) = (&fx["x"], &fx["y"]);
    let apgd = AttackConfig {
        seed: Some(0),
        ..AttackConfig::new(Method::Apgd, 0.03, 10)
    };
    let ours = robust_accuracy(&f, x, y, &apgd, 64).unwrap();
    let theirs = scalar(&fx, "acc.apgd");
    assert!(
        (ours.robust - theirs).abs() <= 0.03,
        "APGD {} vs torchattacks {theirs}",
        ours.robust
    );
    assert!(
        ours.robust <= scalar(&fx, "acc.pgd") + 0.01,
        "APGD {} weaker than PGD",
        ours.robust
    );
}

#[test]
fn attack_command_writes_accuracy_and_examples() {
    let fx = fixture();
    let (vs, _model) = mlp(&fx);
    let dir = tempfile::tempdir().unwrap();
    let model_dir = dir.path().join("model");
    save_model(&model_dir, &vs, &config(), None::<&()>).unwrap();
    let input = dir.path().join("x.safetensors");
    let x = fx["x"].flatten(1, -1);
    deepfield_core::checkpoint::write_tensors(&input, &[("input", &x)]).unwrap();
    let labels = dir.path().join("y.txt");
    let ys: Vec<i64> = Vec::try_from(&fx["y"]).unwrap();
    let text: String = ys.iter().map(|v| format!("{v}\n")).collect();
    std::fs::write(&labels, text).unwrap();
    let out = dir.path().join("attack");
    let args = AttackArgs {
        model: model_dir.clone(),
        input: input.clone(),
        labels: labels.clone(),
        method: Method::Pgd,
        eps: 0.03,
        steps: 10,
        alpha: Some(0.005),
        restarts: 1,
        no_random_start: true,
        bounds: vec![0.0, 1.0],
        unbounded: false,
        seed: 0,
        batch_size: 50,
        out: out.clone(),
    };
    let registry = ModelRegistry::with_core();
    let report = args.run(&registry).unwrap();
    assert!((report.accuracy.clean - scalar(&fx, "acc.clean")).abs() < 1e-9);
    assert!((report.accuracy.robust - scalar(&fx, "acc.pgd")).abs() <= 0.005);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("attack.json")).unwrap()).unwrap();
    assert_eq!(json["kind"], "mlp");
    assert_eq!(json["accuracy"]["examples"], 128);
    let written = read_safetensors(&out.join("adversarial.safetensors"));
    assert_eq!(written["input"].size(), [128, 196]);
    let d = (&written["input"] - &fx["pgd"].flatten(1, -1)).abs();
    assert!(
        d.gt(1e-5)
            .to_kind(Kind::Float)
            .mean(Kind::Float)
            .double_value(&[])
            <= 1e-3
    );
    let robust = written["adversarial_prediction"]
        .eq_tensor(&written["labels"])
        .to_kind(Kind::Float)
        .mean(Kind::Float)
        .double_value(&[]);
    assert!((robust - report.accuracy.robust).abs() < 1e-9);

    // Bad input: wrong number of labels, a label file that is not numbers, a bad eps.
    std::fs::write(&labels, "1\n2\n").unwrap();
    let e = args.run(&registry).unwrap_err().to_string();
    assert!(e.contains("2 labels for 128 inputs"), "{e}");
    std::fs::write(&labels, "1\ncat\n").unwrap();
    let e = args.run(&registry).unwrap_err().to_string();
    assert!(
        e.contains("line 2") && e.contains("not a class index"),
        "{e}"
    );
    let e = AttackArgs {
        eps: -1.0,
        ..args.clone()
    }
    .run(&registry)
    .unwrap_err()
    .to_string();
    assert!(e.contains("eps"), "{e}");
    // The earlier results are still whole.
    assert!(out.join("attack.json").is_file());
}
