//! Extended XYZ (the ASE / `extxyz` convention): one block per frame, an atom count, a comment
//! line of `key=value` pairs (`Properties=species:S:1:pos:R:3:forces:R:3`, `energy=…`,
//! `Lattice="…"`, `pbc="T T T"`), then one line per atom whose columns the `Properties` key lays
//! out. Any column layout with a species (or `Z`) column and a 3-vector position column is read;
//! forces are read from the column named `forces` (or `force`). Every malformed frame is an
//! error naming the file, the frame (1-based) and the line (1-based).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::elements;
use crate::{GraphError, Result};

/// One molecular (or periodic) configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Atomic numbers, one per atom.
    pub numbers: Vec<i64>,
    /// Cartesian positions (Å).
    pub positions: Vec<[f64; 3]>,
    /// Forces (eV/Å), when the file has a forces column.
    pub forces: Option<Vec<[f64; 3]>>,
    /// Total energy (eV), when the comment line has the energy key.
    pub energy: Option<f64>,
    /// Cell vectors as rows (Å), from `Lattice="…"`.
    pub cell: Option<[[f64; 3]; 3]>,
    /// Periodic directions, from `pbc="…"` (all false when absent).
    pub pbc: [bool; 3],
    /// Every other `key=value` of the comment line, as text.
    pub info: BTreeMap<String, String>,
}

impl Frame {
    /// Number of atoms.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// True when the frame has no atoms (never for a frame read from a file).
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }

    /// The cell and periodic flags when some direction is periodic, else `None`.
    pub fn periodic_cell(&self) -> Option<[[f64; 3]; 3]> {
        if self.pbc.iter().any(|&p| p) {
            self.cell
        } else {
            None
        }
    }
}

/// What the reader looks for.
#[derive(Debug, Clone, PartialEq)]
pub struct XyzOptions {
    /// The comment-line key of the total energy.
    pub energy_key: String,
    /// Refuse frames without an energy (training data) instead of leaving it `None`.
    pub require_energy: bool,
    /// Refuse frames without a forces column.
    pub require_forces: bool,
}

impl Default for XyzOptions {
    fn default() -> Self {
        XyzOptions {
            energy_key: "energy".into(),
            require_energy: false,
            require_forces: false,
        }
    }
}

impl XyzOptions {
    /// Options for labelled data: energy and forces required.
    pub fn labelled() -> Self {
        XyzOptions {
            require_energy: true,
            require_forces: true,
            ..Default::default()
        }
    }
}

/// Read every frame of the extended XYZ file `path`.
pub fn read_xyz(path: &Path, opts: &XyzOptions) -> Result<Vec<Frame>> {
    let text = std::fs::read_to_string(path).map_err(|e| deepfield_core::Error::io(path, e))?;
    parse_xyz(&text, path, opts)
}

/// One column group of the `Properties` key.
struct Column {
    name: String,
    kind: char,
    count: usize,
}

/// `key=value` pairs of a comment line; values may be double-quoted (with spaces inside); a bare
/// key counts as `T`.
fn comment_pairs(line: &str) -> std::result::Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            let value: String = if i < chars.len() && chars[i] == '"' {
                let vstart = i + 1;
                let end = chars[vstart..]
                    .iter()
                    .position(|&c| c == '"')
                    .ok_or_else(|| format!("unterminated quote in the value of `{key}`"))?;
                i = vstart + end + 1;
                chars[vstart..vstart + end].iter().collect()
            } else {
                let vstart = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                chars[vstart..i].iter().collect()
            };
            out.insert(key, value);
        } else {
            out.insert(key, "T".into());
        }
    }
    Ok(out)
}

fn parse_properties(spec: &str) -> std::result::Result<Vec<Column>, String> {
    let parts: Vec<&str> = spec.split(':').collect();
    if parts.len() % 3 != 0 || parts.is_empty() {
        return Err(format!(
            "Properties=`{spec}` is not a list of name:type:count triples"
        ));
    }
    parts
        .chunks(3)
        .map(|c| {
            let kind = c[1].chars().next().unwrap_or('?').to_ascii_uppercase();
            if !matches!(kind, 'S' | 'R' | 'I' | 'L') || c[1].len() != 1 {
                return Err(format!(
                    "Properties: column `{}` has type `{}` (expected S, R, I or L)",
                    c[0], c[1]
                ));
            }
            let count = c[2]
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| {
                    format!(
                        "Properties: column `{}` has count `{}` (expected a positive integer)",
                        c[0], c[2]
                    )
                })?;
            Ok(Column {
                name: c[0].to_string(),
                kind,
                count,
            })
        })
        .collect()
}

fn parse_bools(v: &str) -> Option<[bool; 3]> {
    let b: Vec<bool> = v
        .split_whitespace()
        .map(|t| match t {
            "T" | "True" | "true" | "1" => Some(true),
            "F" | "False" | "false" | "0" => Some(false),
            _ => None,
        })
        .collect::<Option<_>>()?;
    match b.as_slice() {
        [x] => Some([*x; 3]),
        [a, b, c] => Some([*a, *b, *c]),
        _ => None,
    }
}

