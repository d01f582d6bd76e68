//! The run registry on SQLite (always) and PostgreSQL (when `DEEPFIELD_TEST_POSTGRES` names a
//! server; CI starts one and sets it, so there the PostgreSQL half cannot be skipped).

use std::process::Command;

use deepfield_core::hpo::{Direction, Params, Space, TrialState};
use deepfield_core::registry::{Filter, Finish, NewRun, Registry};
use serde_json::json;

/// Storages to test: a fresh SQLite file, and PostgreSQL when configured.
fn storages(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![dir.join("reg.sqlite").display().to_string()];
    match std::env::var("DEEPFIELD_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => out.push(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI must provide PostgreSQL: set DEEPFIELD_TEST_POSTGRES (.ci/run does)")
        }
        _ => eprintln!("DEEPFIELD_TEST_POSTGRES unset: PostgreSQL half skipped"),
    }
    out
}

/// A name no other test (or earlier run against the same database) uses.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

#[test]
fn runs_round_trip_with_metrics_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    for location in storages(dir.path()) {
        let mut reg = Registry::open(&location).unwrap();
        let kind = unique("core.mlp");
        let mut ids = Vec::new();
        for (i, lr) in [0.1, 0.01, 0.001].into_iter().enumerate() {
            let mut run = NewRun::new(
                "train",
                &kind,
                json!({"train": {"lr": lr}, "hidden": [16, i]}),
            );
            run.dataset = Some(if i < 2 { "mnist" } else { "fashion" }.into());
            run.split = Some("train/val".into());
            run.seed = Some(i as u64);
            let r = reg.start_run(&run).unwrap();
            assert_eq!(r.trial, None);
            for epoch in 0..3u64 {
                let loss = 1.0 / (epoch as f64 + 1.0) + lr;
                reg.log_metrics(r.id, epoch, &[("val_loss".into(), loss), ("lr".into(), lr)])
                    .unwrap();
            }
            // A repeated (step, name) replaces the value.
            reg.log_metric(r.id, 2, "val_loss", 0.3 + lr).unwrap();
            let mut fin = Finish::complete(Some(0.3 + lr));
            fin.metrics.insert("accuracy".into(), 0.9 - lr);
            fin.metrics.insert("nan".into(), f64::NAN);
            fin.checkpoint = Some(format!("results/x/model{i}"));
            reg.finish_run(r.id, &fin).unwrap();
            ids.push(r.id);
        }
        let run = reg.run(ids[1]).unwrap();
        assert_eq!(run.kind, kind);
        assert_eq!(run.state, TrialState::Complete);
        assert_eq!(run.config_field("train.lr"), Some(&json!(0.01)));
        assert_eq!(run.config_field("hidden.1"), Some(&json!(1)));
        assert_eq!(run.seed, Some(1));
        assert_eq!(run.checkpoint.as_deref(), Some("results/x/model1"));
        assert!((run.metric("accuracy").unwrap() - 0.89).abs() < 1e-12);
        assert!(
            run.metric("nan").is_none(),
            "non-finite metrics are left out"
        );
        assert!(run.duration_s.unwrap() >= 0.0);
        assert!(run
            .code_version
            .as_deref()
            .unwrap()
            .starts_with("deepfield "));
        assert!(run.hardware.as_ref().unwrap()["threads"].as_u64().unwrap() >= 1);
        let m = reg.metrics(ids[1]).unwrap();
        let val: Vec<f64> = m
            .iter()
            .filter(|(_, n, _)| n == "val_loss")
            .map(|x| x.2)
            .collect();
        assert_eq!(val.len(), 3);
        assert!((val[2] - 0.31).abs() < 1e-12, "{val:?}");

        let by_kind = Filter {
            kind: Some(kind.clone()),
            ..Filter::default()
        };
        assert_eq!(reg.runs(&by_kind).unwrap().len(), 3);
        let mnist = Filter {
            dataset: Some("mnist".into()),
            ..by_kind.clone()
        };
        assert_eq!(reg.runs(&mnist).unwrap().len(), 2);
        let good = Filter {
            metric: Some("accuracy".into()),
            min: Some(0.85),
            ..by_kind.clone()
        };
        assert_eq!(reg.runs(&good).unwrap().len(), 2);
        let last = Filter {
            limit: Some(1),
            ..by_kind.clone()
        };
        assert_eq!(reg.runs(&last).unwrap()[0].id, ids[2]);
        let prefix = Filter {
            source: Some("tra*".into()),
            ..by_kind.clone()
        };
        assert_eq!(reg.runs(&prefix).unwrap().len(), 3);
        let none = Filter {
            source: Some("t_ai*".into()),
            ..by_kind.clone()
        };
        assert!(reg.runs(&none).unwrap().is_empty(), "`_` is not a wildcard");
        let best = reg
            .best(&by_kind, "accuracy", Direction::Maximize)
            .unwrap()
            .unwrap();
        assert_eq!(best.id, ids[2]);
        let best = reg
            .best(&by_kind, "value", Direction::Maximize)
            .unwrap()
            .unwrap();
        assert_eq!(best.id, ids[0]);
        // Reopening sees the same records (and migrating again is a no-op).
        drop(reg);
        let mut again = Registry::open(&location).unwrap();
        assert_eq!(again.runs(&by_kind).unwrap().len(), 3);
    }
}

