//! GMNA: location classifiers on genomes and the network of their misclassifications.
//! Reading order: [`corpus`] → [`naive_bayes`] / [`cnn`] → [`network`] → [`folder`] (a saved
//! model) → [`predict`] (a trained model on your genomes, [`scores`] against your labels) →
//! [`repro`].

pub mod cnn;
pub mod corpus;
pub mod explain;
pub mod folder;
pub mod naive_bayes;
pub mod network;
pub mod predict;
pub mod repro;
pub mod scores;

pub use cnn::GmnaCnnConfig;
pub use naive_bayes::MultinomialNb;
pub use network::MisclassificationNetwork;
pub use predict::{evaluate_fasta, GmnaEval, GmnaNaiveBayes, LabelsSpec};
pub use repro::{Gmna, GmnaConfig, GmnaMetrics};
pub use scores::LabelScores;
