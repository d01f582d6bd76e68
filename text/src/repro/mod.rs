//! The text reproductions (`deepfield-text repro <id>`).

use deepfield_core::repro::Reproduction;

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![]
}
