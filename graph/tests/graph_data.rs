//! Graph data, adjacency, layers, splits and sampler against references, and bad input.

use deepfield_core::tch::{nn, Device, Kind, Tensor};
use deepfield_core::testing::assert_close;
use deepfield_graph::adjacency::{normalized_adjacency, spmm, MessageGraph, Norm};
use deepfield_graph::io::{read_csv_pair, read_planetoid, CORA};
use deepfield_graph::layers::{GatConfig, GcnConfig, GinConfig, GraphLayer, SageConfig};
use deepfield_graph::sampler::NeighbourSampler;
use deepfield_graph::split::{edge_split, same_size_split};
use deepfield_graph::GraphError;

fn dense(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.to_dense(None, false).flatten(0, -1)).unwrap()
}

#[test]
fn symmetric_normalisation_matches_a_dense_reference() {
    // Path 0-1-2 plus 2-3: degrees with self-loops 2, 3, 3, 2.
    let und = [(0, 1), (1, 2), (2, 3)];
    let g = MessageGraph::from_undirected(4, &und, Device::Cpu).unwrap();
    let mut a = [[0f64; 4]; 4];
    for &(i, j) in &und {
        a[i][j] = 1.0;
        a[j][i] = 1.0;
    }
    let deg: Vec<f64> = (0..4).map(|i| 1.0 + a[i].iter().sum::<f64>()).collect();
    let got = dense(&g.gcn);
    for i in 0..4 {
        for j in 0..4 {
            let want = (a[i][j] + if i == j { 1.0 } else { 0.0 }) / (deg[i] * deg[j]).sqrt();
            assert!(
                (got[i * 4 + j] as f64 - want).abs() < 1e-6,
                "({i},{j}) {} vs {want}",
                got[i * 4 + j]
            );
        }
    }
    // Row normalisation and sum.
    let mean = dense(&g.mean);
    assert!((mean[4] - 0.5).abs() < 1e-6 && (mean[6] - 0.5).abs() < 1e-6); // row 1: neighbours 0, 2
    assert_eq!(dense(&g.sum).iter().sum::<f32>(), 6.0);
    // spmm equals the dense product, forwards and backwards.
    let h = Tensor::randn([4, 3], (Kind::Float, Device::Cpu)).set_requires_grad(true);
    let ours = spmm(&g.gcn, &h);
    let reference = g.gcn.to_dense(None, false).mm(&h);
    assert!(ours.allclose(&reference, 1e-5, 1e-6, false));
    let (ga,) = (Tensor::run_backward(&[ours.sum(Kind::Float)], &[&h], true, false)[0].copy(),);
    let gb = Tensor::run_backward(&[reference.sum(Kind::Float)], &[&h], true, false)[0].copy();
    assert!(ga.allclose(&gb, 1e-5, 1e-6, false));
    let rs = normalized_adjacency(3, &[0, 1], &[1, 2], Norm::RowSelfLoops, Device::Cpu).unwrap();
    assert_eq!(dense(&rs)[3..6].to_vec(), vec![0.5, 0.5, 0.0]);
}

#[test]
fn gcn_layer_matches_a_hand_computed_value() {
    // Two nodes joined by an edge: Â = [[1/2, 1/2], [1/2, 1/2]].
    let g = MessageGraph::from_undirected(2, &[(0, 1)], Device::Cpu).unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let layer = GcnConfig::new(2, 1).init(&vs.root()).unwrap();
    deepfield_core::tch::no_grad(|| {
        let mut w = layer.weight.shallow_clone();
        w.copy_(&Tensor::from_slice(&[2.0f32, -1.0]).view([1, 2]));
        let mut b = layer.bias.as_ref().unwrap().shallow_clone();
        b.copy_(&Tensor::from_slice(&[0.5f32]));
    });
    let x = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 3.0]).view([2, 2]);
    // XWᵀ = [2, -3]; Â·(XWᵀ) = [-0.5, -0.5]; + 0.5 = [0, 0] — and with sparse X the same.
    let close = |t: Tensor, want: [f32; 2]| {
        let v = Vec::<f32>::try_from(t.flatten(0, -1)).unwrap();
        assert!(
            v.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
            "{v:?} vs {want:?}"
        );
    };
    close(layer.forward(&x, &g, false), [0.0, 0.0]);
    let x2 = Tensor::from_slice(&[1.0f32, 1.0, 0.0, 0.0]).view([2, 2]);
    // XWᵀ = [1, 0]; Â·(XWᵀ) = [0.5, 0.5]; + 0.5 = [1, 1].
    close(
        layer.forward(&x2.to_sparse_sparse_dim(2), &g, false),
        [1.0, 1.0],
    );
    // Parameter names follow PyTorch Geometric.
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    assert_eq!(names, vec!["bias", "lin.weight"]);
}

