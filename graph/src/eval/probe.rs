//! Linear probe: multinomial logistic regression (one linear layer, Adam) on frozen embeddings,
//! trained on the training nodes; the test accuracy is read at the epoch of best validation
//! accuracy (the protocol of DGI, CCA-SSG and GraphMAE). Full-batch, through core's one
//! training loop.

use deepfield_core::tch::{nn, nn::Module, Kind, Tensor};
use deepfield_core::train::{FullBatch, Schedule, StepOutput, TrainStep};
use serde::{Deserialize, Serialize};

use crate::error::{ensure_cfg, Result};
use crate::split::NodeSplit;
use crate::train::{best_val_accuracy, index, split_accuracies, trainer, BestEpoch};

/// Probe settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeConfig {
    pub lr: f64,
    pub weight_decay: f64,
    pub epochs: usize,
    /// L2-normalise the embeddings first (GRACE, BGRL).
    pub normalize: bool,
    /// Initialisation of the probe's linear layer (default: PyTorch's `nn.Linear`).
    #[serde(default)]
    pub init: deepfield_core::nn::LinearInit,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            lr: 0.01,
            weight_decay: 1e-4,
            epochs: 300,
            normalize: false,
            init: Default::default(),
        }
    }
}

/// Probe outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProbeResult {
    pub val_acc: f64,
    pub test_acc: f64,
    pub best_epoch: usize,
    /// Per-epoch record (loss, validation and test accuracy).
    #[serde(skip)]
    pub history: deepfield_core::train::History,
}

/// Fit and score a linear probe on `emb` `[N, d]` with `labels` over `split`.
pub fn linear_probe(
    emb: &Tensor,
    labels: &[i64],
    n_classes: usize,
    split: &NodeSplit,
    cfg: &ProbeConfig,
    seed: u64,
) -> Result<ProbeResult> {
    ensure_cfg!(
        cfg.epochs > 0 && cfg.lr > 0.0,
        "probe: epochs and lr must be > 0"
    );
    ensure_cfg!(
        emb.size()[0] as usize == labels.len(),
        "probe: {} embeddings for {} labels",
        emb.size()[0],
        labels.len()
    );
    let dev = emb.device();
    let mut x = emb.detach().to_kind(Kind::Float);
    if cfg.normalize {
        x = &x / x.norm_scalaropt_dim(2, [1], true).clamp_min(1e-12);
    }
    deepfield_core::seed(seed);
    let vs = nn::VarStore::new(dev);
    let lin = deepfield_core::nn::init::linear(
        &(vs.root() / "fc"),
        x.size()[1],
        n_classes as i64,
        cfg.init,
    )?;
    let y = Tensor::from_slice(labels).to_device(dev);
    let (tr, va, te) = (
        index(&split.train, dev),
        index(&split.val, dev),
        index(&split.test, dev),
    );
    let mut probe = Probe {
        xtr: x.index_select(0, &tr),
        ytr: y.index_select(0, &tr),
        lin,
    };
    // Nothing uses the probe's weights afterwards: only the best epoch's numbers are kept.
    let trainer = trainer(
        cfg.epochs,
        cfg.lr,
        cfg.weight_decay,
        Schedule::Constant,
        Some(best_val_accuracy(cfg.epochs, false)),
    )?;
    let mut validate = |p: &Probe| Ok(split_accuracies(&p.lin.forward(&x), &y, &va, &te));
    let mut vs = vs;
    let history = trainer.fit_steps(
        &mut probe,
        &mut vs,
        &mut FullBatch(()),
        Some(&mut validate),
        &mut [],
    )?;
    let best = BestEpoch::of(&history, "probe")?;
    Ok(ProbeResult {
        val_acc: best.val_acc,
        test_acc: best.test_acc,
        best_epoch: best.epoch,
        history,
    })
}

/// The probe's training step: cross-entropy of the linear layer on the training embeddings.
struct Probe {
    lin: nn::Linear,
    xtr: Tensor,
    ytr: Tensor,
}

impl TrainStep<()> for Probe {
    fn step(&self, _batch: &(), _train: bool) -> deepfield_core::Result<StepOutput> {
        let loss = self
            .lin
            .forward(&self.xtr)
            .cross_entropy_for_logits(&self.ytr);
        Ok(StepOutput::new(loss, self.ytr.size()[0]))
    }
}
