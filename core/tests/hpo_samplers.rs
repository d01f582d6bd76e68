//! Samplers, pruners and studies of core::hpo on test functions (no libtorch work).

use std::sync::Arc;

use deepfield_core::hpo::functions::{best_of_study, evaluate, optimum, space};
use deepfield_core::hpo::{
    optimize_parallel, sampler_by_name, Direction, MedianPruner, MemoryStorage, Outcome, Pruner,
    Storage, Study, SuccessiveHalvingPruner, Trial, TrialCtx, TrialState,
};
use serde_json::json;

fn mean_regret(func: &str, sampler: &str, n_trials: usize, seeds: u64) -> f64 {
    (0..seeds)
        .map(|s| best_of_study(func, sampler, n_trials, s).unwrap() - optimum(func))
        .sum::<f64>()
        / seeds as f64
}

/// TPE beats random search on a 1-D and a 2-D function under fixed seeds, by a margin.
#[test]
fn tpe_beats_random_on_1d_and_2d() {
    for (func, trials) in [("forrester", 30), ("branin", 50)] {
        let tpe = mean_regret(func, "tpe", trials, 10);
        let random = mean_regret(func, "random", trials, 10);
        eprintln!("{func}: mean regret tpe {tpe:.4} random {random:.4}");
        assert!(tpe < 0.5 * random, "{func}: tpe {tpe} vs random {random}");
    }
}

#[test]
fn cmaes_beats_random_on_sphere() {
    let cma = mean_regret("sphere5", "cmaes", 120, 4);
    let random = mean_regret("sphere5", "random", 120, 4);
    eprintln!("sphere5: cmaes {cma:.4} random {random:.4}");
    assert!(cma < 0.3 * random, "cmaes {cma} vs random {random}");
}

#[test]
fn seeded_studies_are_reproducible_and_seeds_differ() {
    for sampler in ["random", "tpe", "cmaes"] {
        let run = |seed| {
            let storage = Arc::new(MemoryStorage::new());
            let mut s = Study::open(
                storage,
                "d",
                Direction::Minimize,
                &space("mixed").unwrap(),
                sampler_by_name(sampler).unwrap(),
            )
            .unwrap()
            .with_seed(seed);
            s.optimize(25, |t| Ok(evaluate("mixed", &t.params)?.into()))
                .unwrap();
            s.trials().unwrap()
        };
        let (a, b, c) = (run(1), run(1), run(2));
        assert_eq!(a, b, "{sampler}");
        assert_ne!(a, c, "{sampler}");
        // Conditional parameter present exactly when its condition holds.
        for t in &a {
            assert_eq!(
                t.params.contains_key("momentum"),
                t.params["opt"] == json!("sgd"),
                "{sampler} {:?}",
                t.params
            );
        }
    }
}

/// A study reopened by name continues numbering and draws what an uninterrupted one draws.
#[test]
fn resumed_study_continues_like_an_uninterrupted_one() {
    let sp = space("branin").unwrap();
    let open = |storage: Arc<MemoryStorage>| {
        Study::open(
            storage,
            "r",
            Direction::Minimize,
            &sp,
            sampler_by_name("tpe").unwrap(),
        )
        .unwrap()
        .with_seed(7)
    };
    let f = |t: &mut TrialCtx| Ok(evaluate("branin", &t.params)?.into());
    let whole = Arc::new(MemoryStorage::new());
    open(whole.clone()).optimize(24, f).unwrap();
    let parts = Arc::new(MemoryStorage::new());
    open(parts.clone()).optimize(13, f).unwrap();
    let mut second = open(parts.clone());
    second.optimize(11, f).unwrap();
    let (a, b) = (open(whole).trials().unwrap(), second.trials().unwrap());
    assert_eq!(b.len(), 24);
    assert_eq!(a, b);
    // A study reopened with another direction is refused.
    let e = Study::open(
        parts,
        "r",
        Direction::Maximize,
        &sp,
        sampler_by_name("tpe").unwrap(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("direction"), "{e}");
}

#[test]
fn parallel_workers_number_trials_uniquely() {
    let storage: Arc<MemoryStorage> = Arc::new(MemoryStorage::new());
    let sp = space("hartmann6").unwrap();
    let workers = (0..4)
        .map(|w| {
            Study::open(
                storage.clone(),
                "p",
                Direction::Minimize,
                &sp,
                sampler_by_name("tpe").unwrap(),
            )
            .unwrap()
            .with_worker(w)
        })
        .map(|s| {
            (s, |t: &mut TrialCtx| {
                Ok(evaluate("hartmann6", &t.params)?.into())
            })
        })
        .collect();
    optimize_parallel(workers, 40).unwrap();
    let info = storage.open_study("p", Direction::Minimize, &sp).unwrap();
    let trials = storage.trials(&info).unwrap();
    let numbers: Vec<u64> = trials.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..40).collect::<Vec<_>>());
    assert!(trials.iter().all(|t| t.state == TrialState::Complete));
}

