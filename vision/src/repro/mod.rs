//! The vision reproductions (`deepfield-vision repro <id>`).

pub mod galaxy;
pub mod lie_equivariant;
pub mod quantum_creep;

use deepfield_core::repro::{Reproduction, Typed};

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![
        Box::new(Typed(quantum_creep::QuantumCreep)),
        Box::new(Typed(galaxy::GalaxyRotinv)),
        Box::new(Typed(lie_equivariant::LieEquivariant)),
    ]
}
