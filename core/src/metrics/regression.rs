//! Regression metrics with scikit-learn's semantics (checked against scikit-learn 1.9 in
//! `core/tests/metrics_sklearn.rs`), plus the Nash–Sutcliffe efficiency of hydrology
//! (Nash & Sutcliffe 1970, "River flow forecasting through conceptual models").
//!
//! Every function takes `f64` slices and returns [`crate::Error::Input`] on empty input, a
//! length mismatch or a non-finite value. [`RegressionMetrics`] accumulates batches of model
//! outputs with one or more outputs.

use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::tensor_to_f64;
use crate::{ensure_input, Error, Result};

/// Every regression metric at once (for several outputs: the uniform average over outputs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionReport {
    /// Number of samples.
    pub n: usize,
    pub mae: f64,
    pub rmse: f64,
    /// Mean absolute percentage error as a fraction (0.1 = 10 %).
    pub mape: f64,
    pub r2: f64,
    pub nse: f64,
}

/// Non-empty, equal lengths, finite values.
fn check(what: &str, names: [&str; 2], a: &[f64], b: &[f64]) -> Result<()> {
    ensure_input!(!a.is_empty(), "{what}: empty input");
    ensure_input!(
        a.len() == b.len(),
        "{what}: {} has {} values but {} has {}",
        names[0],
        a.len(),
        names[1],
        b.len()
    );
    for (name, values) in names.iter().zip([a, b]) {
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::input(format!(
                "{what}: {name}[{i}] = {v} is not finite"
            )));
        }
    }
    Ok(())
}

const TRUE_PRED: [&str; 2] = ["y_true", "y_pred"];

/// Mean of `f(true, pred)` over the pairs.
fn mean_of(y_true: &[f64], y_pred: &[f64], f: impl Fn(f64, f64) -> f64) -> f64 {
    y_true
        .iter()
        .zip(y_pred)
        .map(|(&t, &p)| f(t, p))
        .sum::<f64>()
        / y_true.len() as f64
}

/// Residual sum of squares Σ(t - p)² and total sum of squares Σ(t - t̄)², and whether `y_true`
/// is constant (then the total is 0 in exact arithmetic, whatever rounding makes of the mean).
fn sums_of_squares(y_true: &[f64], y_pred: &[f64]) -> (f64, f64, bool) {
    let mean = y_true.iter().sum::<f64>() / y_true.len() as f64;
    let ss_res = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t - p).powi(2))
        .sum();
    let ss_tot: f64 = y_true.iter().map(|t| (t - mean).powi(2)).sum();
    let constant = y_true.iter().all(|&t| t == y_true[0]) || ss_tot == 0.0;
    (ss_res, ss_tot, constant)
}

/// Mean absolute error.
pub fn mae(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check("mae", TRUE_PRED, y_true, y_pred)?;
    Ok(mean_of(y_true, y_pred, |t, p| (t - p).abs()))
}

/// Mean squared error.
pub fn mse(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check("mse", TRUE_PRED, y_true, y_pred)?;
    Ok(mean_of(y_true, y_pred, |t, p| (t - p).powi(2)))
}

/// Root mean squared error.
pub fn rmse(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    Ok(mse(y_true, y_pred)?.sqrt())
}

/// Mean absolute percentage error as a fraction, scikit-learn's
/// `mean_absolute_percentage_error`: mean of `|t - p| / max(|t|, f64::EPSILON)`, so a zero in
/// `y_true` gives a huge (but finite) value.
pub fn mape(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check("mape", TRUE_PRED, y_true, y_pred)?;
    Ok(mean_of(y_true, y_pred, |t, p| {
        (t - p).abs() / t.abs().max(f64::EPSILON)
    }))
}

/// Coefficient of determination, scikit-learn's `r2_score`: `1 - Σ(t - p)² / Σ(t - t̄)²`. For a
/// constant `y_true` it follows scikit-learn's `force_finite=True`: 1 for a perfect
/// prediction, 0 otherwise. Needs at least 2 samples (scikit-learn returns NaN there).
pub fn r2(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    check("r2", TRUE_PRED, y_true, y_pred)?;
    ensure_input!(
        y_true.len() >= 2,
        "r2: not well-defined with fewer than two samples"
    );
    let (ss_res, ss_tot, constant) = sums_of_squares(y_true, y_pred);
    Ok(match (constant, ss_res == 0.0) {
        (true, true) => 1.0,
        (true, false) => 0.0,
        (false, _) => 1.0 - ss_res / ss_tot,
    })
}

