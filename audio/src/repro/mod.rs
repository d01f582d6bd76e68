//! The reproductions of this crate (shared CLI: [`deepfield_core::repro::cli`]).

pub mod cough;
pub mod digits;
pub mod experiment;
pub mod report;

use deepfield_core::repro::Reproduction;

/// Every reproduction of deepfield-audio.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![Box::new(cough::CoughBilstm), Box::new(digits::SpokenDigits)]
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        deepfield_core::repro::catalog::check(crate::REPRODUCTIONS, &super::all()).unwrap();
    }
}
