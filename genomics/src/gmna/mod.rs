//! GMNA: location classifiers on genomes and the network of their misclassifications.
//! Reading order: [`corpus`] → [`naive_bayes`] / [`cnn`] → [`network`] → [`repro`].

pub mod cnn;
pub mod corpus;
pub mod naive_bayes;
pub mod network;
pub mod repro;

pub use naive_bayes::MultinomialNb;
pub use network::MisclassificationNetwork;
pub use repro::{evaluate_fasta, Gmna, GmnaConfig};