/// Nash–Sutcliffe efficiency `1 - Σ(o - s)² / Σ(o - ō)²` of `simulated` against `observed`
/// (1 = perfect, 0 = as good as the observed mean). It is R² with the observations as truth,
/// but undefined (an error) when `observed` is constant.
pub fn nse(observed: &[f64], simulated: &[f64]) -> Result<f64> {
    check("nse", ["observed", "simulated"], observed, simulated)?;
    let (ss_res, ss_tot, constant) = sums_of_squares(observed, simulated);
    ensure_input!(
        !constant,
        "nse: observed is constant; Nash-Sutcliffe efficiency is undefined"
    );
    Ok(1.0 - ss_res / ss_tot)
}

/// MAE, RMSE, MAPE, R² and NSE of one output. Fails where [`nse`] does (constant `y_true`).
///
/// A metric that is not defined for these values — R² from fewer than two samples, NSE of a
/// constant series — is NaN (JSON `null`; [`RegressionReport::show`]
/// prints "undefined") rather than an error, so one labelled row still gets its MAE and RMSE.
/// Empty or mismatched inputs remain errors.
pub fn regression_report(y_true: &[f64], y_pred: &[f64]) -> Result<RegressionReport> {
    check("regression report", TRUE_PRED, y_true, y_pred)?;
    Ok(RegressionReport {
        n: y_true.len(),
        mae: mae(y_true, y_pred)?,
        rmse: rmse(y_true, y_pred)?,
        mape: mape(y_true, y_pred).unwrap_or(f64::NAN),
        r2: r2(y_true, y_pred).unwrap_or(f64::NAN),
        nse: nse(y_true, y_pred).unwrap_or(f64::NAN),
    })
}

impl RegressionReport {
    /// A metric's value for people: 4 significant decimals, or `undefined` for NaN.
    pub fn show(v: f64) -> String {
        super::show(v)
    }
}

/// Accumulates predictions and targets batch by batch (update / compute / reset) for
/// `n_outputs` outputs; the last dimension of a batch is the output, all leading dimensions
/// are samples.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressionMetrics {
    n_outputs: usize,
    /// `y_true[k]`: targets of output `k`.
    y_true: Vec<Vec<f64>>,
    /// `y_pred[k]`: predictions of output `k`.
    y_pred: Vec<Vec<f64>>,
}

/// A shape without one trailing 1 (`[B, 1]` and `[B]` describe the same single-output batch).
fn strip_unit(shape: &[i64]) -> &[i64] {
    match shape {
        [rest @ .., 1] if !rest.is_empty() => rest,
        s => s,
    }
}

impl RegressionMetrics {
    /// An empty accumulator for `n_outputs` outputs.
    pub fn new(n_outputs: usize) -> Self {
        RegressionMetrics {
            n_outputs,
            y_true: vec![Vec::new(); n_outputs],
            y_pred: vec![Vec::new(); n_outputs],
        }
    }

    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    /// Number of samples accumulated (per output).
    pub fn len(&self) -> usize {
        self.y_true.first().map_or(0, Vec::len)
    }

    /// No sample accumulated yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add a batch. `pred` and `target` have the same shape (up to one trailing 1, so `[B, 1]`
    /// matches `[B]`) and only finite values. An empty batch is a no-op.
    ///
    /// # Shapes
    /// - one output: any shape, e.g. `[B]`, `[B, 1]` or `[B, H]`; every element is a sample
    /// - `n_outputs > 1`: `[..., n_outputs]`, e.g. `[B, n_outputs]` or `[B, H, n_outputs]`
    pub fn update(&mut self, pred: &Tensor, target: &Tensor) -> Result<()> {
        let what = "regression metrics";
        let k = self.n_outputs;
        ensure_input!(k > 0, "{what}: n_outputs must be > 0");
        let (ps, ts) = (pred.size(), target.size());
        ensure_input!(
            ps == ts || strip_unit(&ps) == strip_unit(&ts),
            "{what}: pred {ps:?} and target {ts:?} differ in shape"
        );
        ensure_input!(
            !ps.is_empty(),
            "{what}: pred must have a batch dimension, got a scalar"
        );
        if k > 1 {
            ensure_input!(
                ps.len() >= 2 && ps.last() == Some(&(k as i64)),
                "{what}: pred must be [..., n_outputs={k}], got {ps:?}"
            );
        }
        let p = tensor_to_f64(pred)?;
        let t = tensor_to_f64(target)?;
        if p.is_empty() {
            return Ok(());
        }
        check(what, ["target", "pred"], &t, &p)?;
        for (i, (tv, pv)) in t.into_iter().zip(p).enumerate() {
            self.y_true[i % k].push(tv);
            self.y_pred[i % k].push(pv);
        }
        Ok(())
    }

