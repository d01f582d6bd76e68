//! NMI, ARI (clustering) and average precision (link prediction) against scikit-learn values
//! stored in `fixtures/metrics_sklearn.json` (generator: `graph/scripts/metrics_reference.py`).

use deepfield_graph::eval::{cluster, linkpred};

#[test]
fn clustering_and_ranking_metrics_match_scikit_learn() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/metrics_sklearn.json"
    ))
    .unwrap();
    let f: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ints = |k: &str| -> Vec<usize> {
        f[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect()
    };
    let (a, b) = (ints("a"), ints("b"));
    let nmi = cluster::nmi(&a, &b).unwrap();
    let ari = cluster::ari(&a, &b).unwrap();
    assert!(
        (nmi - f["nmi"].as_f64().unwrap()).abs() < 1e-9,
        "nmi {nmi} vs {}",
        f["nmi"]
    );
    assert!(
        (ari - f["ari"].as_f64().unwrap()).abs() < 1e-9,
        "ari {ari} vs {}",
        f["ari"]
    );
    let y: Vec<i64> = f["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let s: Vec<f64> = f["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let ap = linkpred::average_precision(&y, &s).unwrap();
    assert!(
        (ap - f["ap"].as_f64().unwrap()).abs() < 1e-9,
        "ap {ap} vs {}",
        f["ap"]
    );
    // Perfect clusterings score 1 whatever the cluster ids; mismatched lengths are errors.
    assert_eq!(cluster::ari(&[0, 0, 1, 1], &[1, 1, 0, 0]).unwrap(), 1.0);
    assert!((cluster::nmi(&[0, 0, 1, 1], &[5, 5, 2, 2]).unwrap() - 1.0).abs() < 1e-12);
    assert!(cluster::nmi(&[0], &[0, 1]).is_err());
    assert!(linkpred::average_precision(&[0, 0], &[0.1, 0.2]).is_err());
}

#[test]
fn kmeans_finds_separated_blobs() {
    use deepfield_core::tch::{Device, Kind, Tensor};
    deepfield_core::seed(0);
    let centres = Tensor::from_slice(&[0.0f32, 0.0, 10.0, 10.0, -10.0, 10.0]).view([3, 1, 2]);
    let x = (Tensor::randn([3, 30, 2], (Kind::Float, Device::Cpu)) + centres).view([90, 2]);
    let labels: Vec<usize> = (0..90).map(|i| i / 30).collect();
    let assign = cluster::kmeans(&x, 3, 3, 50, 1).unwrap();
    assert_eq!(cluster::ari(&labels, &assign).unwrap(), 1.0);
    assert!(cluster::kmeans(&x, 0, 1, 10, 0).is_err());
}
