//! What every training run here shares: full-batch vs neighbour-sampled mini-batch mode, the
//! prepared graph tensors, the batches of an epoch ([`GraphSource`], for
//! `deepfield_core::train::Trainer::fit_steps`, the one training loop every model here runs
//! through), and the measured cost of a run (seconds, peak memory, nodes/s).

use std::time::Instant;

use deepfield_core::tch::{nn, Device, Kind, Tensor};
use deepfield_core::train::{
    BatchSource, Callback, Context, Control, EarlyStopping, EpochBatches, EpochRecord, History,
    OptimizerConfig, Schedule, Task, TrainConfig, TrainStep, Trainer, Validation, Validator,
};
use deepfield_core::Rng;
use serde::{Deserialize, Serialize};

use crate::adjacency::MessageGraph;
use crate::graph::Graph;
use crate::sampler::{batches, NeighbourSampler, Subgraph};
use crate::{memory, GraphError, Result};

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

/// One training batch: the whole graph, or a neighbour-sampled subgraph.
pub enum GraphBatch<'a> {
    /// The whole graph, trained on `seeds` nodes (the labelled training nodes, or all nodes).
    Full { data: &'a Prepared, seeds: usize },
    /// A sampled subgraph (features and message graph in local ids); its first `seeds.len()`
    /// local nodes are the `seeds` (global ids).
    Sampled {
        x: Tensor,
        mg: MessageGraph,
        seeds: Vec<usize>,
    },
}

impl GraphBatch<'_> {
    /// Node features of the batch.
    pub fn x(&self) -> &Tensor {
        match self {
            GraphBatch::Full { data, .. } => &data.x,
            GraphBatch::Sampled { x, .. } => x,
        }
    }

    /// Message graph of the batch.
    pub fn mg(&self) -> &MessageGraph {
        match self {
            GraphBatch::Full { data, .. } => &data.mg,
            GraphBatch::Sampled { mg, .. } => mg,
        }
    }

    /// How many training (seed) nodes the batch has.
    pub fn n_seeds(&self) -> usize {
        match self {
            GraphBatch::Full { seeds, .. } => *seeds,
            GraphBatch::Sampled { seeds, .. } => seeds.len(),
        }
    }
}

/// The batches of an epoch over the training nodes `nodes` of a graph: the whole graph once
/// (full-batch), or the nodes shuffled into mini-batches whose neighbourhoods are sampled lazily,
/// one subgraph at a time, by a seeded [`Rng`] (the shuffle first, then each batch's sampling,
/// in batch order).
pub struct GraphSource<'a> {
    data: &'a Prepared,
    nodes: Vec<usize>,
    sampler: Option<(usize, NeighbourSampler)>,
    rng: Rng,
}

impl<'a> GraphSource<'a> {
    /// Batches of `nodes` of `data` in `mode`; `seed` seeds the shuffling and sampling stream.
    pub fn new(data: &'a Prepared, nodes: &[usize], mode: &BatchMode, seed: u64) -> Result<Self> {
        Ok(GraphSource {
            data,
            nodes: nodes.to_vec(),
            sampler: Prepared::sampler(mode)?,
            rng: Rng::new(seed),
        })
    }
}

impl<'a> BatchSource for GraphSource<'a> {
    type Batch = GraphBatch<'a>;

    fn epoch(&mut self, _epoch: usize) -> deepfield_core::Result<EpochBatches<'_, GraphBatch<'a>>> {
        let GraphSource {
            data,
            nodes,
            sampler,
            rng,
        } = self;
        let data: &'a Prepared = data;
        match sampler {
            None => Ok(Box::new(std::iter::once(Ok(GraphBatch::Full {
                data,
                seeds: nodes.len(),
            })))),
            Some((bs, s)) => {
                let parts = batches(nodes, *bs, rng);
                let s = &*s;
                Ok(Box::new(parts.into_iter().map(move |seeds| {
                    let sub = s.sample(&data.neighbours, &seeds, rng)?;
                    let (x, mg) = data.subgraph(&sub)?;
                    Ok(GraphBatch::Sampled { x, mg, seeds })
                })))
            }
        }
    }
}

/// The core trainer of a graph model: `epochs` of Adam with L2 weight decay (as
/// `torch.optim.Adam` and tch's `nn::Adam { wd, .. }`), a learning-rate schedule, optional early
/// stopping, no progress bar. The loss comes from the model's `TrainStep`, so the trainer's task
/// is unused.
pub fn trainer(
    epochs: usize,
    lr: f64,
    weight_decay: f64,
    schedule: Schedule,
    early_stopping: Option<EarlyStopping>,
) -> Result<Trainer> {
    let optimizer = match OptimizerConfig::adam(lr) {
        OptimizerConfig::Adam {
            lr,
            beta1,
            beta2,
            eps,
            ..
        } => OptimizerConfig::Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        },
        other => other,
    };
    let config = TrainConfig {
        epochs,
        optimizer,
        schedule,
        early_stopping,
        progress: false,
        ..Default::default()
    };
    Ok(Trainer::new(config, Task::default())?)
}

/// Early stopping that keeps the epoch of best validation accuracy (the first of equals) and
/// never stops before `epochs`: the protocol of the supervised runs and the linear probe.
pub fn best_val_accuracy(epochs: usize, restore_best: bool) -> EarlyStopping {
    EarlyStopping {
        monitor: "val_accuracy".into(),
        patience: epochs,
        min_delta: 0.0,
        restore_best,
    }
}

