//! The vision reproductions (`deepfield-vision repro <id>`).

pub mod galaxy;

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn deepfield_core::repro::Reproduction>> {
    vec![Box::new(deepfield_core::repro::Typed(galaxy::GalaxyRotinv))]
}
