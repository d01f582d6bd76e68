//! Feature scalers, as scikit-learn's `StandardScaler` and `MinMaxScaler`, over `tch` tensors.
//!
//! A scaler is **fitted on the training split only** and then applied unchanged to validation and
//! test data (fitting on all data leaks test statistics into training). Its state is plain
//! `Vec<f64>`s and serde-serializable, so save it beside the model checkpoint
//! ([`FittedScaler::save`]) and load it again for inference.
//!
//! Data is `[N, F]` (samples × features) or, for time-series windows and sequences, `[N, T, F]`:
//! statistics are per feature (the last dimension) over all other positions. Inputs must be `f32`
//! or `f64`; outputs keep the input's kind and device (arithmetic is done in `f64`).
//!
//! As in scikit-learn: the standard deviation is the population one (divide by `N`), and a
//! constant feature (zero variance, or zero range for min–max) is scaled by 1 instead of
//! dividing by zero. Non-finite values in fit data are an error naming the column.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{fsutil, Error, Result};

/// Check kind and rank; return the data as `[rows, F]` in `f64` (no grad).
fn fit_matrix(what: &str, x: &Tensor) -> Result<Tensor> {
    check_kind(what, x)?;
    let size = x.size();
    if size.len() < 2 {
        return Err(Error::input(format!(
            "{what}: fit data must be [N, F] or [N, T, F], got shape {size:?}"
        )));
    }
    let f = size[size.len() - 1];
    let xd = x.f_detach()?.f_to_kind(Kind::Double)?.f_reshape([-1, f])?;
    if xd.size()[0] == 0 {
        return Err(Error::input(format!("{what}: fit data has no samples")));
    }
    let bad: Vec<i64> = Vec::try_from(&xd.f_isfinite()?.f_logical_not()?.f_sum_dim_intlist(
        0i64,
        false,
        Kind::Int64,
    )?)?;
    if let Some((col, n)) = bad.iter().enumerate().find(|(_, &n)| n > 0) {
        return Err(Error::input(format!(
            "{what}: fit data column {col} has {n} NaN/inf value(s)"
        )));
    }
    Ok(xd)
}

fn check_kind(what: &str, x: &Tensor) -> Result<()> {
    match x.kind() {
        Kind::Float | Kind::Double => Ok(()),
        k => Err(Error::input(format!(
            "{what}: expected an f32 or f64 tensor, got {k:?}"
        ))),
    }
}

/// A per-feature `Vec<f64>` as a tensor broadcastable against `x` (f64, on `x`'s device).
fn row(values: &[f64], x: &Tensor) -> Result<Tensor> {
    Ok(Tensor::f_from_slice(values)?.f_to_device(x.device())?)
}

/// The per-feature affine map [`affine`] applies with an offset `a` and a factor `b`.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// `(x - a) / b`
    SubDiv,
    /// `x * b + a`
    MulAdd,
}

/// Apply `op` per feature (last dim) with offsets `sub` and factors `div`, keeping `x`'s kind.
fn affine(what: &str, x: &Tensor, sub: &[f64], div: &[f64], op: Op) -> Result<Tensor> {
    check_kind(what, x)?;
    let size = x.size();
    let f = sub.len();
    if sub.len() != div.len() {
        return Err(Error::input(format!(
            "{what}: corrupt scaler state ({} offsets, {} scales)",
            sub.len(),
            div.len()
        )));
    }
    if size.len() < 2 || size[size.len() - 1] as usize != f {
        return Err(Error::input(format!(
            "{what}: expected [N, {f}] or [N, T, {f}] (fitted on {f} features), got shape {size:?}"
        )));
    }
    let xd = x.f_to_kind(Kind::Double)?;
    let (sub, div) = (row(sub, x)?, row(div, x)?);
    let y = match op {
        Op::SubDiv => xd.f_sub(&sub)?.f_div(&div)?,
        Op::MulAdd => xd.f_mul(&div)?.f_add(&sub)?,
    };
    Ok(y.f_to_kind(x.kind())?)
}

