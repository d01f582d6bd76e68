//! Downstream evaluation: frozen embeddings, a linear probe on a labelled subset, the same
//! encoder trained from scratch on the same labels, and macro-F1 over the classes present.

use serde::{Deserialize, Serialize};
use tch::nn::{self, VarStore};
use tch::{Device, Kind, Tensor};

use deepfield_core::data::{class_weights, ClassWeightMode, TensorDataset};
use deepfield_core::metrics::classification_report;
use deepfield_core::models::ModelConfig;
use deepfield_core::nn::init::{linear, LinearInit};
use deepfield_core::train::{History, OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::{Forward, Rng};

use super::encoder::{BeatClassifier, BeatClassifierConfig, EcgEncoder};
use crate::{ensure_config, ensure_input, Result};

/// Embeddings of `x` (`[N, 1, L]`) in evaluation mode, computed in batches on the encoder's
/// device → `[N, D]` on the CPU.
pub fn embed(encoder: &EcgEncoder, x: &Tensor, device: Device) -> Result<Tensor> {
    let n = x.size()[0];
    let mut out = Vec::new();
    tch::no_grad(|| -> Result<()> {
        let mut s = 0;
        while s < n {
            let b = (n - s).min(512);
            let e = encoder.embed(&x.f_narrow(0, s, b)?.to_device(device), false)?;
            out.push(e.to_device(Device::Cpu));
            s += b;
        }
        Ok(())
    })?;
    ensure_input!(!out.is_empty(), "embed: no windows");
    Ok(Tensor::f_cat(&out, 0)?)
}

/// A stratified, seeded subset of `fraction` of the indices of `labels`: per class
/// `round(fraction · count)`, at least one of every class present.
pub fn label_subset(labels: &[i64], fraction: f64, seed: u64) -> Vec<usize> {
    let mut rng = Rng::new(seed ^ 0x1AB_E15);
    let mut classes: std::collections::BTreeMap<i64, Vec<usize>> = Default::default();
    for (i, &y) in labels.iter().enumerate() {
        classes.entry(y).or_default().push(i);
    }
    let mut out = Vec::new();
    for idx in classes.values_mut() {
        rng.shuffle(idx);
        let k = ((fraction * idx.len() as f64).round() as usize).clamp(1, idx.len());
        out.extend_from_slice(&idx[..k]);
    }
    out.sort_unstable();
    out
}

/// Linear-probe training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProbeConfig {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    /// L2 penalty (Adam weight decay).
    pub weight_decay: f64,
    /// Class weighting of the cross-entropy (also used by the supervised encoder).
    pub class_weights: ClassWeightMode,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            epochs: 200,
            batch_size: 256,
            lr: 1e-2,
            weight_decay: 1e-4,
            class_weights: ClassWeightMode::Balanced,
        }
    }
}

/// One linear layer (`head.weight`, `head.bias`).
struct Head(nn::Linear);

impl Forward for Head {
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _m: Option<&Tensor>,
        _t: bool,
    ) -> deepfield_core::Result<Tensor> {
        Ok(xs.f_linear(&self.0.ws, self.0.bs.as_ref())?)
    }
}

/// A linear classifier on raw embeddings (the standardisation it was trained with folded in).
#[derive(Debug)]
pub struct LinearProbe {
    /// `[C, D]`.
    pub weight: Tensor,
    /// `[C]`.
    pub bias: Tensor,
}

impl LinearProbe {
    /// Logits of embeddings `[N, D]` → `[N, C]`.
    pub fn logits(&self, emb: &Tensor) -> Result<Tensor> {
        Ok(emb.f_linear(&self.weight, Some(&self.bias))?)
    }
}

/// The class-weighted classification task over `n_classes`.
fn task(y: &[i64], n_classes: usize, mode: ClassWeightMode) -> Result<Task> {
    Ok(Task::Classification {
        n_classes,
        class_weights: Some(class_weights(y, n_classes, mode)?),
        label_smoothing: 0.0,
    })
}

