//! AutoML: model retrieval from a zoo of trained models (Know2Vec) and models assembled on
//! demand from a weight-sharing supernet (NN-Factory).

pub mod factory;
pub mod know2vec;
