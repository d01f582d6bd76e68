//! The vision reproductions (`deepfield-vision repro <id>`).

pub mod cond_gan;
pub mod galaxy;
pub mod lie_equivariant;
pub mod quantum_creep;
pub mod smooth_gradcam;
pub mod tablesense;
pub mod trsa;

use deepfield_core::repro::{Reproduction, Typed};

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![
        Box::new(Typed(quantum_creep::QuantumCreep)),
        Box::new(Typed(galaxy::GalaxyRotinv)),
        Box::new(Typed(smooth_gradcam::SmoothGradCam)),
        Box::new(Typed(tablesense::TableSenseRepro)),
        Box::new(Typed(cond_gan::CondGan)),
        Box::new(Typed(lie_equivariant::LieEquivariant)),
        Box::new(Typed(trsa::Trsa)),
    ]
}
