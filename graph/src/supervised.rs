//! Supervised semi-supervised node classification (Kipf & Welling 2017's setting): a GNN
//! encoder whose last layer outputs class logits, trained with cross-entropy on the labelled
//! training nodes, the test accuracy taken at the epoch of best validation accuracy (whose
//! weights are restored at the end).

use deepfield_core::tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};
use deepfield_core::Rng;
use serde::{Deserialize, Serialize};

use crate::encoder::{Encoder, EncoderConfig, LayerKind};
use crate::error::{ensure_cfg, Result};
use crate::layers::Act;
use crate::sampler::batches;
use crate::split::NodeSplit;
use crate::train::{BatchMode, Meter, Prepared, TrainStats};
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
    pub stats: TrainStats,
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

/// Train a node classifier on `data` with `split`.
pub fn train(data: &Prepared, split: &NodeSplit, cfg: &SupervisedConfig) -> Result<SupervisedRun> {
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
    let vs = nn::VarStore::new(dev);
    let model = cfg.encoder.init(&vs.root())?;
    let mut opt = nn::Adam {
        wd: cfg.weight_decay,
        ..Default::default()
    }
    .build(&vs, cfg.lr)?;
    let y = Tensor::from_slice(&data.graph.labels).to_device(dev);
    let (tr, va, te) = (
        index(&split.train, dev),
        index(&split.val, dev),
        index(&split.test, dev),
    );
    let sampler = Prepared::sampler(&cfg.mode)?;
    let mut rng = Rng::new(cfg.seed ^ 0x5a6e);

    let mut best = (f64::NEG_INFINITY, 0usize, 0.0f64);
    let mut best_weights: Vec<Tensor> = Vec::new();
    let mut losses = Vec::new();
    let mut vals = Vec::new();
    let mut meter = Meter::start();
    for epoch in 1..=cfg.epochs {
        let loss = match &sampler {
            None => {
                let out = model.forward(&data.x, &data.mg, true);
                let loss = out
                    .index_select(0, &tr)
                    .cross_entropy_for_logits(&y.index_select(0, &tr));
                opt.backward_step(&loss);
                meter.add_nodes(split.train.len());
                loss.double_value(&[])
            }
            Some((bs, s)) => {
                let mut total = 0.0;
                let parts = batches(&split.train, *bs, &mut rng);
                for seeds in &parts {
                    let sub = s.sample(&data.neighbours, seeds, &mut rng)?;
                    let (x, mg) = data.subgraph(&sub)?;
                    let out = model
                        .forward(&x, &mg, true)
                        .narrow(0, 0, sub.n_seeds as i64);
                    let loss = out.cross_entropy_for_logits(&y.index_select(0, &index(seeds, dev)));
                    opt.backward_step(&loss);
                    meter.add_nodes(seeds.len());
                    total += loss.double_value(&[]) * seeds.len() as f64;
                }
                total / split.train.len() as f64
            }
        };
        let logits = tch_no_grad(|| model.forward(&data.x, &data.mg, false));
        let val = accuracy(&logits, &y, &va);
        if val > best.0 {
            best = (val, epoch, accuracy(&logits, &y, &te));
            best_weights = vs
                .trainable_variables()
                .iter()
                .map(|t| t.detach().copy())
                .collect();
        }
        losses.push(loss);
        vals.push(val);
    }
    let stats = meter.finish(&cfg.mode, cfg.epochs);
    tch_no_grad(|| {
        for (v, b) in vs.trainable_variables().iter_mut().zip(&best_weights) {
            v.copy_(b);
        }
    });
    Ok(SupervisedRun {
        vs,
        model,
        best_epoch: best.1,
        val_acc: best.0,
        test_acc: best.2,
        train_losses: losses,
        val_accs: vals,
        stats,
    })
}

/// `tch::no_grad` re-exported under a name that reads well in this module.
pub fn tch_no_grad<T>(f: impl FnOnce() -> T) -> T {
    deepfield_core::tch::no_grad(f)
}
