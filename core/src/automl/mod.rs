//! AutoML: model retrieval from a zoo of trained models, models assembled on demand.

pub mod know2vec;
