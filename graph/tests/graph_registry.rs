//! Graph models in the model registry: `deepfield_graph::models()` holds the graph kinds beside
//! core's; a node classifier saved with `save_model` restores through the registry with the
//! same predictions; and a graph model defined here, outside the crate, needs only its config,
//! its forward pass and a registry line to be saved, restored and evaluated on a user's graph.

use std::path::Path;

use deepfield_core::models::{restore_model, save_model, ModelConfig};
use deepfield_core::tch::{nn, no_grad, Device, Kind, Tensor};
use deepfield_core::Forward;
use deepfield_graph::adjacency::MessageGraph;
use deepfield_graph::classifier::NodeClassifierConfig;
use deepfield_graph::encoder::{EncoderConfig, LayerKind};
use deepfield_graph::io::GraphSource;
use deepfield_graph::layers::{GcnConfig, GcnConv, GraphLayer};
use deepfield_graph::model::{GraphModel, NodeTask};
use deepfield_graph::predict::{evaluate, evaluate_with};
use deepfield_graph::train::Prepared;
use serde::{Deserialize, Serialize};

/// A Cora-like graph in miniature: 30 nodes in three communities (ring edges inside each, one
/// bridge between neighbouring communities), five bag-of-words features of which the
/// community's own words are set.
fn graph_files(dir: &Path) -> GraphSource {
    let (nodes, edges) = (dir.join("nodes.csv"), dir.join("edges.csv"));
    let mut text = String::from("paper,label,w0,w1,w2,w3,w4\n");
    for i in 0..30 {
        let c = i / 10;
        let words: Vec<String> = (0..5)
            .map(|w| u8::from(w == c || (w == 3 + i % 2 && i % 3 == 0)).to_string())
            .collect();
        text += &format!("p{i},topic{c},{}\n", words.join(","));
    }
    std::fs::write(&nodes, text).unwrap();
    let mut e = String::new();
    for c in 0..3 {
        for k in 0..10 {
            e += &format!("p{},p{}\n", c * 10 + k, c * 10 + (k + 1) % 10);
        }
        e += &format!("p{},p{}\n", c * 10, ((c + 1) % 3) * 10 + 5);
    }
    std::fs::write(&edges, e).unwrap();
    GraphSource::CsvPair { nodes, edges }
}

fn classes() -> Vec<String> {
    (0..3).map(|c| format!("topic{c}")).collect()
}

/// The model's logits on `source` prepared as `evaluate` does.
fn logits(model: &dyn GraphModel, source: &GraphSource) -> Tensor {
    let mut g = source.load().unwrap();
    if model.task().normalize_features {
        g.features.row_normalize();
    }
    let data = Prepared::new(g, Device::Cpu).unwrap();
    no_grad(|| model.forward(&data.x, &data.mg, false))
}

#[test]
fn the_registry_holds_the_graph_kinds_beside_cores() {
    let reg = deepfield_graph::models().unwrap();
    let kinds: Vec<&str> = reg.kinds().into_iter().map(|(k, _)| k).collect();
    assert!(kinds.contains(&"graph.node_classifier"), "{kinds:?}");
    assert!(
        kinds.contains(&"mlp") && kinds.contains(&"cnn"),
        "{kinds:?}"
    );
    assert!(reg.is::<dyn GraphModel>("graph.node_classifier"));
    assert!(!reg.is::<dyn Forward>("graph.node_classifier"));
    assert!(reg
        .input_of("graph.node_classifier")
        .unwrap()
        .contains("graph"));
}

