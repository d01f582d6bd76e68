//! Markov jump processes (continuous-time Markov chains on a few states): the synthetic prior
//! of the FIM-MJP paper, the Gillespie simulator, observation on irregular noisy grids, and the
//! classical estimators the foundation model is compared with.
//!
//! Reading order:
//!
//! 1. [`rates`] — a rate matrix ([`RateMatrix`]), the discrete flashing ratchet ([`dfr`]).
//! 2. [`prior`] — the distribution over processes and observation grids ([`PriorConfig`]).
//! 3. [`simulate`] — Gillespie paths on `[0, T]` and their noisy observation ([`ObservedProcess`]).
//! 4. [`linalg`] — small dense matrices and the matrix exponential.
//! 5. [`em`] — maximum likelihood by expectation–maximisation for discretely observed chains
//!    (Bladt & Sørensen 2005; Van Loan's block-matrix integrals).
//! 6. [`neural`] — the per-process neural baseline (an MLP rate model fitted to one process's
//!    exact likelihood).
//! 7. [`features`] — observations as the FIM model's input tensor and its training target.
//! 8. [`csv`] — a user's observations (`path,time,state`) in and out.
//! 9. [`infer`] — zero-shot inference with a saved FIM model.

pub mod csv;
pub mod em;
pub mod features;
pub mod infer;
pub mod linalg;
pub mod neural;
pub mod prior;
pub mod rates;
pub mod simulate;

pub use em::{fit_em, EmConfig, MleFit};
pub use prior::PriorConfig;
pub use rates::{dfr, RateMatrix};
pub use simulate::{ObservedPath, ObservedProcess, Process};

/// The most states a process may have (the FIM model's output size).
pub const MAX_STATES: usize = 6;
