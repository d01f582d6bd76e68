//! Explaining one node's prediction of a GNN with core's methods through
//! `deepfield_graph::explain::NodeTarget`: a two-layer GCN on a path graph sees two hops, so
//! saliency and integrated gradients are exactly zero on nodes three or more hops away and
//! non-zero within two; integrated gradients are complete (Σ = f(x) − f(0)); node-grouped SHAP
//! satisfies efficiency and gives far nodes no credit; bad nodes and shapes are errors.

use deepfield_core::explain::shap::{exact::exact, Masker};
use deepfield_core::explain::{saliency, Inputs, IntegratedGradients, Target};
use deepfield_core::models::ModelConfig;
use deepfield_core::tch::{nn, Device, Kind, Tensor};
use deepfield_core::Forward;
use deepfield_graph::adjacency::MessageGraph;
use deepfield_graph::classifier::NodeClassifierConfig;
use deepfield_graph::encoder::{EncoderConfig, LayerKind};
use deepfield_graph::explain::{node_groups, NodeTarget};

#[test]
fn node_attributions_follow_the_gcn_receptive_field() {
    deepfield_core::seed(7);
    let mut encoder = EncoderConfig::new(LayerKind::Gcn, 4, [8, 3]);
    encoder.dropout = 0.0;
    let config = NodeClassifierConfig {
        encoder,
        features: 4,
        normalize_features: false,
        class_names: vec!["a".into(), "b".into(), "c".into()],
    };
    let vs = nn::VarStore::new(Device::Cpu);
    let model = config.build(&vs.root()).unwrap();
    // A path 0 - 1 - 2 - … - 7.
    let edges: Vec<(usize, usize)> = (0..7).map(|i| (i, i + 1)).collect();
    let g = MessageGraph::from_undirected(8, &edges, Device::Cpu).unwrap();
    let x = Tensor::rand([1, 8, 4], (Kind::Float, Device::Cpu)) + 0.1;
    let target = NodeTarget {
        model: &model,
        graph: &g,
        node: 1,
    };
    let out = target.forward_t(&x, None, false);
    assert_eq!(out.size(), [1, 3]);

    let per_node = |a: &Tensor| -> Vec<f64> {
        Vec::<f64>::try_from(a.get(0).abs().sum_dim_intlist(1, false, Kind::Double)).unwrap()
    };
    let s = saliency(&target, Inputs::new(&x), &Target::Class(2), false).unwrap();
    let sal = per_node(&s);
    // Node 1 sees nodes 0..=3 within two hops.
    assert!(sal[..4].iter().all(|&v| v > 0.0), "{sal:?}");
    assert!(sal[4..].iter().all(|&v| v == 0.0), "{sal:?}");

    let ig = IntegratedGradients {
        steps: 32,
        ..Default::default()
    }
    .attribute(&target, Inputs::new(&x), &Target::Class(2))
    .unwrap();
    assert!(ig.delta.abs().max().double_value(&[]) < 1e-3);
    assert!(per_node(&ig.attributions)[4..].iter().all(|&v| v == 0.0));

    // SHAP with each node as one player, against an all-zero background.
    let masker = Masker::new(&Tensor::zeros([1, 8, 4], (Kind::Float, Device::Cpu)))
        .unwrap()
        .groups(node_groups(8, 4))
        .unwrap();
    let f = |rows: &Tensor| Ok(target.forward_t(rows, None, false).select(1, 2));
    let v = exact(&f, &masker, &x.get(0)).unwrap();
    let score = out.double_value(&[0, 2]);
    assert!(
        (v.prediction() - score).abs() < 1e-4,
        "{} vs {score}",
        v.prediction()
    );
    assert!(
        v.values[4..].iter().all(|&s| s.abs() < 1e-6),
        "{:?}",
        v.values
    );

    // Bad node and shape.
    let bad = NodeTarget {
        model: &model,
        graph: &g,
        node: 8,
    };
    assert!(bad
        .try_forward_t(&x, None, false)
        .unwrap_err()
        .to_string()
        .contains("8 nodes"));
    let e = target
        .try_forward_t(
            &Tensor::zeros([1, 7, 4], (Kind::Float, Device::Cpu)),
            None,
            false,
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("[B, 8, features]"), "{e}");
}

/// `deepfield-graph explain-node` on a saved GCN and a user's node and edge files: saliency
/// ranks exactly the nodes within two hops of the explained node; integrated gradients report
/// a small completeness delta; an unknown node id is an error naming it, with no output left.
#[test]
fn explain_node_command_ranks_the_receptive_field() {
    use deepfield_core::models::save_model;
    use deepfield_core::testing::run_line;
    let tmp = tempfile::tempdir().unwrap();
    deepfield_core::seed(3);
    let mut encoder = EncoderConfig::new(LayerKind::Gcn, 4, [8, 3]);
    encoder.dropout = 0.0;
    let config = NodeClassifierConfig {
        encoder,
        features: 4,
        normalize_features: false,
        class_names: vec!["a".into(), "b".into(), "c".into()],
    };
    let vs = nn::VarStore::new(Device::Cpu);
    let _model = config.build(&vs.root()).unwrap();
    let model = tmp.path().join("model");
    save_model::<_, ()>(&model, &vs, &config, None).unwrap();
    let mut rng = deepfield_core::Rng::new(5);
    let mut nodes = String::from("paper,label,w0,w1,w2,w3\n");
    for i in 0..8 {
        let w: Vec<String> = (0..4)
            .map(|_| format!("{:.3}", 0.1 + rng.uniform()))
            .collect();
        nodes += &format!("p{i},{},{}\n", ["a", "b", "c"][i % 3], w.join(","));
    }
    let edges: String = (0..7).map(|i| format!("p{i},p{}\n", i + 1)).collect();
    let (nf, ef) = (tmp.path().join("nodes.csv"), tmp.path().join("edges.csv"));
    std::fs::write(&nf, nodes).unwrap();
    std::fs::write(&ef, edges).unwrap();
    let bin = env!("CARGO_BIN_EXE_deepfield-graph");
    let out = tmp.path().join("sal");
    let r = run_line(
        bin,
        "explain-node --model {} --nodes {} --edges {} --node p5 --method saliency --out {}",
        &[&model, &nf, &ef, &out],
    );
    let text = r.assert_ok();
    assert!(
        text.contains("node p5 explained") && text.contains("5 nodes carry attribution"),
        "{text}"
    );
    let ranked = std::fs::read_to_string(out.join("nodes.csv")).unwrap();
    let mut ids: Vec<&str> = ranked
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["p3", "p4", "p5", "p6", "p7"], "{ranked}");
    let a =
        deepfield_core::checkpoint::read_tensors(&out.join("attributions.safetensors")).unwrap();
    assert_eq!(a[0].1.size(), [8, 4]);
    let ig = tmp.path().join("ig");
    let r = run_line(
        bin,
        "explain-node --model {} --nodes {} --edges {} --node p2 --out {}",
        &[&model, &nf, &ef, &ig],
    );
    let text = r.assert_ok();
    let delta: f64 = text
        .split("completeness delta ")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(delta.abs() < 1e-3, "{text}");
    run_line(
        bin,
        "explain-node --model {} --nodes {} --edges {} --node nope --out {}",
        &[&model, &nf, &ef, &tmp.path().join("bad")],
    )
    .assert_fails_with(&["no node `nope`"]);
    assert!(!tmp.path().join("bad").exists());
}
