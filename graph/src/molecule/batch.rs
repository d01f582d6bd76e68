//! Structures with their neighbour lists, and mini-batches of them as one disjoint graph.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::tch::{Device, Kind, Tensor};

use super::elements;
use super::neighbors::{radius_graph, triplets, Neighbors};
use super::xyz::{read_xyz, Frame, XyzOptions};
use crate::{GraphError, Result};

/// Energies of the isolated atoms (eV) by atomic number: subtracted from total energies to
/// give atomisation energies, and added back to predictions.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReferenceEnergies(pub BTreeMap<i64, f64>);

impl ReferenceEnergies {
    /// Read an `isolated_atoms.xyz`: one single-atom frame with an energy per element.
    pub fn read(path: &Path) -> Result<Self> {
        let opts = XyzOptions {
            require_energy: true,
            ..Default::default()
        };
        let mut map = BTreeMap::new();
        for (f, fr) in read_xyz(path, &opts)?.iter().enumerate() {
            if fr.len() != 1 {
                return Err(GraphError::invalid(format!(
                    "{}: frame {}: an isolated-atom file holds one atom per frame, this frame has {}",
                    path.display(),
                    f + 1,
                    fr.len()
                )));
            }
            map.insert(fr.numbers[0], fr.energy.unwrap_or_default());
        }
        Ok(ReferenceEnergies(map))
    }

