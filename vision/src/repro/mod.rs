//! The vision reproductions (`deepfield-vision repro <id>`).

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn deepfield_core::repro::Reproduction>> {
    vec![]
}
