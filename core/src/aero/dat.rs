//! Airfoil coordinate files in Selig format: an optional name line, then `x y` pairs from the
//! trailing edge over the upper surface to the leading edge and back along the lower surface.
//! (Lednicer files, which list the two surfaces separately after a line of point counts, are
//! recognised and rejected with a message saying so.)

use std::path::Path;

use super::geometry::Airfoil;
use crate::{Error, Result};

/// Parse Selig text; `origin` names the file in errors.
pub fn parse_selig(text: &str, origin: &Path) -> Result<Airfoil> {
    let mut name = origin
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "airfoil".into());
    let mut x = Vec::new();
    let mut y = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let nums: Vec<Option<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        let all_numbers = nums.iter().all(|n| n.is_some());
        if x.is_empty() && !all_numbers {
            name = line.to_string();
            continue;
        }
        if fields.len() != 2 || !all_numbers {
            return Err(Error::parse(
                origin,
                i + 1,
                format!("expected two numbers `x y`, got `{line}`"),
            ));
        }
        let (a, b) = (nums[0].unwrap_or(f64::NAN), nums[1].unwrap_or(f64::NAN));
        if !(a.is_finite() && b.is_finite()) {
            return Err(Error::parse(
                origin,
                i + 1,
                format!("`{line}` is not finite"),
            ));
        }
        if x.is_empty() && a > 1.5 && b > 1.5 {
            return Err(Error::parse(
                origin,
                i + 1,
                "this looks like a Lednicer file (point counts); save it in Selig format (TE → upper → LE → lower → TE)",
            ));
        }
        x.push(a);
        y.push(b);
    }
    if x.is_empty() {
        return Err(Error::parse(origin, 0, "no coordinates in the file"));
    }
    // Normalise: leading edge at 0, chord 1 (trailing edge: mean of the end points).
    let x_le = x.iter().cloned().fold(f64::INFINITY, f64::min);
    let x_te = 0.5 * (x[0] + x[x.len() - 1]);
    let chord = x_te - x_le;
    if chord.is_nan() || chord <= 1e-6 {
        return Err(Error::parse(
            origin,
            0,
            format!("the chord (trailing-edge x {x_te} − leading-edge x {x_le}) is not positive"),
        ));
    }
    let le = (0..x.len())
        .min_by(|&a, &b| x[a].total_cmp(&x[b]))
        .unwrap_or(0);
    let y_le = y[le];
    x.reverse();
    y.reverse();
    let af = Airfoil {
        name,
        x: x.iter().map(|v| (v - x_le) / chord).collect(),
        y: y.iter().map(|v| (v - y_le) / chord).collect(),
    };
    af.check()
        .map_err(|e| Error::parse(origin, 0, e.to_string()))?;
    Ok(af)
}

/// Read a Selig `.dat` file.
pub fn read_selig(path: &Path) -> Result<Airfoil> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse_selig(&text, path)
}

/// The airfoil as Selig text (upper surface first), for saving a designed shape.
pub fn to_selig(a: &Airfoil) -> String {
    let mut s = format!("{}\n", a.name);
    for i in (0..a.x.len()).rev() {
        s.push_str(&format!("{:.6} {:.6}\n", a.x[i], a.y[i]));
    }
    s
}
