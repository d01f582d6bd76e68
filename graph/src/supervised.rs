//! Supervised semi-supervised node classification (Kipf & Welling 2017's setting): a GNN
//! encoder whose last layer outputs class logits, trained with cross-entropy on the labelled
//! training nodes, the test accuracy taken at the epoch of best validation accuracy (whose
//! weights are restored at the end). Training runs through core's one loop,
//! `deepfield_core::train::Trainer::fit_steps`.

use deepfield_core::tch::{nn, Device, Tensor};
use deepfield_core::train::{History, Schedule, StepOutput, TrainStep};
use serde::{Deserialize, Serialize};

use crate::encoder::{Encoder, EncoderConfig, LayerKind};
use crate::error::{ensure_cfg, Result};
use crate::layers::Act;
use crate::split::NodeSplit;
pub use crate::train::{accuracy, index};
use crate::train::{
    best_val_accuracy, fit_measured, split_accuracies, trainer, BatchMode, BestEpoch, GraphBatch,
    GraphSource, Prepared, TrainStats,
};
use crate::GraphError;

/// Supervised training configuration (defaults: Kipf & Welling's GCN on Cora).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SupervisedConfig {
    pub encoder: EncoderConfig,
    pub lr: f64,
    pub weight_decay: f64,
    pub epochs: usize,
    pub mode: BatchMode,
    pub seed: u64,
}

impl Default for SupervisedConfig {
    fn default() -> Self {
        Self::gcn(1433, 7)
    }
}

impl SupervisedConfig {
    /// Kipf & Welling: 2-layer GCN, 16 hidden, dropout 0.5, Adam 0.01, weight decay 5e-4, 200 epochs.
    pub fn gcn(features: i64, classes: i64) -> Self {
        SupervisedConfig {
            encoder: EncoderConfig::new(LayerKind::Gcn, features, [16, classes]),
            lr: 0.01,
            weight_decay: 5e-4,
            epochs: 200,
            mode: BatchMode::Full,
            seed: 0,
        }
    }

    /// Veličković et al.: 8 heads × 8 ELU hidden, 1 output head, dropout 0.6 on inputs and
    /// attention, Adam 0.005, weight decay 5e-4.
    pub fn gat(features: i64, classes: i64) -> Self {
        let mut encoder = EncoderConfig::new(LayerKind::Gat, features, [64, classes]);
        encoder.heads = vec![8, 1];
        encoder.last_concat = false;
        encoder.activation = Act::Elu;
        encoder.dropout = 0.6;
        encoder.attn_dropout = 0.6;
        SupervisedConfig {
            encoder,
            lr: 0.005,
            weight_decay: 5e-4,
            epochs: 200,
            mode: BatchMode::Full,
            seed: 0,
        }
    }

    /// A 2-layer GraphSAGE-mean or GIN classifier with the GCN's training settings.
    pub fn with_kind(kind: LayerKind, features: i64, classes: i64) -> Self {
        match kind {
            LayerKind::Gat => Self::gat(features, classes),
            k => {
                let mut c = Self::gcn(features, classes);
                c.encoder.kind = k;
                c
            }
        }
    }
}

/// A trained classifier and how it did.
pub struct SupervisedRun {
    pub vs: nn::VarStore,
    pub model: Encoder,
    pub best_epoch: usize,
    pub val_acc: f64,
    pub test_acc: f64,
    pub train_losses: Vec<f64>,
    pub val_accs: Vec<f64>,
    /// Per-epoch record (loss, validation and test accuracy, learning rate, time).
    pub history: History,
    pub stats: TrainStats,
}

/// A GNN classifier's training step: cross-entropy of the encoder's logits on the training
/// nodes of the whole graph, or on the seeds of a sampled subgraph. The same step trains
/// [`train`] and the GCN bench ([`crate::bench`]).
pub struct NodeClassifier {
    pub model: Encoder,
    /// Labels of every node.
    y: Tensor,
    /// Training nodes and their labels (full-batch).
    train: Tensor,
    y_train: Tensor,
}

impl NodeClassifier {
    /// `model` trained on the `train` nodes with `labels` (of every node) on `device`.
    pub fn new(model: Encoder, labels: &[i64], train: &[usize], device: Device) -> Self {
        let y = Tensor::from_slice(labels).to_device(device);
        let train = index(train, device);
        let y_train = y.index_select(0, &train);
        NodeClassifier {
            model,
            y,
            train,
            y_train,
        }
    }
}

