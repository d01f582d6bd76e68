//! Running a trained graph model on a user's own graph (either supported layout): class and
//! probability for every node, and the accuracy on the nodes that carry labels. This is the
//! inference side of the crate: nothing here depends on a reproduction. The model folder is
//! restored through the model registry ([`crate::models()`], `restore_as::<dyn GraphModel>`),
//! so every registered graph model kind runs here (today `graph.node_classifier`,
//! [`crate::classifier`]), including folders saved before kinds were recorded; its
//! [`NodeTask`] says which feature columns and classes a graph must have.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use deepfield_core::metrics::classification::{
    classification_report_present, ClassificationReport,
};
use deepfield_core::models::ModelRegistry;
use deepfield_core::tch::{Device, Kind};
use serde::Serialize;

use crate::io::GraphSource;
use crate::model::{GraphModel, NodeTask};
use crate::train::Prepared;
use crate::{Graph, GraphError, Result};

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

/// Check that `graph` is data the model trained for `saved` (from `model`) can be run on: the
/// same feature columns, and no label outside its classes.
pub(crate) fn check_compatible(saved: &NodeTask, model: &Path, g: &Graph) -> Result<()> {
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
    evaluate_with(&crate::models()?, model, source, labels, out)
}

/// [`evaluate`] with the graph model kinds of `registry` (a program's own kinds beside
/// [`crate::models()`]'s).
pub fn evaluate_with(
    registry: &ModelRegistry,
    model: &Path,
    source: &GraphSource,
    labels: Option<&Path>,
    out: Option<&Path>,
) -> Result<Predictions> {
    let device = deepfield_core::device();
    let restored = registry.restore_as::<dyn GraphModel>(model, device)?;
    let (net, saved) = (&restored.model, restored.model.task());
    let mut graph = source.load()?;
    check_compatible(saved, model, &graph)?;
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
        net.forward(&data.x, &data.mg, false)
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
    use crate::classifier::NodeClassifierConfig;
    use crate::encoder::{EncoderConfig, LayerKind};
    use deepfield_core::checkpoint;
    use deepfield_core::models::{restore_model, save_model, ModelConfig};
    use deepfield_core::tch::{nn, Tensor};

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

    /// `config()` with fresh weights saved into `dir`: its store and the built model.
    fn save_fresh(
        dir: &Path,
        metrics: Option<&serde_json::Value>,
    ) -> (nn::VarStore, crate::classifier::NodeClassifier) {
        let vs = nn::VarStore::new(deepfield_core::device());
        let model = config().build(&vs.root()).unwrap();
        save_model(dir, &vs, &config(), metrics).unwrap();
        (vs, model)
    }

    fn logits(enc: &dyn GraphModel, source: &GraphSource, device: Device) -> Tensor {
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
        let (_vs, enc) = save_fresh(&dir, Some(&serde_json::json!({"test_accuracy": 0.5})));

        let meta = checkpoint::read_metadata(&checkpoint::weights_path(&dir)).unwrap();
        assert_eq!(meta[checkpoint::META_KIND], "graph.node_classifier");
        let shown = deepfield_core::repro::cli::inspect(&crate::models().unwrap(), &dir).unwrap();
        assert!(
            shown.contains("graph.node_classifier") && shown.contains("yes; takes a graph"),
            "{shown}"
        );
        let reg = crate::models().unwrap();
        assert!(reg.is::<dyn GraphModel>(NodeClassifierConfig::KIND));
        let restored = reg.restore_as::<dyn GraphModel>(&dir, device).unwrap();
        assert_eq!(restored.kind, "graph.node_classifier");
        assert!(logits(&*restored.model, &source, device).equal(&logits(&enc, &source, device)));

        let (config2, _vs, enc2) = restore_model::<NodeClassifierConfig>(&dir, device).unwrap();
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
        let new = tmp.path().join("new");
        let (vs, _) = save_fresh(&new, None);
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
        assert_eq!(
            restore_model::<NodeClassifierConfig>(&old, device)
                .unwrap()
                .0,
            config
        );
        let (a, b) = (tmp.path().join("a.csv"), tmp.path().join("b.csv"));
        predict(&old, &source, Some(&a)).unwrap();
        predict(&new, &source, Some(&b)).unwrap();
        assert_eq!(
            std::fs::read_to_string(a).unwrap(),
            std::fs::read_to_string(b).unwrap()
        );

        // Another model's folder is a clear error.
        checkpoint::save::<_, ()>(&old, &vs, &serde_json::json!({"kind": "mlp"}), None).unwrap();
        let e = crate::models()
            .unwrap()
            .restore_as::<dyn GraphModel>(&old, device)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`mlp`"), "{e}");
    }

    /// A model trained on another graph: other feature columns or other classes are refused
    /// (they used to be padded with zeros and scored).
    #[test]
    fn a_model_from_another_graph_is_refused() {
        deepfield_core::tch::manual_seed(2);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("model");
        save_fresh(&dir, None);
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
        let tmp = tempfile::tempdir().unwrap();
        let source = graph_files(tmp.path());
        let dir = tmp.path().join("model");
        save_fresh(&dir, None);
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
