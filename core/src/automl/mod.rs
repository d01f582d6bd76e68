//! AutoML: models on demand and model retrieval over trained weights.

pub mod factory;