#[test]
fn gat_on_target_nodes_equals_the_full_layer_at_those_rows() {
    let g = MessageGraph::from_undirected(
        6,
        &[(0, 1), (1, 2), (2, 3), (0, 4), (4, 5), (1, 5)],
        Device::Cpu,
    )
    .unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    deepfield_core::seed(1);
    let x = Tensor::randn([6, 5], (Kind::Float, Device::Cpu));
    let targets = Tensor::from_slice(&[4i64, 0, 5]);
    for (heads, concat) in [(3, true), (2, false), (1, false)] {
        let mut cfg = GatConfig::new(5, 8, heads);
        cfg.concat = concat;
        let gat = cfg.init(&(vs.root() / heads)).unwrap();
        let full = gat.forward(&x, &g, false).index_select(0, &targets);
        let part = gat.forward_targets(&x, &g, &targets, false);
        assert_eq!(part.size(), full.size(), "heads {heads}");
        assert_close(&part, &full, 1e-5);
    }
}

#[test]
fn gat_attention_sums_to_one_and_other_layers_have_their_shapes() {
    let g =
        MessageGraph::from_undirected(5, &[(0, 1), (1, 2), (2, 3), (0, 4)], Device::Cpu).unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    deepfield_core::seed(0);
    let x = Tensor::randn([5, 6], (Kind::Float, Device::Cpu));
    let gat = GatConfig::new(6, 4, 3).init(&(vs.root() / "gat")).unwrap();
    let (out, alpha) = gat.forward_with_attention(&x, &g, false);
    assert_eq!(out.size(), vec![5, 12]);
    // Incoming attention of every node sums to 1 per head.
    let dst = Tensor::cat(&[&g.dst, &Tensor::arange(5, (Kind::Int64, Device::Cpu))], 0);
    let sums = Tensor::zeros([5, 3], (Kind::Float, Device::Cpu)).index_add(0, &dst, &alpha);
    assert!(sums.allclose(
        &Tensor::ones([5, 3], (Kind::Float, Device::Cpu)),
        1e-5,
        1e-5,
        false
    ));
    let sage = SageConfig::new(6, 7).init(&(vs.root() / "sage")).unwrap();
    assert_eq!(
        sage.forward(&x.to_sparse_sparse_dim(2), &g, true).size(),
        vec![5, 7]
    );
    let gin = GinConfig::new(6, 3).init(&(vs.root() / "gin")).unwrap();
    let a = gin.forward(&x, &g, false);
    let b = gin.forward(&x.to_sparse_sparse_dim(2), &g, false);
    assert!(
        a.allclose(&b, 1e-5, 1e-5, false),
        "sparse and dense inputs agree"
    );
    assert!(GatConfig::new(6, 0, 2).init(&vs.root()).is_err());
}

#[test]
fn cora_loads_and_edge_splits_do_not_leak() {
    let g = read_planetoid(&deepfield_core::data::dataset(&CORA).unwrap()).unwrap();
    assert_eq!(
        (g.n_nodes(), g.edges.len(), g.n_features(), g.n_classes()),
        (2708, 5278, 1433, 7)
    );
    assert_eq!(g.features.nnz(), 49216);
    assert_eq!(g.split.as_ref().unwrap().sizes(), (140, 500, 1000));
    let s = same_size_split(&g.labels, 7, g.split.as_ref(), 3).unwrap();
    assert_eq!(s.sizes(), (140, 500, 1000));
    assert_ne!(&s, g.split.as_ref().unwrap());

    let es = edge_split(g.n_nodes(), &g.edges, 0.05, 0.1, 0).unwrap();
    assert_eq!((es.val_pos.len(), es.test_pos.len()), (263, 527));
    assert_eq!(es.train.len() + 263 + 527, g.edges.len());
    let all: std::collections::HashSet<_> = g.edges.iter().copied().collect();
    let train: std::collections::HashSet<_> = es.train.iter().copied().collect();
    for e in es.val_pos.iter().chain(&es.test_pos) {
        assert!(
            !train.contains(e),
            "held-out positive {e:?} in the training graph"
        );
    }
    let mut negs = std::collections::HashSet::new();
    for e in es.val_neg.iter().chain(&es.test_neg) {
        assert!(
            !all.contains(e) && e.0 < e.1 && negs.insert(*e),
            "bad negative {e:?}"
        );
    }
    // The message graph of the training edges does not contain any held-out edge.
    let tg = g.with_edges(es.train.clone()).unwrap();
    let mg = MessageGraph::of(&tg, Device::Cpu).unwrap();
    assert_eq!(mg.n_edges() as usize, 2 * es.train.len());
}

