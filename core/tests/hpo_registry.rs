//! Studies over the run registry: several worker processes on one SQLite file number their trials
//! uniquely and lose none; a study resumes from the file; trials are registry runs.

use std::process::Command;
use std::sync::Arc;

use deepfield_core::hpo::functions::{evaluate, space};
use deepfield_core::hpo::registry_storage::RegistryStorage;
use deepfield_core::hpo::{
    sampler_by_name, Direction, MedianPruner, Outcome, Storage, Study, TrialState,
};

const WORKERS: u64 = 3;
const PER_WORKER: usize = 8;

fn study(db: &str, worker: u64) -> Study {
    let storage = Arc::new(
        RegistryStorage::open(db)
            .unwrap()
            .with_run_info("test.forrester", None),
    );
    Study::open(
        storage,
        "mp",
        Direction::Minimize,
        &space("branin").unwrap(),
        sampler_by_name("tpe").unwrap(),
    )
    .unwrap()
    .with_pruner(Some(Arc::new(MedianPruner::default())))
    .with_worker(worker)
}

fn work(db: &str, worker: u64) {
    study(db, worker)
        .optimize(PER_WORKER, |t| {
            let v = evaluate("branin", &t.params)?;
            for step in 0..3 {
                t.report(step, v + 1.0 / (step as f64 + 1.0))?;
                if t.should_prune()? {
                    return Ok(Outcome::Pruned);
                }
            }
            Ok(v.into())
        })
        .unwrap();
}

/// Child mode: this test binary started again by the test below, as one worker.
fn child() -> bool {
    match (
        std::env::var("HPO_WORKER_DB"),
        std::env::var("HPO_WORKER_ID"),
    ) {
        (Ok(db), Ok(id)) => {
            work(&db, id.parse().unwrap());
            true
        }
        _ => false,
    }
}

#[test]
fn worker_processes_share_one_sqlite_study() {
    if child() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("studies.sqlite");
    let db = db.to_str().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..WORKERS)
        .map(|w| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "worker_processes_share_one_sqlite_study",
                    "--test-threads",
                    "1",
                ])
                .env("HPO_WORKER_DB", db)
                .env("HPO_WORKER_ID", w.to_string())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let s = study(db, 0);
    let trials = s.trials().unwrap();
    let n = WORKERS as usize * PER_WORKER;
    assert_eq!(trials.len(), n);
    let numbers: Vec<u64> = trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..n as u64).collect::<Vec<_>>());
    assert!(trials
        .iter()
        .all(|t| matches!(t.state, TrialState::Complete | TrialState::Pruned)));
    assert!(trials.iter().all(|t| !t.intermediate.is_empty()));
    // Resume from the file: numbering continues.
    let mut again = study(db, 9);
    again
        .optimize(2, |t| Ok(evaluate("branin", &t.params)?.into()))
        .unwrap();
    let trials = again.trials().unwrap();
    assert_eq!(trials.last().unwrap().number, n as u64 + 1);
    // Reopening with another direction is refused, naming the study.
    let storage = RegistryStorage::open(db).unwrap();
    let e = storage
        .open_study("mp", Direction::Maximize, &space("branin").unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("mp"), "{e}");
}

#[test]
fn unreachable_database_is_a_clear_error() {
    let e = RegistryStorage::open("postgres://nobody@127.0.0.1:1/none")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("127.0.0.1"), "{e}");
}
