//! # deepfield-timeseries
//!
//! Domain crate of deepfield for timeseries. It does its own preprocessing and then calls the shared
//! builders, Trainer, metrics and reports of [`deepfield_core`]. It depends on `deepfield-core`
//! only, never on another domain crate.
//!
//! Planned here (see the project roadmap): the timeseries reproductions. This crate is a documented empty
//! library until its issue lands.

pub use deepfield_core as core;
