//! Graph-input models in the model registry ([`deepfield_core::models`]).
//!
//! A GNN's forward pass takes the graph, not one tensor batch: the node features *and* the
//! normalised adjacency ([`MessageGraph`]), and a node's output depends on its neighbours. So a
//! graph model is used through [`GraphModel`] rather than core's `Forward`; the registry holds
//! both in one table of kinds (`dyn GraphModel` is an
//! [`Interface`](deepfield_core::models::Interface)). A new graph model needs its config (a
//! [`ModelConfig`](deepfield_core::models::ModelConfig) whose `Model` implements
//! [`GraphModel`]), `deepfield_core::into_boxed!(dyn GraphModel: TheModel);` and a
//! `register::<TheConfig>()` line in [`crate::models()`]: then `save_model`,
//! `restore_as::<dyn GraphModel>`, `deepfield-graph eval` ([`crate::predict::evaluate`]) and
//! `deepfield-graph models` serve it.

use deepfield_core::models::Interface;
use deepfield_core::tch::Tensor;
use serde::{Deserialize, Serialize};

use crate::adjacency::MessageGraph;

/// A model whose input is a graph and whose outputs score every node's classes.
pub trait GraphModel {
    /// Class logits `[N, classes]` of node features `x` `[N, features]` (dense or sparse COO)
    /// over the graph `g`; `train` switches dropout and batch-norm statistics.
    fn forward(&self, x: &Tensor, g: &MessageGraph, train: bool) -> Tensor;

    /// What the model needs of a graph, and what its outputs mean.
    fn task(&self) -> &NodeTask;
}

impl Interface for dyn GraphModel {
    const INPUT: &'static str = "a graph (node features and adjacency; `deepfield-graph eval`)";
}

/// The node-classification task a graph model was trained for: the input it expects and the
/// classes of its outputs. Saved in its config, checked against a user's graph before the
/// forward pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeTask {
    /// Feature columns the model expects (a graph with other columns is refused).
    pub features: usize,
    /// Scale every feature row to sum 1 before the forward pass.
    pub normalize_features: bool,
    /// Class names, in the order of the model's outputs.
    pub class_names: Vec<String>,
}
