//! Cleaning: linear interpolation of missing values (in time), resampling onto a regular grid,
//! aligning several series on their common span, and outlier removal.
//!
//! Outliers (the AMD kinetic-test paper removed anomalous lab readings before training) are found
//! with a Hampel filter: a value further than `k` robust standard deviations (1.4826 × the median
//! absolute deviation) from the median of its centred window is marked missing and then
//! interpolated. Unlike global Tukey fences, this keeps the long trends of a kinetic test (pH
//! falling from 8 to 3 is not an outlier) and catches isolated spikes.

use serde::{Deserialize, Serialize};

use super::series::Series;
use crate::{ensure_config, ensure_input, Result};

/// Linear interpolation in time of every `NaN`; leading/trailing gaps take the nearest value.
/// Returns how many cells were filled. A column without any value is an error.
pub fn interpolate_missing(series: &mut Series) -> Result<usize> {
    let time = series.time().to_vec();
    let names = series.columns().to_vec();
    let mut filled = 0;
    for (name, v) in names.iter().zip(series.values_mut()) {
        let known: Vec<usize> = (0..v.len()).filter(|&i| v[i].is_finite()).collect();
        ensure_input!(!known.is_empty(), "column \"{name}\" has no value at all");
        for i in 0..v.len() {
            if v[i].is_finite() {
                continue;
            }
            let after = known.partition_point(|&k| k < i);
            v[i] = match (
                after.checked_sub(1).map(|a| known[a]),
                known.get(after).copied(),
            ) {
                (Some(a), Some(b)) => {
                    let w = (time[i] - time[a]) as f64 / (time[b] - time[a]) as f64;
                    v[a] + w * (v[b] - v[a])
                }
                (Some(a), None) => v[a],
                (None, Some(b)) => v[b],
                (None, None) => unreachable!("known is not empty"),
            };
            filled += 1;
        }
    }
    Ok(filled)
}

/// Values of a complete series at time `t` (linear between neighbours, clamped at the ends).
fn value_at(time: &[i64], v: &[f64], t: i64) -> f64 {
    let j = time.partition_point(|&x| x < t);
    if j == 0 {
        return v[0];
    }
    if j >= time.len() {
        return v[time.len() - 1];
    }
    if time[j] == t {
        return v[j];
    }
    let w = (t - time[j - 1]) as f64 / (time[j] - time[j - 1]) as f64;
    v[j - 1] + w * (v[j] - v[j - 1])
}

/// Resample onto the regular grid `start, start + step, … ≤ end` by linear interpolation
/// (irregular sampling and gaps are bridged linearly). Missing values must be filled first.
pub fn resample_range(series: &Series, step: i64, start: i64, end: i64) -> Result<Series> {
    ensure_config!(step > 0, "resample: step must be > 0 seconds, got {step}");
    ensure_input!(start <= end, "resample: empty range {start}..{end}");
    ensure_input!(
        series.missing().iter().all(|&m| m == 0),
        "resample: the series has missing values; interpolate them first"
    );
    let grid: Vec<i64> = (0..)
        .map(|i| start + i * step)
        .take_while(|&t| t <= end)
        .collect();
    let values = series
        .values()
        .iter()
        .map(|v| {
            grid.iter()
                .map(|&t| value_at(series.time(), v, t))
                .collect()
        })
        .collect();
    Series::new(grid, series.columns().to_vec(), values)
}

/// [`resample_range`] over the series' own span.
pub fn resample(series: &Series, step: i64) -> Result<Series> {
    ensure_config!(step > 0, "resample: step must be > 0 seconds, got {step}");
    let (t0, t1) = (series.time()[0], series.time()[series.len() - 1]);
    resample_range(series, step, t0.div_euclid(step) * step, t1)
}

/// Several series on one regular grid over their common span (columns concatenated, named
/// `<prefix>/<column>` with the given prefixes).
pub fn align(series: &[(&str, &Series)], step: i64) -> Result<Series> {
    ensure_input!(!series.is_empty(), "align: no series");
    ensure_config!(step > 0, "align: step must be > 0 seconds, got {step}");
    let start = series.iter().map(|(_, s)| s.time()[0]).max().unwrap_or(0);
    let end = series
        .iter()
        .map(|(_, s)| s.time()[s.len() - 1])
        .min()
        .unwrap_or(0);
    ensure_input!(start < end, "align: the series do not overlap in time");
    let start = start.div_euclid(step) * step + if start.rem_euclid(step) == 0 { 0 } else { step };
    let mut columns = Vec::new();
    let mut values = Vec::new();
    let mut time = Vec::new();
    for (prefix, s) in series {
        let r = resample_range(s, step, start, end)?;
        time = r.time().to_vec();
        for (c, v) in r.columns().iter().zip(r.values()) {
            columns.push(format!("{prefix}/{c}"));
            values.push(v.clone());
        }
    }
    Series::new(time, columns, values)
}

