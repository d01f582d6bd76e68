//! What every training run here shares: full-batch vs neighbour-sampled mini-batch mode, the
//! prepared graph tensors, and the measured cost of a run (seconds, peak memory, nodes/s).

use std::time::Instant;

use deepfield_core::tch::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::adjacency::MessageGraph;
use crate::graph::Graph;
use crate::sampler::{NeighbourSampler, Subgraph};
use crate::{memory, Result};

/// Full-batch training or GraphSAGE-style neighbour-sampled mini-batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchMode {
    Full,
    Mini {
        batch_size: usize,
        fanouts: Vec<usize>,
    },
}

impl BatchMode {
    /// The mini-batch mode of GraphFM-style comparisons: 512 seeds, fan-outs 10 per layer.
    pub fn mini(layers: usize) -> Self {
        BatchMode::Mini {
            batch_size: 512,
            fanouts: vec![10; layers.max(1)],
        }
    }

    /// `full` or `mini-batch`.
    pub fn label(&self) -> &'static str {
        match self {
            BatchMode::Full => "full-batch",
            BatchMode::Mini { .. } => "mini-batch",
        }
    }
}

/// A graph with its feature tensor, message graph and neighbour lists, ready for training.
#[derive(Debug)]
pub struct Prepared {
    pub graph: Graph,
    /// Sparse COO features of all nodes.
    pub x: Tensor,
    pub mg: MessageGraph,
    pub neighbours: Vec<Vec<usize>>,
    pub device: Device,
}

impl Prepared {
    /// Tensors of `graph` on `device` (features stay sparse).
    pub fn new(graph: Graph, device: Device) -> Result<Self> {
        let x = graph.features.to_tensor(None, device)?;
        let mg = MessageGraph::of(&graph, device)?;
        let neighbours = graph.neighbours();
        Ok(Prepared {
            graph,
            x,
            mg,
            neighbours,
            device,
        })
    }

    /// Features and message graph of a sampled subgraph.
    pub fn subgraph(&self, s: &Subgraph) -> Result<(Tensor, MessageGraph)> {
        let x = self.graph.features.to_tensor(Some(&s.nodes), self.device)?;
        let mg = MessageGraph::from_directed(s.nodes.len(), &s.edges, self.device)?;
        Ok((x, mg))
    }

    /// The sampler of a mini-batch mode.
    pub fn sampler(mode: &BatchMode) -> Result<Option<(usize, NeighbourSampler)>> {
        match mode {
            BatchMode::Full => Ok(None),
            BatchMode::Mini {
                batch_size,
                fanouts,
            } => Ok(Some((*batch_size, NeighbourSampler::new(fanouts.clone())?))),
        }
    }
}

/// Cost of a training run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainStats {
    pub mode: String,
    pub epochs: usize,
    pub seconds: f64,
    /// Training nodes (seeds) processed per second.
    pub nodes_per_s: f64,
    /// Peak RSS of the process during the run (MiB), when measurable.
    pub peak_mib: Option<f64>,
    /// Peak RSS above the RSS at the start of the run (MiB).
    pub peak_increase_mib: Option<f64>,
}

/// Times a run and measures its peak memory.
pub struct Meter {
    start: Instant,
    rss0: Option<f64>,
    nodes: f64,
}

impl Meter {
    /// Start measuring (resets the peak-RSS watermark).
    pub fn start() -> Self {
        memory::reset_peak();
        Meter {
            start: Instant::now(),
            rss0: memory::rss_mib(),
            nodes: 0.0,
        }
    }

    /// Count `n` processed training nodes.
    pub fn add_nodes(&mut self, n: usize) {
        self.nodes += n as f64;
    }

    /// Stop and summarise.
    pub fn finish(self, mode: &BatchMode, epochs: usize) -> TrainStats {
        let seconds = self.start.elapsed().as_secs_f64();
        let peak = memory::peak_rss_mib();
        TrainStats {
            mode: mode.label().into(),
            epochs,
            seconds,
            nodes_per_s: self.nodes / seconds.max(1e-9),
            peak_mib: peak,
            peak_increase_mib: peak.zip(self.rss0).map(|(p, r)| (p - r).max(0.0)),
        }
    }
}
