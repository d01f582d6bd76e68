//! Models: neural forecasters through core's builders ([`forecaster`]), classical baselines
//! ([`baselines`]) and the StackVAE-G anomaly detector ([`stackvae_g`]).

pub mod baselines;
pub mod forecaster;
pub mod stackvae_g;

pub use forecaster::{ForecastModel, Forecaster, ForecasterConfig};
pub use stackvae_g::{StackVaeG, StackVaeGConfig};
