//! The spiking reproductions: `spiking-mnist` ([`mnist`]) and `hlop` (Hebbian Learning based
//! Orthogonal Projection on permuted MNIST).

pub mod mnist;
