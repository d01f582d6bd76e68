//! Running a trained node classifier on a user's own graph (either supported layout): class and
//! probability for every node, and the accuracy on the nodes that carry labels. This is the
//! inference side of the crate: nothing here depends on a reproduction; `graphfm` trains the
//! classifier and saves it through [`save`], and `deepfield-graph eval` (alias `predict`) calls [`evaluate`].
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
//! * a graph input format for the shared `forward` command (a node file plus an edge list, or
//!   the adjacency as COO index/value tensors beside `input` in the safetensors file), and the
//!   graph preprocessing (self-loops, normalisation, feature widening and row normalisation,
//!   as [`Prepared`] and [`predict`] do here) moved where core can run it;
//! * sampled mini-batch inference for graphs too large for one forward pass.
//!
//! Until then the classifier keeps the registry's folder layout and kind metadata, and
//! `deepfield-graph eval --model DIR GRAPH` runs it.
//!
//! [`ModelConfig`]: deepfield_core::models::ModelConfig
//! [`Forward`]: deepfield_core::Forward
//! [`Encoder::forward`]: crate::encoder::Encoder::forward

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use deepfield_core::checkpoint;
use deepfield_core::metrics::classification::{
    classification_report_present, ClassificationReport,
};
use deepfield_core::tch::{nn, Device, Kind};
use serde::{Deserialize, Serialize};

use crate::encoder::{Encoder, EncoderConfig};
use crate::error::ensure_cfg;
use crate::io::GraphSource;
use crate::train::Prepared;
use crate::{Graph, GraphError, Result};

/// A trained GNN node classifier as saved: the encoder (whose last layer gives the class logits)
/// and the preprocessing its inputs need. [`build`](Self::build) makes the network.
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
    /// Accuracy over the labelled nodes (the `--labels` file's nodes when given; else the test
    /// nodes when the graph has a split, else every labelled node); `None` without labels.
    pub accuracy: Option<f64>,
    /// Every label-based metric over the same nodes, macro averages over the classes present
    /// among their true and predicted labels (scikit-learn's default).
    pub report: Option<ClassificationReport>,
    pub scored_nodes: usize,
}

/// Load the classifier in `model` and predict every node of `source`; write
/// `<id>,predicted,probability[,label]` to `out` when given (the id column keeps the input's
/// name).
pub fn predict(model: &Path, source: &GraphSource, out: Option<&Path>) -> Result<Predictions> {
    evaluate(model, source, None, out)
}

/// The true labels of a `--labels` file: a CSV/TSV whose header names an id column (the node
/// file's, `id` or `node`; else the first column) and a label column (`label`, `class` or `y`;
/// else the second column). Returns `(node index, label)` pairs.
fn read_labels(path: &Path, g: &Graph) -> Result<Vec<(usize, String)>> {
    let records = deepfield_core::fsutil::read_csv_records(path)?;
    let header = &records.header;
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n)))
    };
    let id_col = find(&[g.id_column.as_str(), "id", "node", "node_id"]).unwrap_or(0);
    let label_col = find(&["label", "class", "y"])
        .or((header.len() >= 2).then_some(usize::from(id_col == 0)))
        .ok_or_else(|| {
            GraphError::parse(
                path,
                1,
                "expected a header with an id column and a label column",
            )
        })?;
    let index: HashMap<&str, usize> = g
        .ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut out = Vec::new();
    for r in &records.rows {
        let (line, f) = (r.line, &r.fields);
        let (Some(id), Some(label)) = (f.get(id_col), f.get(label_col)) else {
            return Err(GraphError::parse(
                path,
                line as usize,
                format!(
                    "{} fields, expected at least {}",
                    f.len(),
                    id_col.max(label_col) + 1
                ),
            ));
        };
        let Some(&i) = index.get(id.as_str()) else {
            return Err(GraphError::parse(
                path,
                line as usize,
                format!("node `{id}` is not in the graph"),
            ));
        };
        if !label.is_empty() && label != "-1" {
            out.push((i, label.clone()));
        }
    }
    Ok(out)
}