fn to_vec(t: &Tensor) -> Result<Vec<f64>> {
    Ok(Vec::<f64>::try_from(t)?)
}

/// Standardize each feature to zero mean and unit (population) variance: `(x - mean) / scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    mean: Vec<f64>,
    scale: Vec<f64>,
}

impl StandardScaler {
    /// Fit per-feature mean and population standard deviation. Fit on the **training split
    /// only**. `x` is `[N, F]` or `[N, T, F]` (every time step counts as a row).
    pub fn fit(x: &Tensor) -> Result<Self> {
        let xd = fit_matrix("StandardScaler::fit", x)?;
        let n = xd.size()[0] as f64;
        let mean_t = xd.f_mean_dim(0i64, false, Kind::Double)?;
        let var_t = xd
            .f_sub(&mean_t)?
            .f_square()?
            .f_mean_dim(0i64, false, Kind::Double)?;
        let (mean, var) = (to_vec(&mean_t)?, to_vec(&var_t)?);
        let scale = mean
            .iter()
            .zip(&var)
            .map(|(&m, &v)| if is_constant(v, m, n) { 1.0 } else { v.sqrt() })
            .collect();
        Ok(StandardScaler { mean, scale })
    }

    /// `(x - mean) / scale` for `[N, F]` or `[N, T, F]` input with `F` fitted features.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor> {
        affine(
            "StandardScaler::transform",
            x,
            &self.mean,
            &self.scale,
            Op::SubDiv,
        )
    }

    /// `x * scale + mean`: undo [`Self::transform`].
    pub fn inverse_transform(&self, x: &Tensor) -> Result<Tensor> {
        affine(
            "StandardScaler::inverse_transform",
            x,
            &self.mean,
            &self.scale,
            Op::MulAdd,
        )
    }

    /// Fit on `x` (training data) and return the scaler with `x` transformed.
    pub fn fit_transform(x: &Tensor) -> Result<(Self, Tensor)> {
        let s = Self::fit(x)?;
        let y = s.transform(x)?;
        Ok((s, y))
    }

    /// Per-feature means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Per-feature scales (population std, 1 for constant features).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Number of features it was fitted on.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }
}

/// scikit-learn's `_is_constant_feature`: variance within floating-point error of zero.
fn is_constant(var: f64, mean: f64, n: f64) -> bool {
    let eps = f64::EPSILON;
    var <= n * eps * var + (n * mean * eps).powi(2)
}

/// Rescale each feature linearly so the training range maps onto `feature_range`:
/// `x * scale + min` with `scale = (hi - lo) / (data_max - data_min)`, `min = lo - data_min * scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    feature_range: (f64, f64),
    data_min: Vec<f64>,
    data_max: Vec<f64>,
    scale: Vec<f64>,
    min: Vec<f64>,
}

/// The default target range `(0, 1)` (scikit-learn's default).
pub const UNIT_RANGE: (f64, f64) = (0.0, 1.0);

fn check_range(what: &str, (lo, hi): (f64, f64)) -> Result<()> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(Error::config(format!(
            "{what}: feature_range must be finite with min < max, got ({lo}, {hi})"
        )));
    }
    Ok(())
}

impl MinMaxScaler {
    /// Fit per-feature minimum and maximum onto the range `(0, 1)`. Fit on the **training split
    /// only**; test data may then fall outside the range.
    pub fn fit(x: &Tensor) -> Result<Self> {
        Self::fit_with_range(x, UNIT_RANGE)
    }

