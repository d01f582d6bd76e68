//! The cost counter on the registry's graph model (`dyn GraphModel`): Kipf & Welling's GCN on
//! its Cora-sized example graph reports both layers' feature transforms (N·in·out MACs) and
//! propagations (stored entries of Â × width MACs), by hand.

use deepfield_core::models::ModelRegistry;
use deepfield_core::profile::LatencyOptions;

#[test]
fn gcn_counts_match_hand_computation() {
    let reg: ModelRegistry = deepfield_graph::models().unwrap();
    let opts = LatencyOptions::once();
    let p = reg
        .profile("graph.node_classifier", &opts)
        .unwrap()
        .unwrap();
    let (n, f) = (2708u64, 1433u64);
    let by_op = |op: &str| -> Vec<u64> {
        p.layers
            .iter()
            .filter(|l| l.op == op)
            .map(|l| l.macs)
            .collect()
    };
    assert_eq!(by_op("linear"), [n * f * 16, n * 16 * 7]);
    let spmm = by_op("spmm");
    assert_eq!(spmm.len(), 2);
    // The same Â both times: nnz = MACs / width, with the self-loops and both directions of
    // up to 5,278 edges.
    assert_eq!(spmm[0] / 16, spmm[1] / 7);
    assert_eq!(spmm[0] % 16, 0);
    let nnz = spmm[0] / 16;
    assert!(nnz > n && nnz <= n + 2 * 5278, "{nnz}");
    assert_eq!(p.params, f * 16 + 16 + 16 * 7 + 7);
    assert_eq!(p.layer_params, f * 16 + 16 * 7);
}
