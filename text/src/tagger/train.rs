//! Training a [`Tagger`]: NeuroNER's recipe — SGD at 0.005 on the summed CRF negative
//! log-likelihood, every gradient clipped to ±5, singleton words replaced by `<unk>` with
//! probability 0.5, evaluation on the dev set after every epoch and early stopping on its
//! entity-level F1 (seqeval default mode) with patience 10, keeping the best epoch's weights.
//! NeuroNER updates after every sentence; `batch_size` > 1 sums the loss over that many
//! sentences per update (faster on CPU, the same learning rate per sentence's gradient).

use std::time::Instant;

use deepfield_core::nn::crf::TagScheme;
use deepfield_core::Rng;
use serde::{Deserialize, Serialize};
use tch::nn::{self, OptimizerConfig};
use tch::Tensor;

use super::encode::{fit, Encoder};
use super::model::NeuroNerConfig;
use super::Tagger;
use crate::seqeval::{evaluate, Mode};
use crate::tagged::Tagged;
use crate::{Error, Result};

/// Training settings (NeuroNER's defaults, except `batch_size` and `max_seconds`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainSettings {
    /// At most this many passes over the training sentences (NeuroNER: 100).
    pub epochs: usize,
    /// Stop after this many epochs without a better dev F1 (NeuroNER: 10).
    pub patience: usize,
    /// Sentences per update (NeuroNER: 1).
    pub batch_size: usize,
    /// SGD learning rate (NeuroNER: 0.005).
    pub lr: f64,
    /// Clip every gradient element to ±`clip` (NeuroNER: 5.0; 0 = off).
    pub clip: f64,
    /// Probability of replacing a singleton word by `<unk>` in training (NeuroNER: 0.5).
    pub unk_replace: f64,
    /// Stop starting new epochs after this many seconds (`None`: no limit).
    pub max_seconds: Option<f64>,
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            epochs: 100,
            patience: 10,
            batch_size: 1,
            lr: 0.005,
            clip: 5.0,
            unk_replace: 0.5,
            max_seconds: None,
            seed: 0,
        }
    }
}

impl TrainSettings {
    /// Check the values.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 || self.batch_size == 0 || self.lr <= 0.0 || self.clip < 0.0 {
            return Err(Error::config(format!(
                "tagger training: epochs, batch_size and lr must be > 0 and clip >= 0, got {self:?}"
            )));
        }
        if !(0.0..=1.0).contains(&self.unk_replace) {
            return Err(Error::config(
                "tagger training: unk_replace must be in [0, 1]",
            ));
        }
        Ok(())
    }
}

/// One epoch's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    pub epoch: usize,
    /// Mean negative log-likelihood per training sentence.
    pub train_loss: f64,
    /// Dev entity-level micro F1 (seqeval default mode).
    pub dev_f1: f64,
    pub seconds: f64,
}

/// What training gives back besides the tagger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainLog {
    pub epochs: Vec<EpochLog>,
    /// 1-based epoch whose weights were kept.
    pub best_epoch: usize,
    pub best_dev_f1: f64,
    pub seconds: f64,
}

/// Dev entity micro F1 of `tagger` on `dev` (tags compared in BIO).
pub fn dev_f1(tagger: &Tagger, dev: &[Tagged]) -> Result<f64> {
    let pred = tagger.tag_sentences(dev, TagScheme::Bio)?;
    let gold: Vec<Vec<String>> = dev.iter().map(|s| s.tags.clone()).collect();
    let pred: Vec<Vec<String>> = pred.into_iter().map(|s| s.tags).collect();
    Ok(evaluate(&gold, &pred, Mode::Default)?.micro.f1)
}

/// Train a tagger of `base` (sizes; vocabularies and labels are fitted on `train`) with early
/// stopping on `dev`. `progress` is called after every epoch.
pub fn train(
    base: &NeuroNerConfig,
    train: &[Tagged],
    dev: &[Tagged],
    s: &TrainSettings,
    mut progress: impl FnMut(&EpochLog),
) -> Result<(Tagger, TrainLog)> {
    s.validate()?;
    let train: Vec<&Tagged> = train.iter().filter(|x| !x.is_empty()).collect();
    let owned: Vec<Tagged> = train.iter().map(|t| (*t).clone()).collect();
    let config = fit(base, &owned)?;
    tch::manual_seed(s.seed as i64);
    let device = deepfield_core::device();
    let mut tagger = Tagger::new(config, device)?;
    tagger.encoder = Encoder::new(&tagger.config)?.with_singletons(&owned);
    let mut opt = nn::Sgd::default().build(&tagger.vs, s.lr)?;
    let mut rng = Rng::new(s.seed);
    let start = Instant::now();
    let mut log = TrainLog {
        epochs: Vec::new(),
        best_epoch: 0,
        best_dev_f1: -1.0,
        seconds: 0.0,
    };
    let mut best: Option<Vec<(String, Tensor)>> = None;
    for epoch in 1..=s.epochs {
        let t0 = Instant::now();
        let order = rng.permutation(train.len());
        // Losses summed on the device, read once per epoch (no host sync per batch).
        let mut total = Tensor::zeros([], (tch::Kind::Float, device));
        for idx in order.chunks(s.batch_size) {
            let batch: Vec<&Tagged> = idx.iter().map(|&i| train[i]).collect();
            let tokens: Vec<&[String]> = batch.iter().map(|b| b.tokens.as_slice()).collect();
            let (xs, mask) = tagger
                .encoder
                .inputs(&tokens, Some((s.unk_replace, &mut rng)))?;
            let tags = tagger.encoder.tags(&batch)?;
            let loss = tagger.model.loss(
                &xs.to_device(device),
                &tags.to_device(device),
                &mask.to_device(device),
                true,
            )?;
            opt.zero_grad();
            loss.f_backward()?;
            if s.clip > 0.0 {
                opt.clip_grad_value(s.clip);
            }
            opt.step();
            total = total.f_add(&loss.detach())?;
        }
        let f1 = dev_f1(&tagger, dev)?;
        let entry = EpochLog {
            epoch,
            train_loss: total.f_double_value(&[])? / train.len().max(1) as f64,
            dev_f1: f1,
            seconds: t0.elapsed().as_secs_f64(),
        };
        progress(&entry);
        log.epochs.push(entry);
        if f1 > log.best_dev_f1 {
            log.best_dev_f1 = f1;
            log.best_epoch = epoch;
            let _g = tch::no_grad_guard();
            best = Some(
                tagger
                    .vs
                    .variables()
                    .into_iter()
                    .map(|(k, v)| (k, v.copy()))
                    .collect(),
            );
        } else if epoch - log.best_epoch >= s.patience {
            break;
        }
        if s.max_seconds
            .is_some_and(|m| start.elapsed().as_secs_f64() >= m)
        {
            break;
        }
    }
    if let Some(best) = best {
        let _g = tch::no_grad_guard();
        let vars = tagger.vs.variables();
        for (k, v) in best {
            if let Some(t) = vars.get(&k) {
                t.shallow_clone().copy_(&v);
            }
        }
    }
    log.seconds = start.elapsed().as_secs_f64();
    Ok((tagger, log))
}