/// Check that `graph` is data the classifier `saved` (from `model`) can be run on: the same
/// feature columns, and no label outside its classes.
fn check_compatible(saved: &NodeClassifierConfig, model: &Path, g: &Graph) -> Result<()> {
    if g.n_features() != saved.features {
        return Err(GraphError::invalid(format!(
            "the graph has {} feature columns, the model in {} was trained on {}: it was trained \
             on another graph (features must be the same columns, in the same order)",
            g.n_features(),
            model.display(),
            saved.features
        )));
    }
    let unknown: BTreeSet<&str> = g
        .labels
        .iter()
        .filter(|&&l| l >= 0)
        .map(|&l| g.class_names[l as usize].as_str())
        .filter(|n| !saved.class_names.iter().any(|c| c == n))
        .collect();
    if !unknown.is_empty() {
        return Err(GraphError::invalid(format!(
            "the graph's labels {} are not classes of the model in {} (its {} classes: {}): it \
             was trained on another graph",
            unknown
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            model.display(),
            saved.class_names.len(),
            saved.class_names.join(", ")
        )));
    }
    Ok(())
}

/// [`predict`], scored against the labels of the `labels` file when given (else the graph's
/// own labels).
pub fn evaluate(
    model: &Path,
    source: &GraphSource,
    labels: Option<&Path>,
    out: Option<&Path>,
) -> Result<Predictions> {
    let device = deepfield_core::device();
    let (saved, _vs, enc) = load(model, device)?;
    let mut graph = source.load()?;
    check_compatible(&saved, model, &graph)?;
    let truth: Vec<(usize, String)> = match labels {
        Some(path) => {
            let t = read_labels(path, &graph)?;
            if let Some((_, l)) = t.iter().find(|(_, l)| !saved.class_names.contains(l)) {
                return Err(GraphError::invalid(format!(
                    "{}: label `{l}` is not a class of the model in {} ({})",
                    path.display(),
                    model.display(),
                    saved.class_names.join(", ")
                )));
            }
            t
        }
        None => {
            let g = &graph;
            let nodes: Vec<usize> = match &g.split {
                Some(s) => s.test.clone(),
                None => (0..g.n_nodes()).collect(),
            };
            nodes
                .into_iter()
                .filter(|&i| g.labels[i] >= 0)
                .map(|i| (i, g.class_names[g.labels[i] as usize].clone()))
                .collect()
        }
    };
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
    let classes: Vec<String> = c.iter().map(|&k| name(k)).collect();
    let (accuracy, report) = score(&truth, &classes)?;
    if let Some(out) = out {
        let mut label_of = vec![String::new(); g.n_nodes()];
        if labels.is_some() {
            for (i, l) in &truth {
                label_of[*i] = l.clone();
            }
        } else {
            for (i, &l) in g.labels.iter().enumerate() {
                if l >= 0 {
                    label_of[i] = g.class_names[l as usize].clone();
                }
            }
        }
        let rows = (0..g.n_nodes()).map(|i| {
            [
                g.ids[i].clone(),
                classes[i].clone(),
                format!("{:.6}", p[i]),
                label_of[i].clone(),
            ]
        });
        deepfield_core::fsutil::write_csv(
            out,
            [g.id_column.as_str(), "predicted", "probability", "label"],
            rows,
        )?;
    }
    Ok(Predictions {
        ids: g.ids.clone(),
        classes,
        probabilities: p,
        accuracy,
        report,
        scored_nodes: truth.len(),
    })
}

