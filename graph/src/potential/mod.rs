//! Machine-learned interatomic potentials: a model maps a structure to its energy, and the
//! forces are `F = −∂E/∂x` by autograd ([`energy_and_forces`]), so they are conservative.
//!
//! Two models: [`schnet`] (continuous-filter convolutions, Schütt et al. 2017) and [`gemnet`]
//! (a GemNet-OC-style directional model with triplet interactions, Gasteiger et al. 2022). Both
//! are registered kinds (`graph.schnet`, `graph.gemnet`) used through [`Potential`]; [`fit`]
//! trains them on energies and forces through core's trainer, [`predict`] runs a saved one on a
//! user's extended XYZ file.

pub mod fit;
pub mod gemnet;
pub mod predict;
pub mod schnet;

use deepfield_core::models::Interface;
use deepfield_core::tch::{Kind, Tensor};
use serde::{Deserialize, Serialize};

use crate::molecule::{MoleculeBatch, ReferenceEnergies};
use crate::Result;

/// A model of the potential energy of structures.
pub trait Potential {
    /// Atomisation energies `[M]` (eV) of the structures of `batch` at positions `pos` `[N, 3]`
    /// (the batch's own positions, possibly with gradients).
    fn energy(&self, batch: &MoleculeBatch, pos: &Tensor) -> Tensor;

    /// What the model needs of its input and how its outputs are scaled.
    fn setup(&self) -> &PotentialSetup;

    /// Whether batches need triplets.
    fn needs_triplets(&self) -> bool;
}

impl Interface for dyn Potential {
    const INPUT: &'static str =
        "molecules (an extended XYZ file; `deepfield-graph predict --model DIR FILE.xyz`)";
}

/// The part of a potential's config every model shares: cut-off, elements and the scaling of
/// its per-atom outputs, taken from the training frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PotentialSetup {
    /// Radius-graph cut-off (Å).
    pub cutoff: f64,
    /// Largest atomic number the embedding holds.
    pub max_z: i64,
    /// Mean atomisation energy per atom of the training frames (eV), added per atom.
    pub energy_shift: f64,
    /// Scale of the per-atom outputs (eV): the RMS of the training force components (eV/Å × 1 Å),
    /// as NequIP/MACE scale theirs.
    pub energy_scale: f64,
    /// Isolated-atom energies (eV) by atomic number: total energy = atomisation + Σ these.
    pub reference: ReferenceEnergies,
}

impl Default for PotentialSetup {
    fn default() -> Self {
        PotentialSetup {
            cutoff: 5.0,
            max_z: crate::molecule::elements::MAX_Z,
            energy_shift: 0.0,
            energy_scale: 1.0,
            reference: ReferenceEnergies::default(),
        }
    }
}

impl PotentialSetup {
    /// Check the values.
    pub fn validate(&self) -> deepfield_core::Result<()> {
        deepfield_core::ensure_config!(
            self.cutoff > 0.0 && self.cutoff.is_finite(),
            "potential: cutoff must be > 0"
        );
        deepfield_core::ensure_config!(self.max_z >= 1, "potential: max_z must be >= 1");
        deepfield_core::ensure_config!(
            self.energy_scale > 0.0
                && self.energy_scale.is_finite()
                && self.energy_shift.is_finite(),
            "potential: energy_scale must be > 0 and energy_shift finite"
        );
        Ok(())
    }

    /// Structure energies `[M]` from per-atom outputs `[N]`: Σ_i (scale · o_i + shift).
    pub fn total(&self, batch: &MoleculeBatch, per_atom: &Tensor) -> Tensor {
        batch.sum_per_molecule(&(per_atom * self.energy_scale + self.energy_shift))
    }
}

/// Energies `[M]` and forces `F = −∂E/∂x` `[N, 3]` of `batch`. With `create_graph` the forces
/// keep their graph so a loss on them trains the weights (double backward).
pub fn energy_and_forces(
    model: &dyn Potential,
    batch: &MoleculeBatch,
    create_graph: bool,
) -> Result<(Tensor, Tensor)> {
    let pos = batch.positions.detach().set_requires_grad(true);
    let e = model.energy(batch, &pos);
    let total = e.sum(e.kind());
    let g = Tensor::f_run_backward(&[&total], &[&pos], create_graph, create_graph)?;
    let grad = g.into_iter().next().ok_or_else(|| {
        crate::GraphError::invalid("autograd returned no gradient for the positions")
    })?;
    Ok((e, -grad))
}

/// The floating-point kind of a model's parameters (`Float` unless converted to `Double`).
pub fn param_kind(vs: &deepfield_core::tch::nn::VarStore) -> Kind {
    vs.trainable_variables()
        .first()
        .map_or(Kind::Float, Tensor::kind)
}
