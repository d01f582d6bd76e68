//! The GNN node classifier as saved and restored through the model registry, kind
//! `graph.node_classifier`: a GCN / GraphSAGE / GAT / GIN [`Encoder`] whose last layer gives the
//! class logits, plus what prediction needs besides the weights ([`NodeTask`]). `graphfm`
//! trains it (the supervised GCN of its first seed) and saves it with
//! [`deepfield_core::models::save_model`]; [`crate::predict::evaluate`] restores it through
//! [`crate::models()`].
//!
//! Folders written before kinds (`config.json` holding the supervised training config and the
//! preprocessing beside it, weights without metadata) still restore:
//! [`NodeClassifierConfig::from_older`] reads that layout.

use deepfield_core::models::ModelConfig;
use deepfield_core::tch::{nn, Tensor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::adjacency::MessageGraph;
use crate::encoder::{Encoder, EncoderConfig};
use crate::error::ensure_cfg;
use crate::model::{GraphModel, NodeTask};

/// A trained GNN node classifier as saved: the encoder (whose output width is the number of
/// classes) and the preprocessing its inputs need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeClassifierConfig {
    /// The GNN; its output width is the number of classes.
    pub encoder: EncoderConfig,
    /// Feature columns the model expects (a graph with other columns is refused).
    pub features: usize,
    /// Scale every feature row to sum 1 before the forward pass.
    pub normalize_features: bool,
    /// Class names, in the order of the encoder's outputs.
    pub class_names: Vec<String>,
}

impl NodeClassifierConfig {
    /// Check that the parts agree.
    fn check(&self) -> crate::Result<()> {
        ensure_cfg!(
            self.encoder.input == self.features as i64,
            "node classifier: encoder input {} but {} features",
            self.encoder.input,
            self.features
        );
        ensure_cfg!(
            self.encoder.out_dim() == self.class_names.len() as i64,
            "node classifier: encoder output {} but {} class names",
            self.encoder.out_dim(),
            self.class_names.len()
        );
        Ok(())
    }

    /// The task part of the config.
    pub fn task(&self) -> NodeTask {
        NodeTask {
            features: self.features,
            normalize_features: self.normalize_features,
            class_names: self.class_names.clone(),
        }
    }
}

/// A built [`NodeClassifierConfig`].
#[derive(Debug)]
pub struct NodeClassifier {
    encoder: Encoder,
    task: NodeTask,
}

impl NodeClassifier {
    /// The GNN.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }
}

impl GraphModel for NodeClassifier {
    fn forward(&self, x: &Tensor, g: &MessageGraph, train: bool) -> Tensor {
        self.encoder.forward(x, g, train)
    }

    fn task(&self) -> &NodeTask {
        &self.task
    }
}

deepfield_core::into_boxed!(dyn GraphModel: NodeClassifier);

impl ModelConfig for NodeClassifierConfig {
    const KIND: &'static str = "graph.node_classifier";
    const DESCRIPTION: &'static str =
        "GNN node classifier (GCN/GraphSAGE/GAT/GIN encoder, class logits per node); graph input";
    type Model = NodeClassifier;

    fn validate(&self) -> deepfield_core::Result<()> {
        Ok(self.check()?)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<NodeClassifier> {
        self.check()?;
        Ok(NodeClassifier {
            encoder: self.encoder.init(path)?,
            task: self.task(),
        })
    }

    /// `config.json` of a classifier saved before kinds: the supervised training config (of
    /// which prediction needs the encoder) beside the preprocessing.
    fn from_older(config_json: &Value) -> Option<Self> {
        #[derive(Deserialize)]
        struct OlderSaved {
            config: OlderTraining,
            normalize_features: bool,
            class_names: Vec<String>,
            features: usize,
        }
        #[derive(Deserialize)]
        struct OlderTraining {
            encoder: EncoderConfig,
        }
        let old = OlderSaved::deserialize(config_json).ok()?;
        Some(NodeClassifierConfig {
            encoder: old.config.encoder,
            features: old.features,
            normalize_features: old.normalize_features,
            class_names: old.class_names,
        })
    }

    /// Kipf & Welling's two-layer GCN (16 hidden units) on a Cora-sized graph: 2,708 nodes,
    /// 1,433 features, 5,278 random undirected edges (seeded; the cost depends only on the
    /// sizes), 7 classes.
    fn example() -> Option<deepfield_core::profile::Example<Self>> {
        let (n, f, edges) = (2708usize, 1433i64, 5278usize);
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        let list: Vec<(usize, usize)> = (0..edges)
            .map(|_| {
                let a = next(n);
                (a, (a + 1 + next(n - 1)) % n)
            })
            .collect();
        let dev = deepfield_core::device();
        let g = MessageGraph::from_undirected(n, &list, dev).ok()?;
        let x = Tensor::rand([n as i64, f], (deepfield_core::tch::Kind::Float, dev));
        let config = NodeClassifierConfig {
            encoder: EncoderConfig::new(crate::encoder::LayerKind::Gcn, f, [16, 7]),
            features: f as usize,
            normalize_features: true,
            class_names: (0..7).map(|c| format!("class_{c}")).collect(),
        };
        let input = format!("graph: {n} nodes, {f} features, {edges} undirected edges");
        Some(deepfield_core::profile::Example::with(
            config,
            input,
            move |m: &NodeClassifier| Ok(m.forward(&x, &g, false)),
        ))
    }
}
