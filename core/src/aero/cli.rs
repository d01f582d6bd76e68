//! `deepfield-core airfoil`: lift, drag and L/D of a NACA 4-digit section, CST weights or a
//! Selig `.dat` file at one or more angles of attack, through core's panel method and boundary
//! layer (the evo-design reproduction's solver).

use std::path::PathBuf;

use crate::aero::{self, Airfoil, Conditions, Polar};
use crate::{Error, Result};

/// Arguments of `airfoil`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Args {
    /// A NACA 4-digit section, e.g. 2412.
    #[arg(long, conflicts_with_all = ["dat", "cst_upper"])]
    pub naca: Option<String>,
    /// A Selig-format coordinate file (upper surface from the trailing edge first).
    #[arg(long, conflicts_with = "cst_upper")]
    pub dat: Option<PathBuf>,
    /// CST upper-surface weights, comma separated (with --cst-lower).
    #[arg(
        long,
        value_delimiter = ',',
        requires = "cst_lower",
        allow_hyphen_values = true
    )]
    pub cst_upper: Option<Vec<f64>>,
    /// CST lower-surface weights, comma separated (negative below the chord line).
    #[arg(
        long,
        value_delimiter = ',',
        requires = "cst_upper",
        allow_hyphen_values = true
    )]
    pub cst_lower: Option<Vec<f64>>,
    /// Angles of attack in degrees, comma separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "4",
        allow_hyphen_values = true
    )]
    pub alpha: Vec<f64>,
    /// Chord Reynolds number.
    #[arg(long, default_value_t = 1e6)]
    pub re: f64,
    /// Panels per surface for NACA and CST sections.
    #[arg(long, default_value_t = 80)]
    pub panels: usize,
    /// Write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

fn airfoil(a: &Args) -> Result<Airfoil> {
    match (&a.naca, &a.dat, &a.cst_upper, &a.cst_lower) {
        (Some(code), None, None, None) => aero::naca4(code, a.panels),
        (None, Some(path), None, None) => aero::dat::read_selig(path),
        (None, None, Some(u), Some(l)) => aero::cst(u, l, a.panels),
        _ => Err(Error::config(
            "airfoil: give exactly one of --naca CODE, --dat FILE or --cst-upper … --cst-lower …",
        )),
    }
}

/// Run the command: print a table of the polars (and write them as JSON with `--json`).
pub fn run(a: &Args) -> Result<Vec<Polar>> {
    if a.alpha.is_empty() {
        return Err(Error::config("airfoil: --alpha needs at least one angle"));
    }
    let foil = airfoil(a)?;
    let shape = foil.shape();
    println!(
        "{}: {} panels, max thickness {:.2} % at {:.0} % chord, max camber {:.2} %",
        foil.name,
        foil.panels(),
        100.0 * shape.max_thickness,
        100.0 * shape.max_thickness_at,
        100.0 * shape.max_camber
    );
    println!(
        "{:>7} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8}  note",
        "alpha", "Cl", "Cd", "L/D", "Cm c/4", "xtr up", "xtr lo"
    );
    let mut polars = Vec::new();
    for &alpha in &a.alpha {
        let cond = Conditions {
            alpha_deg: alpha,
            reynolds: a.re,
            trip: None,
        };
        let (p, _) = aero::evaluate(&foil, &cond)?;
        println!(
            "{:>7.2} {:>8.4} {:>9.5} {:>8.1} {:>8.4} {:>8.3} {:>8.3}  {}",
            alpha,
            p.cl,
            p.cd,
            p.ld,
            p.cm,
            p.upper.x_transition,
            p.lower.x_transition,
            if p.separated {
                "turbulent separation: drag is a lower bound, lift an over-estimate"
            } else {
                ""
            }
        );
        polars.push(p);
    }
    if let Some(path) = &a.json {
        crate::fsutil::write_json(path, &polars)?;
        println!("written to {}", path.display());
    }
    Ok(polars)
}