#[test]
fn sampler_respects_fan_outs() {
    let g = read_planetoid(&deepfield_core::data::dataset(&CORA).unwrap()).unwrap();
    let nb = g.neighbours();
    let s = NeighbourSampler::new(vec![3, 2]).unwrap();
    let seeds: Vec<usize> = (0..64).collect();
    let sub = s
        .sample(&nb, &seeds, &mut deepfield_core::Rng::new(1))
        .unwrap();
    assert_eq!(&sub.nodes[..64], &seeds[..]);
    assert!(sub.nodes.len() <= 64 * (1 + 3 + 3 * 2));
    let mut indeg = vec![0usize; sub.nodes.len()];
    for &(src, dst) in &sub.edges {
        indeg[dst] += 1;
        // Every sampled edge is an edge of the graph.
        assert!(nb[sub.nodes[dst]].contains(&sub.nodes[src]));
    }
    for (i, &d) in indeg.iter().enumerate() {
        let bound = match sub.hop[i] {
            0 => 3,
            1 => 2,
            _ => 0,
        };
        assert!(
            d <= bound.min(nb[sub.nodes[i]].len()),
            "node {i} hop {} has {d} sampled neighbours",
            sub.hop[i]
        );
    }
    // Seeds with few neighbours get all of them.
    let deg = |i: usize| nb[sub.nodes[i]].len();
    assert!((0..64).all(|i| indeg[i] == deg(i).min(3)));
    assert!(NeighbourSampler::new(vec![2, 0]).is_err());
    assert!(s
        .sample(&nb, &[0, 0], &mut deepfield_core::Rng::new(1))
        .is_err());
}

fn write(dir: &std::path::Path, nodes: &str, feats: &str, edges: &str) {
    std::fs::write(dir.join("nodes.tsv"), nodes).unwrap();
    std::fs::write(dir.join("features.txt"), feats).unwrap();
    std::fs::write(dir.join("edges.txt"), edges).unwrap();
}

fn parse_err(e: GraphError) -> (usize, String) {
    match e {
        GraphError::Parse { line, message, .. } => (line, message),
        other => panic!("expected a parse error, got {other}"),
    }
}

#[test]
fn bad_inputs_are_errors_with_line_numbers() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let ok_nodes = "node\tlabel\tsplit\na\t0\ttrain\nb\t1\ttest\n";
    write(p, ok_nodes, "0 2\n1\n", "a b\n");
    let g = read_planetoid(p).unwrap();
    assert_eq!((g.n_nodes(), g.n_features(), g.edges.len()), (2, 3, 1));

    write(p, ok_nodes, "0 2\n1\n", "a b\nb zz\n");
    let (line, msg) = parse_err(read_planetoid(p).unwrap_err());
    assert_eq!(line, 2);
    assert!(msg.contains("dangling") && msg.contains("zz"), "{msg}");

    write(
        p,
        "node\tlabel\tsplit\na\t0\ttrain\na\t1\ttest\n",
        "0\n1\n",
        "",
    );
    let (line, msg) = parse_err(read_planetoid(p).unwrap_err());
    assert_eq!(line, 3);
    assert!(
        msg.contains("duplicate node id `a`") && msg.contains("line 2"),
        "{msg}"
    );

    write(p, "node\tlabel\tsplit\na\t0\ttrain\nb\t1\n", "0\n1\n", "");
    let (line, msg) = parse_err(read_planetoid(p).unwrap_err());
    assert_eq!(line, 3);
    assert!(msg.contains("2 fields"), "{msg}");

    write(p, ok_nodes, "0 x3\n1\n", "");
    let (line, msg) = parse_err(read_planetoid(p).unwrap_err());
    assert_eq!(line, 1);
    assert!(msg.contains("x3"), "{msg}");

    write(p, ok_nodes, "0\n", "");
    assert!(read_planetoid(p)
        .unwrap_err()
        .to_string()
        .contains("1 feature lines for 2 nodes"));

    write(p, "node\tlabel\tsplit\na\t0\ttrian\n", "0\n", "");
    assert!(parse_err(read_planetoid(p).unwrap_err())
        .1
        .contains("trian"));

    std::fs::remove_file(p.join("edges.txt")).unwrap();
    let e = read_planetoid(p).unwrap_err().to_string();
    assert!(e.contains("edges.txt"), "{e}");

    // CSV pair: ragged and non-numeric rows.
    let (n, e) = (p.join("n.csv"), p.join("e.csv"));
    std::fs::write(&e, "src,dst\nx,y\n").unwrap();
    std::fs::write(&n, "id,label,f0,f1\nx,a,1,0\ny,b,0\n").unwrap();
    let (line, msg) = parse_err(read_csv_pair(&n, &e).unwrap_err());
    assert_eq!(line, 3);
    assert!(msg.contains("3 fields"), "{msg}");
    std::fs::write(&n, "id,label,f0,f1\nx,a,1,0\ny,b,0,abc\n").unwrap();
    let (line, msg) = parse_err(read_csv_pair(&n, &e).unwrap_err());
    assert_eq!(line, 3);
    assert!(msg.contains("`f1`") && msg.contains("abc"), "{msg}");
    std::fs::write(&n, "id,label,f0,f1\nx,a,1,0\ny,b,0,2.5\n").unwrap();
    let g = read_csv_pair(&n, &e).unwrap();
    assert_eq!(
        (g.n_nodes(), g.edges.len(), g.class_names.clone()),
        (2, 1, vec!["a".to_string(), "b".to_string()])
    );
    assert!(g.split.is_none());
}