    /// One report per output over everything accumulated since the last reset.
    pub fn compute_per_output(&self) -> Result<Vec<RegressionReport>> {
        ensure_input!(
            !self.is_empty(),
            "regression metrics: no sample accumulated"
        );
        self.y_true
            .iter()
            .zip(&self.y_pred)
            .enumerate()
            .map(|(k, (t, p))| {
                regression_report(t, p).map_err(|e| match e {
                    Error::Input(m) => Error::input(format!("output {k}: {m}")),
                    e => e,
                })
            })
            .collect()
    }

    /// The uniform average of the per-output reports (scikit-learn's
    /// `multioutput="uniform_average"`); `n` is the number of samples.
    pub fn compute(&self) -> Result<RegressionReport> {
        let per = self.compute_per_output()?;
        let mean =
            |f: fn(&RegressionReport) -> f64| per.iter().map(f).sum::<f64>() / per.len() as f64;
        Ok(RegressionReport {
            n: self.len(),
            mae: mean(|r| r.mae),
            rmse: mean(|r| r.rmse),
            mape: mean(|r| r.mape),
            r2: mean(|r| r.r2),
            nse: mean(|r| r.nse),
        })
    }

    /// Forget every accumulated sample.
    pub fn reset(&mut self) {
        self.y_true.iter_mut().for_each(Vec::clear);
        self.y_pred.iter_mut().for_each(Vec::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    fn is_input_err<T: std::fmt::Debug>(r: Result<T>) -> bool {
        matches!(r, Err(Error::Input(_)))
    }

    #[test]
    fn hand_computed() {
        // scikit-learn documentation example
        let (t, p) = ([3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]);
        assert_eq!(mae(&t, &p).unwrap(), 0.5);
        assert_eq!(mse(&t, &p).unwrap(), 0.375);
        assert_eq!(rmse(&t, &p).unwrap(), 0.375f64.sqrt());
        // (0.5/3 + 0.5/0.5 + 0 + 1/7) / 4
        assert!((mape(&t, &p).unwrap() - (0.5 / 3.0 + 1.0 + 1.0 / 7.0) / 4.0).abs() < 1e-15);
        // ss_res = 1.5, mean 2.875, ss_tot = 29.1875
        assert!((r2(&t, &p).unwrap() - (1.0 - 1.5 / 29.1875)).abs() < 1e-15);
        assert_eq!(nse(&t, &p).unwrap(), r2(&t, &p).unwrap());
        let r = regression_report(&t, &p).unwrap();
        assert_eq!(r.n, 4);
        assert_eq!(r.mae, 0.5);
        // predicting the mean gives r2 = nse = 0
        let m = [2.875; 4];
        assert!(r2(&t, &m).unwrap().abs() < 1e-15);
    }

    #[test]
    fn conventions() {
        // constant y_true: r2 is 1 for a perfect fit, 0 otherwise; NSE is undefined
        assert_eq!(r2(&[0.1, 0.1, 0.1], &[0.1, 0.1, 0.1]).unwrap(), 1.0);
        assert_eq!(r2(&[0.1, 0.1, 0.1], &[0.1, 0.2, 0.1]).unwrap(), 0.0);
        assert!(is_input_err(nse(&[0.1, 0.1, 0.1], &[0.1, 0.2, 0.1])));
        // …and in the report it is NaN (undefined), as R² of a single sample
        let r = regression_report(&[2.0, 2.0], &[2.0, 2.0]).unwrap();
        assert!(r.nse.is_nan() && r.r2 == 1.0 && r.rmse == 0.0, "{r:?}");
        let one = regression_report(&[3.0], &[2.5]).unwrap();
        assert!(
            one.r2.is_nan() && one.nse.is_nan() && one.mae == 0.5,
            "{one:?}"
        );
        assert_eq!(RegressionReport::show(one.r2), "undefined");
        // a zero in y_true divides by f64::EPSILON
        assert_eq!(mape(&[0.0, 1.0], &[1.0, 1.0]).unwrap(), 0.5 / f64::EPSILON);
    }

    #[test]
    fn error_cases() {
        type F = fn(&[f64], &[f64]) -> Result<f64>;
        for f in [mae, mse, rmse, mape, r2, nse] as [F; 6] {
            assert!(is_input_err(f(&[], &[])));
            assert!(is_input_err(f(&[1.0, 2.0], &[1.0])));
            assert!(is_input_err(f(&[1.0, f64::NAN], &[1.0, 2.0])));
            assert!(is_input_err(f(&[1.0, 2.0], &[f64::INFINITY, 2.0])));
            assert!(is_input_err(f(&[1.0, 2.0], &[1.0, f64::NEG_INFINITY])));
            assert!(f(&[1.0, 2.0], &[1.5, 2.0]).is_ok());
        }
        assert!(is_input_err(r2(&[1.0], &[1.0])));
        assert!(is_input_err(regression_report(&[], &[])));
    }

    #[test]
    fn accumulator_three_batches_equal_one() {
        tch::manual_seed(3);
        let target = Tensor::randn([30, 2], (Kind::Float, tch::Device::Cpu));
        let pred = &target + 0.3 * Tensor::randn([30, 2], (Kind::Float, tch::Device::Cpu));
        let mut all = RegressionMetrics::new(2);
        all.update(&pred, &target).unwrap();
        let mut parts = RegressionMetrics::new(2);
        for (start, len) in [(0, 11), (11, 9), (20, 10)] {
            parts
                .update(&pred.narrow(0, start, len), &target.narrow(0, start, len))
                .unwrap();
        }
        assert_eq!(parts.len(), 30);
        assert_eq!(parts.compute().unwrap(), all.compute().unwrap());
        assert_eq!(
            parts.compute_per_output().unwrap(),
            all.compute_per_output().unwrap()
        );

        // per output = the slice functions on the columns; compute = their mean
        let t = Vec::<Vec<f64>>::try_from(&target.to_kind(Kind::Double)).unwrap();
        let p = Vec::<Vec<f64>>::try_from(&pred.to_kind(Kind::Double)).unwrap();
        let col = |m: &[Vec<f64>], k: usize| m.iter().map(|r| r[k]).collect::<Vec<f64>>();
        let per = all.compute_per_output().unwrap();
        for (k, rep) in per.iter().enumerate() {
            assert_eq!(*rep, regression_report(&col(&t, k), &col(&p, k)).unwrap());
        }
        let avg = all.compute().unwrap();
        assert_eq!(avg.n, 30);
        assert!((avg.r2 - (per[0].r2 + per[1].r2) / 2.0).abs() < 1e-15);
        assert!((avg.rmse - (per[0].rmse + per[1].rmse) / 2.0).abs() < 1e-15);

        parts.reset();
        assert!(parts.is_empty());
        assert!(is_input_err(parts.compute()));
    }

    #[test]
    fn accumulator_shapes() {
        // [B, H, n_outputs]: leading dims flattened
        let t = Tensor::arange(12, (Kind::Double, tch::Device::Cpu)).reshape([2, 3, 2]);
        let p = &t + 0.5;
        let mut m = RegressionMetrics::new(2);
        m.update(&p, &t).unwrap();
        assert_eq!(m.len(), 6);
        let r = m.compute_per_output().unwrap();
        // output 0 holds 0, 2, 4, 6, 8, 10
        assert_eq!(
            r[0],
            regression_report(
                &[0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
                &[0.5, 2.5, 4.5, 6.5, 8.5, 10.5]
            )
            .unwrap()
        );
        assert_eq!(m.compute().unwrap().mae, 0.5);

        // one output: [B, 1] against [B] and [B, H] against [B, H]
        let mut one = RegressionMetrics::new(1);
        let y = Tensor::from_slice(&[1.0f32, 2.0, 4.0]);
        one.update(&y.unsqueeze(1), &(&y + 1.0)).unwrap();
        one.update(&t, &t).unwrap();
        assert_eq!(one.len(), 15);

        // errors: shape mismatch, wrong output count, non-finite, n_outputs 0; nothing is added
        assert!(is_input_err(m.update(&p, &t.reshape([3, 2, 2]))));
        assert!(is_input_err(
            m.update(&t.reshape([4, 3]), &t.reshape([4, 3]))
        ));
        assert!(is_input_err(m.update(&t.reshape([12]), &t.reshape([12]))));
        let nan = Tensor::from_slice(&[f64::NAN, 1.0]).reshape([1, 2]);
        let ok = Tensor::from_slice(&[0.0, 1.0]).reshape([1, 2]);
        assert!(is_input_err(m.update(&nan, &ok)));
        assert!(is_input_err(m.update(&ok, &nan)));
        assert!(is_input_err(RegressionMetrics::new(0).update(&y, &y)));
        assert_eq!(m.len(), 6);
        // empty batch is a no-op; a constant output makes compute fail, naming the output
        m.update(
            &Tensor::zeros([0, 2], (Kind::Float, tch::Device::Cpu)),
            &Tensor::zeros([0, 2], (Kind::Float, tch::Device::Cpu)),
        )
        .unwrap();
        assert_eq!(m.len(), 6);
        let mut c = RegressionMetrics::new(2);
        let x = Tensor::from_slice(&[1.0, 5.0, 2.0, 5.0]).reshape([2, 2]);
        c.update(&x, &x).unwrap();
        // output 1 is constant: its NSE is undefined (NaN), the others are computed
        let per = c.compute_per_output().unwrap();
        assert!(per[1].nse.is_nan() && per[0].nse == 1.0, "{per:?}");
    }
}
