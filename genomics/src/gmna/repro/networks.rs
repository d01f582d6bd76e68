//! The misclassification network of each classifier's out-of-fold probabilities, exported as
//! DOT, GraphML, a PNG drawing and a soft-confusion heat map.

use deepfield_core::report::{plots, ResultsDir};

use super::folds::OutOfFold;
use super::metrics::NetworkSummary;
use crate::gmna::corpus::Corpus;
use crate::gmna::network::MisclassificationNetwork;
use crate::Result;

/// Build, export and summarise the network of `name`'s out-of-fold predictions.
pub fn network(
    name: &str,
    out: &OutOfFold,
    corpus: &Corpus,
    label_column: &str,
    edge_threshold: f64,
    results: &ResultsDir,
) -> Result<NetworkSummary> {
    let truth: Vec<usize> = out.evaluated.iter().map(|&i| corpus.y[i]).collect();
    let net = MisclassificationNetwork::from_probabilities(
        &corpus.labels,
        &truth,
        &out.probs,
        edge_threshold,
    )?;
    let comm = net.communities();
    let modularity = net.modularity(&comm);
    deepfield_core::fsutil::write_atomic(
        &results.file(&format!("network_{name}.dot")),
        net.to_dot().as_bytes(),
    )?;
    deepfield_core::fsutil::write_atomic(
        &results.file(&format!("network_{name}.graphml")),
        net.to_graphml(&comm).as_bytes(),
    )?;
    net.draw_png(
        &results.file(&format!("network_{name}.png")),
        &format!("GMNA misclassification network ({name}, {label_column})"),
        &comm,
    )?;
    plots::heatmap(
        &results.file(&format!("soft_confusion_{name}.png")),
        &format!(
            "Soft confusion M[true][predicted] ({name}; labels {})",
            corpus.labels.join(", ")
        ),
        &net.matrix,
        "predicted label index",
        "true label index",
    )?;
    Ok(NetworkSummary {
        soft_confusion: net.matrix.clone(),
        strengths: net.strengths(),
        top_edges: net.top_edges(10),
        communities: comm,
        modularity,
        edges: net.graph.edge_count(),
    })
}