fn parse_cell(v: &str) -> Option<[[f64; 3]; 3]> {
    let x: Vec<f64> = v
        .split_whitespace()
        .map(|t| t.parse::<f64>().ok().filter(|f| f.is_finite()))
        .collect::<Option<_>>()?;
    (x.len() == 9).then(|| [[x[0], x[1], x[2]], [x[3], x[4], x[5]], [x[6], x[7], x[8]]])
}

/// Parse extended XYZ `text` (read from `path`, named in errors).
pub fn parse_xyz(text: &str, path: &Path, opts: &XyzOptions) -> Result<Vec<Frame>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut frames = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let f = frames.len() + 1;
        let err = |line: usize, msg: String| {
            GraphError::parse(path, line + 1, format!("frame {f}: {msg}"))
        };
        let n: usize = lines[i].trim().parse().map_err(|_| {
            err(
                i,
                format!("expected the atom count, found `{}`", lines[i].trim()),
            )
        })?;
        if n == 0 {
            return Err(err(i, "atom count is 0".into()));
        }
        let Some(comment) = lines.get(i + 1) else {
            return Err(err(
                i,
                "file ends after the atom count (no comment line)".into(),
            ));
        };
        let mut info = comment_pairs(comment).map_err(|m| err(i + 1, m))?;
        let props = info
            .remove("Properties")
            .unwrap_or_else(|| "species:S:1:pos:R:3".into());
        let cols = parse_properties(&props).map_err(|m| err(i + 1, m))?;
        let width: usize = cols.iter().map(|c| c.count).sum();
        let find = |names: &[&str]| {
            let mut at = 0;
            for c in &cols {
                if names.contains(&c.name.as_str()) {
                    return Some((at, c));
                }
                at += c.count;
            }
            None
        };
        let species = find(&["species", "Z"]).ok_or_else(|| {
            err(
                i + 1,
                format!("Properties=`{props}` has no species (or Z) column"),
            )
        })?;
        let pos = find(&["pos", "positions"])
            .filter(|(_, c)| c.count == 3 && c.kind == 'R')
            .ok_or_else(|| err(i + 1, format!("Properties=`{props}` has no pos:R:3 column")))?;
        let forces_col = find(&["forces", "force"]);
        if let Some((_, c)) = forces_col {
            if c.count != 3 || c.kind != 'R' {
                return Err(err(
                    i + 1,
                    format!(
                        "the forces column is `{}:{}:{}`, expected R:3",
                        c.name, c.kind, c.count
                    ),
                ));
            }
        } else if opts.require_forces {
            return Err(err(
                i + 1,
                format!("Properties=`{props}` has no forces:R:3 column"),
            ));
        }
        let energy =
            match info.remove(&opts.energy_key) {
                Some(v) => Some(v.parse::<f64>().ok().filter(|e| e.is_finite()).ok_or_else(
                    || err(i + 1, format!("{}=`{v}` is not a number", opts.energy_key)),
                )?),
                None if opts.require_energy => {
                    return Err(err(
                        i + 1,
                        format!("no `{}=` key in the comment line", opts.energy_key),
                    ))
                }
                None => None,
            };
        let cell = match info.remove("Lattice") {
            Some(v) => Some(
                parse_cell(&v)
                    .ok_or_else(|| err(i + 1, format!("Lattice=\"{v}\" is not 9 numbers")))?,
            ),
            None => None,
        };
        let pbc = match info.remove("pbc") {
            Some(v) => parse_bools(&v)
                .ok_or_else(|| err(i + 1, format!("pbc=\"{v}\" is not 1 or 3 of T/F")))?,
            None => [false; 3],
        };
        if pbc.iter().any(|&p| p) && cell.is_none() {
            return Err(err(i + 1, "pbc is set but there is no Lattice".into()));
        }
        let mut frame = Frame {
            numbers: Vec::with_capacity(n),
            positions: Vec::with_capacity(n),
            forces: forces_col.map(|_| Vec::with_capacity(n)),
            energy,
            cell,
            pbc,
            info,
        };
        for a in 0..n {
            let l = i + 2 + a;
            let Some(line) = lines.get(l) else {
                return Err(err(
                    lines.len().saturating_sub(1),
                    format!("the header says {n} atoms but the file ends after {a} atom lines (truncated)"),
                ));
            };
            let toks: Vec<&str> = line.split_whitespace().collect();
            if toks.len() != width {
                return Err(err(
                    l,
                    format!(
                        "atom {}: {} columns, Properties=`{props}` lays out {width}",
                        a + 1,
                        toks.len()
                    ),
                ));
            }
            let num = |at: usize, what: &str| -> Result<f64> {
                toks[at]
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        err(
                            l,
                            format!("atom {}: {what} `{}` is not a number", a + 1, toks[at]),
                        )
                    })
            };
            let s = toks[species.0];
            let z = if species.1.kind == 'S' {
                elements::atomic_number(s)
            } else {
                s.parse::<i64>()
                    .ok()
                    .filter(|z| (1..=elements::MAX_Z).contains(z))
            }
            .ok_or_else(|| {
                err(
                    l,
                    format!("atom {}: `{s}` is not a chemical element", a + 1),
                )
            })?;
            frame.numbers.push(z);
            let p = pos.0;
            frame
                .positions
                .push([num(p, "x")?, num(p + 1, "y")?, num(p + 2, "z")?]);
            if let (Some(fs), Some((c, _))) = (frame.forces.as_mut(), forces_col) {
                fs.push([num(c, "fx")?, num(c + 1, "fy")?, num(c + 2, "fz")?]);
            }
        }
        frames.push(frame);
        i += 2 + n;
    }
    if frames.is_empty() {
        return Err(GraphError::parse(path, 1, "no frames (empty file)"));
    }
    Ok(frames)
}

