//! Molecules and materials as graphs from 3-D coordinates: the extended XYZ format
//! ([`xyz`]), element symbols ([`elements`]), radius graphs with optional periodic boundaries
//! and triplets ([`neighbors`]), batches of structures with differentiable edge vectors
//! ([`batch`]) and the distance/angle basis functions ([`basis`]). The interatomic potentials
//! built on them are in [`crate::potential`].

pub mod basis;
pub mod batch;
pub mod elements;
pub mod neighbors;
pub mod xyz;

pub use batch::{MoleculeBatch, ReferenceEnergies, Structure};
pub use xyz::{read_xyz, write_xyz, Frame, XyzOptions};