#[test]
fn a_saved_node_classifier_restores_through_the_registry_with_the_same_predictions() {
    deepfield_core::tch::manual_seed(7);
    let tmp = tempfile::tempdir().unwrap();
    let source = graph_files(tmp.path());
    let dir = tmp.path().join("model");
    let mut encoder = EncoderConfig::new(LayerKind::Gat, 5, [8, 3]);
    encoder.heads = vec![2, 1];
    let config = NodeClassifierConfig {
        encoder,
        features: 5,
        normalize_features: true,
        class_names: classes(),
    };
    let vs = nn::VarStore::new(Device::Cpu);
    let model = config.build(&vs.root()).unwrap();
    save_model::<_, ()>(&dir, &vs, &config, None).unwrap();

    let restored = deepfield_graph::models()
        .unwrap()
        .restore_as::<dyn GraphModel>(&dir, Device::Cpu)
        .unwrap();
    assert_eq!(restored.kind, "graph.node_classifier");
    assert_eq!(restored.model.task(), &config.task());
    let want = logits(&model, &source);
    assert_eq!(want.size(), [30, 3]);
    assert!(logits(&*restored.model, &source).equal(&want));
    // The comparison can fail: other weights give other logits.
    let other = config
        .build(&nn::VarStore::new(Device::Cpu).root())
        .unwrap();
    assert!(!logits(&other, &source).equal(&want));

    let (config2, _vs, typed) = restore_model::<NodeClassifierConfig>(&dir, Device::Cpu).unwrap();
    assert_eq!(config2, config);
    assert!(logits(&typed, &source).equal(&want));

    // `eval` runs the folder through the registry: the classes are the logits' argmax.
    let p = evaluate(&dir, &source, None, None).unwrap();
    let argmax = Vec::<i64>::try_from(want.argmax(1, false)).unwrap();
    let names: Vec<String> = argmax
        .iter()
        .map(|&k| classes()[k as usize].clone())
        .collect();
    assert_eq!(p.classes, names);
    assert_eq!(p.scored_nodes, 30);
}

/// A graph model of this test only: SGC-style, one GCN propagation and a linear map
/// (`Â X W + b`), with the node task it was built for.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OneHopConfig {
    features: usize,
    class_names: Vec<String>,
}

#[derive(Debug)]
struct OneHop {
    conv: GcnConv,
    task: NodeTask,
}

impl GraphModel for OneHop {
    fn forward(&self, x: &Tensor, g: &MessageGraph, train: bool) -> Tensor {
        self.conv.forward(x, g, train)
    }
    fn task(&self) -> &NodeTask {
        &self.task
    }
}

deepfield_core::into_boxed!(dyn GraphModel: OneHop);

impl ModelConfig for OneHopConfig {
    const KIND: &'static str = "test.one_hop";
    const DESCRIPTION: &'static str = "one GCN propagation and a linear map";
    type Model = OneHop;
    fn build(&self, path: &nn::Path) -> deepfield_core::Result<OneHop> {
        let conv =
            GcnConfig::new(self.features as i64, self.class_names.len() as i64).init(path)?;
        let task = NodeTask {
            features: self.features,
            normalize_features: false,
            class_names: self.class_names.clone(),
        };
        Ok(OneHop { conv, task })
    }
}

#[test]
fn a_new_graph_model_needs_only_its_config_forward_and_a_registry_line() {
    deepfield_core::tch::manual_seed(8);
    let mut reg = deepfield_graph::models().unwrap();
    reg.register::<OneHopConfig>().unwrap();
    assert!(reg.is::<dyn GraphModel>("test.one_hop"));

    let tmp = tempfile::tempdir().unwrap();
    let source = graph_files(tmp.path());
    let config = OneHopConfig {
        features: 5,
        class_names: classes(),
    };
    let vs = nn::VarStore::new(Device::Cpu);
    let model = config.build(&vs.root()).unwrap();
    let dir = tmp.path().join("one_hop");
    save_model(
        &dir,
        &vs,
        &config,
        Some(&serde_json::json!({"note": "test"})),
    )
    .unwrap();

    let restored = reg.restore_as::<dyn GraphModel>(&dir, Device::Cpu).unwrap();
    let want = logits(&model, &source);
    assert!(logits(&*restored.model, &source).equal(&want));

    // Evaluated on the user's graph through the same path as the crate's own models.
    let out = tmp.path().join("predictions.csv");
    let p = evaluate_with(&reg, &dir, &source, None, Some(&out)).unwrap();
    let probs = want.softmax(-1, Kind::Float);
    let (best, argmax) = probs.max_dim(1, false);
    let argmax = Vec::<i64>::try_from(argmax).unwrap();
    let hits = (0..30)
        .filter(|&i| classes()[argmax[i] as usize] == format!("topic{}", i / 10))
        .count();
    assert_eq!(p.accuracy, Some(hits as f64 / 30.0));
    let best = Vec::<f64>::try_from(best.to_kind(Kind::Double)).unwrap();
    for (a, b) in p.probabilities.iter().zip(&best) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let rows = deepfield_core::testing::assert_csv(
        &out,
        &["paper", "predicted", "probability", "label"],
        30,
    );
    assert_eq!(rows[12][3], "topic1");

    // Without its registry line the crate's registry refuses the folder, naming the kind.
    let e = evaluate(&dir, &source, None, None).unwrap_err().to_string();
    assert!(
        e.contains("`test.one_hop`") && e.contains("not registered"),
        "{e}"
    );
}
