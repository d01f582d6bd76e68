//! Airfoil shapes: NACA 4-digit sections, CST (Kulfan) shapes and user coordinates, with the
//! checks a panel method needs (finite points, a closed or nearly closed trailing edge, no
//! self-intersection, positive thickness).
//!
//! Coordinates are kept in the panel method's order: from the trailing edge along the **lower**
//! surface to the leading edge and back along the **upper** surface (clockwise), chord 1 from
//! x = 0 to x = 1. A Selig `.dat` file (upper surface first) is reversed on reading.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Smallest number of panels the solver accepts.
pub const MIN_POINTS: usize = 21;
/// Largest trailing-edge gap (fraction of the chord) the closed-contour panel method accepts.
pub const MAX_TE_GAP: f64 = 0.02;

/// Points `(x, y)` of one surface, from the leading edge to the trailing edge.
pub type Surface = Vec<(f64, f64)>;

/// A 2-D airfoil contour (clockwise from the lower trailing edge, chord 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Airfoil {
    /// A short name for reports (`NACA 2412`, `cst`, a file name).
    pub name: String,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

/// Thickness and camber read off a contour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// Largest thickness (fraction of chord) and where it is.
    pub max_thickness: f64,
    pub max_thickness_at: f64,
    /// Smallest thickness between 5 % and 90 % of the chord.
    pub min_thickness: f64,
    /// Largest camber-line height (signed, fraction of chord).
    pub max_camber: f64,
}

/// `n + 1` cosine-spaced stations from 0 to 1 (dense at both ends).
pub fn cosine_stations(n: usize) -> Vec<f64> {
    (0..=n)
        .map(|i| 0.5 * (1.0 - (std::f64::consts::PI * i as f64 / n as f64).cos()))
        .collect()
}

/// Join an upper surface (`ux`, `uy`) and a lower one (`lx`, `ly`), each listed from the
/// leading edge to the trailing edge, into the clockwise contour: lower TE → LE → upper TE
/// (the shared leading-edge point once).
fn join(name: &str, ux: &[f64], uy: &[f64], lx: &[f64], ly: &[f64]) -> Airfoil {
    let x = lx.iter().rev().chain(&ux[1..]).copied().collect();
    let y = ly.iter().rev().chain(&uy[1..]).copied().collect();
    Airfoil {
        name: name.to_string(),
        x,
        y,
    }
}

/// A NACA 4-digit section `mpxx` (e.g. `2412`: 2 % camber at 40 % chord, 12 % thick) with
/// `panels_per_side` cosine-spaced panels on each surface. The thickness polynomial uses the
/// closed-trailing-edge coefficient −0.1036 (Abbott & von Doenhoff's −0.1015 leaves a 0.25 %
/// gap); the thickness is laid off perpendicular to the camber line.
pub fn naca4(code: &str, panels_per_side: usize) -> Result<Airfoil> {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 4 || code.trim().chars().count() != 4 {
        return Err(Error::input(format!(
            "NACA 4-digit code must be four digits (like 2412), got `{code}`"
        )));
    }
    let m = digits[0] as f64 / 100.0;
    let p = digits[1] as f64 / 10.0;
    let t = (digits[2] * 10 + digits[3]) as f64 / 100.0;
    naca4_params(m, p, t, panels_per_side).map(|mut a| {
        a.name = format!("NACA {code}");
        a
    })
}

/// A NACA 4-digit section from its numbers: max camber `m` at `p` (fractions of chord),
/// thickness `t`.
pub fn naca4_params(m: f64, p: f64, t: f64, panels_per_side: usize) -> Result<Airfoil> {
    if !(t > 0.0 && t <= 0.4) {
        return Err(Error::input(format!(
            "NACA thickness must be in (0, 40] % of the chord, got {:.1} %",
            100.0 * t
        )));
    }
    if !(0.0..=0.095).contains(&m) || (m > 0.0 && !(0.05..=0.95).contains(&p)) {
        return Err(Error::input(format!(
            "NACA camber {m} at {p}: camber must be in [0, 9.5] % at 5–95 % of the chord"
        )));
    }
    check_panels(panels_per_side)?;
    let xs = cosine_stations(panels_per_side);
    let mut upper = vec![0.0; xs.len()];
    let mut lower = vec![0.0; xs.len()];
    let mut ux = xs.clone();
    let mut lx = xs.clone();
    for (i, &x) in xs.iter().enumerate() {
        let yt = 5.0
            * t
            * (0.2969 * x.sqrt() - 0.1260 * x - 0.3516 * x * x + 0.2843 * x.powi(3)
                - 0.1036 * x.powi(4));
        let (yc, dyc) = if m == 0.0 {
            (0.0, 0.0)
        } else if x < p {
            (
                m / (p * p) * (2.0 * p * x - x * x),
                2.0 * m / (p * p) * (p - x),
            )
        } else {
            (
                m / ((1.0 - p) * (1.0 - p)) * (1.0 - 2.0 * p + 2.0 * p * x - x * x),
                2.0 * m / ((1.0 - p) * (1.0 - p)) * (p - x),
            )
        };
        let th = dyc.atan();
        ux[i] = x - yt * th.sin();
        upper[i] = yc + yt * th.cos();
        lx[i] = x + yt * th.sin();
        lower[i] = yc - yt * th.cos();
    }
    let name = format!(
        "NACA {:.0}{:.0}{:02.0}",
        100.0 * m,
        10.0 * p,
        (100.0 * t).round()
    );
    let a = join(&name, &ux, &upper, &lx, &lower);
    a.check()?;
    Ok(a)
}

