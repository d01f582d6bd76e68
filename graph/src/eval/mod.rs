//! Downstream evaluators of frozen node embeddings (GraphFM's three tasks): a linear probe for
//! node classification ([`probe`]), link prediction AUC / AP ([`linkpred`]) and k-means
//! clustering scored by NMI / ARI ([`cluster`]).

pub mod cluster;
pub mod linkpred;
pub mod probe;
