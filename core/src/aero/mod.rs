//! Airfoil aerodynamics for design studies: parametric sections ([`geometry`]: NACA 4-digit,
//! CST), Selig `.dat` files ([`dat`]), an inviscid linear-vortex panel method ([`panel`]) and an
//! integral boundary layer giving the profile drag ([`boundary`]). [`evaluate`] runs all three
//! and returns lift, drag and lift-to-drag at one angle of attack and Reynolds number.
//!
//! Accuracy, checked in `core/tests/aero_*.rs`: inviscid lift within a few per cent of thin
//! airfoil theory corrected for thickness and of XFOIL's inviscid values; profile drag of the
//! right order at Re ~ 10⁶ (this is a viscous-inviscid *estimate*, without the interaction
//! XFOIL iterates, so lift is the inviscid one and stall is not modelled: separated flow is
//! flagged in [`Polar::separated`], never hidden).

pub mod boundary;
#[cfg(feature = "cli")]
pub mod cli;
pub mod dat;
pub mod geometry;
pub mod panel;

use serde::{Deserialize, Serialize};

pub use boundary::{LayerOptions, SurfaceLayer};
pub use geometry::{cst, naca4, Airfoil, Shape};
pub use panel::Inviscid;

use crate::{Error, Result};

/// Flow conditions of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Conditions {
    /// Angle of attack (degrees).
    pub alpha_deg: f64,
    /// Chord Reynolds number.
    pub reynolds: f64,
    /// Forced transition (chord fraction) on both surfaces, when given.
    #[serde(default)]
    pub trip: Option<f64>,
}

impl Default for Conditions {
    fn default() -> Self {
        Conditions {
            alpha_deg: 4.0,
            reynolds: 1e6,
            trip: None,
        }
    }
}

/// Lift, drag and what the boundary layer did, for one airfoil at one condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Polar {
    pub name: String,
    pub alpha_deg: f64,
    pub reynolds: f64,
    /// Inviscid lift coefficient (pressure integral).
    pub cl: f64,
    /// Profile drag coefficient (Squire–Young, both surfaces).
    pub cd: f64,
    /// Lift-to-drag ratio cl / cd.
    pub ld: f64,
    /// Quarter-chord pitching moment (inviscid).
    pub cm: f64,
    pub upper: SurfaceLayer,
    pub lower: SurfaceLayer,
    /// Turbulent separation ahead of 95 % chord on either surface: the drag is then a lower
    /// bound and the lift an over-estimate.
    pub separated: bool,
    pub shape: Shape,
}

/// Lift, drag and L/D of `airfoil` at `cond`; bad geometry or conditions are errors.
pub fn evaluate(airfoil: &Airfoil, cond: &Conditions) -> Result<(Polar, Inviscid)> {
    let inv = panel::solve(airfoil, cond.alpha_deg)?;
    let (upper, lower) = boundary::layers(
        &inv,
        &LayerOptions {
            reynolds: cond.reynolds,
            trip: cond.trip,
        },
    )?;
    let cd = upper.cd + lower.cd;
    if !(cd.is_finite() && cd > 0.0) {
        return Err(Error::input(format!(
            "airfoil `{}`: the boundary layer gave no finite drag",
            airfoil.name
        )));
    }
    let sep = |l: &SurfaceLayer| l.x_separation.is_some_and(|x| x < 0.95);
    let polar = Polar {
        name: airfoil.name.clone(),
        alpha_deg: cond.alpha_deg,
        reynolds: cond.reynolds,
        cl: inv.cl,
        cd,
        ld: inv.cl / cd,
        cm: inv.cm_quarter,
        separated: sep(&upper) || sep(&lower),
        upper,
        lower,
        shape: airfoil.shape(),
    };
    Ok((polar, inv))
}