#[test]
fn studies_number_trials_and_keep_intermediate_values() {
    let dir = tempfile::tempdir().unwrap();
    let space = Space::from_json(
        r#"{"params": [{"name": "lr", "type": "float", "low": 1e-4, "high": 1.0, "log": true}]}"#,
        "test",
    )
    .unwrap();
    for location in storages(dir.path()) {
        let mut reg = Registry::open(&location).unwrap();
        let name = unique("study");
        let study = reg
            .create_study(&name, Direction::Maximize, Some(&space))
            .unwrap();
        assert_eq!(study.space.as_ref(), Some(&space));
        // Same name again: the same study; another direction: an error.
        assert_eq!(
            reg.create_study(&name, Direction::Maximize, None)
                .unwrap()
                .id,
            study.id
        );
        let e = reg
            .create_study(&name, Direction::Minimize, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains(&name) && e.contains("maximize"), "{e}");
        for i in 0..4 {
            let mut params = Params::new();
            params.insert("lr".into(), json!(10f64.powi(-i)));
            let mut run = NewRun::new("hpo", "core.mlp", json!({}));
            run.study = Some(study.id);
            run.params = Some(params);
            let r = reg.start_run(&run).unwrap();
            assert_eq!(r.trial, Some(i as u64));
            reg.log_metric(r.id, 1, "objective", 0.5).unwrap();
            reg.log_metric(r.id, 2, "objective", 0.6 + i as f64 / 10.0)
                .unwrap();
            let fin = if i == 3 {
                Finish::ended(TrialState::Pruned)
            } else {
                Finish::complete(Some(0.7))
            };
            reg.finish_run(r.id, &fin).unwrap();
        }
        let trials = reg.trials(&study, "objective").unwrap();
        assert_eq!(
            trials.iter().map(|t| t.number).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
        assert_eq!(trials[3].state, TrialState::Pruned);
        assert_eq!(trials[2].intermediate, vec![(1, 0.5), (2, 0.8)]);
        assert_eq!(trials[1].params["lr"], json!(0.1));
        assert!(reg.studies().unwrap().iter().any(|s| s.name == name));
    }
}

#[test]
fn bad_locations_are_clear_errors() {
    let e = Registry::open("mysql://db/x").err().unwrap().to_string();
    assert!(e.contains("mysql://"), "{e}");
    // Nothing listens on port 1: a connection error naming the server, password hidden.
    let e = Registry::open("postgres://me:secret@127.0.0.1:1/none")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("cannot connect") && e.contains("me:***@127.0.0.1:1") && !e.contains("secret"),
        "{e}"
    );
    // A file that is not a database.
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.sqlite");
    let text = b"this is not a SQLite database, just text that is long enough";
    std::fs::write(&junk, text).unwrap();
    let e = Registry::open(junk.to_str().unwrap())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("junk.sqlite"), "{e}");
    assert_eq!(
        std::fs::read(&junk).unwrap(),
        text,
        "the file is left as it was"
    );
}

/// Worker process of `concurrent_writers_never_lose_or_duplicate_trials` (runs only when
/// launched by it).
#[test]
#[ignore = "a worker process of concurrent_writers_never_lose_or_duplicate_trials"]
fn registry_worker() {
    let location = std::env::var("REGISTRY_WORKER_LOCATION").unwrap();
    let study = std::env::var("REGISTRY_WORKER_STUDY").unwrap();
    let n: usize = std::env::var("REGISTRY_WORKER_TRIALS")
        .unwrap()
        .parse()
        .unwrap();
    let mut reg = Registry::open(&location).unwrap();
    let study = reg.create_study(&study, Direction::Minimize, None).unwrap();
    for _ in 0..n {
        let mut run = NewRun::new("hpo", "worker", json!({"pid": std::process::id()}));
        run.study = Some(study.id);
        let r = reg.start_run(&run).unwrap();
        reg.log_metric(r.id, 0, "objective", r.trial.unwrap() as f64)
            .unwrap();
        reg.finish_run(r.id, &Finish::complete(Some(r.trial.unwrap() as f64)))
            .unwrap();
    }
}

