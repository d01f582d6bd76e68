//! Running a trained node classifier on a user's own graph (either supported layout): class and
//! probability for every node, and the accuracy on the nodes that carry labels. This is the
//! inference side of the crate: nothing here depends on a reproduction; `graphfm` trains the
//! classifier and saves it through [`save`], and `deepfield-graph predict` calls [`predict`].
//!
//! # The model folder
//! A classifier is saved as a [`NodeClassifierConfig`] — the GNN encoder's config plus what
//! prediction needs besides the weights (feature count, row normalisation, class names) — in a
//! checkpoint folder laid out like the registry's ([`deepfield_core::models::save_model`]):
//! `model.safetensors` whose metadata records the kind [`NodeClassifierConfig::KIND`]
//! (`graph.node_classifier`) and the config ([`checkpoint::save_weights_with_metadata`]), so
//! `deepfield-graph inspect DIR` names and describes it; `config.json` holding
//! `{"kind", "config"}`; and `metrics.json`. Folders written before kinds (`config.json` holding
//! the training config and the preprocessing, no kind) still load through [`load`].
//!
//! # Why the node classifier is not in the model registry
//! [`deepfield_core::models::ModelRegistry`] rebuilds [`ModelConfig`]s whose model is a
//! [`Forward`]: a tensor batch in, a tensor out, each row on its own — which is what the shared
//! `predict --input batch.safetensors` command feeds it. A GNN's forward pass needs the graph too
//! ([`Encoder::forward`]`(x, &MessageGraph, train)`: the node features *and* the normalised
//! adjacency), and a node's output depends on its neighbours, so there is no batch of
//! independent rows to hand to `Box<dyn Forward>`. A registry of graph-input models would need:
//! * a model trait over a graph input in core — e.g. `GraphForward::forward(&self, x, graph,
//!   train)` with a core-level graph type (core's `Forward` carries only an optional mask), and
//!   `ModelConfig` generic over the model trait (or a second `GraphModelConfig` with its own
//!   entry table), so `restore` can return `Box<dyn GraphForward>`;
//! * a graph input format for the shared `predict` command (a node file plus an edge list, or
//!   the adjacency as COO index/value tensors beside `input` in the safetensors file), and the
//!   graph preprocessing (self-loops, normalisation, feature widening and row normalisation,
//!   as [`Prepared`] and [`predict`] do here) moved where core can run it;
//! * sampled mini-batch inference for graphs too large for one forward pass.
//!
//! Until then the classifier keeps the registry's folder layout and kind metadata, and
//! `deepfield-graph predict --model DIR` runs it.
//!
//! [`ModelConfig`]: deepfield_core::models::ModelConfig
//! [`Forward`]: deepfield_core::Forward
//! [`Encoder::forward`]: crate::encoder::Encoder::forward

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::checkpoint;
use deepfield_core::tch::{nn, Device, Kind};
use serde::{Deserialize, Serialize};

use crate::encoder::{Encoder, EncoderConfig};
use crate::error::ensure_cfg;
use crate::io::GraphSource;
use crate::train::Prepared;
use crate::{GraphError, Result};

/// A trained GNN node classifier as saved: the encoder (whose last layer gives the class logits)
/// and the preprocessing its inputs need. [`build`](Self::build) makes the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeClassifierConfig {
    /// The GNN; its output width is the number of classes.
    pub encoder: EncoderConfig,
    /// Feature columns the model expects (a graph with fewer is widened with zeros).
    pub features: usize,
    /// Scale every feature row to sum 1 before the forward pass.
    pub normalize_features: bool,
    /// Class names, in the order of the encoder's outputs.
    pub class_names: Vec<String>,
}

impl NodeClassifierConfig {
    /// The kind recorded in the checkpoint (the naming of the model registry's kinds).
    pub const KIND: &'static str = "graph.node_classifier";