/// Run `model`'s training through `trainer` on `source` (with `validate` after every epoch when
/// given), measured by a [`Meter`] and, under the name `log` when given, reported by an
/// [`EpochLog`]: the history and the run's cost in `mode`. What the supervised runs and the
/// self-supervised methods share.
pub fn fit_measured<'d, M: TrainStep<GraphBatch<'d>>>(
    trainer: &Trainer,
    model: &mut M,
    vs: &mut nn::VarStore,
    source: &mut GraphSource<'d>,
    validate: Option<Validator<'_, M>>,
    mode: &BatchMode,
    log: Option<&str>,
) -> Result<(History, TrainStats)> {
    let mut meter = Meter::start();
    let mut epoch_log = log.map(|l| EpochLog::new(l, trainer.config.epochs));
    let mut callbacks: Vec<&mut dyn Callback<M, GraphBatch<'d>>> = vec![&mut meter];
    if let Some(lg) = epoch_log.as_mut() {
        callbacks.push(lg);
    }
    let history = trainer.fit_steps(model, vs, source, validate, &mut callbacks)?;
    drop(callbacks);
    let stats = meter.finish(mode, history.epochs.len());
    Ok((history, stats))
}

/// Accuracy of `logits` `[N, C]` on the `nodes` with labels `y`.
pub fn accuracy(logits: &Tensor, y: &Tensor, nodes: &Tensor) -> f64 {
    let pred = logits.index_select(0, nodes).argmax(-1, false);
    pred.eq_tensor(&y.index_select(0, nodes))
        .to_kind(Kind::Float)
        .mean(Kind::Float)
        .double_value(&[])
}

/// Int64 index tensor of `nodes`.
pub fn index(nodes: &[usize], device: Device) -> Tensor {
    Tensor::from_slice(&nodes.iter().map(|&i| i as i64).collect::<Vec<_>>()).to_device(device)
}

/// The validation of the supervised runs and the linear probe: the accuracy of `logits` on the
/// validation nodes `val` (`accuracy`, what [`best_val_accuracy`] watches) and on the test nodes
/// `test` (`test_accuracy`, recorded with it).
pub fn split_accuracies(logits: &Tensor, y: &Tensor, val: &Tensor, test: &Tensor) -> Validation {
    Validation {
        loss: None,
        metrics: [
            ("accuracy".to_string(), accuracy(logits, y, val)),
            ("test_accuracy".to_string(), accuracy(logits, y, test)),
        ]
        .into(),
    }
}

/// The epoch of best validation accuracy of a run validated by [`split_accuracies`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BestEpoch {
    /// 1-based.
    pub epoch: usize,
    pub val_acc: f64,
    pub test_acc: f64,
}

impl BestEpoch {
    /// The best epoch recorded in `history` (`what` names the run in the error when none ran).
    pub fn of(history: &History, what: &str) -> Result<Self> {
        let best = history
            .best_epoch
            .and_then(|e| history.epochs.get(e - 1))
            .ok_or_else(|| GraphError::invalid(format!("{what}: no epoch ran")))?;
        let metric = |k: &str| {
            best.val_metrics.get(k).copied().ok_or_else(|| {
                GraphError::invalid(format!("{what}: epoch {} recorded no `{k}`", best.epoch))
            })
        };
        Ok(BestEpoch {
            epoch: best.epoch,
            val_acc: metric("accuracy")?,
            test_acc: metric("test_accuracy")?,
        })
    }
}

/// Cost of a training run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

    /// Stop and summarise (`epochs`: the epochs that ran).
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

/// The meter counts the seed nodes of every training batch.
impl<'a, M: ?Sized> Callback<M, GraphBatch<'a>> for Meter {
    fn before_forward(
        &mut self,
        _ctx: &mut Context<'_, M>,
        batch: &mut GraphBatch<'a>,
    ) -> deepfield_core::Result<()> {
        self.add_nodes(batch.n_seeds());
        Ok(())
    }
}

/// One line on stderr per block of epochs (a tenth of the run) — `label: epoch 150/1500, loss
/// 0.2317, 41 s` — so that a long run (GraphMAE's 1500 epochs take minutes) is never silent;
/// and a line when early stopping ends the run. Prints only; training is unchanged.
pub struct EpochLog {
    label: String,
    every: usize,
    start: Instant,
}

impl EpochLog {
    /// A log for a run of `epochs` epochs named `label`.
    pub fn new(label: impl Into<String>, epochs: usize) -> Self {
        EpochLog {
            label: label.into(),
            every: epochs.div_ceil(10).max(1),
            start: Instant::now(),
        }
    }
}

impl<M: ?Sized, B> Callback<M, B> for EpochLog {
    fn after_epoch(
        &mut self,
        ctx: &mut Context<'_, M>,
        rec: &EpochRecord,
    ) -> deepfield_core::Result<Control> {
        if rec.epoch % self.every == 0 || rec.epoch == ctx.epochs {
            let val = rec
                .val_metrics
                .get("accuracy")
                .map_or(String::new(), |a| format!(", val accuracy {a:.4}"));
            eprintln!(
                "  {}: epoch {}/{}, loss {:.4}{val}, {:.0} s",
                self.label,
                rec.epoch,
                ctx.epochs,
                rec.train_loss,
                self.start.elapsed().as_secs_f64()
            );
        }
        Ok(Control::Continue)
    }

    fn on_train_end(
        &mut self,
        ctx: &mut Context<'_, M>,
        history: &History,
    ) -> deepfield_core::Result<()> {
        if history.stopped_early {
            eprintln!(
                "  {}: stopped early after epoch {}/{} (best epoch {})",
                self.label,
                history.epochs.len(),
                ctx.epochs,
                history.best_epoch.unwrap_or(0)
            );
        }
        Ok(())
    }
}
