//! Reading trajectory files: one observation per line, `frame pedestrian x y` separated by tabs,
//! spaces or commas (the ETH/UCY text files, or a user's CSV with an optional header line).

use std::collections::BTreeSet;
use std::path::Path;

use crate::{Error, Result};

/// One annotated position: video frame, pedestrian id (unique within a file) and position in
/// metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub frame: i64,
    pub ped: i64,
    pub x: f64,
    pub y: f64,
}

/// Read the trajectory file `path` (see [`parse_tracks`]).
pub fn read_tracks(path: &Path) -> Result<Vec<Observation>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::data(path, format!("cannot read the trajectory file: {e}")))?;
    parse_tracks(&text, path)
}

/// An integer-valued cell (`10`, `10.0`).
fn integer(cell: &str) -> Option<i64> {
    let v: f64 = cell.parse().ok()?;
    (v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15).then_some(v as i64)
}

/// Parse the text of a trajectory file; `path` names it in errors. Each non-empty line holds 4
/// fields, `frame pedestrian x y`, separated by tabs, spaces or commas; frame and pedestrian are
/// integers (`10.0` is accepted), x and y finite numbers in metres. A first line that is not
/// numeric is taken as a header. A pedestrian seen twice in one frame is an error. The rows come
/// back in file order.
pub fn parse_tracks(text: &str, path: &Path) -> Result<Vec<Observation>> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut first = true;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let cells: Vec<&str> = line
            .split([',', '\t', ' ', ';'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if cells.is_empty() {
            continue;
        }
        let is_first = std::mem::replace(&mut first, false);
        if is_first && cells.iter().any(|c| c.parse::<f64>().is_err()) {
            continue; // a header line
        }
        let bad = |msg: String| Error::data(path, format!("line {line_no}: {msg}"));
        if cells.len() != 4 {
            return Err(bad(format!(
                "expected 4 columns (frame, pedestrian id, x, y), found {}: \"{}\"",
                cells.len(),
                line.trim()
            )));
        }
        let frame = integer(cells[0]).ok_or_else(|| {
            bad(format!(
                "frame \"{}\" is not an integer frame number",
                cells[0]
            ))
        })?;
        let ped = integer(cells[1])
            .ok_or_else(|| bad(format!("pedestrian id \"{}\" is not an integer", cells[1])))?;
        let coord = |k: usize, name: &str| -> Result<f64> {
            match cells[k].parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(bad(format!(
                    "{name} \"{}\" is not a finite number (metres)",
                    cells[k]
                ))),
            }
        };
        let (x, y) = (coord(2, "x")?, coord(3, "y")?);
        if !seen.insert((ped, frame)) {
            return Err(bad(format!(
                "pedestrian {ped} appears twice in frame {frame}"
            )));
        }
        out.push(Observation { frame, ped, x, y });
    }
    if out.is_empty() {
        return Err(Error::data(
            path,
            "no observations: expected lines of `frame pedestrian x y`",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tabs_commas_and_a_header() {
        let p = Path::new("t.txt");
        let a = parse_tracks("10.0\t1.0\t0.5\t-1.0\n20\t1\t0.6\t-1.1\n", p).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(
            a[1],
            Observation {
                frame: 20,
                ped: 1,
                x: 0.6,
                y: -1.1
            }
        );
        let b = parse_tracks("frame,ped,x,y\n0,3,1,2\n\n", p).unwrap();
        assert_eq!(
            b,
            vec![Observation {
                frame: 0,
                ped: 3,
                x: 1.0,
                y: 2.0
            }]
        );
    }

    #[test]
    fn errors_name_the_line_and_the_problem() {
        let p = Path::new("bad.txt");
        let e = parse_tracks("0 1 2 3\n10 1 2\n", p)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("bad.txt") && e.contains("line 2") && e.contains("4 columns"),
            "{e}"
        );
        let e = parse_tracks("0 1 2 3\n10 1 nan 3\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("x \"nan\""), "{e}");
        let e = parse_tracks("0 1.5 2 3\n", p).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("pedestrian id"), "{e}");
        let e = parse_tracks("0 1 2 3\n0 1 2 4\n", p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice"), "{e}");
        let e = parse_tracks("\n\n", p).unwrap_err().to_string();
        assert!(e.contains("no observations"), "{e}");
    }
}