    /// Check that the parts agree.
    pub fn validate(&self) -> Result<()> {
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

    /// Create the encoder's parameters under `path` (fresh, or before loading saved weights).
    pub fn build(&self, path: &nn::Path) -> Result<Encoder> {
        self.validate()?;
        self.encoder.init(path)
    }
}

/// The `config.json` that [`save`] writes.
#[derive(Serialize, Deserialize)]
struct Saved<C> {
    kind: String,
    config: C,
}

/// Save a trained classifier into the checkpoint folder `dir` (see the [module docs](self)):
/// the weights with the kind and config in their metadata, `config.json`, and `metrics` (a stale
/// `metrics.json` is removed when `None`).
pub fn save<M: Serialize>(
    dir: &Path,
    vs: &nn::VarStore,
    config: &NodeClassifierConfig,
    metrics: Option<&M>,
) -> Result<()> {
    config.validate()?;
    let text = serde_json::to_string(config).map_err(|source| deepfield_core::Error::Json {
        context: format!("serializing the `{}` config", NodeClassifierConfig::KIND),
        source,
    })?;
    let metadata = BTreeMap::from([
        (
            checkpoint::META_KIND.to_string(),
            NodeClassifierConfig::KIND.to_string(),
        ),
        (checkpoint::META_CONFIG.to_string(), text),
    ]);
    deepfield_core::fsutil::create_dir_all(dir)?;
    checkpoint::save_weights_with_metadata(&checkpoint::weights_path(dir), vs, &metadata)?;
    let saved = Saved {
        kind: NodeClassifierConfig::KIND.to_string(),
        config,
    };
    deepfield_core::fsutil::write_json(&dir.join(checkpoint::CONFIG_FILE), &saved)?;
    let metrics_path = dir.join(checkpoint::METRICS_FILE);
    match metrics {
        Some(m) => deepfield_core::fsutil::write_json(&metrics_path, m)?,
        None if metrics_path.exists() => std::fs::remove_file(&metrics_path)
            .map_err(|e| deepfield_core::Error::io(&metrics_path, e))?,
        None => {}
    }
    Ok(())
}

/// Load the classifier saved in `dir` on `device`: its config, parameters and encoder. Reads
/// folders written by [`save`] and older ones.
pub fn load(dir: &Path, device: Device) -> Result<(NodeClassifierConfig, nn::VarStore, Encoder)> {
    let config = stored_config(dir)?;
    let mut vs = nn::VarStore::new(device);
    let encoder = config.build(&vs.root())?;
    checkpoint::load_weights(&checkpoint::weights_path(dir), &mut vs)?;
    Ok((config, vs, encoder))
}

/// The config of the classifier in `dir`: `{"kind", "config"}` in `config.json`, or the layout
/// written before kinds ([`OlderSaved`]).
fn stored_config(dir: &Path) -> Result<NodeClassifierConfig> {
    let kind =
        checkpoint::read_metadata(&checkpoint::weights_path(dir))?.remove(checkpoint::META_KIND);
    let json: serde_json::Value = checkpoint::load(dir)?;
    let config_path = dir.join(checkpoint::CONFIG_FILE);
    let kind = kind.or_else(|| json.get("kind").and_then(|k| k.as_str()).map(String::from));
    let parsed = match kind.as_deref() {
        Some(NodeClassifierConfig::KIND) => {
            serde_json::from_value::<Saved<NodeClassifierConfig>>(json).map(|s| s.config)
        }
        Some(other) => {
            return Err(GraphError::config(format!(
                "{}: holds a `{other}` model, not a `{}`",
                dir.display(),
                NodeClassifierConfig::KIND
            )))
        }
        None => serde_json::from_value::<OlderSaved>(json).map(OlderSaved::into_config),
    };
    parsed.map_err(|e| {
        GraphError::config(format!(
            "{}: not a node classifier config ({e})",
            config_path.display()
        ))
    })
}

/// `config.json` of a classifier saved before kinds: the supervised training config (of which
/// prediction needs the encoder) and the preprocessing.
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

impl OlderSaved {
    fn into_config(self) -> NodeClassifierConfig {
        NodeClassifierConfig {
            encoder: self.config.encoder,
            features: self.features,
            normalize_features: self.normalize_features,
            class_names: self.class_names,
        }
    }
}

/// Predictions on a graph.
#[derive(Debug, Clone, Serialize)]
pub struct Predictions {
    pub ids: Vec<String>,
    pub classes: Vec<String>,
    pub probabilities: Vec<f64>,
    /// Accuracy over the labelled nodes (test nodes only when the graph has a split).
    pub accuracy: Option<f64>,
    pub scored_nodes: usize,
}

/// Load the classifier in `model` and predict every node of `source`; write
/// `node,predicted,probability[,label]` to `out` when given.
pub fn predict(model: &Path, source: &GraphSource, out: Option<&Path>) -> Result<Predictions> {
    let device = deepfield_core::device();
    let (saved, _vs, enc) = load(model, device)?;
    let mut graph = source.load()?;
    if graph.n_features() > saved.features {
        return Err(GraphError::invalid(format!(
            "the graph has {} feature columns, the model was trained on {}",
            graph.n_features(),
            saved.features
        )));
    }
    // Feature indices beyond the largest one present are simply absent: widen to the model's size.
    graph.features.n_cols = saved.features;
    if saved.normalize_features {
        graph.features.row_normalize();
    }
    let data = Prepared::new(graph, device)?;
    let probs = deepfield_core::tch::no_grad(|| {
        enc.forward(&data.x, &data.mg, false)
            .softmax(-1, Kind::Float)
    });
    let (p, c) = probs.max_dim(1, false);
    let p = Vec::<f64>::try_from(p.to_kind(Kind::Double).to_device(Device::Cpu))?;
    let c = Vec::<i64>::try_from(c.to_device(Device::Cpu))?;
    let g = &data.graph;
    let name = |k: i64| {
        saved
            .class_names
            .get(k as usize)
            .cloned()
            .unwrap_or_else(|| k.to_string())
    };
    // Labels of the user's graph are compared by class name.
    let scored: Vec<usize> = match &g.split {
        Some(s) => s.test.clone(),
        None => (0..g.n_nodes()).filter(|&i| g.labels[i] >= 0).collect(),
    };
    let correct = scored
        .iter()
        .filter(|&&i| g.labels[i] >= 0 && g.class_names[g.labels[i] as usize] == name(c[i]))
        .count();
    let accuracy = (!scored.is_empty()).then(|| correct as f64 / scored.len() as f64);
    let classes: Vec<String> = c.iter().map(|&k| name(k)).collect();
    if let Some(out) = out {
        let rows = (0..g.n_nodes()).map(|i| {
            let label = if g.labels[i] >= 0 {
                g.class_names[g.labels[i] as usize].clone()
            } else {
                String::new()
            };
            [
                g.ids[i].clone(),
                classes[i].clone(),
                format!("{:.6}", p[i]),
                label,
            ]
        });
        deepfield_core::fsutil::write_csv(
            out,
            ["node", "predicted", "probability", "label"],
            rows,
        )?;
    }
    Ok(Predictions {
        ids: g.ids.clone(),
        classes,
        probabilities: p,
        accuracy,
        scored_nodes: scored.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoder::LayerKind;
    use deepfield_core::tch::Tensor;

    /// Eight nodes of two classes, three feature columns, a ring of edges.
    fn graph_files(dir: &Path) -> GraphSource {
        let nodes = dir.join("nodes.csv");
        let edges = dir.join("edges.csv");
        let mut text = String::from("id,label,f0,f1,f2\n");
        for i in 0..8 {
            let c = if i < 4 { "a" } else { "b" };
            text += &format!("n{i},{c},{},{},{}\n", i % 3, (i + 1) % 2, i / 4);
        }
        std::fs::write(&nodes, text).unwrap();
        let ring: String = (0..8).map(|i| format!("n{i},n{}\n", (i + 1) % 8)).collect();
        std::fs::write(&edges, ring).unwrap();
        GraphSource::CsvPair { nodes, edges }
    }

    fn config() -> NodeClassifierConfig {
        NodeClassifierConfig {
            encoder: EncoderConfig::new(LayerKind::Gcn, 3, [4, 2]),
            features: 3,
            normalize_features: true,
            class_names: vec!["a".into(), "b".into()],
        }
    }

    fn logits(enc: &Encoder, source: &GraphSource, device: Device) -> Tensor {
        let mut g = source.load().unwrap();
        g.features.row_normalize();
        let data = Prepared::new(g, device).unwrap();
        deepfield_core::tch::no_grad(|| enc.forward(&data.x, &data.mg, false))
    }

    #[test]
    fn saved_classifier_names_its_kind_and_predicts_alike() {
        deepfield_core::tch::manual_seed(0);
        let device = deepfield_core::device();
        let tmp = tempfile::tempdir().unwrap();
        let source = graph_files(tmp.path());
        let dir = tmp.path().join("model");
        let config = config();
        let vs = nn::VarStore::new(device);
        let enc = config.build(&vs.root()).unwrap();
        save(
            &dir,
            &vs,
            &config,
            Some(&serde_json::json!({"test_accuracy": 0.5})),
        )
        .unwrap();

        let meta = checkpoint::read_metadata(&checkpoint::weights_path(&dir)).unwrap();
        assert_eq!(meta[checkpoint::META_KIND], "graph.node_classifier");
        let shown = deepfield_core::repro::cli::inspect(&crate::models().unwrap(), &dir).unwrap();
        assert!(shown.contains("graph.node_classifier"), "{shown}");
        // Not a `Forward` model, so not in the registry (see the module docs).
        assert!(!crate::models()
            .unwrap()
            .contains(NodeClassifierConfig::KIND));

        let (config2, _vs, enc2) = load(&dir, device).unwrap();
        assert_eq!(config2, config);
        assert!(logits(&enc2, &source, device).equal(&logits(&enc, &source, device)));
        let p = predict(&dir, &source, None).unwrap();
        assert_eq!(p.ids.len(), 8);
        assert_eq!(p.scored_nodes, 8);
    }

    #[test]
    fn folders_saved_before_kinds_still_predict() {
        deepfield_core::tch::manual_seed(1);
        let device = deepfield_core::device();
        let tmp = tempfile::tempdir().unwrap();
        let source = graph_files(tmp.path());
        let config = config();
        let vs = nn::VarStore::new(device);
        let _enc = config.build(&vs.root()).unwrap();
        let new = tmp.path().join("new");
        save(&new, &vs, &config, None::<&()>).unwrap();
        // The layout `graphfm` wrote before: the training config, the preprocessing beside it,
        // weights without metadata.
        let old = tmp.path().join("old");
        let older = serde_json::json!({
            "config": crate::supervised::SupervisedConfig {
                encoder: config.encoder.clone(),
                ..crate::supervised::SupervisedConfig::gcn(3, 2)
            },
            "normalize_features": true,
            "class_names": ["a", "b"],
            "features": 3,
        });
        checkpoint::save::<_, ()>(&old, &vs, &older, None).unwrap();
        assert_eq!(load(&old, device).unwrap().0, config);
        let (a, b) = (tmp.path().join("a.csv"), tmp.path().join("b.csv"));
        predict(&old, &source, Some(&a)).unwrap();
        predict(&new, &source, Some(&b)).unwrap();
        assert_eq!(
            std::fs::read_to_string(a).unwrap(),
            std::fs::read_to_string(b).unwrap()
        );

        // Another model's folder is a clear error.
        checkpoint::save::<_, ()>(&old, &vs, &serde_json::json!({"kind": "mlp"}), None).unwrap();
        let e = load(&old, device).unwrap_err().to_string();
        assert!(e.contains("`mlp`"), "{e}");
    }
}
