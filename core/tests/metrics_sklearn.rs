//! deepfield-core's metrics against scikit-learn.
//!
//! The reference values come from `core/tests/fixtures/metrics_sklearn.json`, written by
//! `core/scripts/gen_metrics_fixture.py` (scikit-learn + numpy, seeded; see that script for how
//! to regenerate it). Every value must agree to a relative tolerance of 1e-10:
//! `|rust - sklearn| <= 1e-10 * max(1, |sklearn|)` (relative because one MAPE value is ~5.6e14).

use deepfield_core::metrics::*;
use deepfield_core::tch::Tensor;
use deepfield_core::testing;
use deepfield_core::Error;
use serde::Deserialize;

/// Relative tolerance of every comparison.
const TOL: f64 = 1e-10;

#[derive(Deserialize)]
struct Fixture {
    relative_tolerance: f64,
    classification: Vec<ClassCase>,
    binary_auc: Vec<BinaryAucCase>,
    ovr_auc: Vec<OvrAucCase>,
    regression: Vec<RegCase>,
    multioutput_regression: Vec<MultiCase>,
    clustering: Vec<ClusterCase>,
    average_precision: Vec<ApCase>,
}

#[derive(Deserialize)]
struct ClusterCase {
    name: String,
    a: Vec<i64>,
    b: Vec<i64>,
    nmi: f64,
    ari: f64,
}

#[derive(Deserialize)]
struct ApCase {
    name: String,
    y_true: Vec<i64>,
    scores: Vec<f64>,
    average_precision: f64,
}

#[derive(Deserialize)]
struct ClassCase {
    name: String,
    n_classes: usize,
    y_true: Vec<i64>,
    y_pred: Vec<i64>,
    accuracy: f64,
    balanced_accuracy: f64,
    confusion: Vec<Vec<u64>>,
    precision: Vec<f64>,
    recall: Vec<f64>,
    f1: Vec<f64>,
    support: Vec<u64>,
    #[serde(rename = "macro")]
    macro_avg: [f64; 3],
    micro: [f64; 3],
    weighted: [f64; 3],
}

#[derive(Deserialize)]
struct BinaryAucCase {
    name: String,
    y_true: Vec<i64>,
    scores: Vec<f64>,
    roc_auc: f64,
}

#[derive(Deserialize)]
struct OvrAucCase {
    name: String,
    y_true: Vec<i64>,
    probs: Vec<Vec<f64>>,
    #[serde(rename = "macro")]
    macro_avg: f64,
    weighted: f64,
    micro: f64,
}

#[derive(Deserialize)]
struct RegCase {
    name: String,
    y_true: Vec<f64>,
    y_pred: Vec<f64>,
    mae: f64,
    mse: f64,
    rmse: f64,
    mape: f64,
    r2: f64,
    /// `None` where NSE is undefined (constant observations).
    nse: Option<f64>,
}

#[derive(Deserialize)]
struct Scores {
    mae: f64,
    rmse: f64,
    mape: f64,
    r2: f64,
    nse: f64,
}

#[derive(Deserialize)]
struct MultiCase {
    name: String,
    y_true: Vec<Vec<f64>>,
    y_pred: Vec<Vec<f64>>,
    #[serde(flatten)]
    average: Scores,
    per_output: Vec<Scores>,
}

fn fixture() -> Fixture {
    let f: Fixture = testing::read_json(&deepfield_core::fixture!("metrics_sklearn.json"));
    assert_eq!(f.relative_tolerance, TOL);
    f
}

#[track_caller]
fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= TOL * want.abs().max(1.0),
        "{what}: got {got:e}, scikit-learn {want:e}"
    );
}

#[track_caller]
fn close_all(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        close(g, w, &format!("{what}[{i}]"));
    }
}

#[track_caller]
fn close_report(got: &RegressionReport, want: &Scores, what: &str) {
    close(got.mae, want.mae, &format!("{what} mae"));
    close(got.rmse, want.rmse, &format!("{what} rmse"));
    close(got.mape, want.mape, &format!("{what} mape"));
    close(got.r2, want.r2, &format!("{what} r2"));
    close(got.nse, want.nse, &format!("{what} nse"));
}