/// Accuracy and the classification report of the predicted class names against `truth`
/// (`None` without labelled nodes); classes are those present among the true and predicted
/// labels of the scored nodes.
fn score(
    truth: &[(usize, String)],
    predicted: &[String],
) -> Result<(Option<f64>, Option<ClassificationReport>)> {
    if truth.is_empty() {
        return Ok((None, None));
    }
    let y_true: Vec<&str> = truth.iter().map(|(_, l)| l.as_str()).collect();
    let y_pred: Vec<&str> = truth.iter().map(|(i, _)| predicted[*i].as_str()).collect();
    let (_, report) = classification_report_present(&y_true, &y_pred)?;
    Ok((Some(report.accuracy), Some(report)))
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

    /// A model trained on another graph: other feature columns or other classes are refused
    /// (they used to be padded with zeros and scored).
    #[test]
    fn a_model_from_another_graph_is_refused() {
        deepfield_core::tch::manual_seed(2);
        let device = deepfield_core::device();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("model");
        let vs = nn::VarStore::new(device);
        config().build(&vs.root()).unwrap();
        save(&dir, &vs, &config(), None::<&()>).unwrap();
        let (nodes, edges) = (tmp.path().join("n.csv"), tmp.path().join("e.csv"));
        std::fs::write(&edges, "n0,n1\n").unwrap();
        let source = GraphSource::CsvPair {
            nodes: nodes.clone(),
            edges,
        };
        std::fs::write(&nodes, "id,label,f0,f1\nn0,a,1,0\nn1,b,0,1\n").unwrap();
        let e = predict(&dir, &source, None).unwrap_err().to_string();
        assert!(
            e.contains("2 feature columns") && e.contains("trained on 3"),
            "{e}"
        );
        std::fs::write(&nodes, "id,label,f0,f1,f2\nn0,a,1,0,0\nn1,c,0,1,0\n").unwrap();
        let e = predict(&dir, &source, None).unwrap_err().to_string();
        assert!(e.contains("`c`") && e.contains("2 classes: a, b"), "{e}");
    }

    /// `--labels`: the scored nodes are the file's, metrics over the classes present, the id
    /// column keeps its name; one labelled node still gives predictions and an accuracy.
    #[test]
    fn labels_file_scores_its_nodes() {
        deepfield_core::tch::manual_seed(3);
        let device = deepfield_core::device();
        let tmp = tempfile::tempdir().unwrap();
        let source = graph_files(tmp.path());
        let dir = tmp.path().join("model");
        let vs = nn::VarStore::new(device);
        config().build(&vs.root()).unwrap();
        save(&dir, &vs, &config(), None::<&()>).unwrap();
        let all = predict(&dir, &source, None).unwrap();
        let labels = tmp.path().join("labels.csv");
        std::fs::write(&labels, "id,label\nn0,a\nn5,b\n").unwrap();
        let out = tmp.path().join("p.csv");
        let p = evaluate(&dir, &source, Some(&labels), Some(&out)).unwrap();
        assert_eq!(p.scored_nodes, 2);
        let want = [("a", 0), ("b", 5)]
            .iter()
            .filter(|(l, i)| all.classes[*i] == *l)
            .count() as f64
            / 2.0;
        assert_eq!(p.accuracy, Some(want));
        let rows = deepfield_core::testing::assert_csv(
            &out,
            &["id", "predicted", "probability", "label"],
            8,
        );
        assert_eq!(
            (
                rows[0][3].as_str(),
                rows[1][3].as_str(),
                rows[5][3].as_str()
            ),
            ("a", "", "b")
        );
        // A TSV goes through core's reader too: RFC 4180 quotes, blank lines skipped.
        std::fs::write(&labels, "node\tclass\n\n\"n3\"\t\"a\"\n").unwrap();
        let tsv = tmp.path().join("labels.tsv");
        std::fs::rename(&labels, &tsv).unwrap();
        let p = evaluate(&dir, &source, Some(&tsv), None).unwrap();
        assert_eq!(p.scored_nodes, 1);
        let r = p.report.unwrap();
        assert_eq!(r.accuracy, if all.classes[3] == "a" { 1.0 } else { 0.0 });
        // Unknown nodes and classes are errors naming the line.
        std::fs::write(&labels, "id,label\nn0,a\nzz,b\n").unwrap();
        let e = evaluate(&dir, &source, Some(&labels), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("labels.csv:3") && e.contains("`zz`"), "{e}");
        std::fs::write(&labels, "id,label\nn0,q\n").unwrap();
        let e = evaluate(&dir, &source, Some(&labels), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("label `q`"), "{e}");
    }
}
