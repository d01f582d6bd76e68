//! Running a trained node classifier on a user's own graph (either supported layout): class and
//! probability for every node, and the accuracy on the nodes that carry labels.

use std::path::Path;

use deepfield_core::checkpoint;
use deepfield_core::tch::{nn, Kind};
use serde::{Deserialize, Serialize};

use crate::io::GraphSource;
use crate::supervised::SupervisedConfig;
use crate::train::Prepared;
use crate::{GraphError, Result};

/// What is saved beside a classifier's weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedClassifier {
    pub config: SupervisedConfig,
    pub normalize_features: bool,
    pub class_names: Vec<String>,
    /// Feature dimension the model expects.
    pub features: usize,
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
    let saved: SavedClassifier = checkpoint::load(model)?;
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
    let device = deepfield_core::device();
    let mut vs = nn::VarStore::new(device);
    let enc = saved.config.encoder.init(&vs.root())?;
    checkpoint::load_weights(&checkpoint::weights_path(model), &mut vs)?;
    let data = Prepared::new(graph, device)?;
    let probs = deepfield_core::tch::no_grad(|| {
        enc.forward(&data.x, &data.mg, false)
            .softmax(-1, Kind::Float)
    });
    let (p, c) = probs.max_dim(1, false);
    let p = Vec::<f64>::try_from(
        p.to_kind(Kind::Double)
            .to_device(deepfield_core::tch::Device::Cpu),
    )?;
    let c = Vec::<i64>::try_from(c.to_device(deepfield_core::tch::Device::Cpu))?;
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
