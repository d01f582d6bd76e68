//! core::hpo against Optuna 5.0.0 numbers (fixture from core/tests/fixtures/gen_hpo_optuna.py).

use deepfield_core::hpo::functions::{best_of_study, optimum};
use deepfield_core::hpo::parzen::{DimSpec, ParzenEstimator};
use serde_json::Value;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hpo_optuna.json"
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn spec(d: &Value) -> DimSpec {
    let f = |k: &str| d[k].as_f64();
    match d["type"].as_str().unwrap() {
        "cat" => DimSpec::Cat {
            n: d["n"].as_u64().unwrap() as usize,
        },
        "int" => DimSpec::Num {
            low: f("low").unwrap(),
            high: f("high").unwrap(),
            step: Some(f("step").unwrap_or(1.0)),
            log: d["log"].as_bool().unwrap_or(false),
        },
        _ => DimSpec::Num {
            low: f("low").unwrap(),
            high: f("high").unwrap(),
            step: f("step"),
            log: d["log"].as_bool().unwrap_or(false),
        },
    }
}

fn rows(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

/// Our Parzen estimator's log-density equals Optuna's `_ParzenEstimator` (bandwidths, magic clip,
/// endpoints, prior, weights ramp, grids, log scales, categoricals) to 1e-9.
#[test]
fn parzen_estimator_matches_optuna() {
    let fx = fixture();
    assert_eq!(fx["optuna"], "5.0.0");
    for case in fx["parzen"].as_array().unwrap() {
        let specs: Vec<DimSpec> = case["dims"].as_array().unwrap().iter().map(spec).collect();
        let pe = ParzenEstimator::new(&specs, &rows(&case["observations"]), 1.0);
        for (p, want) in rows(&case["points"])
            .iter()
            .zip(case["log_pdf"].as_array().unwrap())
        {
            let got = pe.log_pdf(p);
            let want = want.as_f64().unwrap();
            assert!(
                (got - want).abs() < 1e-9,
                "{}: at {p:?} ours {got} Optuna {want}",
                case["name"]
            );
        }
    }
}

/// Our TPE's mean best over the same number of seeds (20) and budget against Optuna's TPE. The two
/// draw from different random streams and the mean regret over 20 seeds is dominated by a few bad
/// seeds (Optuna's own branin regret is 0.14 over seeds 0–19 and 0.21 over seeds 0–39), so the
/// check is a noise band: no worse than 2 × Optuna's mean regret + 0.05. The measured numbers are
/// printed and reported by `deepfield-core hpo compare-optuna`.
#[test]
fn tpe_mean_best_is_as_good_as_optuna() {
    let fx = fixture();
    for row in fx["tpe"].as_array().unwrap() {
        let name = row["function"].as_str().unwrap();
        let trials = row["trials"].as_u64().unwrap() as usize;
        let theirs: Vec<f64> = row["best"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let n = theirs.len() as u64;
        let ours = (0..n)
            .map(|s| best_of_study(name, "tpe", trials, s).unwrap())
            .sum::<f64>()
            / n as f64;
        let theirs = theirs.iter().sum::<f64>() / n as f64;
        let (ro, rt) = (ours - optimum(name), theirs - optimum(name));
        eprintln!("{name}: {trials} trials × {n} seeds, mean best ours {ours:.5} Optuna {theirs:.5} (regret {ro:.5} vs {rt:.5})");
        assert!(ro <= 2.0 * rt + 0.05, "{name}: ours {ours} Optuna {theirs}");
    }
}
