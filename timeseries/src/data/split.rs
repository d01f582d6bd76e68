//! Chronological and walk-forward splits of a series into spans of rows, and the assignment of
//! forecast windows to spans by their targets: a window belongs to a span only when all its
//! target rows lie inside it, so no training target is later than the first validation target.
//! Scalers are fitted on the rows of the training span only ([`fit_scaler`]).

use serde::{Deserialize, Serialize};
use tch::Tensor;

use deepfield_core::data::scale::{FittedScaler, Scaler};

use super::window::Windows;
use crate::{ensure_config, ensure_input, Result};

/// Row spans `0..train_end`, `train_end..val_end`, `val_end..n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spans {
    pub train_end: usize,
    pub val_end: usize,
    pub n: usize,
}

/// Training first, then validation, then the last `test_frac` of the rows (core's
/// `chronological_split`).
pub fn chronological(n: usize, val_frac: f64, test_frac: f64) -> Result<Spans> {
    let s = deepfield_core::data::chronological_split(n, val_frac, test_frac)?;
    Ok(Spans {
        train_end: s.train.len(),
        val_end: s.train.len() + s.val.len(),
        n,
    })
}

/// Walk-forward (expanding window) evaluation: fold `k` trains on `0..initial + k·test` and
/// tests on the next `test` rows (no validation span).
pub fn walk_forward(n: usize, initial: usize, test: usize, folds: usize) -> Result<Vec<Spans>> {
    ensure_config!(
        initial > 0 && test > 0 && folds > 0,
        "walk-forward: initial, test and folds must be > 0"
    );
    ensure_input!(
        initial + folds * test <= n,
        "walk-forward: {folds} folds of {test} rows after {initial} training rows need {} rows, the series has {n}",
        initial + folds * test
    );
    Ok((0..folds)
        .map(|k| {
            let end = initial + k * test;
            Spans {
                train_end: end,
                val_end: end,
                n: end + test,
            }
        })
        .collect())
}

/// Window indices whose targets lie wholly in the train, validation and test spans.
pub fn assign(windows: &Windows, spans: &Spans) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let (mut tr, mut va, mut te) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..windows.len() {
        let r = windows.target_rows(i);
        if r.end <= spans.train_end {
            tr.push(i);
        } else if r.start >= spans.train_end && r.end <= spans.val_end {
            va.push(i);
        } else if r.start >= spans.val_end && r.end <= spans.n {
            te.push(i);
        }
    }
    (tr, va, te)
}

/// Fit `scaler` on rows `0..train_end` of `data` `[n, F]` only.
pub fn fit_scaler(scaler: &Scaler, data: &Tensor, train_end: usize) -> Result<FittedScaler> {
    ensure_input!(
        train_end > 1,
        "scaler: the training span has {train_end} rows; need at least 2"
    );
    Ok(scaler.fit(&data.narrow(0, 0, train_end as i64))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::window::{forecast_windows, WindowSpec};
    use tch::{Device, Kind};

    #[test]
    fn windows_are_assigned_by_their_targets() {
        let data = Tensor::arange(50, (Kind::Float, Device::Cpu)).view([50, 1]);
        let w = forecast_windows(&data, &data, WindowSpec::new(4, 3)).unwrap();
        let spans = chronological(50, 0.2, 0.2).unwrap();
        assert_eq!((spans.train_end, spans.val_end), (30, 40));
        let (tr, va, te) = assign(&w, &spans);
        assert!(tr.iter().all(|&i| w.target_rows(i).end <= 30));
        assert!(va
            .iter()
            .all(|&i| w.target_rows(i).start >= 30 && w.target_rows(i).end <= 40));
        assert!(te.iter().all(|&i| w.target_rows(i).start >= 40));
        // Windows straddling a boundary are dropped: 44 windows, 2 × 2 straddle.
        assert_eq!(tr.len() + va.len() + te.len(), w.len() - 4);
    }

    #[test]
    fn scaler_sees_training_rows_only() {
        let data = Tensor::cat(
            &[
                Tensor::zeros([10, 1], (Kind::Float, Device::Cpu)),
                Tensor::ones([10, 1], (Kind::Float, Device::Cpu)) * 100.0,
            ],
            0,
        );
        let data = data + Tensor::arange(20, (Kind::Float, Device::Cpu)).view([20, 1]) * 0.01;
        let s = fit_scaler(&Scaler::Standard, &data, 10).unwrap();
        let FittedScaler::Standard(st) = s else {
            panic!()
        };
        assert!((st.mean()[0] - 0.045).abs() < 1e-6, "{:?}", st.mean());
    }

    #[test]
    fn walk_forward_folds_expand() {
        let f = walk_forward(100, 50, 10, 3).unwrap();
        assert_eq!(
            f.iter().map(|s| (s.train_end, s.n)).collect::<Vec<_>>(),
            [(50, 60), (60, 70), (70, 80)]
        );
        assert!(walk_forward(100, 80, 10, 3).is_err());
    }
}
