//! Forecasting baselines every neural model must be compared with: persistence (tomorrow =
//! today), seasonal naive (the value one season earlier) and a linear autoregressive model (least
//! squares on the lagged window).

use tch::{Kind, Tensor};

use crate::{ensure_config, ensure_input, Result};

/// Persistence: every horizon step predicts the last observed value.
///
/// # Shapes
/// * `last`: `[N, T]`; returns `[N, horizon, T]`
pub fn persistence(last: &Tensor, horizon: i64) -> Result<Tensor> {
    Ok(last
        .f_unsqueeze(1)?
        .f_expand([-1, horizon, -1], false)?
        .f_contiguous()?)
}

/// Seasonal naive with period `period` rows: target row `r` is predicted by row
/// `r − period·k`, the latest one at or before the last input row `origin`.
///
/// * `targets`: per target, the whole series; `origins`: last input row of each window.
/// * returns `[N, horizon, T]`
pub fn seasonal_naive(
    targets: &[Vec<f64>],
    origins: &[usize],
    horizon: usize,
    period: usize,
) -> Result<Tensor> {
    ensure_config!(period > 0, "seasonal naive: period must be > 0");
    let mut buf = Vec::with_capacity(origins.len() * horizon * targets.len());
    for &o in origins {
        for h in 1..=horizon {
            let k = h.div_ceil(period);
            let r = (o + h).checked_sub(k * period);
            let r = r.ok_or_else(|| {
                crate::Error::input(format!(
                    "seasonal naive: period {period} reaches before row 0 from row {o}"
                ))
            })?;
            for t in targets {
                buf.push(t[r] as f32);
            }
        }
    }
    Ok(Tensor::f_from_slice(&buf)?.f_reshape([
        origins.len() as i64,
        horizon as i64,
        targets.len() as i64,
    ])?)
}

/// Linear autoregression: least squares (with a small ridge) from the flattened window plus a
/// bias to the flattened targets.
#[derive(Debug)]
pub struct LinearAr {
    coef: Tensor,
    horizon: i64,
    targets: i64,
}

fn design(x: &Tensor) -> Result<Tensor> {
    let n = x.size()[0];
    let flat = x.f_reshape([n, -1])?.f_to_kind(Kind::Double)?;
    Ok(Tensor::f_cat(
        &[flat.f_ones_like()?.f_narrow(1, 0, 1)?, flat],
        1,
    )?)
}

impl LinearAr {
    /// Fit on windows `x` `[N, L, F]` and targets `y` `[N, H, T]`.
    pub fn fit(x: &Tensor, y: &Tensor, ridge: f64) -> Result<Self> {
        let (xs, ys) = (x.size(), y.size());
        ensure_input!(
            xs.len() == 3 && ys.len() == 3 && xs[0] == ys[0] && xs[0] > 0,
            "linear AR: x {xs:?} and y {ys:?} must be [N, L, F] and [N, H, T]"
        );
        let a = design(x)?;
        let b = y.f_reshape([ys[0], -1])?.f_to_kind(Kind::Double)?;
        let d = a.size()[1];
        let eye = Tensor::f_eye(d, (Kind::Double, a.device()))?.f_mul_scalar(ridge)?;
        let ata = a.f_transpose(0, 1)?.f_matmul(&a)?.f_add(&eye)?;
        let atb = a.f_transpose(0, 1)?.f_matmul(&b)?;
        let coef = Tensor::f_linalg_solve(&ata, &atb, true)?;
        Ok(LinearAr {
            coef,
            horizon: ys[1],
            targets: ys[2],
        })
    }

    /// Predict `[N, H, T]` for windows `x` `[N, L, F]`.
    pub fn predict(&self, x: &Tensor) -> Result<Tensor> {
        let n = x.size()[0];
        Ok(design(x)?
            .f_matmul(&self.coef)?
            .f_reshape([n, self.horizon, self.targets])?
            .f_to_kind(Kind::Float)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn baselines_by_hand() {
        let last = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).view([2, 2]);
        let p = persistence(&last, 3).unwrap();
        assert_eq!(p.size(), [2, 3, 2]);
        assert_eq!(p.double_value(&[1, 2, 0]), 3.0);
        let series = vec![(0..12).map(|i| (i % 4) as f64).collect::<Vec<f64>>()];
        let s = seasonal_naive(&series, &[7], 2, 4).unwrap(); // rows 8, 9 <- rows 4, 5
        assert_eq!(Vec::<f32>::try_from(s.flatten(0, -1)).unwrap(), [0.0, 1.0]);
        assert!(seasonal_naive(&series, &[1], 1, 4).is_err());
        // An AR(1) process is recovered exactly.
        let xs: Vec<f32> = (0..40).map(|i| 0.9f32.powi(i) * 5.0 + 1.0).collect();
        let x = Tensor::from_slice(&xs[..39]).view([39, 1, 1]);
        let y = Tensor::from_slice(&xs[1..]).view([39, 1, 1]);
        let ar = LinearAr::fit(&x, &y, 1e-9).unwrap();
        let err = (ar.predict(&x).unwrap() - &y).abs().max().double_value(&[]);
        assert!(err < 1e-3, "{err}");
        assert!(LinearAr::fit(
            &x,
            &Tensor::zeros([3, 1, 1], (Kind::Float, Device::Cpu)),
            0.0
        )
        .is_err());
    }
}
