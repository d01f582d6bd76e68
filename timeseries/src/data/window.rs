//! Sliding windows over a series: `lookback` input rows, then `horizon` target rows
//! (multi-step, multivariate in and out), and fixed-length reconstruction windows for anomaly
//! detection. A forecast window's targets come strictly after its inputs (no look-ahead).

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{ensure_config, ensure_input, Error, Result};

/// Window geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSpec {
    /// Input rows per window.
    pub lookback: usize,
    /// Forecast rows after the inputs.
    pub horizon: usize,
    /// Rows between consecutive window starts.
    pub stride: usize,
}

impl WindowSpec {
    /// `lookback` inputs, `horizon` targets, stride 1.
    pub fn new(lookback: usize, horizon: usize) -> Self {
        WindowSpec {
            lookback,
            horizon,
            stride: 1,
        }
    }

    /// Check sizes against a series of `len` rows.
    pub fn check(&self, len: usize) -> Result<()> {
        ensure_config!(self.lookback > 0, "window: lookback must be > 0");
        ensure_config!(self.stride > 0, "window: stride must be > 0");
        let needed = self.lookback + self.horizon;
        if needed > len {
            return Err(Error::WindowTooLong {
                lookback: self.lookback,
                horizon: self.horizon,
                needed,
                len,
            });
        }
        Ok(())
    }

    /// First input rows of every window that fits in `len` rows.
    pub fn starts(&self, len: usize) -> Result<Vec<usize>> {
        self.check(len)?;
        Ok((0..=len - self.lookback - self.horizon)
            .step_by(self.stride)
            .collect())
    }
}

/// Forecast windows.
#[derive(Debug)]
pub struct Windows {
    /// Inputs `[N, lookback, F]`.
    pub x: Tensor,
    /// Targets `[N, horizon, T]`.
    pub y: Tensor,
    /// Target values at each window's last input row `[N, T]` (for persistence and differencing).
    pub last: Tensor,
    /// First input row of each window.
    pub starts: Vec<usize>,
    pub spec: WindowSpec,
}

impl Windows {
    /// Rows of window `i`'s targets.
    pub fn target_rows(&self, i: usize) -> std::ops::Range<usize> {
        let s = self.starts[i] + self.spec.lookback;
        s..s + self.spec.horizon
    }

    /// Number of windows.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// True without windows.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

/// Gather rows `start + 0..len` for every start: `[n, F]` -> `[N, len, F]`.
fn gather(data: &Tensor, starts: &[usize], offset: usize, len: usize) -> Result<Tensor> {
    let f = data.size()[1];
    let idx: Vec<i64> = starts
        .iter()
        .flat_map(|&s| (0..len).map(move |k| (s + offset + k) as i64))
        .collect();
    let idx = Tensor::from_slice(&idx).to_device(data.device());
    Ok(data
        .f_index_select(0, &idx)?
        .f_reshape([starts.len() as i64, len as i64, f])?)
}

fn check_matrix(name: &str, t: &Tensor) -> Result<(usize, i64)> {
    let s = t.size();
    ensure_input!(
        s.len() == 2 && s[1] > 0,
        "{name} must be [rows, features], got {s:?}"
    );
    Ok((s[0] as usize, s[1]))
}

/// Forecast windows: inputs from `inputs` `[n, F]`, targets from `targets` `[n, T]` (the same
/// rows; targets may be columns of the inputs).
pub fn forecast_windows(inputs: &Tensor, targets: &Tensor, spec: WindowSpec) -> Result<Windows> {
    let (n, _) = check_matrix("window inputs", inputs)?;
    let (nt, _) = check_matrix("window targets", targets)?;
    ensure_input!(n == nt, "window: {n} input rows but {nt} target rows");
    ensure_config!(
        spec.horizon > 0,
        "window: horizon must be > 0 for forecasting"
    );
    let starts = spec.starts(n)?;
    let x = gather(&inputs.to_kind(Kind::Float), &starts, 0, spec.lookback)?;
    let y = gather(
        &targets.to_kind(Kind::Float),
        &starts,
        spec.lookback,
        spec.horizon,
    )?;
    let last =
        gather(&targets.to_kind(Kind::Float), &starts, spec.lookback - 1, 1)?.f_squeeze_dim(1)?;
    Ok(Windows {
        x,
        y,
        last,
        starts,
        spec,
    })
}

/// Reconstruction windows `[N, window, F]` of `data` `[n, F]` with their first rows.
pub fn reconstruction_windows(
    data: &Tensor,
    window: usize,
    stride: usize,
) -> Result<(Tensor, Vec<usize>)> {
    let (n, _) = check_matrix("window data", data)?;
    let spec = WindowSpec {
        lookback: window,
        horizon: 0,
        stride,
    };
    let starts = spec.starts(n)?;
    Ok((
        gather(&data.to_kind(Kind::Float), &starts, 0, window)?,
        starts,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_no_look_ahead() {
        let n = 20;
        let data = Tensor::arange(n * 3, (Kind::Float, tch::Device::Cpu)).view([n, 3]);
        let tgt = data.narrow(1, 2, 1);
        let w = forecast_windows(
            &data,
            &tgt,
            WindowSpec {
                lookback: 5,
                horizon: 2,
                stride: 3,
            },
        )
        .unwrap();
        assert_eq!(w.x.size(), [5, 5, 3]); // starts 0,3,6,9,12 (12 + 7 = 19 <= 20)
        assert_eq!(w.y.size(), [5, 2, 1]);
        assert_eq!(w.starts, [0, 3, 6, 9, 12]);
        for i in 0..w.len() {
            let last_input_row = w.x.double_value(&[i as i64, 4, 0]) as usize / 3;
            let first_target_row = (w.y.double_value(&[i as i64, 0, 0]) as usize - 2) / 3;
            assert_eq!(first_target_row, last_input_row + 1);
            assert_eq!(w.target_rows(i).start, first_target_row);
            assert_eq!(
                w.last.double_value(&[i as i64, 0]),
                (last_input_row * 3 + 2) as f64
            );
        }
        let (r, s) = reconstruction_windows(&data, 4, 1).unwrap();
        assert_eq!(r.size(), [17, 4, 3]);
        assert_eq!(s.len(), 17);
    }

    #[test]
    fn too_long_windows_are_errors() {
        let data = Tensor::zeros([6, 2], (Kind::Float, tch::Device::Cpu));
        let e = forecast_windows(&data, &data, WindowSpec::new(5, 2)).unwrap_err();
        assert!(
            matches!(
                e,
                Error::WindowTooLong {
                    needed: 7,
                    len: 6,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("longer than the series"));
        assert!(forecast_windows(&data, &data, WindowSpec::new(5, 1)).is_ok());
        assert!(reconstruction_windows(&data, 7, 1).is_err());
        assert!(forecast_windows(&data, &data, WindowSpec::new(0, 1)).is_err());
    }
}