fn check_panels(n: usize) -> Result<()> {
    if !(10..=400).contains(&n) {
        return Err(Error::input(format!(
            "panels per side must be in 10..=400, got {n}"
        )));
    }
    Ok(())
}

/// Kulfan's class-shape transformation (CST, 2008): `y(x) = C(x) S(x) + x Δz_te`, class
/// function `C = √x (1 − x)` (round nose, sharp trailing edge), shape function a Bernstein
/// polynomial of order `w.len() − 1` with weights `w`.
pub fn cst_surface(x: f64, w: &[f64], te: f64) -> f64 {
    let n = w.len().saturating_sub(1);
    let c = x.sqrt() * (1.0 - x);
    let mut s = 0.0;
    for (r, &wr) in w.iter().enumerate() {
        s += wr * binomial(n, r) * x.powi(r as i32) * (1.0 - x).powi((n - r) as i32);
    }
    c * s + x * te
}

fn binomial(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// A CST airfoil from upper and lower weights (lower weights are negative for a surface below
/// the chord line) with a closed trailing edge.
pub fn cst(upper: &[f64], lower: &[f64], panels_per_side: usize) -> Result<Airfoil> {
    if upper.is_empty() || lower.is_empty() || upper.len() > 12 || lower.len() > 12 {
        return Err(Error::input(format!(
            "CST needs 1–12 weights per surface, got {} upper and {} lower",
            upper.len(),
            lower.len()
        )));
    }
    if let Some(w) = upper.iter().chain(lower).find(|w| !w.is_finite()) {
        return Err(Error::input(format!("CST weight {w} is not finite")));
    }
    check_panels(panels_per_side)?;
    let xs = cosine_stations(panels_per_side);
    let u: Vec<f64> = xs.iter().map(|&x| cst_surface(x, upper, 0.0)).collect();
    let l: Vec<f64> = xs.iter().map(|&x| cst_surface(x, lower, 0.0)).collect();
    let a = join("cst", &xs, &u, &xs, &l);
    a.check()?;
    Ok(a)
}

/// Whether segments p1–p2 and p3–p4 cross (proper intersection or touching).
fn segments_cross(p1: (f64, f64), p2: (f64, f64), p3: (f64, f64), p4: (f64, f64)) -> bool {
    let orient = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| {
        (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
    };
    let (d1, d2) = (orient(p3, p4, p1), orient(p3, p4, p2));
    let (d3, d4) = (orient(p1, p2, p3), orient(p1, p2, p4));
    (d1 * d2 < 0.0) && (d3 * d4 < 0.0)
}

impl Airfoil {
    /// Number of panels (points − 1).
    pub fn panels(&self) -> usize {
        self.x.len().saturating_sub(1)
    }

    /// Index of the leading edge (the point of smallest x).
    pub fn leading_edge(&self) -> usize {
        let mut k = 0;
        for i in 1..self.x.len() {
            if self.x[i] < self.x[k] {
                k = i;
            }
        }
        k
    }

    /// Check the contour: finite, enough points, chord ≈ 1 from 0 to 1, clockwise, a small
    /// trailing-edge gap, no self-intersection, thickness > 0 between 2 % and 98 % of chord.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::input(format!("airfoil `{}`: {m}", self.name)));
        let n = self.x.len();
        if n != self.y.len() {
            return bad(format!("{} x but {} y coordinates", n, self.y.len()));
        }
        if n < MIN_POINTS {
            return bad(format!("{n} points; at least {MIN_POINTS} are needed"));
        }
        if let Some(i) = (0..n).find(|&i| !(self.x[i].is_finite() && self.y[i].is_finite())) {
            return bad(format!(
                "point {} is not finite ({}, {})",
                i + 1,
                self.x[i],
                self.y[i]
            ));
        }
        for i in 0..n - 1 {
            let d = (self.x[i + 1] - self.x[i]).hypot(self.y[i + 1] - self.y[i]);
            if d < 1e-9 {
                return bad(format!("points {} and {} coincide", i + 1, i + 2));
            }
        }
        let le = self.leading_edge();
        if le == 0 || le == n - 1 {
            return bad("the leading edge (smallest x) is an end point: not a closed contour from the trailing edge".into());
        }
        let gap = (self.x[0] - self.x[n - 1]).hypot(self.y[0] - self.y[n - 1]);
        if gap > MAX_TE_GAP {
            return bad(format!(
                "trailing-edge gap {gap:.4} chord is more than {MAX_TE_GAP} (the contour must start and end at the trailing edge)"
            ));
        }
        // Signed area: clockwise contours have negative area in a right-handed frame.
        let mut area = 0.0;
        for i in 0..n {
            let j = (i + 1) % n;
            area += self.x[i] * self.y[j] - self.x[j] * self.y[i];
        }
        if area >= 0.0 {
            return bad("the contour is not clockwise from the lower trailing edge (a Selig file lists the upper surface first)".into());
        }
        for i in 0..n - 1 {
            for j in i + 2..n - 1 {
                if i == 0 && j == n - 2 {
                    continue;
                }
                if segments_cross(
                    (self.x[i], self.y[i]),
                    (self.x[i + 1], self.y[i + 1]),
                    (self.x[j], self.y[j]),
                    (self.x[j + 1], self.y[j + 1]),
                ) {
                    return bad(format!(
                        "the contour intersects itself (panel {} crosses panel {})",
                        i + 1,
                        j + 1
                    ));
                }
            }
        }
        let s = self.shape();
        if s.min_thickness.is_nan() || s.min_thickness <= 0.0 {
            return bad(format!(
                "thickness {:.4} ≤ 0 somewhere between 2 % and 98 % of the chord (upper and lower surfaces cross)",
                s.min_thickness
            ));
        }
        Ok(())
    }

    /// The surface height at `x` along one side (`points` ordered LE → TE).
    fn height(points: &[(f64, f64)], x: f64) -> f64 {
        for w in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            let (lo, hi) = if x0 <= x1 { (x0, x1) } else { (x1, x0) };
            if x >= lo && x <= hi {
                if (x1 - x0).abs() < 1e-15 {
                    return y0;
                }
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
            }
        }
        f64::NAN
    }

    /// Upper and lower surfaces, each from the leading edge to the trailing edge.
    pub fn surfaces(&self) -> (Surface, Surface) {
        let le = self.leading_edge();
        let lower: Vec<(f64, f64)> = (0..=le).rev().map(|i| (self.x[i], self.y[i])).collect();
        let upper: Vec<(f64, f64)> = (le..self.x.len()).map(|i| (self.x[i], self.y[i])).collect();
        (upper, lower)
    }

    /// Thickness and camber on 97 stations (2 %–98 % of the chord).
    pub fn shape(&self) -> Shape {
        let (upper, lower) = self.surfaces();
        let (x0, x1) = (self.x[self.leading_edge()], 1.0f64.min(self.x[0]));
        let chord = (x1 - x0).max(1e-12);
        let mut s = Shape {
            max_thickness: f64::NEG_INFINITY,
            max_thickness_at: 0.0,
            min_thickness: f64::INFINITY,
            max_camber: 0.0,
        };
        for k in 2..=98 {
            let x = x0 + chord * k as f64 / 100.0;
            let (yu, yl) = (Self::height(&upper, x), Self::height(&lower, x));
            let t = yu - yl;
            if !t.is_finite() {
                s.min_thickness = f64::NAN;
                continue;
            }
            if t > s.max_thickness {
                s.max_thickness = t;
                s.max_thickness_at = k as f64 / 100.0;
            }
            if (5..=90).contains(&k) || t <= 0.0 {
                s.min_thickness = s.min_thickness.min(t);
            }
            let c = 0.5 * (yu + yl);
            if c.abs() > s.max_camber.abs() {
                s.max_camber = c;
            }
        }
        s
    }
}
