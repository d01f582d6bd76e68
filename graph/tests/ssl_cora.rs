//! Self-supervised methods on the real Cora data: CCA-SSG (its paper's 50 epochs) must give a
//! linear-probe accuracy far above random features; the embeddings also cluster and predict links.

use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_graph::eval::{cluster, linkpred, probe};
use deepfield_graph::io::{read_planetoid, CORA};
use deepfield_graph::split::edge_split;
use deepfield_graph::ssl::{self, SslConfig};
use deepfield_graph::train::{BatchMode, Prepared};

fn cora() -> deepfield_graph::Graph {
    let dir = deepfield_core::data::dataset(&CORA).unwrap();
    let mut g = read_planetoid(&dir).unwrap();
    g.features.row_normalize();
    g
}

#[test]
fn cca_ssg_probe_beats_random_features_and_embeddings_cluster() {
    // One libtorch thread: several tests run at once on few cores (oversubscription is slow).
    deepfield_core::device::set_threads(1);
    let g = cora();
    let split = g.split.clone().unwrap();
    let (labels, k) = (g.labels.clone(), g.n_classes());
    let data = Prepared::new(g, Device::Cpu).unwrap();
    // The paper's method and schedule (50 epochs, λ = 1e-3, masks 0.1 / 0.4) at width 128 instead
    // of 512 to keep the test short.
    let mut cfg = SslConfig::paper("cca-ssg", 1433).unwrap();
    if let SslConfig::CcaSsg(c) = &mut cfg {
        c.encoder.dims = vec![128, 128];
    }
    let t = std::time::Instant::now();
    let run = ssl::train(&data, &cfg, &BatchMode::Full, 0).unwrap();
    let emb = run.embed(&data);
    assert_eq!(emb.size(), vec![2708, 128]);
    let acc = probe::linear_probe(&emb, &labels, k, &split, &cfg.probe(), 0)
        .unwrap()
        .test_acc;
    // Baseline: the same probe on random features of the same width.
    deepfield_core::seed(0);
    let rand = Tensor::randn([2708, 128], (Kind::Float, Device::Cpu));
    let base = probe::linear_probe(&rand, &labels, k, &split, &cfg.probe(), 0)
        .unwrap()
        .test_acc;
    let cl = cluster::evaluate(&emb, &labels, k, 0).unwrap();
    eprintln!(
        "cca-ssg probe {acc:.3} vs random {base:.3}, nmi {:.3} ari {:.3} ({:?})",
        cl.nmi,
        cl.ari,
        t.elapsed()
    );
    assert!(acc > 0.75, "CCA-SSG linear probe {acc}");
    assert!(
        base < 0.35 && acc > base + 0.4,
        "probe {acc} vs random {base}"
    );
    assert!(cl.nmi > 0.3 && cl.ari > 0.2, "clustering {cl:?}");
    // Losses went down.
    assert!(
        run.losses.last().unwrap() < &run.losses[0],
        "{:?}",
        run.losses
    );
}

#[test]
fn dgi_and_link_prediction_on_the_training_edges() {
    // One libtorch thread: several tests run at once on few cores (oversubscription is slow).
    deepfield_core::device::set_threads(1);
    let g = cora();
    let es = edge_split(g.n_nodes(), &g.edges, 0.05, 0.1, 0).unwrap();
    let train_graph = g.with_edges(es.train.clone()).unwrap();
    let data = Prepared::new(train_graph, Device::Cpu).unwrap();
    let mut cfg = SslConfig::paper("dgi", 1433).unwrap();
    cfg.train_mut().epochs = 25;
    let run = ssl::train(&data, &cfg, &BatchMode::Full, 0).unwrap();
    let s = linkpred::evaluate(&run.embed(&data), &es.test_pos, &es.test_neg).unwrap();
    eprintln!("dgi link prediction {s:?}");
    assert!(s.auc > 0.8 && s.ap > 0.8, "{s:?}");
}
