//! k-means of the clustering evaluator on planted blobs. (NMI, ARI and average precision are
//! `deepfield_core::metrics`, checked against scikit-learn in `core/tests/metrics_sklearn.rs`.)

use deepfield_core::metrics::ari;
use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_graph::eval::cluster;

#[test]
fn kmeans_finds_separated_blobs() {
    deepfield_core::seed(0);
    let centres = Tensor::from_slice(&[0.0f32, 0.0, 10.0, 10.0, -10.0, 10.0]).view([3, 1, 2]);
    let x = (Tensor::randn([3, 30, 2], (Kind::Float, Device::Cpu)) + centres).view([90, 2]);
    let labels: Vec<usize> = (0..90).map(|i| i / 30).collect();
    let assign = cluster::kmeans(&x, 3, 3, 50, 1).unwrap();
    assert_eq!(ari(&labels, &assign).unwrap(), 1.0);
    assert!(cluster::kmeans(&x, 0, 1, 10, 0).is_err());
    // The evaluator standardises, clusters and scores; nodes labelled -1 are left out.
    let mut node_labels: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
    node_labels[0] = -1;
    let s = cluster::evaluate(&x, &node_labels, 3, 1).unwrap();
    assert!((s.nmi - 1.0).abs() < 1e-12 && s.ari == 1.0, "{s:?}");
}