/// Train a linear probe on embeddings `emb` (`[N, D]`, CPU) with labels `y`, standardised by
/// their own mean and SD; torch seeded with `seed`.
pub fn fit_probe(
    emb: &Tensor,
    y: &[i64],
    n_classes: usize,
    cfg: &ProbeConfig,
    seed: u64,
) -> Result<(LinearProbe, History)> {
    ensure_config!(
        cfg.epochs >= 1 && cfg.batch_size >= 1 && cfg.lr > 0.0,
        "probe: epochs, batch_size, lr must be > 0"
    );
    ensure_input!(
        emb.size()[0] as usize == y.len() && !y.is_empty(),
        "probe: {} embeddings for {} labels",
        emb.size()[0],
        y.len()
    );
    deepfield_core::seed(seed);
    let mean = emb.f_mean_dim([0i64].as_slice(), true, Kind::Float)?;
    let sd = if y.len() > 1 {
        emb.f_std_dim([0i64].as_slice(), true, true)?
            .f_clamp_min(1e-6)?
    } else {
        Tensor::f_ones_like(&mean)?
    };
    let z = emb.f_sub(&mean)?.f_div(&sd)?;
    let d = emb.size()[1];
    let mut vs = VarStore::new(Device::Cpu);
    let head = Head(linear(
        &(vs.root() / "head"),
        d,
        n_classes as i64,
        LinearInit::Torch,
    )?);
    let data = TensorDataset::new(z, Tensor::from_slice(y))?;
    let train = TrainConfig {
        epochs: cfg.epochs,
        batch_size: cfg.batch_size,
        optimizer: OptimizerConfig::Adam {
            lr: cfg.lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: cfg.weight_decay,
        },
        seed,
        progress: false,
        ..Default::default()
    };
    let history = Trainer::new(train, task(y, n_classes, cfg.class_weights)?)?
        .fit(&head, &mut vs, &data, None)?;
    // w·(e − μ)/σ + b = (w/σ)·e + (b − (w/σ)·μ)
    let w = head.0.ws.detach().f_div(&sd)?;
    let b = head
        .0
        .bs
        .as_ref()
        .map_or_else(
            || Tensor::f_zeros([n_classes as i64], (Kind::Float, Device::Cpu)),
            |b| Ok(b.detach()),
        )?
        .f_sub(&mean.f_matmul(&w.f_tr()?)?.f_squeeze_dim(0)?)?;
    Ok((LinearProbe { weight: w, bias: b }, history))
}

/// Supervised training of the encoder from scratch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SupervisedConfig {
    /// Optimizer steps (epochs = steps / batches per epoch, at least `min_epochs`).
    pub steps: usize,
    pub min_epochs: usize,
    pub max_epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
}

impl Default for SupervisedConfig {
    fn default() -> Self {
        SupervisedConfig {
            steps: 600,
            min_epochs: 5,
            max_epochs: 300,
            batch_size: 64,
            lr: 1e-3,
        }
    }
}

/// Train a beat classifier of `cfg` from scratch on windows `x` (`[N, 1, L]`) and labels `y`.
pub fn train_supervised(
    cfg: &BeatClassifierConfig,
    x: &Tensor,
    y: &[i64],
    sup: &SupervisedConfig,
    mode: ClassWeightMode,
    seed: u64,
    device: Device,
) -> Result<(VarStore, BeatClassifier, History)> {
    ensure_config!(
        sup.steps >= 1
            && sup.batch_size >= 1
            && sup.lr > 0.0
            && sup.min_epochs >= 1
            && sup.max_epochs >= sup.min_epochs,
        "supervised: steps, batch_size, lr, min_epochs must be > 0 and max_epochs >= min_epochs"
    );
    deepfield_core::seed(seed);
    let mut vs = VarStore::new(device);
    let model = cfg.build(&vs.root())?;
    let bs = sup.batch_size.min(y.len()).max(1);
    let per_epoch = y.len().div_ceil(bs);
    let epochs = sup
        .steps
        .div_ceil(per_epoch)
        .clamp(sup.min_epochs, sup.max_epochs);
    let data = TensorDataset::new(x.shallow_clone(), Tensor::from_slice(y))?;
    let train = TrainConfig {
        epochs,
        batch_size: bs,
        optimizer: OptimizerConfig::adam(sup.lr),
        seed,
        // A batch of one breaks batch norm; drop such a remainder.
        drop_last: y.len() % bs == 1,
        progress: false,
        ..Default::default()
    };
    let history = Trainer::new(train, task(y, cfg.classes.len(), mode)?)?
        .fit(&model, &mut vs, &data, None)?;
    Ok((vs, model, history))
}

/// Class predictions of logits `[N, C]`.
pub fn argmax(logits: &Tensor) -> Result<Vec<i64>> {
    Ok(Vec::<i64>::try_from(
        logits.f_argmax(1, false)?.to_device(Device::Cpu),
    )?)
}

/// Scores of predictions against the truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// Mean F1 over the classes present in the truth (and included, see [`score`]).
    pub macro_f1: f64,
    pub accuracy: f64,
    /// F1 per class (`None` for a class absent from the truth).
    pub per_class_f1: Vec<Option<f64>>,
    /// `confusion[true][pred]`.
    pub confusion: Vec<Vec<u64>>,
}

/// [`Scores`] over `n_classes` classes; macro-F1 averages the classes present in `y_true` and,
/// when `include` is given, marked `true` there (e.g. the classes that have training labels).
pub fn score(
    y_true: &[i64],
    y_pred: &[i64],
    n_classes: usize,
    include: Option<&[bool]>,
) -> Result<Scores> {
    let r = classification_report(y_true, y_pred, n_classes)?;
    let per_class_f1: Vec<Option<f64>> = r
        .per_class
        .f1
        .iter()
        .zip(&r.per_class.support)
        .map(|(&f, &s)| (s > 0).then_some(f))
        .collect();
    let counted: Vec<f64> = per_class_f1
        .iter()
        .enumerate()
        .filter(|(k, _)| include.is_none_or(|inc| inc.get(*k).copied().unwrap_or(false)))
        .filter_map(|(_, f)| *f)
        .collect();
    Ok(Scores {
        macro_f1: counted.iter().sum::<f64>() / counted.len().max(1) as f64,
        accuracy: r.accuracy,
        per_class_f1,
        confusion: r.confusion,
    })
}
