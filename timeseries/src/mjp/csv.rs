//! A user's observations of a Markov jump process as CSV: a header naming the columns `path`,
//! `time` and `state` (any order, other columns ignored), then one observation per row. Paths
//! are identified by any label and keep the order in which they first appear; rows of a path
//! may come in any order but its times must differ; states are integers `0 … k-1`.

use std::path::Path;

use super::simulate::{ObservedPath, ObservedProcess};
use super::MAX_STATES;
use crate::{Error, Result};

/// An error about `path`.
fn bad(path: &Path, message: String) -> Error {
    Error::Data {
        path: path.to_path_buf(),
        message,
    }
}

/// Read observations from `path`. `states` is the number of states (default: the largest
/// state seen + 1, at least 2).
pub fn read_observations(path: &Path, states: Option<usize>) -> Result<ObservedProcess> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad(path, format!("cannot read the observations file ({e})")))?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| {
        bad(
            path,
            "the file is empty; expected a header `path,time,state` and one row per observation"
                .into(),
        )
    })?;
    let names: Vec<String> = header
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let col = |name: &str| {
        names.iter().position(|n| n == name).ok_or_else(|| {
            bad(
                path,
                format!("the header has no `{name}` column (found: {header}); expected `path,time,state`"),
            )
        })
    };
    let (cp, ct, cs) = (col("path")?, col("time")?, col("state")?);
    let mut ids: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<(f64, usize)>> = Vec::new();
    for (no, line) in lines {
        let line_no = no + 1;
        let fields: Vec<&str> = line
            .split(',')
            .map(|s| s.trim().trim_matches('"'))
            .collect();
        if fields.len() != names.len() {
            return Err(bad(
                path,
                format!(
                    "line {line_no}: {} fields, the header has {}",
                    fields.len(),
                    names.len()
                ),
            ));
        }
        let time: f64 = fields[ct].parse().map_err(|_| {
            bad(
                path,
                format!("line {line_no}: time `{}` is not a number", fields[ct]),
            )
        })?;
        if !time.is_finite() || time < 0.0 {
            return Err(bad(
                path,
                format!("line {line_no}: time {time} must be finite and >= 0"),
            ));
        }
        let state: usize = fields[cs].parse().map_err(|_| {
            bad(
                path,
                format!(
                    "line {line_no}: state `{}` is not a non-negative integer",
                    fields[cs]
                ),
            )
        })?;
        if state >= MAX_STATES {
            return Err(bad(
                path,
                format!("line {line_no}: state {state}; at most {MAX_STATES} states (0 … 5) are supported"),
            ));
        }
        let id = fields[cp].to_string();
        let p = match ids.iter().position(|x| *x == id) {
            Some(p) => p,
            None => {
                ids.push(id);
                rows.push(Vec::new());
                ids.len() - 1
            }
        };
        rows[p].push((time, state));
    }
    if rows.is_empty() {
        return Err(bad(path, "no observation rows after the header".into()));
    }
    let max_state = rows.iter().flatten().map(|&(_, s)| s).max().unwrap_or(0);
    let k = states.unwrap_or((max_state + 1).max(2));
    if !(2..=MAX_STATES).contains(&k) || max_state >= k {
        return Err(bad(
            path,
            format!("{k} states given but state {max_state} observed (2 to {MAX_STATES} states)"),
        ));
    }
    let mut paths = Vec::with_capacity(rows.len());
    for (id, mut r) in ids.iter().zip(rows) {
        r.sort_by(|a, b| a.0.total_cmp(&b.0));
        if let Some(w) = r.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(bad(
                path,
                format!("path `{id}`: two observations at time {}", w[0].0),
            ));
        }
        paths.push(ObservedPath {
            times: r.iter().map(|x| x.0).collect(),
            states: r.iter().map(|x| x.1).collect(),
        });
    }
    let obs = ObservedProcess { k, paths };
    obs.validate().map_err(|e| bad(path, e.to_string()))?;
    Ok(obs)
}

/// Write observations as `path,time,state` rows (paths numbered from 0), atomically.
pub fn write_observations(path: &Path, obs: &ObservedProcess) -> Result<()> {
    let rows = obs.paths.iter().enumerate().flat_map(|(p, x)| {
        x.times
            .iter()
            .zip(&x.states)
            .map(move |(t, s)| vec![p.to_string(), format!("{t}"), s.to_string()])
    });
    deepfield_core::fsutil::write_csv(path, ["path", "time", "state"], rows)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("obs.csv");
        std::fs::write(&f, "path,time,state\na,0,0\na,1.5,2\nb,0.5,1\nb,0,1\n").unwrap();
        let obs = read_observations(&f, None).unwrap();
        assert_eq!(obs.k, 3);
        assert_eq!(obs.paths[1].times, vec![0.0, 0.5]);
        let g = dir.path().join("back.csv");
        write_observations(&g, &obs).unwrap();
        assert_eq!(read_observations(&g, Some(3)).unwrap(), obs);
        for (text, want) in [
            ("path,time\n0,1\n", "no `state` column"),
            ("path,time,state\n0,x,1\n", "line 2: time `x`"),
            ("path,time,state\n0,1,9\n", "state 9"),
            (
                "path,time,state\n0,1,1\n0,1,0\n",
                "two observations at time 1",
            ),
            ("path,time,state\n0,1\n", "line 2: 2 fields"),
            ("", "empty"),
        ] {
            std::fs::write(&f, text).unwrap();
            let e = read_observations(&f, None).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("obs.csv"), "{e}");
        }
    }
}