#[test]
fn classification_matches_sklearn() {
    let f = fixture();
    assert!(f.classification.len() >= 7);
    for c in &f.classification {
        let (t, p, k, name) = (&c.y_true, &c.y_pred, c.n_classes, c.name.as_str());
        close(
            accuracy(t, p).unwrap(),
            c.accuracy,
            &format!("{name} accuracy"),
        );
        close(
            balanced_accuracy(t, p).unwrap(),
            c.balanced_accuracy,
            &format!("{name} balanced_accuracy"),
        );
        assert_eq!(
            confusion_matrix(t, p, k).unwrap(),
            c.confusion,
            "{name} confusion"
        );
        let s = per_class(t, p, k).unwrap();
        close_all(&s.precision, &c.precision, &format!("{name} precision"));
        close_all(&s.recall, &c.recall, &format!("{name} recall"));
        close_all(&s.f1, &c.f1, &format!("{name} f1"));
        assert_eq!(s.support, c.support, "{name} support");
        for (avg, want) in [
            (Average::Macro, c.macro_avg),
            (Average::Micro, c.micro),
            (Average::Weighted, c.weighted),
        ] {
            let (pr, re, f1) = precision_recall_f1(t, p, k, avg).unwrap();
            close_all(&[pr, re, f1], &want, &format!("{name} {avg:?}"));
        }

        let r = classification_report(t, p, k).unwrap();
        assert_eq!(r.n, t.len());
        close(r.accuracy, c.accuracy, &format!("{name} report accuracy"));
        close(
            r.balanced_accuracy,
            c.balanced_accuracy,
            &format!("{name} report balanced"),
        );
        close_all(
            &[r.precision_macro, r.recall_macro, r.f1_macro],
            &c.macro_avg,
            &format!("{name} report macro"),
        );
        close(r.f1_micro, c.micro[2], &format!("{name} report f1_micro"));
        close(
            r.f1_weighted,
            c.weighted[2],
            &format!("{name} report f1_weighted"),
        );
        assert_eq!(r.per_class, s, "{name} report per_class");
        assert_eq!(r.confusion, c.confusion, "{name} report confusion");

        // the accumulator in three label batches gives the same report
        let mut m = ClassificationMetrics::new(k);
        let (a, b) = (t.len() / 3, 2 * t.len() / 3);
        for (lo, hi) in [(0, a), (a, b), (b, t.len())] {
            m.update_labels(&t[lo..hi], &p[lo..hi]).unwrap();
        }
        assert_eq!(m.compute().unwrap(), r, "{name} accumulator");
    }
}

#[test]
fn binary_auc_matches_sklearn() {
    let f = fixture();
    assert!(f.binary_auc.len() >= 6);
    for c in &f.binary_auc {
        close(roc_auc(&c.y_true, &c.scores).unwrap(), c.roc_auc, &c.name);
    }
}

#[test]
fn ovr_auc_matches_sklearn() {
    let f = fixture();
    assert!(f.ovr_auc.len() >= 4);
    for c in &f.ovr_auc {
        let name = c.name.as_str();
        for (avg, want) in [
            (Average::Macro, c.macro_avg),
            (Average::Weighted, c.weighted),
            (Average::Micro, c.micro),
        ] {
            close(
                roc_auc_ovr(&c.y_true, &c.probs, avg).unwrap(),
                want,
                &format!("{name} {avg:?}"),
            );
        }
        // the accumulator fed with probabilities gives the macro AUC (binary: class-1 AUC,
        // which equals the one-vs-rest macro for probability rows)
        let k = c.probs[0].len();
        let flat: Vec<f64> = c.probs.iter().flatten().copied().collect();
        let probs = Tensor::from_slice(&flat).reshape([c.probs.len() as i64, k as i64]);
        let mut m = ClassificationMetrics::new(k);
        m.update(&probs, &Tensor::from_slice(&c.y_true)).unwrap();
        close(
            m.roc_auc().unwrap(),
            c.macro_avg,
            &format!("{name} accumulator"),
        );
    }
}

