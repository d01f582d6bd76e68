//! Topological RSA's transforms of an RDM (Lin & Kriegeskorte 2023), as rsatoolbox defines
//! them: the geo-topological transform keeps the geometry between two quantiles of the
//! distances and collapses the rest — below the lower one to 0 (same neighbourhood), above the
//! upper one to 1 (unrelated) — so the comparison sees the representation's topology; the
//! geodesic transform replaces distances by shortest paths through the graph of the kept ones.

use super::Rdm;
use crate::{Error, Result};

/// The q-quantile of `v` with linear interpolation (numpy's default).
fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let pos = q * (s.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

/// Geo-topological transform with quantiles `low` < `up` in [0, 1].
pub fn geotopological(r: &Rdm, low: f64, up: f64) -> Result<Rdm> {
    if !(0.0..=1.0).contains(&low) || !(0.0..=1.0).contains(&up) || low >= up {
        return Err(Error::config(format!(
            "geo-topological quantiles need 0 ≤ low < up ≤ 1, got {low} and {up}"
        )));
    }
    let (l, u) = (quantile(&r.values, low), quantile(&r.values, up));
    let values = r
        .values
        .iter()
        .map(|&d| {
            if d < l {
                0.0
            } else if d > u {
                1.0
            } else if u > l {
                (d - l) / (u - l)
            } else {
                0.0
            }
        })
        .collect();
    Ok(Rdm { n: r.n, values })
}

/// Geodesic transform, as rsatoolbox computes it: min–max normalise; take the graph whose
/// edges are the normalised distances strictly between 0 and 1 (the largest distances, and
/// zero ones, are not edges — networkx reads a zero weight as no edge); replace each distance
/// by the shortest-path length (Floyd–Warshall), infinite where no path exists.
pub fn geodesic(r: &Rdm) -> Rdm {
    let n = r.n;
    let (lo, hi) = r
        .values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut d = vec![f64::INFINITY; n * n];
    for i in 0..n {
        d[i * n + i] = 0.0;
    }
    let mut k = 0;
    for i in 0..n {
        for j in i + 1..n {
            let v = (r.values[k] - lo) / span;
            if v > 0.0 && v < 1.0 {
                d[i * n + j] = v;
                d[j * n + i] = v;
            }
            k += 1;
        }
    }
    for m in 0..n {
        for i in 0..n {
            for j in 0..n {
                let via = d[i * n + m] + d[m * n + j];
                if via < d[i * n + j] {
                    d[i * n + j] = via;
                }
            }
        }
    }
    let mut values = Vec::with_capacity(r.values.len());
    for i in 0..n {
        for j in i + 1..n {
            values.push(d[i * n + j]);
        }
    }
    Rdm { n, values }
}

/// Pure topology: 1 where the distance is at or above the `q`-quantile, else 0 — the limit of
/// the geo-topological transform as its two quantiles meet (a neighbourhood graph).
pub fn binarize(r: &Rdm, q: f64) -> Result<Rdm> {
    if !(0.0..=1.0).contains(&q) {
        return Err(Error::config(format!(
            "the binarising quantile must be in [0, 1], got {q}"
        )));
    }
    let t = quantile(&r.values, q);
    Ok(Rdm {
        n: r.n,
        values: r
            .values
            .iter()
            .map(|&d| f64::from(u8::from(d >= t)))
            .collect(),
    })
}
