//! The Numenta Anomaly Benchmark files: `data/<category>/<name>.csv` (`timestamp,value`) and
//! `labels/combined_windows.json` (`{"<category>/<name>.csv": [[start, end], …]}`).

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::data::DatasetSpec;

use crate::data::time::parse_timestamp;
use crate::data::{LoadOptions, Series};
use crate::{Error, Result};

/// The NAB subset in the data directory.
pub const DATASET: DatasetSpec = DatasetSpec {
    name: "nab_subset",
    files: &["labels/combined_windows.json", "labels/combined_labels.json", "data/realKnownCause", "data/realAWSCloudwatch"],
    source: "Numenta Anomaly Benchmark, github.com/numenta/NAB (data/realKnownCause, data/realAWSCloudwatch, labels/combined_windows.json; MIT-style licence)",
};

/// Labelled windows per file key (`<category>/<name>.csv`), in seconds since 1970.
pub fn read_windows(dir: &Path) -> Result<BTreeMap<String, Vec<(i64, i64)>>> {
    let path = dir.join("labels/combined_windows.json");
    let raw: BTreeMap<String, Vec<Vec<String>>> = deepfield_core::fsutil::read_json(&path)?;
    raw.into_iter()
        .map(|(k, ws)| {
            let ws = ws
                .iter()
                .map(|w| match w.as_slice() {
                    [a, b] => match (parse_timestamp(a), parse_timestamp(b)) {
                        (Some(a), Some(b)) => Ok((a, b)),
                        _ => Err(Error::data(
                            &path,
                            format!("{k}: bad window timestamps {a:?}, {b:?}"),
                        )),
                    },
                    _ => Err(Error::data(
                        &path,
                        format!("{k}: a window must be [start, end]"),
                    )),
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((k, ws))
        })
        .collect()
}

/// Labelled anomaly timestamps per file key (`labels/combined_labels.json`).
pub fn read_points(dir: &Path) -> Result<BTreeMap<String, Vec<i64>>> {
    let path = dir.join("labels/combined_labels.json");
    let raw: BTreeMap<String, Vec<String>> = deepfield_core::fsutil::read_json(&path)?;
    raw.into_iter()
        .map(|(k, ts)| {
            let ts = ts
                .iter()
                .map(|t| {
                    parse_timestamp(t)
                        .ok_or_else(|| Error::data(&path, format!("{k}: bad timestamp {t:?}")))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((k, ts))
        })
        .collect()
}

/// Read one NAB series (`timestamp,value`).
pub fn read_series(dir: &Path, key: &str) -> Result<Series> {
    let mut opts = LoadOptions::new("timestamp", &["value"]);
    opts.merge_duplicates = true;
    Series::from_file(&dir.join("data").join(key), &opts)
}