#[test]
fn regression_matches_sklearn() {
    let f = fixture();
    assert!(f.regression.len() >= 7);
    for c in &f.regression {
        let (t, p, name) = (&c.y_true, &c.y_pred, c.name.as_str());
        close(mae(t, p).unwrap(), c.mae, &format!("{name} mae"));
        close(mse(t, p).unwrap(), c.mse, &format!("{name} mse"));
        close(rmse(t, p).unwrap(), c.rmse, &format!("{name} rmse"));
        close(mape(t, p).unwrap(), c.mape, &format!("{name} mape"));
        close(r2(t, p).unwrap(), c.r2, &format!("{name} r2"));
        match c.nse {
            Some(want) => {
                let got = nse(t, p).unwrap();
                close(got, want, &format!("{name} nse"));
                // for one output NSE is R² with the observations as truth
                close(got, r2(t, p).unwrap(), &format!("{name} nse = r2"));
                let r = regression_report(t, p).unwrap();
                assert_eq!(r.n, t.len());
                close_report(
                    &r,
                    &Scores {
                        mae: c.mae,
                        rmse: c.rmse,
                        mape: c.mape,
                        r2: c.r2,
                        nse: want,
                    },
                    &format!("{name} report"),
                );
            }
            None => {
                assert!(
                    matches!(nse(t, p), Err(Error::Input(_))),
                    "{name}: nse must fail"
                );
                // …while the report marks it undefined and keeps the others.
                let r = regression_report(t, p).unwrap();
                assert!(r.nse.is_nan(), "{name}: report nse must be undefined");
                close(r.r2, c.r2, &format!("{name} report r2"));
            }
        }
    }
}

#[test]
fn multioutput_regression_matches_sklearn() {
    let f = fixture();
    assert!(!f.multioutput_regression.is_empty());
    for c in &f.multioutput_regression {
        let name = c.name.as_str();
        let (n, k) = (c.y_true.len() as i64, c.y_true[0].len());
        let to_tensor = |m: &[Vec<f64>]| {
            let flat: Vec<f64> = m.iter().flatten().copied().collect();
            Tensor::from_slice(&flat).reshape([n, k as i64])
        };
        let (t, p) = (to_tensor(&c.y_true), to_tensor(&c.y_pred));
        // three batches
        let mut m = RegressionMetrics::new(k);
        let (a, b) = (n / 3, 2 * n / 3);
        for (lo, hi) in [(0, a), (a, b), (b, n)] {
            m.update(&p.narrow(0, lo, hi - lo), &t.narrow(0, lo, hi - lo))
                .unwrap();
        }
        let per = m.compute_per_output().unwrap();
        assert_eq!(per.len(), c.per_output.len());
        for (j, (got, want)) in per.iter().zip(&c.per_output).enumerate() {
            close_report(got, want, &format!("{name} output {j}"));
        }
        let avg = m.compute().unwrap();
        assert_eq!(avg.n, n as usize);
        close_report(&avg, &c.average, &format!("{name} uniform average"));
    }
}

#[test]
fn clustering_scores_match_sklearn() {
    let f = fixture();
    assert!(f.clustering.len() >= 7);
    for c in &f.clustering {
        let name = c.name.as_str();
        close(nmi(&c.a, &c.b).unwrap(), c.nmi, &format!("{name} nmi"));
        close(ari(&c.a, &c.b).unwrap(), c.ari, &format!("{name} ari"));
        // symmetric, and indifferent to the type of the labels
        let b: Vec<usize> = c.b.iter().map(|&x| (x + 10) as usize).collect();
        close(
            nmi(&b, &c.a).unwrap(),
            c.nmi,
            &format!("{name} nmi swapped"),
        );
        close(
            ari(&b, &c.a).unwrap(),
            c.ari,
            &format!("{name} ari swapped"),
        );
    }
}

#[test]
fn average_precision_matches_sklearn() {
    let f = fixture();
    assert!(f.average_precision.len() >= 5);
    for c in &f.average_precision {
        close(
            average_precision(&c.y_true, &c.scores).unwrap(),
            c.average_precision,
            &c.name,
        );
    }
}
