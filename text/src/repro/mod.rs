//! The text reproductions (`deepfield-text repro <id>`).

use deepfield_core::repro::{Reproduction, Typed};

pub mod legal_retrieval;

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![Box::new(Typed(legal_retrieval::LegalRetrieval))]
}
