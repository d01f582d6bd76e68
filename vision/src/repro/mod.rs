//! The vision reproductions (`deepfield-vision repro <id>`).

pub mod quantum_creep;

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn deepfield_core::repro::Reproduction>> {
    vec![Box::new(deepfield_core::repro::Typed(
        quantum_creep::QuantumCreep,
    ))]
}