#[test]
fn concurrent_writers_never_lose_or_duplicate_trials() {
    let dir = tempfile::tempdir().unwrap();
    let (workers, each) = (4, 15);
    for location in storages(dir.path()) {
        let study = unique("concurrent");
        let children: Vec<_> = (0..workers)
            .map(|_| {
                Command::new(std::env::current_exe().unwrap())
                    .args([
                        "--ignored",
                        "--exact",
                        "registry_worker",
                        "--test-threads=1",
                    ])
                    .env("REGISTRY_WORKER_LOCATION", &location)
                    .env("REGISTRY_WORKER_STUDY", &study)
                    .env("REGISTRY_WORKER_TRIALS", each.to_string())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success(), "a worker failed on {location}");
        }
        let mut reg = Registry::open(&location).unwrap();
        let s = reg.study(&study).unwrap().unwrap();
        let trials = reg.trials(&s, "objective").unwrap();
        let numbers: Vec<u64> = trials.iter().map(|t| t.number).collect();
        assert_eq!(
            numbers,
            (0..(workers * each) as u64).collect::<Vec<_>>(),
            "{location}"
        );
        assert!(trials.iter().all(|t| t.state == TrialState::Complete
            && t.value == Some(t.number as f64)
            && t.intermediate == vec![(0, t.number as f64)]));
        let pids: std::collections::BTreeSet<_> = reg
            .runs(&Filter {
                study: Some(study.clone()),
                ..Filter::default()
            })
            .unwrap()
            .iter()
            .map(|r| r.config["pid"].as_u64().unwrap())
            .collect();
        assert_eq!(pids.len(), workers, "every worker wrote");
    }
}

#[test]
fn the_zoo_restores_recorded_checkpoints() {
    use deepfield_core::models::{save_model, ModelRegistry};
    use deepfield_core::nn::mlp::MlpConfig;
    use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
    use deepfield_core::Forward;

    let dir = tempfile::tempdir().unwrap();
    let mut reg = Registry::open(dir.path().join("zoo.sqlite").to_str().unwrap()).unwrap();
    let config = MlpConfig::new(3, [8], 2);
    let vs = VarStore::new(Device::Cpu);
    let model = deepfield_core::models::ModelConfig::build(&config, &vs.root()).unwrap();
    let model_dir = dir.path().join("model");
    save_model(&model_dir, &vs, &config, None::<&()>).unwrap();
    let x = Tensor::rand([4, 3], (Kind::Float, Device::Cpu));
    let expected = model.forward_t(&x, None, false);

    let mut kept = NewRun::new("train", "core.mlp", serde_json::to_value(&config).unwrap());
    kept.dataset = Some("toy".into());
    let r = reg.start_run(&kept).unwrap();
    let mut fin = Finish::complete(Some(0.5));
    fin.checkpoint = Some(model_dir.display().to_string());
    reg.finish_run(r.id, &fin).unwrap();
    // A run whose folder is gone and a failed run are not in the zoo.
    let gone = reg.start_run(&kept).unwrap();
    let mut fin = Finish::complete(Some(0.1));
    fin.checkpoint = Some(dir.path().join("deleted").display().to_string());
    reg.finish_run(gone.id, &fin).unwrap();
    let failed = reg.start_run(&kept).unwrap();
    reg.finish_run(failed.id, &Finish::ended(TrialState::Failed))
        .unwrap();

    let zoo = deepfield_core::registry::zoo::zoo(&mut reg, &Filter::default()).unwrap();
    assert_eq!(zoo.len(), 1);
    assert_eq!(zoo[0].run.id, r.id);
    assert_eq!(zoo[0].model_kind, "mlp");
    assert_eq!(zoo[0].binary(), "deepfield-core");
    let restored = zoo[0]
        .restore(&ModelRegistry::with_core(), Device::Cpu)
        .unwrap();
    let got = restored.model.forward_t(&x, None, false);
    assert!(got.allclose(&expected, 1e-6, 1e-6, false));
}

#[test]
fn an_active_run_logs_the_epochs_of_its_own_thread_only() {
    use deepfield_core::data::TensorDataset;
    use deepfield_core::nn::mlp::MlpConfig;
    use deepfield_core::registry::active;
    use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
    use deepfield_core::train::{Task, TrainConfig, Trainer};

    fn fit(epochs: usize) {
        let x = Tensor::rand([32, 2], (Kind::Float, Device::Cpu));
        let y = x.sum_dim_intlist(1, true, Kind::Float);
        let data = TensorDataset::new(x, y).unwrap();
        let mut vs = VarStore::new(Device::Cpu);
        let model =
            deepfield_core::models::ModelConfig::build(&MlpConfig::new(2, [4], 1), &vs.root())
                .unwrap();
        let trainer = Trainer::new(
            TrainConfig {
                epochs,
                ..Default::default()
            },
            Task::default(),
        )
        .unwrap();
        trainer.fit(&model, &mut vs, &data, None).unwrap();
    }

    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("active.sqlite").display().to_string();
    let run = active::begin(&location, &NewRun::new("train", "mlp", json!({}))).unwrap();
    fit(2);
    // A worker thread's training (an HPO trial, say) is not this run's.
    std::thread::spawn(|| fit(3)).join().unwrap();
    active::end(&Finish::complete(Some(1.0))).unwrap();
    assert!(active::current().is_none());
    let mut reg = Registry::open(&location).unwrap();
    let steps: Vec<u64> = reg
        .metrics(run.id)
        .unwrap()
        .into_iter()
        .filter(|(_, n, _)| n == "train_loss")
        .map(|(s, _, _)| s)
        .collect();
    assert_eq!(steps, vec![0, 1]);
    assert_eq!(reg.run(run.id).unwrap().state, TrialState::Complete);
}