    /// Σ of the reference energies of `numbers`; an element without one is an error.
    pub fn sum(&self, numbers: &[i64]) -> Result<f64> {
        numbers
            .iter()
            .map(|z| {
                self.0.get(z).copied().ok_or_else(|| {
                    GraphError::invalid(format!(
                        "no isolated-atom energy for element {} (the model knows {})",
                        elements::symbol(*z),
                        self.0
                            .keys()
                            .map(|z| elements::symbol(*z))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
            })
            .sum()
    }
}

/// A frame with its neighbour list (and triplets), ready to be batched.
#[derive(Debug, Clone)]
pub struct Structure {
    /// The frame as read.
    pub frame: Frame,
    /// Edges within the cut-off.
    pub neighbors: Neighbors,
    /// Triplet edge pairs `(k→j, j→i)` (empty when not asked for).
    pub triplets: (Vec<i64>, Vec<i64>),
    /// Atomisation energy (eV): total energy minus the isolated atoms', when the frame has one.
    pub target: Option<f64>,
}

impl Structure {
    /// Find the neighbours of `frame` within `cutoff` (and its triplets when `with_triplets`);
    /// `reference` turns its energy into an atomisation energy.
    pub fn new(
        frame: Frame,
        cutoff: f64,
        with_triplets: bool,
        reference: &ReferenceEnergies,
    ) -> Result<Self> {
        let neighbors = radius_graph(
            &frame.positions,
            cutoff,
            frame.periodic_cell().as_ref(),
            frame.pbc,
        )?;
        let triplets = if with_triplets {
            triplets(&neighbors)
        } else {
            Default::default()
        };
        let target = match frame.energy {
            Some(e) => Some(e - reference.sum(&frame.numbers)?),
            None => None,
        };
        Ok(Structure {
            frame,
            neighbors,
            triplets,
            target,
        })
    }
}

/// Structures batched as one disjoint graph on a device.
#[derive(Debug)]
pub struct MoleculeBatch {
    /// Atomic numbers `[N]` (int64).
    pub numbers: Tensor,
    /// Positions `[N, 3]` (Å), without gradients.
    pub positions: Tensor,
    /// The structure of each atom `[N]` (int64).
    pub molecule: Tensor,
    /// Number of structures.
    pub n_molecules: i64,
    /// Atoms per structure `[M]` (float).
    pub n_atoms: Tensor,
    /// Edge sources `j` and targets `i` `[E]`, batch-global atom indices.
    pub src: Tensor,
    pub dst: Tensor,
    /// Image shifts `[E, 3]` (Å).
    pub shifts: Tensor,
    /// Triplets: the incoming edge `k→j` and the updated edge `j→i` `[T]`.
    pub trip_in: Tensor,
    pub trip_out: Tensor,
    /// Atomisation energies `[M]` (eV), when every structure has one.
    pub energy: Option<Tensor>,
    /// Forces `[N, 3]` (eV/Å), when every structure has them.
    pub forces: Option<Tensor>,
}

impl MoleculeBatch {
    /// Batch `items` in floating-point `kind` on `device`.
    pub fn new(items: &[&Structure], kind: Kind, device: Device) -> Result<Self> {
        if items.is_empty() {
            return Err(GraphError::invalid(
                "a molecule batch needs at least one structure",
            ));
        }
        let (mut numbers, mut pos, mut mol, mut n_atoms) = (vec![], vec![], vec![], vec![]);
        let (mut src, mut dst, mut shifts, mut tin, mut tout) =
            (vec![], vec![], vec![], vec![], vec![]);
        let (mut energy, mut forces) = (Some(vec![]), Some(vec![]));
        let (mut atom0, mut edge0) = (0i64, 0i64);
        for (m, s) in items.iter().enumerate() {
            let f = &s.frame;
            numbers.extend_from_slice(&f.numbers);
            pos.extend(f.positions.iter().flatten());
            mol.extend(std::iter::repeat_n(m as i64, f.len()));
            n_atoms.push(f.len() as f64);
            src.extend(s.neighbors.src.iter().map(|a| a + atom0));
            dst.extend(s.neighbors.dst.iter().map(|a| a + atom0));
            shifts.extend(s.neighbors.shifts.iter().flatten());
            tin.extend(s.triplets.0.iter().map(|e| e + edge0));
            tout.extend(s.triplets.1.iter().map(|e| e + edge0));
            energy = energy.and_then(|mut v: Vec<f64>| {
                v.push(s.target?);
                Some(v)
            });
            forces = forces.and_then(|mut v: Vec<f64>| {
                v.extend(f.forces.as_ref()?.iter().flatten());
                Some(v)
            });
            atom0 += f.len() as i64;
            edge0 += s.neighbors.len() as i64;
        }
        let fl = |v: &[f64]| Tensor::from_slice(v).to_kind(kind).to_device(device);
        let int = |v: &[i64]| Tensor::from_slice(v).to_device(device);
        let n_e = src.len() as i64;
        Ok(MoleculeBatch {
            numbers: int(&numbers),
            positions: fl(&pos).view([-1, 3]),
            molecule: int(&mol),
            n_molecules: items.len() as i64,
            n_atoms: fl(&n_atoms),
            src: int(&src),
            dst: int(&dst),
            shifts: fl(&shifts).view([n_e, 3]),
            trip_in: int(&tin),
            trip_out: int(&tout),
            energy: energy.map(|v| fl(&v)),
            forces: forces.map(|v| fl(&v).view([-1, 3])),
        })
    }

    /// Number of atoms.
    pub fn n_atoms_total(&self) -> i64 {
        self.numbers.size()[0]
    }

    /// Edge vectors `r_ji = x_j − x_i + s` `[E, 3]` as a differentiable function of `pos`
    /// `[N, 3]`.
    pub fn edge_vectors(&self, pos: &Tensor) -> Tensor {
        pos.index_select(0, &self.src) - pos.index_select(0, &self.dst) + &self.shifts
    }

    /// Sum per-atom values `[N]` into per-structure values `[M]`.
    pub fn sum_per_molecule(&self, per_atom: &Tensor) -> Tensor {
        Tensor::zeros([self.n_molecules], (per_atom.kind(), per_atom.device())).index_add(
            0,
            &self.molecule,
            per_atom,
        )
    }
}

/// Distances `[E]` and unit vectors `[E, 3]` of edge vectors `v` `[E, 3]`.
pub fn distances(v: &Tensor) -> (Tensor, Tensor) {
    let d = v.square().sum_dim_intlist(1, false, v.kind()).sqrt();
    let u = v / d.unsqueeze(1);
    (d, u)
}

/// Cosine of the triplet angles `[T]`: at `j`, between `x_i − x_j` and `x_k − x_j`, from the
/// unit edge vectors `u` `[E, 3]` (edge `j→i` points from `i` to `j`: `x_i − x_j = −r_ji`).
pub fn triplet_cosines(batch: &MoleculeBatch, u: &Tensor) -> Tensor {
    let a = -u.index_select(0, &batch.trip_out);
    let b = u.index_select(0, &batch.trip_in);
    (a * b).sum_dim_intlist(1, false, u.kind()).clamp(-1.0, 1.0)
}