    /// Fit onto `feature_range = (lo, hi)`, `lo < hi`. Constant features map to `lo`.
    pub fn fit_with_range(x: &Tensor, feature_range: (f64, f64)) -> Result<Self> {
        const WHAT: &str = "MinMaxScaler::fit";
        check_range(WHAT, feature_range)?;
        let xd = fit_matrix(WHAT, x)?;
        let data_min = to_vec(&xd.f_amin(0i64, false)?)?;
        let data_max = to_vec(&xd.f_amax(0i64, false)?)?;
        let (lo, hi) = feature_range;
        let scale: Vec<f64> = data_min
            .iter()
            .zip(&data_max)
            .map(|(&a, &b)| {
                let range = b - a;
                // scikit-learn's _handle_zeros_in_scale
                (hi - lo)
                    / if range < 10.0 * f64::EPSILON {
                        1.0
                    } else {
                        range
                    }
            })
            .collect();
        let min = data_min
            .iter()
            .zip(&scale)
            .map(|(&a, &s)| lo - a * s)
            .collect();
        Ok(MinMaxScaler {
            feature_range,
            data_min,
            data_max,
            scale,
            min,
        })
    }

    /// `x * scale + min` for `[N, F]` or `[N, T, F]` input with `F` fitted features.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor> {
        affine(
            "MinMaxScaler::transform",
            x,
            &self.min,
            &self.scale,
            Op::MulAdd,
        )
    }

    /// `(x - min) / scale`: undo [`Self::transform`].
    pub fn inverse_transform(&self, x: &Tensor) -> Result<Tensor> {
        affine(
            "MinMaxScaler::inverse_transform",
            x,
            &self.min,
            &self.scale,
            Op::SubDiv,
        )
    }

    /// Fit on `x` (training data) with range `(0, 1)` and return the scaler with `x` transformed.
    pub fn fit_transform(x: &Tensor) -> Result<(Self, Tensor)> {
        let s = Self::fit(x)?;
        let y = s.transform(x)?;
        Ok((s, y))
    }

    /// The target range `(lo, hi)`.
    pub fn feature_range(&self) -> (f64, f64) {
        self.feature_range
    }

    /// Per-feature minimum of the fit data.
    pub fn data_min(&self) -> &[f64] {
        &self.data_min
    }

    /// Per-feature maximum of the fit data.
    pub fn data_max(&self) -> &[f64] {
        &self.data_max
    }

    /// Number of features it was fitted on.
    pub fn n_features(&self) -> usize {
        self.scale.len()
    }
}

/// Which scaler to fit: a config value (`"none"`, `"standard"` or
/// `{"min_max": {"feature_range": [0, 1]}}` in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scaler {
    /// Leave features as they are.
    None,
    /// [`StandardScaler`]; the default, as most papers standardize inputs.
    #[default]
    Standard,
    /// [`MinMaxScaler`] onto `feature_range` (default `(0, 1)`).
    MinMax {
        #[serde(default = "unit_range")]
        feature_range: (f64, f64),
    },
}

fn unit_range() -> (f64, f64) {
    UNIT_RANGE
}

impl Scaler {
    /// Check the configuration (a min–max range must have min < max).
    pub fn validate(&self) -> Result<()> {
        match self {
            Scaler::MinMax { feature_range } => check_range("scaler", *feature_range),
            Scaler::None | Scaler::Standard => Ok(()),
        }
    }

    /// Fit this scaler on the **training split only** (`[N, F]` or `[N, T, F]`).
    pub fn fit(&self, x: &Tensor) -> Result<FittedScaler> {
        self.validate()?;
        Ok(match self {
            Scaler::None => FittedScaler::None,
            Scaler::Standard => FittedScaler::Standard(StandardScaler::fit(x)?),
            Scaler::MinMax { feature_range } => {
                FittedScaler::MinMax(MinMaxScaler::fit_with_range(x, *feature_range)?)
            }
        })
    }
}

/// A fitted [`Scaler`]; serialize it (or [`Self::save`]) beside the checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FittedScaler {
    /// Identity: `transform` returns a shallow clone of its input (same storage).
    None,
    Standard(StandardScaler),
    MinMax(MinMaxScaler),
}