impl TrainStep<GraphBatch<'_>> for NodeClassifier {
    fn step(&self, batch: &GraphBatch<'_>, train: bool) -> deepfield_core::Result<StepOutput> {
        Ok(match batch {
            GraphBatch::Full { data, seeds } => {
                let out = self.model.forward(&data.x, &data.mg, train);
                let loss = out
                    .index_select(0, &self.train)
                    .cross_entropy_for_logits(&self.y_train);
                StepOutput::new(loss, *seeds as i64)
            }
            GraphBatch::Sampled { x, mg, seeds } => {
                let out = self
                    .model
                    .forward(x, mg, train)
                    .narrow(0, 0, seeds.len() as i64);
                let target = self.y.index_select(0, &index(seeds, self.y.device()));
                StepOutput::new(out.cross_entropy_for_logits(&target), seeds.len() as i64)
            }
        })
    }
}

/// Train a node classifier on `data` with `split`: `deepfield_core::train::Trainer::fit_steps`
/// with Adam, validation accuracy (and test accuracy, recorded with it) on the whole graph after
/// every epoch, and the weights of the best validation epoch (the first of equals) restored.
pub fn train(data: &Prepared, split: &NodeSplit, cfg: &SupervisedConfig) -> Result<SupervisedRun> {
    train_logged(data, split, cfg, None)
}

/// [`train`], printing a line per block of epochs under `log` when given ([`EpochLog`](crate::train::EpochLog)).
pub fn train_logged(
    data: &Prepared,
    split: &NodeSplit,
    cfg: &SupervisedConfig,
    log: Option<&str>,
) -> Result<SupervisedRun> {
    let classes = data.graph.n_classes() as i64;
    ensure_cfg!(
        cfg.encoder.out_dim() == classes,
        "supervised: last layer width {} but {} classes",
        cfg.encoder.out_dim(),
        classes
    );
    ensure_cfg!(
        cfg.encoder.input == data.graph.n_features() as i64,
        "supervised: encoder input {} but {} features",
        cfg.encoder.input,
        data.graph.n_features()
    );
    ensure_cfg!(
        cfg.epochs > 0 && cfg.lr > 0.0,
        "supervised: epochs and lr must be > 0"
    );
    if split
        .train
        .iter()
        .chain(&split.val)
        .chain(&split.test)
        .any(|&i| data.graph.labels[i] < 0)
    {
        return Err(GraphError::invalid("supervised: a split node has no label"));
    }
    let dev = data.device;
    deepfield_core::seed(cfg.seed);
    let mut vs = nn::VarStore::new(dev);
    let model = cfg.encoder.init(&vs.root())?;
    let mut step = NodeClassifier::new(model, &data.graph.labels, &split.train, dev);
    let (va, te) = (index(&split.val, dev), index(&split.test, dev));
    let mut source = GraphSource::new(data, &split.train, &cfg.mode, cfg.seed ^ 0x5a6e)?;
    let trainer = trainer(
        cfg.epochs,
        cfg.lr,
        cfg.weight_decay,
        Schedule::Constant,
        Some(best_val_accuracy(cfg.epochs, true)),
    )?;
    let mut validate = |m: &NodeClassifier| {
        Ok(split_accuracies(
            &m.model.forward(&data.x, &data.mg, false),
            &m.y,
            &va,
            &te,
        ))
    };
    let (history, stats) = fit_measured(
        &trainer,
        &mut step,
        &mut vs,
        &mut source,
        Some(&mut validate),
        &cfg.mode,
        log,
    )?;
    let best = BestEpoch::of(&history, "supervised")?;
    Ok(SupervisedRun {
        best_epoch: best.epoch,
        val_acc: best.val_acc,
        test_acc: best.test_acc,
        train_losses: history.train_losses(),
        val_accs: history.val_metric("accuracy"),
        history,
        vs,
        model: step.model,
        stats,
    })
}

/// `tch::no_grad` re-exported under a name that reads well in this module.
pub fn tch_no_grad<T>(f: impl FnOnce() -> T) -> T {
    deepfield_core::tch::no_grad(f)
}
