//! Simulators for data that is not public.

pub mod amd;

pub use amd::{simulate, KineticTest, KineticTestConfig, PARAMETERS};
