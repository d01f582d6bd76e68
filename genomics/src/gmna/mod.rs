//! GMNA: location classifiers on genomes and the network of their misclassifications.
//! Reading order: [`corpus`] → [`naive_bayes`] / [`cnn`] → [`network`] → [`predict`] (a trained
//! model on your genomes) → [`repro`].

pub mod cnn;
pub mod corpus;
pub mod naive_bayes;
pub mod network;
pub mod predict;
pub mod repro;

pub use cnn::GmnaCnnConfig;
pub use naive_bayes::MultinomialNb;
pub use network::MisclassificationNetwork;
pub use predict::{evaluate_fasta, GmnaNaiveBayes};
pub use repro::{Gmna, GmnaConfig};
