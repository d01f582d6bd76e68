//! Train Kipf & Welling's 2-layer GCN on Cora for 50 epochs and print its test accuracy.
//!
//! ```text
//! cargo run -p deepfield-graph --example cora_gcn
//! ```
//!
//! Cora is read from `$DEEPFIELD_DATA/cora_planetoid` (default: the shared data sets beside the
//! checkout), in the Planetoid text layout: `nodes.tsv`, `features.txt`, `edges.txt`.

use deepfield_graph::io::{read_planetoid, CORA};
use deepfield_graph::supervised::{self, SupervisedConfig};
use deepfield_graph::train::Prepared;

fn main() -> deepfield_graph::Result<()> {
    let dir = deepfield_core::data::dataset(&CORA)?;
    let mut graph = read_planetoid(&dir)?;
    graph.features.row_normalize();
    let split = graph.split.clone().ok_or_else(|| {
        deepfield_graph::GraphError::invalid("Cora's nodes.tsv has no split column")
    })?;
    println!(
        "{}: {} nodes, {} edges, {} features, {} classes; split {} / {} / {}",
        graph.name,
        graph.n_nodes(),
        graph.edges.len(),
        graph.n_features(),
        graph.n_classes(),
        split.train.len(),
        split.val.len(),
        split.test.len()
    );
    let mut cfg = SupervisedConfig::gcn(graph.n_features() as i64, graph.n_classes() as i64);
    cfg.epochs = 50;
    let data = Prepared::new(graph, deepfield_core::device())?;
    let run = supervised::train_logged(&data, &split, &cfg, Some("gcn"))?;
    println!(
        "test accuracy {:.4} (best validation epoch {} of {}, validation accuracy {:.4}, {:.1} s)",
        run.test_acc, run.best_epoch, cfg.epochs, run.val_acc, run.stats.seconds
    );
    Ok(())
}
