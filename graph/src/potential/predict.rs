//! A saved potential on a user's extended XYZ file: total energies and forces of every frame,
//! written as extended XYZ (`.xyz`/`.extxyz`) or CSV (one row per atom), and scored against
//! the file's own energies and forces when it has them.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::fit::{self, Errors};
use super::{param_kind, Potential};
use crate::molecule::xyz::{read_xyz, write_xyz, Frame, XyzOptions};
use crate::molecule::{elements, Structure};
use crate::{GraphError, Result};

/// What [`predict_file`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictSummary {
    /// The model's kind.
    pub kind: String,
    /// Frames predicted.
    pub frames: usize,
    /// Total energies (eV), one per frame.
    pub energies: Vec<f64>,
    /// Errors against the file's energies and forces, when every frame has both.
    pub errors: Option<Errors>,
}

/// Whether `path` names a file this command reads as molecules.
pub fn is_xyz(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("xyz" | "extxyz")
    )
}

/// Predict every frame of `input` with the potential saved in `model_dir`, writing the
/// predictions to `out` (extended XYZ, or CSV when it ends in `.csv`/`.tsv`) when given.
pub fn predict_file(model_dir: &Path, input: &Path, out: Option<&Path>) -> Result<PredictSummary> {
    let reg = crate::models()?;
    let restored = reg.restore_as::<dyn Potential>(model_dir, deepfield_core::device())?;
    let model: &dyn Potential = restored.model.as_ref();
    let setup = model.setup().clone();
    let frames = read_xyz(input, &XyzOptions::default())?;
    let mut items = Vec::with_capacity(frames.len());
    for (f, fr) in frames.into_iter().enumerate() {
        if let Some(z) = fr
            .numbers
            .iter()
            .find(|z| **z > setup.max_z || !setup.reference.0.contains_key(z))
        {
            return Err(GraphError::invalid(format!(
                "{}: frame {}: element {} is not one the model was trained on ({})",
                input.display(),
                f + 1,
                elements::symbol(*z),
                setup
                    .reference
                    .0
                    .keys()
                    .map(|z| elements::symbol(*z))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        items.push(Structure::new(
            fr,
            setup.cutoff,
            model.needs_triplets(),
            &setup.reference,
        )?);
    }
    let refs: Vec<&Structure> = items.iter().collect();
    let kind = param_kind(&restored.vs);
    let p = fit::predict(model, &refs, 16, kind, restored.vs.device())?;
    let labelled = items
        .iter()
        .all(|s| s.target.is_some() && s.frame.forces.is_some());
    let errors = if labelled {
        Some(fit::errors(&p, &refs)?)
    } else {
        None
    };
    let mut out_frames = Vec::with_capacity(items.len());
    let mut energies = Vec::with_capacity(items.len());
    let mut atom = 0;
    for (s, e) in items.iter().zip(&p.energies) {
        let total = e + setup.reference.sum(&s.frame.numbers)?;
        energies.push(total);
        let n = s.frame.len();
        let mut f: Frame = s.frame.clone();
        f.energy = Some(total);
        f.forces = Some(p.forces[atom..atom + n].to_vec());
        if let Some(e0) = s.frame.energy {
            f.info.insert("dft_energy".into(), format!("{e0}"));
        }
        atom += n;
        out_frames.push(f);
    }
    if let Some(out) = out {
        let csv = matches!(
            out.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("csv" | "tsv")
        );
        if csv {
            write_csv(out, &out_frames)?;
        } else {
            write_xyz(out, &out_frames)?;
        }
    }
    Ok(PredictSummary {
        kind: restored.kind.clone(),
        frames: out_frames.len(),
        energies,
        errors,
    })
}

fn write_csv(out: &Path, frames: &[Frame]) -> Result<()> {
    let mut rows = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let forces = f.forces.as_deref().unwrap_or(&[]);
        for (a, g) in forces.iter().enumerate() {
            rows.push([
                (i + 1).to_string(),
                (a + 1).to_string(),
                elements::symbol(f.numbers[a]).to_string(),
                format!("{}", f.energy.unwrap_or(f64::NAN)),
                format!("{}", g[0]),
                format!("{}", g[1]),
                format!("{}", g[2]),
            ]);
        }
    }
    Ok(deepfield_core::fsutil::write_csv(
        out,
        [
            "frame",
            "atom",
            "species",
            "energy_ev",
            "fx_ev_per_a",
            "fy_ev_per_a",
            "fz_ev_per_a",
        ],
        rows,
    )?)
}
