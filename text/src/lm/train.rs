//! Training a character language model through core's [`Trainer`]: each epoch is a fixed number
//! of steps on random windows of the training ids (SpikeGPT's "mini-epochs" of fixed length),
//! validation bits per character after each epoch, Adam with SpikeGPT's β = (0.9, 0.99), a
//! cosine decay of the learning rate to a final value (SpikeGPT decays 6e-4 → 1e-5) and
//! gradient-norm clipping at 1 (`train.py`).

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use deepfield_core::data::Batch;
use deepfield_core::rng::Rng;
use deepfield_core::train::{
    FnSource, History, OptimizerConfig, Schedule, StepOutput, TrainConfig, TrainStep, Trainer,
    Validation,
};

use super::eval::bpc;
use crate::rwkv::RwkvLm;
use crate::{Error, Result};

/// How a character language model is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LmTrainConfig {
    /// Epochs of `steps_per_epoch` optimizer steps.
    pub epochs: usize,
    pub steps_per_epoch: usize,
    pub batch_size: usize,
    /// Characters per training window.
    pub seq_len: i64,
    /// Initial and final learning rate of the cosine decay.
    pub lr: f64,
    pub lr_final: f64,
    /// Adam's β₂ (SpikeGPT: 0.99) and ε.
    pub beta2: f64,
    pub eps: f64,
    /// Gradient L2-norm clipping (SpikeGPT: 1).
    pub grad_clip: f64,
    /// Validation characters scored after every epoch (from the start of the validation
    /// part; 0 for all).
    pub val_chars: usize,
    /// Seed of the window sampling.
    pub seed: u64,
}

impl Default for LmTrainConfig {
    fn default() -> Self {
        LmTrainConfig {
            epochs: 20,
            steps_per_epoch: 100,
            batch_size: 16,
            seq_len: 128,
            lr: 2e-3,
            lr_final: 1e-4,
            beta2: 0.99,
            eps: 1e-8,
            grad_clip: 1.0,
            val_chars: 20_000,
            seed: 0,
        }
    }
}

impl LmTrainConfig {
    /// Check the values.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 || self.steps_per_epoch == 0 || self.batch_size == 0 || self.seq_len < 2
        {
            return Err(Error::config(
                "lm train: epochs, steps_per_epoch and batch_size must be >= 1 and seq_len >= 2",
            ));
        }
        if !(self.lr > 0.0 && self.lr_final >= 0.0 && self.lr_final <= self.lr) {
            return Err(Error::config(format!(
                "lm train: need 0 <= lr_final <= lr and lr > 0, got {} and {}",
                self.lr_final, self.lr
            )));
        }
        self.core().validate()?;
        Ok(())
    }

    /// Core's training config: Adam, cosine schedule over the epochs, clipping.
    pub fn core(&self) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch_size: self.batch_size,
            optimizer: OptimizerConfig::Adam {
                lr: self.lr,
                beta1: 0.9,
                beta2: self.beta2,
                eps: self.eps,
                weight_decay: 0.0,
            },
            schedule: Schedule::Cosine {
                t_max: self.epochs,
                eta_min: self.lr_final,
            },
            grad_clip_norm: Some(self.grad_clip),
            early_stopping: None,
            seed: self.seed,
            shuffle: false,
            drop_last: false,
            progress: false,
        }
    }
}

/// The language model's training step: mean next-character cross-entropy.
struct LmStep<'a>(&'a RwkvLm);

impl TrainStep<Batch> for LmStep<'_> {
    fn step(&self, batch: &Batch, train: bool) -> deepfield_core::Result<StepOutput> {
        let logits = self.0.logits_with(&batch.x, train, None)?;
        let v = self.0.config().vocab_size;
        let loss = logits.f_reshape([-1, v])?.f_cross_entropy_loss::<Tensor>(
            &batch.y.f_reshape([-1])?,
            None,
            tch::Reduction::Mean,
            -100,
            0.0,
        )?;
        Ok(StepOutput::new(loss, batch.x.size()[0]))
    }
}

/// What a training run gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedLm {
    /// Optimizer steps after each epoch and the validation bits per character then.
    pub curve: Vec<(usize, f64)>,
    pub history: History,
    pub seconds: f64,
}

/// `[B, T]` windows of `ids` at the `offsets` and the next characters.
pub fn windows(ids: &Tensor, offsets: &[i64], t: i64) -> Result<Batch> {
    let device = ids.device();
    let starts = Tensor::from_slice(offsets).to_device(device).view([-1, 1]);
    let idx = starts + Tensor::arange(t, (Kind::Int64, device)).view([1, t]);
    let x = ids.f_take(&idx)?;
    let y = ids.f_take(&(idx + 1))?;
    Ok(Batch { x, y, mask: None })
}

/// Train `model` (its parameters in `vs`) on the `train` ids, validating on `val`.
pub fn train(
    model: &RwkvLm,
    vs: &mut VarStore,
    train: &[i64],
    val: &[i64],
    config: &LmTrainConfig,
) -> Result<TrainedLm> {
    config.validate()?;
    let t = config.seq_len;
    if (train.len() as i64) < t + 2 {
        return Err(Error::input(format!(
            "lm train: {} training characters, fewer than one {t}-character window",
            train.len()
        )));
    }
    let val = if config.val_chars == 0 {
        val
    } else {
        &val[..config.val_chars.min(val.len())]
    };
    let device = vs.device();
    let ids = Tensor::from_slice(train).to_device(device);
    let max_start = train.len() - t as usize - 1;
    let mut rng = Rng::new(config.seed);
    let (steps, batch) = (config.steps_per_epoch, config.batch_size);
    let mut source = FnSource(move |_epoch: usize| -> deepfield_core::Result<Vec<Batch>> {
        (0..steps)
            .map(|_| {
                let offsets: Vec<i64> = (0..batch)
                    .map(|_| rng.below(max_start + 1) as i64)
                    .collect();
                windows(&ids, &offsets, t).map_err(Error::into_core)
            })
            .collect()
    });
    let mut validate = |m: &LmStep<'_>| -> deepfield_core::Result<Validation> {
        let b = bpc(m.0, val, t, 32, None)?;
        Ok(Validation {
            loss: Some(b * std::f64::consts::LN_2),
            metrics: BTreeMap::from([("bpc".to_string(), b)]),
        })
    };
    let trainer = Trainer::new(config.core(), deepfield_core::train::Task::regression())?;
    let start = Instant::now();
    let mut step = LmStep(model);
    let history = trainer.fit_steps(&mut step, vs, &mut source, Some(&mut validate), &mut [])?;
    let curve = history
        .val_metric("bpc")
        .into_iter()
        .enumerate()
        .map(|(e, b)| ((e + 1) * steps, b))
        .collect();
    Ok(TrainedLm {
        curve,
        history,
        seconds: start.elapsed().as_secs_f64(),
    })
}
