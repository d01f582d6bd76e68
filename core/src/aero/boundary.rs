//! Integral boundary layer on the panel method's edge velocity, and the profile drag it implies.
//!
//! Each surface is marched from the stagnation point to the trailing edge:
//! - laminar: Thwaites' method, θ² = 0.45 ν / uₑ⁶ ∫ uₑ⁵ ds, with λ = θ² uₑ′/ν and the shape
//!   factor H(λ) of Cebeci & Bradshaw's fit;
//! - transition: Michel's criterion Re_θ > 1.174 (1 + 22 400 / Re_x) Re_x^0.46, or laminar
//!   separation (λ < −0.09, taken as transition through a short bubble);
//! - turbulent: Head's entrainment method (H₁(H) correlations, entrainment 0.0306 (H₁ − 3)^−0.6169)
//!   with Ludwieg–Tillmann skin friction, started at H = 1.4; H ≥ 2.4 is turbulent separation,
//!   after which θ and H are frozen (the drag then is a lower bound, and the result says so).
//!
//! The profile drag is Squire & Young's (1937): c_d = 2 θ_TE u_TE^((H_TE + 5) / 2) per surface.
//! All lengths are in chords and velocities in V∞, so ν = 1 / Re.

use serde::{Deserialize, Serialize};

use super::panel::Inviscid;
use crate::{Error, Result};

/// What the boundary layer did on one surface.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SurfaceLayer {
    /// Chordwise position of transition (1.0: laminar to the trailing edge).
    pub x_transition: f64,
    /// Chordwise position of turbulent separation, if any.
    pub x_separation: Option<f64>,
    /// Momentum thickness, shape factor and edge velocity at the trailing edge.
    pub theta_te: f64,
    pub h_te: f64,
    pub ue_te: f64,
    /// Squire–Young drag of this surface.
    pub cd: f64,
}

/// Boundary-layer options.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LayerOptions {
    /// Chord Reynolds number.
    pub reynolds: f64,
    /// Force transition at this chord fraction (trip), when given.
    pub trip: Option<f64>,
}

fn h_of_lambda(l: f64) -> f64 {
    let l = l.clamp(-0.09, 0.25);
    if l >= 0.0 {
        2.61 - 3.75 * l + 5.24 * l * l
    } else {
        2.088 + 0.0731 / (l + 0.14)
    }
}

fn h1_of_h(h: f64) -> f64 {
    if h <= 1.6 {
        3.3 + 0.8234 * (h - 1.1).max(1e-3).powf(-1.287)
    } else {
        3.3 + 1.5501 * (h - 0.6778).powf(-3.064)
    }
}

fn h_of_h1(h1: f64) -> f64 {
    let d = (h1 - 3.3).max(1e-6);
    if h1 <= 5.3 {
        0.6778 + 1.1538 * d.powf(-0.326)
    } else {
        1.1 + 0.86 * d.powf(-0.777)
    }
}

/// Chord fraction after which the inviscid edge velocity is replaced by the trend before it.
pub const TE_BLEND: f64 = 0.97;

/// The inviscid edge velocity falls to a stagnation point at a finite-angle trailing edge; a
/// real (viscous) flow does not, because the boundary layer and wake thicken the effective
/// shape. Past [`TE_BLEND`] the velocity is extrapolated linearly from its trend over the 5 %
/// of chord before it, so the turbulent layer does not see a spurious pressure rise.
fn trailing_edge_trend(stations: &mut [(f64, f64, f64)]) {
    let Some(j) = stations.iter().position(|st| st.2 > TE_BLEND) else {
        return;
    };
    let Some(i) = stations[..j].iter().rposition(|st| st.2 <= TE_BLEND - 0.05) else {
        return;
    };
    let (s0, u0, _) = stations[i];
    let (s1, u1, _) = stations[j - 1];
    if s1 - s0 < 1e-9 {
        return;
    }
    let slope = (u1 - u0) / (s1 - s0);
    for st in stations[j..].iter_mut() {
        st.1 = (u1 + slope * (st.0 - s1)).max(1e-3);
    }
}

