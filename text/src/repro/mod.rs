//! The text reproductions (`deepfield-text repro <id>`).

pub mod die_dat;

use deepfield_core::repro::{Reproduction, Typed};

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![Box::new(Typed(die_dat::DieDatRepro))]
}
