//! The labelled data sets of `stackvae-g`: the 5-channel AWS set on a common 5-minute grid,
//! then the univariate NAB series, each with per-step labels (within `label_radius_minutes` of
//! a labelled NAB anomaly point).

use std::collections::BTreeMap;
use std::path::Path;

use super::{StackVaeConfig, MULTIVARIATE, MULTIVARIATE_SET};
use crate::anomaly::labels_from_windows;
use crate::anomaly::nab::{read_points, read_series};
use crate::data::clean::{align, interpolate_missing};
use crate::data::Series;
use crate::Result;

/// One data set: its name (the NAB file key for a univariate one), the series and its labels.
pub struct LabelledSet {
    pub name: String,
    pub series: Series,
    pub labels: Vec<bool>,
}

/// Labelled windows `[point − radius, point + radius]` per NAB file key.
pub fn label_windows(dir: &Path, radius_minutes: i64) -> Result<BTreeMap<String, Vec<(i64, i64)>>> {
    let radius = radius_minutes * 60;
    Ok(read_points(dir)?
        .into_iter()
        .map(|(k, ps)| (k, ps.iter().map(|&p| (p - radius, p + radius)).collect()))
        .collect())
}

/// The multivariate set first, then the univariate series of `cfg`.
pub fn labelled_sets(cfg: &StackVaeConfig, dir: &Path) -> Result<Vec<LabelledSet>> {
    let windows = label_windows(dir, cfg.label_radius_minutes)?;
    let mut sets = Vec::new();
    let mut parts = Vec::new();
    for key in MULTIVARIATE {
        let mut s = read_series(dir, key)?;
        interpolate_missing(&mut s)?;
        let name = key
            .rsplit('/')
            .next()
            .unwrap_or(key)
            .trim_end_matches(".csv");
        parts.push((name.to_string(), s));
    }
    let refs: Vec<(&str, &Series)> = parts.iter().map(|(n, s)| (n.as_str(), s)).collect();
    let multi = align(&refs, 300)?;
    let multi_windows: Vec<(i64, i64)> = MULTIVARIATE
        .iter()
        .flat_map(|k| windows.get(*k).cloned().unwrap_or_default())
        .collect();
    let labels = labels_from_windows(multi.time(), &multi_windows);
    sets.push(LabelledSet {
        name: MULTIVARIATE_SET.into(),
        series: multi,
        labels,
    });
    let keys: Vec<String> = if cfg.all_univariate {
        windows
            .iter()
            .filter(|(_, w)| !w.is_empty())
            .map(|(k, _)| k.clone())
            .collect()
    } else {
        cfg.univariate.clone()
    };
    for key in keys {
        let mut s = read_series(dir, &key)?;
        interpolate_missing(&mut s)?;
        let labels = labels_from_windows(
            s.time(),
            windows.get(&key).map(Vec::as_slice).unwrap_or(&[]),
        );
        sets.push(LabelledSet {
            name: key,
            series: s,
            labels,
        });
    }
    Ok(sets)
}
