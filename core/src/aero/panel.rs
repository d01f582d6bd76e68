//! Linear-strength vortex panel method for inviscid, incompressible flow past an airfoil.
//!
//! The vortex strength varies linearly along each flat panel and is continuous at the nodes
//! (N panels, N + 1 unknown node strengths), the flow tangency condition holds at every panel
//! midpoint, and the Kutta condition closes the system: γ₁ + γ_{N+1} = 0 at the trailing edge
//! (Katz & Plotkin, *Low-Speed Aerodynamics*, 2nd ed., § 11.4.2; influence coefficients in the
//! closed form of Kuethe & Chow, *Foundations of Aerodynamics*, § 5.10). Lift and moment come
//! from integrating the surface pressure; lift is checked against Kutta–Joukowski from the
//! circulation in the tests.

use serde::{Deserialize, Serialize};

use super::geometry::Airfoil;
use crate::{Error, Result};

/// The inviscid solution on one airfoil at one angle of attack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inviscid {
    /// Angle of attack (degrees).
    pub alpha_deg: f64,
    /// Lift coefficient from the pressure integral.
    pub cl: f64,
    /// Lift coefficient from the circulation (Kutta–Joukowski), 2Γ/(V∞ c).
    pub cl_circulation: f64,
    /// Pitching moment about the quarter chord (nose up positive).
    pub cm_quarter: f64,
    /// Panel midpoints (x, y), in contour order.
    pub xc: Vec<f64>,
    pub yc: Vec<f64>,
    /// Panel lengths.
    pub length: Vec<f64>,
    /// Surface tangential velocity / V∞ at each midpoint, positive along the contour direction
    /// (lower TE → LE → upper TE).
    pub vt: Vec<f64>,
    /// Pressure coefficient 1 − (V/V∞)² at each midpoint.
    pub cp: Vec<f64>,
}

/// Solve `a x = b` by Gaussian elimination with partial pivoting (`a` row-major n × n).
pub fn solve_dense(mut a: Vec<f64>, mut b: Vec<f64>) -> Result<Vec<f64>> {
    let n = b.len();
    if a.len() != n * n {
        return Err(Error::input(format!(
            "linear system: {}×? matrix for {n} unknowns",
            a.len()
        )));
    }
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    for k in 0..n {
        let mut p = k;
        for i in k + 1..n {
            if a[i * n + k].abs() > a[p * n + k].abs() {
                p = i;
            }
        }
        let pivot = a[p * n + k];
        if pivot.is_nan() || pivot.abs() <= 1e-13 * scale {
            return Err(Error::input(format!(
                "panel method: singular system (pivot {pivot:e} at row {k}); the geometry is degenerate"
            )));
        }
        if p != k {
            for j in 0..n {
                a.swap(k * n + j, p * n + j);
            }
            b.swap(k, p);
        }
        for i in k + 1..n {
            let f = a[i * n + k] / pivot;
            if f != 0.0 {
                for j in k..n {
                    a[i * n + j] -= f * a[k * n + j];
                }
                b[i] -= f * b[k];
            }
        }
    }
    let mut x = vec![0.0; n];
    for k in (0..n).rev() {
        let mut s = b[k];
        for j in k + 1..n {
            s -= a[k * n + j] * x[j];
        }
        x[k] = s / a[k * n + k];
    }
    Ok(x)
}

