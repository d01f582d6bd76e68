//! `deepfield-core hpo run`: a tiny real study on MNIST, and bad inputs as clear errors.

use std::path::Path;

use deepfield_core::hpo::cli::{run, HpoArgs, HpoCommand, RunArgs};

const BASE: &str = r#"{"model": {"input": 784, "hidden": [32], "output": 10},
    "train": {"epochs": 2, "batch_size": 64},
    "data": {"set": "mnist", "train": 300, "val": 200}}"#;

fn args(dir: &Path, space: &str, base: &str, kind: &str) -> HpoArgs {
    std::fs::write(dir.join("space.json"), space).unwrap();
    std::fs::write(dir.join("base.json"), base).unwrap();
    HpoArgs {
        command: HpoCommand::Run(RunArgs {
            space: dir.join("space.json"),
            config: dir.join("base.json"),
            kind: kind.into(),
            storage: "memory".into(),
            study: "cli".into(),
            trials: 3,
            sampler: "tpe".into(),
            pruner: "median".into(),
            seed: 0,
            worker: 0,
            save_models: Some(dir.join("models")),
            threads: 1,
        }),
    }
}

const SPACE: &str = r#"{"params": [
    {"name": "train.optimizer.lr", "type": "float", "low": 1e-3, "high": 1e-1, "log": true},
    {"name": "model.hidden.0", "type": "int", "low": 8, "high": 64}]}"#;

#[test]
fn hpo_run_trains_and_saves_every_trial() {
    deepfield_core::device::set_threads(1);
    let dir = tempfile::tempdir().unwrap();
    run(&args(dir.path(), SPACE, BASE, "mlp")).unwrap();
    for n in 0..3 {
        let m = dir
            .path()
            .join(format!("models/trial-{n}/model.safetensors"));
        assert!(m.exists(), "{}", m.display());
    }
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let misspelt = SPACE.replace("model.hidden.0", "model.hiden.0");
    let e = run(&args(d, &misspelt, BASE, "mlp"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("model.hiden.0") && e.contains("not a field") && e.contains("base.json"),
        "{e}"
    );
    let e = run(&args(
        d,
        &SPACE.replace("\"int\"", "\"integer\""),
        BASE,
        "mlp",
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("space.json"), "{e}");
    let e = run(&args(d, SPACE, BASE, "resnet"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("unknown model kind `resnet`"), "{e}");
    let e = run(&args(d, SPACE, &BASE.replace("\"data\"", "\"dta\""), "mlp"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("dta"), "{e}");
    // Nothing was trained or written.
    assert!(!d.join("models").exists());
}