impl FittedScaler {
    /// Scale `[N, F]` or `[N, T, F]` data with the fitted statistics.
    pub fn transform(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            FittedScaler::None => Ok(x.shallow_clone()),
            FittedScaler::Standard(s) => s.transform(x),
            FittedScaler::MinMax(s) => s.transform(x),
        }
    }

    /// Undo [`Self::transform`] (e.g. to report regression predictions in original units).
    pub fn inverse_transform(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            FittedScaler::None => Ok(x.shallow_clone()),
            FittedScaler::Standard(s) => s.inverse_transform(x),
            FittedScaler::MinMax(s) => s.inverse_transform(x),
        }
    }

    /// Write the fitted state as JSON to `path` (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        fsutil::write_json(path, self)
    }

    /// Read a state written by [`Self::save`].
    pub fn load(path: &Path) -> Result<Self> {
        fsutil::read_json(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(t: &Tensor) -> Vec<f64> {
        Vec::<f64>::try_from(&t.flatten(0, -1)).unwrap()
    }

    use crate::testing::assert_close_slice as assert_close;

    fn train() -> Tensor {
        Tensor::from_slice(&[1.0f64, 10.0, 5.0, 3.0, 20.0, 5.0, 5.0, 60.0, 5.0]).view([3, 3])
    }

    #[test]
    fn standard_scaler_uses_train_stats_on_test() {
        // sklearn: StandardScaler().fit(train) → mean_ [3, 30, 5], scale_ [1.63299316,
        // 21.60246899, 1] (population std; the constant column keeps scale 1).
        let s = StandardScaler::fit(&train()).unwrap();
        assert_close(s.mean(), &[3.0, 30.0, 5.0], 1e-12);
        assert_close(s.scale(), &[1.632_993_16, 21.602_468_99, 1.0], 1e-8);
        let test = Tensor::from_slice(&[2.0f64, 0.0, 7.0]).view([1, 3]);
        let y = s.transform(&test).unwrap();
        assert_close(&values(&y), &[-0.612_372_44, -1.388_730_15, 2.0], 1e-8);
        // Training data: zero mean, unit variance; constant column becomes 0.
        let (_, yt) = StandardScaler::fit_transform(&train()).unwrap();
        let yt = values(&yt);
        assert_close(&[yt[2], yt[5], yt[8]], &[0.0, 0.0, 0.0], 1e-12);
        assert_close(
            &[yt[0], yt[3], yt[6]],
            &[-1.224_744_87, 0.0, 1.224_744_87],
            1e-8,
        );
    }

    #[test]
    fn minmax_scaler_hand_values() {
        // sklearn: MinMaxScaler((-1, 1)).fit(train).transform([[2, 0, 7]]) → [-0.5, -1.4, 3].
        let s = MinMaxScaler::fit_with_range(&train(), (-1.0, 1.0)).unwrap();
        assert_eq!(
            (s.data_min(), s.data_max()),
            (&[1.0, 10.0, 5.0][..], &[5.0, 60.0, 5.0][..])
        );
        let test = Tensor::from_slice(&[2.0f64, 0.0, 7.0]).view([1, 3]);
        assert_close(
            &values(&s.transform(&test).unwrap()),
            &[-0.5, -1.4, 3.0],
            1e-12,
        );
        let (_, yt) = MinMaxScaler::fit_transform(&train()).unwrap();
        assert_close(
            &values(&yt),
            &[0.0, 0.0, 0.0, 0.5, 0.2, 0.0, 1.0, 1.0, 0.0],
            1e-12,
        );
        assert!(MinMaxScaler::fit_with_range(&train(), (1.0, 1.0)).is_err());
    }

    #[test]
    fn round_trips_keep_kind_and_values() {
        tch::manual_seed(0);
        let x = (Tensor::randn([50, 4], (Kind::Double, tch::Device::Cpu)) * 7.0 + 3.0)
            .to_kind(Kind::Double);
        for fitted in [
            Scaler::Standard.fit(&x).unwrap(),
            Scaler::MinMax {
                feature_range: (-2.0, 5.0),
            }
            .fit(&x)
            .unwrap(),
            Scaler::None.fit(&x).unwrap(),
        ] {
            let back = fitted
                .inverse_transform(&fitted.transform(&x).unwrap())
                .unwrap();
            assert_eq!(back.kind(), Kind::Double);
            assert_close(&values(&back), &values(&x), 1e-6);
        }
        // f32 in, f32 out.
        let xf = x.to_kind(Kind::Float);
        let s = StandardScaler::fit(&xf).unwrap();
        let y = s.transform(&xf).unwrap();
        assert_eq!(y.kind(), Kind::Float);
        let back = s.inverse_transform(&y).unwrap();
        assert_close(&values(&back), &values(&xf), 1e-5);
    }

    #[test]
    fn three_d_input_scales_the_last_dim() {
        let x = Tensor::arange(24, (Kind::Float, tch::Device::Cpu)).view([2, 3, 4]);
        let s = StandardScaler::fit(&x).unwrap();
        assert_eq!(s.n_features(), 4);
        // Column j holds j, j+4, …, j+20: mean j + 10.
        assert_close(s.mean(), &[10.0, 11.0, 12.0, 13.0], 1e-12);
        let y3 = s.transform(&x).unwrap();
        assert_eq!(y3.size(), [2, 3, 4]);
        let y2 = s.transform(&x.view([6, 4])).unwrap();
        assert_close(&values(&y3), &values(&y2), 0.0);
    }

    #[test]
    fn fit_and_transform_errors() {
        let mut v = vec![1.0f64; 12];
        v[7] = f64::NAN; // row 1, column 3
        let bad = Tensor::from_slice(&v).view([3, 4]);
        let err = StandardScaler::fit(&bad).unwrap_err().to_string();
        assert!(err.contains("column 3") && err.contains("NaN"), "{err}");
        v[7] = f64::INFINITY;
        let err = MinMaxScaler::fit(&Tensor::from_slice(&v).view([3, 4])).unwrap_err();
        assert!(err.to_string().contains("column 3"), "{err}");

        let s = StandardScaler::fit(&train()).unwrap();
        let err = s.transform(&Tensor::zeros([2, 2], (Kind::Float, tch::Device::Cpu)));
        assert!(err.unwrap_err().to_string().contains("[N, 3]"));
        assert!(s
            .transform(&Tensor::zeros([3], (Kind::Float, tch::Device::Cpu)))
            .is_err());
        assert!(StandardScaler::fit(&Tensor::zeros([3], (Kind::Float, tch::Device::Cpu))).is_err());
        assert!(
            StandardScaler::fit(&Tensor::zeros([0, 3], (Kind::Float, tch::Device::Cpu))).is_err()
        );
        let ints = Tensor::from_slice(&[1i64, 2, 3, 4]).view([2, 2]);
        assert!(StandardScaler::fit(&ints)
            .unwrap_err()
            .to_string()
            .contains("f32 or f64"));
    }

    #[test]
    fn config_and_state_serialize() {
        assert_eq!(Scaler::default(), Scaler::Standard);
        let cfg: Scaler = serde_json::from_str(r#"{"min_max": {}}"#).unwrap();
        assert_eq!(
            cfg,
            Scaler::MinMax {
                feature_range: (0.0, 1.0)
            }
        );
        let cfg: Scaler = serde_json::from_str(r#""none""#).unwrap();
        assert_eq!(cfg, Scaler::None);
        assert!(Scaler::MinMax {
            feature_range: (2.0, 1.0)
        }
        .validate()
        .is_err());

        let fitted = Scaler::Standard.fit(&train()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scaler.json");
        fitted.save(&path).unwrap();
        let loaded = FittedScaler::load(&path).unwrap();
        assert_eq!(loaded, fitted);
        let test = Tensor::from_slice(&[2.0f64, 0.0, 7.0]).view([1, 3]);
        assert_close(
            &values(&loaded.transform(&test).unwrap()),
            &[-0.612_372_44, -1.388_730_15, 2.0],
            1e-8,
        );
    }
}
