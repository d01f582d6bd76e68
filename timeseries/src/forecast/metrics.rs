//! Forecast metrics in original units: NSE, RMSE, MAE, MAPE per target, direction accuracy.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use deepfield_core::metrics::regression_report;

use crate::{ensure_input, Result};

/// Metrics of one target over all forecast steps, in original units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetMetrics {
    pub target: String,
    pub nse: f64,
    pub rmse: f64,
    pub mae: f64,
    pub mape: f64,
}

/// Per-target NSE, RMSE, MAE and MAPE of `pred` against `truth` (`[N, H, T]`).
pub fn target_metrics(
    pred: &Tensor,
    truth: &Tensor,
    names: &[String],
) -> Result<Vec<TargetMetrics>> {
    ensure_input!(
        pred.size() == truth.size(),
        "metrics: pred {:?} and truth {:?} differ",
        pred.size(),
        truth.size()
    );
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let col = |t: &Tensor| {
                Vec::<f64>::try_from(t.select(2, k as i64).flatten(0, -1).to_kind(Kind::Double))
            };
            let (p, t) = (col(pred)?, col(truth)?);
            let r = regression_report(&t, &p)?;
            Ok(TargetMetrics {
                target: name.clone(),
                nse: r.nse,
                rmse: r.rmse,
                mae: r.mae,
                mape: r.mape,
            })
        })
        .collect()
}

/// Share of windows whose one-step forecast moves in the same direction as the truth
/// (first target, first step; a zero forecast change counts as "up").
pub fn direction_accuracy(pred: &Tensor, truth: &Tensor, last: &Tensor) -> Result<f64> {
    let get = |t: &Tensor| Vec::<f64>::try_from(t.select(1, 0).select(1, 0).to_kind(Kind::Double));
    let (p, t, l) = (
        get(pred)?,
        get(truth)?,
        Vec::<f64>::try_from(last.select(1, 0).to_kind(Kind::Double))?,
    );
    ensure_input!(!p.is_empty(), "direction accuracy: no window");
    let hits = p
        .iter()
        .zip(&t)
        .zip(&l)
        .filter(|((p, t), l)| (**p - **l >= 0.0) == (**t - **l >= 0.0))
        .count();
    Ok(hits as f64 / p.len() as f64)
}
