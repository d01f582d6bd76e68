//! The design problem: a CST airfoil (upper and lower Bernstein weights, continuous) flown at
//! an integer angle of attack (discrete), scored by the panel method with its boundary layer
//! at a fixed Reynolds number. The objective is the lift-to-drag ratio, maximised.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::EvoDesignConfig;
use crate::aero::{self, Airfoil, Conditions, Polar};
use crate::hpo::{Params, Space};
use crate::{Error, Result};

/// What one solver evaluation gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub params: Params,
    /// L/D when the design is feasible (attached flow), else `None`.
    pub ld: Option<f64>,
    pub cl: f64,
    pub cd: f64,
    /// Why the design was rejected after the solver ran (separation), if it was.
    pub rejected: Option<String>,
}

/// The search space of `cfg`: `upper.i`, `lower.i` (CST weights) and `alpha_deg`.
pub fn space(cfg: &EvoDesignConfig) -> Result<Space> {
    let mut params = Vec::new();
    for i in 0..cfg.cst_weights {
        params.push(json!({"name": format!("upper.{i}"), "type": "float",
            "low": cfg.upper_range[0], "high": cfg.upper_range[1]}));
    }
    for i in 0..cfg.cst_weights {
        params.push(json!({"name": format!("lower.{i}"), "type": "float",
            "low": cfg.lower_range[0], "high": cfg.lower_range[1]}));
    }
    params.push(json!({"name": "alpha_deg", "type": "int",
        "low": cfg.alpha_deg[0], "high": cfg.alpha_deg[1]}));
    Space::from_json(&json!({ "params": params }).to_string(), "evo-design")
}

fn weights(params: &Params, side: &str, n: usize) -> Result<Vec<f64>> {
    (0..n)
        .map(|i| {
            let k = format!("{side}.{i}");
            params
                .get(&k)
                .and_then(|v| v.as_f64())
                .ok_or_else(|| Error::input(format!("evo-design: the design has no number `{k}`")))
        })
        .collect()
}

/// The airfoil and flow conditions of a design; geometry errors (crossing surfaces, too thin)
/// are `Err`.
pub fn airfoil(cfg: &EvoDesignConfig, params: &Params) -> Result<(Airfoil, Conditions)> {
    let up = weights(params, "upper", cfg.cst_weights)?;
    let lo = weights(params, "lower", cfg.cst_weights)?;
    let alpha = params
        .get("alpha_deg")
        .and_then(|v| v.as_f64())
        .ok_or_else(|| Error::input("evo-design: the design has no `alpha_deg`"))?;
    let mut a = aero::cst(&up, &lo, cfg.panels_per_side)?;
    let t = a.shape().max_thickness;
    if t < cfg.min_thickness {
        return Err(Error::input(format!(
            "max thickness {:.3} < the required {:.3}",
            t, cfg.min_thickness
        )));
    }
    a.name = "cst design".into();
    Ok((
        a,
        Conditions {
            alpha_deg: alpha,
            reynolds: cfg.reynolds,
            trip: None,
        },
    ))
}

/// Whether a design passes the geometry checks (cheap: no solver run).
pub fn feasible(cfg: &EvoDesignConfig, params: &Params) -> bool {
    airfoil(cfg, params).is_ok()
}

/// One solver evaluation (the design must be geometrically feasible).
pub fn score(cfg: &EvoDesignConfig, params: &Params) -> Result<(Scored, Polar)> {
    let (a, cond) = airfoil(cfg, params)?;
    let (polar, _) = aero::evaluate(&a, &cond)?;
    let rejected = if polar.separated {
        Some("turbulent separation before 95 % chord".to_string())
    } else if polar.cl <= 0.0 {
        Some("no lift".to_string())
    } else {
        None
    };
    Ok((
        Scored {
            params: params.clone(),
            ld: rejected.is_none().then_some(polar.ld),
            cl: polar.cl,
            cd: polar.cd,
            rejected,
        },
        polar,
    ))
}