/// The extended XYZ text of `frames`: species, positions and (when present) forces columns,
/// `energy=` and (when present) `Lattice`/`pbc` on the comment line, then the `info` pairs.
pub fn xyz_string(frames: &[Frame]) -> String {
    let mut s = String::new();
    for f in frames {
        let _ = writeln!(s, "{}", f.len());
        let mut comment = String::new();
        if let Some(c) = f.cell {
            let v: Vec<String> = c.iter().flatten().map(|x| format!("{x}")).collect();
            let _ = write!(comment, "Lattice=\"{}\" ", v.join(" "));
        }
        comment.push_str("Properties=species:S:1:pos:R:3");
        if f.forces.is_some() {
            comment.push_str(":forces:R:3");
        }
        if let Some(e) = f.energy {
            let _ = write!(comment, " energy={e:.10}");
        }
        let tf = |b: bool| if b { "T" } else { "F" };
        let _ = write!(
            comment,
            " pbc=\"{} {} {}\"",
            tf(f.pbc[0]),
            tf(f.pbc[1]),
            tf(f.pbc[2])
        );
        for (k, v) in &f.info {
            if v.contains(char::is_whitespace) {
                let _ = write!(comment, " {k}=\"{v}\"");
            } else {
                let _ = write!(comment, " {k}={v}");
            }
        }
        let _ = writeln!(s, "{comment}");
        for (a, (p, z)) in f.positions.iter().zip(&f.numbers).enumerate() {
            let _ = write!(
                s,
                "{:<2} {:>15.8} {:>15.8} {:>15.8}",
                elements::symbol(*z),
                p[0],
                p[1],
                p[2]
            );
            if let Some(g) = f.forces.as_ref().and_then(|fs| fs.get(a)) {
                let _ = write!(s, " {:>15.8} {:>15.8} {:>15.8}", g[0], g[1], g[2]);
            }
            s.push('\n');
        }
    }
    s
}

/// Write `frames` as extended XYZ to `path` (atomically: temp file + rename).
pub fn write_xyz(path: &Path, frames: &[Frame]) -> Result<()> {
    Ok(deepfield_core::fsutil::write_atomic(
        path,
        xyz_string(frames).as_bytes(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_pairs_handle_quotes_and_flags() {
        let p =
            comment_pairs(r#"Lattice="1 0 0 0 1 0 0 0 1" energy=-1.5 pbc="T T F" flag"#).unwrap();
        assert_eq!(p["Lattice"], "1 0 0 0 1 0 0 0 1");
        assert_eq!(p["energy"], "-1.5");
        assert_eq!(p["flag"], "T");
        assert!(comment_pairs(r#"a="open"#).is_err());
    }

    #[test]
    fn round_trip_with_other_column_order() {
        let text = "2\nProperties=forces:R:3:Z:I:1:pos:R:3 energy=-3.25 Lattice=\"5 0 0 0 5 0 0 0 5\" pbc=\"T T T\" tag=a\n\
                    0.1 0.2 0.3 8 0.0 0.0 0.0\n-0.1 -0.2 -0.3 1 0.0 0.0 0.96\n";
        let p = Path::new("x.xyz");
        let f = parse_xyz(text, p, &XyzOptions::labelled()).unwrap();
        assert_eq!(f[0].numbers, vec![8, 1]);
        assert_eq!(f[0].energy, Some(-3.25));
        assert_eq!(f[0].forces.as_ref().unwrap()[1], [-0.1, -0.2, -0.3]);
        assert_eq!(f[0].positions[1], [0.0, 0.0, 0.96]);
        assert!(f[0].periodic_cell().is_some());
        let back = parse_xyz(&xyz_string(&f), p, &XyzOptions::labelled()).unwrap();
        assert_eq!(back, f);
    }
}