/// Labels make one class per distinct value: a label of 4000000000 used to allocate classes
/// 0..=4000000000 (an abort trying to allocate 96 GB), and i64::MAX wrapped to a misleading
/// "label outside 0..-9223372036854775808".
#[test]
fn huge_numeric_labels_are_classes_like_any_other() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    for big in ["4000000000", "9223372036854775807", "18446744073709551616"] {
        write(
            p,
            &format!("node\tlabel\na\t{big}\nb\t7\nc\t\nd\t7\n"),
            "0\n1\n0\n1\n",
            "a b\nc d\n",
        );
        let g = read_planetoid(p).unwrap();
        assert_eq!(g.class_names, vec!["7".to_string(), big.to_string()]);
        assert_eq!(g.labels, vec![1, 0, -1, 0]);
    }
    // Numeric labels are ordered by value (not as text: 10 after 9), gaps make no classes.
    write(p, "node\tlabel\na\t10\nb\t9\nc\t0\n", "0\n1\n0\n", "");
    let g = read_planetoid(p).unwrap();
    assert_eq!(g.class_names, ["0", "9", "10"]);
    assert_eq!(g.labels, vec![2, 1, 0]);
}

/// The first line of an edge list is a header only when it names columns: a real first edge
/// with a node missing from the node file used to be skipped silently as a header.
#[test]
fn an_edge_list_header_is_told_from_a_bad_first_edge() {
    let d = tempfile::tempdir().unwrap();
    let (n, e) = (d.path().join("n.csv"), d.path().join("e.csv"));
    std::fs::write(&n, "id,label,f0\np0,a,1\np1,b,0\np2,a,1\n").unwrap();
    for header in [
        "source,target",
        "src,dst",
        "id1,id2",
        "Node_1,Node_2",
        "from,to",
    ] {
        std::fs::write(&e, format!("{header}\np0,p1\np1,p2\n")).unwrap();
        assert_eq!(read_csv_pair(&n, &e).unwrap().edges.len(), 2, "{header}");
    }
    std::fs::write(&e, "p0,p1\np1,p2\n").unwrap();
    assert_eq!(read_csv_pair(&n, &e).unwrap().edges.len(), 2);
    // One known and one unknown node: a dangling edge on line 1.
    std::fs::write(&e, "p0,p999\np1,p2\n").unwrap();
    let (line, msg) = parse_err(read_csv_pair(&n, &e).unwrap_err());
    assert_eq!(line, 1);
    assert!(msg.contains("dangling") && msg.contains("`p999`"), "{msg}");
    // Two unknown nodes that do not read as column names: an error naming both.
    std::fs::write(&e, "q7,q8\np1,p2\n").unwrap();
    let (line, msg) = parse_err(read_csv_pair(&n, &e).unwrap_err());
    assert_eq!(line, 1);
    assert!(
        msg.contains("`q7`") && msg.contains("`q8`") && msg.contains("header"),
        "{msg}"
    );
    // Numbers are never a header.
    std::fs::write(&e, "5,6\np1,p2\n").unwrap();
    assert!(parse_err(read_csv_pair(&n, &e).unwrap_err())
        .1
        .contains("`5`"));
}

/// CSV node files and edge lists are RFC 4180: quoted ids with commas, spaces and quotes keep
/// their text (they used to be split at the comma).
#[test]
fn quoted_csv_ids_round_trip() {
    let d = tempfile::tempdir().unwrap();
    let (n, e) = (d.path().join("n.csv"), d.path().join("e.csv"));
    std::fs::write(
        &n,
        "id,label,f0\n\"Smith, J.\",a,1\n\"say \"\"hi\"\"\",b,0\nplain id,a,2\n",
    )
    .unwrap();
    std::fs::write(
        &e,
        "source,target\n\"Smith, J.\",\"say \"\"hi\"\"\"\nplain id,\"Smith, J.\"\n",
    )
    .unwrap();
    let g = read_csv_pair(&n, &e).unwrap();
    assert_eq!(g.ids, ["Smith, J.", "say \"hi\"", "plain id"]);
    assert_eq!((g.n_features(), g.edges.len()), (1, 2));
    assert_eq!(g.id_column, "id");
}