/// Outlier rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierRule {
    /// Keep every value.
    None,
    /// Hampel filter: centred window of `2 * half_window + 1` values, threshold `k` robust SDs.
    Hampel { half_window: usize, k: f64 },
}

impl Default for OutlierRule {
    fn default() -> Self {
        OutlierRule::Hampel {
            half_window: 3,
            k: 5.0,
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Indices flagged by `rule` in one column (`NaN`s are skipped).
pub fn outliers(v: &[f64], rule: OutlierRule) -> Result<Vec<usize>> {
    let OutlierRule::Hampel { half_window, k } = rule else {
        return Ok(Vec::new());
    };
    ensure_config!(half_window >= 1, "hampel: half_window must be >= 1");
    ensure_config!(k > 0.0 && k.is_finite(), "hampel: k must be > 0, got {k}");
    let n = v.len();
    let mut out = Vec::new();
    for i in 0..n {
        if !v[i].is_finite() {
            continue;
        }
        let (a, b) = (i.saturating_sub(half_window), (i + half_window + 1).min(n));
        let mut w: Vec<f64> = v[a..b].iter().copied().filter(|x| x.is_finite()).collect();
        if w.len() < 3 {
            continue;
        }
        let med = median(&mut w);
        let mut dev: Vec<f64> = w.iter().map(|x| (x - med).abs()).collect();
        let mad = 1.4826 * median(&mut dev);
        // A floor relative to the local level keeps flat stretches from flagging rounding noise.
        let scale = mad.max(1e-3 * med.abs()).max(1e-12);
        if (v[i] - med).abs() > k * scale {
            out.push(i);
        }
    }
    Ok(out)
}

/// Mark outliers missing and interpolate them; returns the flagged `(column, row)` pairs.
pub fn remove_outliers(series: &mut Series, rule: OutlierRule) -> Result<Vec<(usize, usize)>> {
    let mut flagged = Vec::new();
    for (c, v) in series.values_mut().iter_mut().enumerate() {
        for i in outliers(v, rule)? {
            flagged.push((c, i));
        }
    }
    for &(c, i) in &flagged {
        series.values_mut()[c][i] = f64::NAN;
    }
    interpolate_missing(series)?;
    Ok(flagged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(time: Vec<i64>, v: Vec<f64>) -> Series {
        Series::new(time, vec!["v".into()], vec![v]).unwrap()
    }

    #[test]
    fn interpolation_is_linear_in_time() {
        let mut x = s(vec![0, 1, 3, 4], vec![f64::NAN, 1.0, f64::NAN, 4.0]);
        assert_eq!(interpolate_missing(&mut x).unwrap(), 2);
        assert_eq!(x.column("v").unwrap(), &[1.0, 1.0, 3.0, 4.0]);
        let mut y = s(vec![0, 1], vec![f64::NAN, f64::NAN]);
        assert!(interpolate_missing(&mut y).is_err());
    }

    #[test]
    fn resampling_and_alignment() {
        let x = s(vec![0, 10, 30], vec![0.0, 1.0, 3.0]);
        let r = resample(&x, 5).unwrap();
        assert_eq!(r.time(), &[0, 5, 10, 15, 20, 25, 30]);
        assert_eq!(r.column("v").unwrap(), &[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]);
        let y = s(vec![3, 13, 33], vec![0.0, 10.0, 30.0]);
        let a = align(&[("x", &x), ("y", &y)], 10).unwrap();
        assert_eq!(a.time(), &[10, 20, 30]);
        assert_eq!(a.columns(), &["x/v", "y/v"]);
        assert_eq!(a.column("y/v").unwrap(), &[7.0, 17.0, 27.0]);
        assert!(resample(&x, 0).is_err());
    }

    #[test]
    fn hampel_catches_spikes_but_not_trends() {
        let mut v: Vec<f64> = (0..60)
            .map(|i| 8.0 - 0.1 * i as f64 + 0.01 * ((i * 7) % 5) as f64)
            .collect();
        v[20] += 3.0;
        v[41] -= 2.0;
        assert_eq!(outliers(&v, OutlierRule::default()).unwrap(), vec![20, 41]);
        let mut x = s((0..60).collect(), v);
        let flagged = remove_outliers(&mut x, OutlierRule::default()).unwrap();
        assert_eq!(flagged.len(), 2);
        assert!((x.column("v").unwrap()[20] - 6.0).abs() < 0.05);
    }
}