fn trial(number: u64, state: TrialState, curve: &[f64]) -> Trial {
    Trial {
        number,
        params: Default::default(),
        state,
        value: (state == TrialState::Complete).then(|| *curve.last().unwrap()),
        intermediate: curve
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u64, *v))
            .collect(),
    }
}

#[test]
fn median_pruner_follows_optuna_rules() {
    let p = MedianPruner {
        n_startup_trials: 2,
        n_warmup_steps: 1,
        ..Default::default()
    };
    let done = vec![
        trial(0, TrialState::Complete, &[1.0, 0.8, 0.6]),
        trial(1, TrialState::Complete, &[1.2, 0.9, 0.7]),
        trial(2, TrialState::Complete, &[0.9, 0.5, 0.4]),
    ];
    // Step 1: median of 0.8, 0.9, 0.5 is 0.8.
    let bad = trial(3, TrialState::Running, &[1.0, 0.85]);
    let good = trial(3, TrialState::Running, &[1.0, 0.75]);
    assert!(p.prune(&bad, &done, Direction::Minimize));
    assert!(!p.prune(&good, &done, Direction::Minimize));
    // Within the warm-up, and before enough trials completed, nothing is pruned.
    let early = trial(3, TrialState::Running, &[5.0]);
    assert!(!p.prune(&early, &done, Direction::Minimize));
    assert!(!p.prune(&bad, &done[..1], Direction::Minimize));
    // Maximising flips the comparison.
    assert!(p.prune(
        &trial(3, TrialState::Running, &[0.3, 0.75]),
        &done,
        Direction::Maximize
    ));
    assert!(!p.prune(&good, &done, Direction::Maximize));
}

#[test]
fn successive_halving_keeps_the_top_fraction_per_rung() {
    let p = SuccessiveHalvingPruner {
        min_resource: Some(1),
        reduction_factor: 2,
        min_early_stopping_rate: 0,
    };
    // Rung 0 at step 1 with values 0.1, 0.2, 0.3 recorded by three trials.
    let others = vec![
        trial(0, TrialState::Complete, &[1.0, 0.1, 0.05, 0.04, 0.03]),
        trial(1, TrialState::Pruned, &[1.0, 0.2]),
        trial(2, TrialState::Pruned, &[1.0, 0.3]),
    ];
    // Four values at rung 0: a trial must be among the best 4/2 = 2.
    assert!(!p.prune(
        &trial(3, TrialState::Running, &[1.0, 0.15]),
        &others,
        Direction::Minimize
    ));
    assert!(p.prune(
        &trial(3, TrialState::Running, &[1.0, 0.25]),
        &others,
        Direction::Minimize
    ));
    // Between rungs nothing happens; at rung 1 (step 2) it competes with trial 0's 0.05.
    let at = |curve: &[f64]| {
        p.prune(
            &trial(3, TrialState::Running, curve),
            &others,
            Direction::Minimize,
        )
    };
    assert!(at(&[1.0, 0.15, 0.9]));
    assert!(!at(&[1.0, 0.15, 0.01]));
    assert!(!at(&[1.0, 0.15, 0.01, 0.9]));
}

/// Pruning inside a study: trials stopped early are stored as pruned with their last value.
#[test]
fn study_prunes_bad_curves() {
    let storage = Arc::new(MemoryStorage::new());
    let sp = space("forrester").unwrap();
    let mut s = Study::open(
        storage,
        "m",
        Direction::Minimize,
        &sp,
        sampler_by_name("random").unwrap(),
    )
    .unwrap()
    .with_pruner(Some(Arc::new(MedianPruner::default())))
    .with_seed(3);
    s.optimize(30, |t| {
        let v = evaluate("forrester", &t.params)?;
        for step in 0..5u64 {
            let value = v + 1.0 / (step as f64 + 1.0);
            t.report(step, value)?;
            if t.should_prune()? {
                return Ok(Outcome::Pruned);
            }
        }
        Ok(v.into())
    })
    .unwrap();
    let trials = s.trials().unwrap();
    let pruned = trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .count();
    assert!((5..25).contains(&pruned), "{pruned} pruned");
    // A pruned trial's curve is worse than the median of completed ones at its last step.
    assert!(trials
        .iter()
        .filter(|t| t.state == TrialState::Pruned)
        .all(|t| t.value.is_some() && t.intermediate.len() < 5));
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cfg {
    x: f64,
}

#[test]
fn unknown_config_field_is_an_error_before_any_trial() {
    let storage = Arc::new(MemoryStorage::new());
    let sp = space("branin").unwrap();
    let mut s = Study::open(
        storage,
        "c",
        Direction::Minimize,
        &sp,
        sampler_by_name("tpe").unwrap(),
    )
    .unwrap();
    let e = s
        .optimize_config(3, &Cfg { x: 0.0 }, |c, _| Ok(c.x.into()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("x1") && e.contains("not a field"), "{e}");
    assert!(s.trials().unwrap().is_empty());
}
