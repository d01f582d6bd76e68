//! The text reproductions (`deepfield-text repro <id>`).

pub mod deid_rnn;
pub mod die_dat;
pub mod legal_retrieval;
pub mod spikegpt;

use deepfield_core::repro::{Reproduction, Typed};

/// Every reproduction of this crate, one line each.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![
        Box::new(Typed(deid_rnn::DeidRnn)),
        Box::new(Typed(die_dat::DieDatRepro)),
        Box::new(Typed(spikegpt::SpikeGpt)),
        Box::new(Typed(legal_retrieval::LegalRetrieval)),
    ]
}