/// One surface: stations (arc length from the stagnation point, edge speed, chordwise x).
fn march(stations: &[(f64, f64, f64)], opts: &LayerOptions) -> SurfaceLayer {
    let mut stations = stations.to_vec();
    trailing_edge_trend(&mut stations);
    let re = opts.reynolds;
    let mut integral = 0.0; // ∫ uₑ⁵ ds
    let mut theta = 0.0;
    let mut h = 2.6;
    let mut turbulent = false;
    let mut x_tr = 1.0;
    let mut x_sep = None;
    let mut h1 = 0.0;
    let mut prev = (0.0, 0.0); // (s, ue) of the stagnation point
    for (k, &(s, ue, x)) in stations.iter().enumerate() {
        let ue = ue.max(1e-6);
        let ds = (s - prev.0).max(1e-12);
        let due = (ue - prev.1) / ds;
        if !turbulent {
            integral += 0.5 * (ue.powi(5) + prev.1.max(0.0).powi(5)) * ds;
            theta = (0.45 / re * integral / ue.powi(6)).sqrt();
            let lambda = theta * theta * re * due;
            h = h_of_lambda(lambda);
            let re_theta = re * ue * theta;
            let re_x = re * ue * s;
            let michel = 1.174 * (1.0 + 22_400.0 / re_x.max(1.0)) * re_x.max(1.0).powf(0.46);
            let tripped = opts.trip.is_some_and(|t| x >= t);
            if (re_theta > michel && k > 2) || lambda < -0.09 || tripped {
                turbulent = true;
                x_tr = x;
                h = 1.4;
                h1 = h1_of_h(h);
            }
        } else if x_sep.is_none() {
            // Head's method with sub-steps (explicit Euler on θ and uₑθH₁).
            let steps = 8;
            let dss = ds / steps as f64;
            let (u0, u1) = (prev.1.max(1e-6), ue);
            for q in 0..steps {
                let u = u0 + (u1 - u0) * (q as f64 + 0.5) / steps as f64;
                let re_t = (re * u * theta).max(10.0);
                let cf = 0.246 * 10f64.powf(-0.678 * h) * re_t.powf(-0.268);
                let dtheta = cf / 2.0 - (h + 2.0) * theta / u * due;
                let f = 0.0306 * (h1 - 3.0).max(1e-3).powf(-0.6169);
                let m0 = u * theta * h1;
                let m1 = m0 + dss * u * f;
                theta = (theta + dss * dtheta).max(1e-9);
                let u_next = u0 + (u1 - u0) * (q as f64 + 1.0) / steps as f64;
                h1 = (m1 / (u_next * theta)).max(3.31);
                h = h_of_h1(h1);
            }
            if h >= 2.4 {
                x_sep = Some(x);
                h = 2.4;
            }
        }
        prev = (s, ue);
    }
    let ue_te = prev.1.max(1e-6);
    let cd = 2.0 * theta * ue_te.powf((h + 5.0) / 2.0);
    SurfaceLayer {
        x_transition: x_tr,
        x_separation: x_sep,
        theta_te: theta,
        h_te: h,
        ue_te,
        cd,
    }
}

/// The stagnation point (between panels `k − 1` and `k`, where the tangential velocity
/// changes sign from negative to positive) and the two surfaces as station lists.
#[allow(clippy::type_complexity)]
pub fn split_surfaces(inv: &Inviscid) -> Result<(Vec<(f64, f64, f64)>, Vec<(f64, f64, f64)>)> {
    let n = inv.vt.len();
    let mut k = None;
    for i in 1..n {
        if inv.vt[i - 1] < 0.0 && inv.vt[i] >= 0.0 {
            // The crossing nearest the leading edge (smallest x).
            if k.is_none_or(|j: usize| inv.xc[i] < inv.xc[j]) {
                k = Some(i);
            }
        }
    }
    let k = k.ok_or_else(|| {
        Error::input("boundary layer: no stagnation point on the contour (reversed contour?)")
    })?;
    // Interpolated stagnation point between midpoints k−1 and k.
    let (v0, v1) = (inv.vt[k - 1], inv.vt[k]);
    let f = v0 / (v0 - v1);
    let half = 0.5 * (inv.length[k - 1] + inv.length[k]);
    let s_up0 = (1.0 - f) * half; // distance from stagnation to midpoint k
    let s_lo0 = f * half;
    let mut upper = Vec::new();
    let mut s = s_up0;
    for i in k..n {
        if i > k {
            s += 0.5 * (inv.length[i - 1] + inv.length[i]);
        }
        upper.push((s, inv.vt[i].abs(), inv.xc[i]));
    }
    let mut lower = Vec::new();
    let mut s = s_lo0;
    for i in (0..k).rev() {
        if i + 1 < k {
            s += 0.5 * (inv.length[i + 1] + inv.length[i]);
        }
        lower.push((s, inv.vt[i].abs(), inv.xc[i]));
    }
    if upper.len() < 3 || lower.len() < 3 {
        return Err(Error::input(
            "boundary layer: the stagnation point is at the trailing edge (angle of attack too large for this section)",
        ));
    }
    Ok((upper, lower))
}

/// Upper and lower boundary layers of an inviscid solution.
pub fn layers(inv: &Inviscid, opts: &LayerOptions) -> Result<(SurfaceLayer, SurfaceLayer)> {
    if !(opts.reynolds.is_finite() && (1e4..=1e9).contains(&opts.reynolds)) {
        return Err(Error::input(format!(
            "Reynolds number must be in [1e4, 1e9], got {}",
            opts.reynolds
        )));
    }
    let (upper, lower) = split_surfaces(inv)?;
    Ok((march(&upper, opts), march(&lower, opts)))
}