/// The inviscid flow past `airfoil` (checked first) at `alpha_deg`.
pub fn solve(airfoil: &Airfoil, alpha_deg: f64) -> Result<Inviscid> {
    airfoil.check()?;
    if !(alpha_deg.is_finite() && alpha_deg.abs() <= 25.0) {
        return Err(Error::input(format!(
            "angle of attack must be within ±25°, got {alpha_deg}"
        )));
    }
    let alpha = alpha_deg.to_radians();
    let (px, py) = (&airfoil.x, &airfoil.y);
    let n = airfoil.panels();
    let mut xc = vec![0.0; n];
    let mut yc = vec![0.0; n];
    let mut th = vec![0.0; n];
    let mut s = vec![0.0; n];
    for i in 0..n {
        xc[i] = 0.5 * (px[i] + px[i + 1]);
        yc[i] = 0.5 * (py[i] + py[i + 1]);
        let (dx, dy) = (px[i + 1] - px[i], py[i + 1] - py[i]);
        s[i] = dx.hypot(dy);
        th[i] = dy.atan2(dx);
    }
    // Normal (an) and tangential (at) influence of the node strengths on each midpoint.
    let m = n + 1;
    let mut an = vec![0.0; m * m];
    let mut at = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..n {
            let (cn1, cn2, ct1, ct2) = if i == j {
                (
                    -1.0,
                    1.0,
                    std::f64::consts::FRAC_PI_2,
                    std::f64::consts::FRAC_PI_2,
                )
            } else {
                let (dx, dy) = (xc[i] - px[j], yc[i] - py[j]);
                let (sj, cj) = th[j].sin_cos();
                let a = -dx * cj - dy * sj;
                let b = dx * dx + dy * dy;
                let c = (th[i] - th[j]).sin();
                let d = (th[i] - th[j]).cos();
                let e = dx * sj - dy * cj;
                let f = (1.0 + s[j] * (s[j] + 2.0 * a) / b).ln();
                let g = (e * s[j]).atan2(b + a * s[j]);
                let t2 = th[i] - 2.0 * th[j];
                let p = dx * t2.sin() + dy * t2.cos();
                let q = dx * t2.cos() - dy * t2.sin();
                let cn2 = d + 0.5 * q * f / s[j] - (a * c + d * e) * g / s[j];
                let cn1 = 0.5 * d * f + c * g - cn2;
                let ct2 = c + 0.5 * p * f / s[j] + (a * d - c * e) * g / s[j];
                let ct1 = 0.5 * c * f - d * g - ct2;
                (cn1, cn2, ct1, ct2)
            };
            an[i * m + j] += cn1;
            an[i * m + j + 1] += cn2;
            at[i * m + j] += ct1;
            at[i * m + j + 1] += ct2;
        }
    }
    an[n * m] = 1.0;
    an[n * m + n] = 1.0;
    let mut rhs: Vec<f64> = th.iter().map(|t| (t - alpha).sin()).collect();
    rhs.push(0.0);
    let gamma = solve_dense(an, rhs)?;

    let mut vt = vec![0.0; n];
    let mut cp = vec![0.0; n];
    for i in 0..n {
        let mut v = (th[i] - alpha).cos();
        for j in 0..m {
            v += at[i * m + j] * gamma[j];
        }
        vt[i] = v;
        cp[i] = 1.0 - v * v;
    }
    // Forces from pressure: the outward normal of a clockwise contour is (−sin θ, cos θ).
    let (mut fx, mut fy, mut mom) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (nx, ny) = (-th[i].sin(), th[i].cos());
        let (dfx, dfy) = (-cp[i] * nx * s[i], -cp[i] * ny * s[i]);
        fx += dfx;
        fy += dfy;
        mom += -(xc[i] - 0.25) * dfy + yc[i] * dfx;
    }
    let cl = fy * alpha.cos() - fx * alpha.sin();
    // Γ/(2π V∞) per unit length is γ'; the circulation is the integral of γ along the contour
    // (clockwise positive here), Cl = 2Γ/(V∞ c).
    let circ: f64 = (0..n)
        .map(|j| 0.5 * (gamma[j] + gamma[j + 1]) * s[j])
        .sum::<f64>()
        * 2.0
        * std::f64::consts::PI;
    let out = Inviscid {
        alpha_deg,
        cl,
        cl_circulation: 2.0 * circ,
        cm_quarter: mom,
        xc,
        yc,
        length: s,
        vt,
        cp,
    };
    if !(out.cl.is_finite() && out.cp.iter().all(|c| c.is_finite())) {
        return Err(Error::input(format!(
            "airfoil `{}`: the panel solution is not finite (degenerate geometry)",
            airfoil.name
        )));
    }
    Ok(out)
}
