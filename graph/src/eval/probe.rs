//! Linear probe: multinomial logistic regression (one linear layer, Adam) on frozen embeddings,
//! trained on the training nodes; the test accuracy is read at the epoch of best validation
//! accuracy (the protocol of DGI, CCA-SSG and GraphMAE).

use deepfield_core::tch::{nn, nn::Module, nn::OptimizerConfig, Kind, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{ensure_cfg, Result};
use crate::split::NodeSplit;
use crate::supervised::{accuracy, index};

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
    let mut opt = nn::Adam {
        wd: cfg.weight_decay,
        ..Default::default()
    }
    .build(&vs, cfg.lr)?;
    let y = Tensor::from_slice(labels).to_device(dev);
    let (tr, va, te) = (
        index(&split.train, dev),
        index(&split.val, dev),
        index(&split.test, dev),
    );
    let (xtr, ytr) = (x.index_select(0, &tr), y.index_select(0, &tr));
    let mut best = ProbeResult {
        val_acc: -1.0,
        test_acc: 0.0,
        best_epoch: 0,
    };
    for epoch in 1..=cfg.epochs {
        let loss = lin.forward(&xtr).cross_entropy_for_logits(&ytr);
        opt.backward_step(&loss);
        let logits = deepfield_core::tch::no_grad(|| lin.forward(&x));
        let val = accuracy(&logits, &y, &va);
        if val > best.val_acc {
            best = ProbeResult {
                val_acc: val,
                test_acc: accuracy(&logits, &y, &te),
                best_epoch: epoch,
            };
        }
    }
    Ok(best)
}
