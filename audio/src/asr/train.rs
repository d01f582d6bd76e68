//! Training one recogniser (one language × one unit kind) with core's [`Trainer`] and
//! evaluating it with greedy and beam decoding.
//!
//! Batches are built from utterances sorted by length (little padding) and visited in a seeded
//! random order every epoch. Validation computes the CTC loss of the validation utterances
//! (early stopping on it, best weights restored) and their greedy CER.

use deepfield_core::rng::Rng;
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::train::{
    BatchSource, EpochBatches, History, Task, TrainConfig, TrainStep, Trainer, Validation,
};

use super::decode::{beam_search, greedy, BeamConfig};
use super::lm::NGram;
use super::model::{subsampled, AcousticModel, AsrBatch};
use super::units::Units;
use super::wer::{error_rates, ErrorRates};
use crate::features::{FeatureMatrix, FrameScaler};
use crate::{Error, Result};

/// One utterance ready for the network: scaled frames and (for training) unit classes.
pub struct Item {
    pub frames: FeatureMatrix,
    /// 1-based unit classes (0 is the CTC blank).
    pub target: Vec<i64>,
    pub text: String,
}

/// Scale frames and encode texts.
pub fn items(
    feats: &[&FeatureMatrix],
    texts: &[&str],
    scaler: &FrameScaler,
    units: Option<&Units>,
) -> Result<Vec<Item>> {
    feats
        .iter()
        .zip(texts)
        .map(|(f, t)| {
            let target = match units {
                Some(u) => u.encode(t)?.into_iter().map(|i| i as i64 + 1).collect(),
                None => Vec::new(),
            };
            Ok(Item {
                frames: scaler.transform(f)?,
                target,
                text: t.to_string(),
            })
        })
        .collect()
}

/// A padded batch of `items[idx]` on `device`.
pub fn batch(items: &[Item], idx: &[usize], device: Device) -> Result<AsrBatch> {
    let b = idx.len();
    if b == 0 {
        return Err(Error::input("empty batch"));
    }
    let f = items[idx[0]].frames.cols;
    let t = idx
        .iter()
        .map(|&i| items[i].frames.rows)
        .max()
        .unwrap_or(1)
        .max(1);
    let s = idx
        .iter()
        .map(|&i| items[i].target.len())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut x = vec![0f32; b * t * f];
    let mut mask = vec![false; b * t];
    let mut tg = vec![0i64; b * s];
    for (k, &i) in idx.iter().enumerate() {
        let it = &items[i];
        x[k * t * f..k * t * f + it.frames.data.len()].copy_from_slice(&it.frames.data);
        mask[k * t..k * t + it.frames.rows]
            .iter_mut()
            .for_each(|m| *m = true);
        tg[k * s..k * s + it.target.len()].copy_from_slice(&it.target);
    }
    let dims = |d: &[usize]| d.iter().map(|&v| v as i64).collect::<Vec<i64>>();
    Ok(AsrBatch {
        x: Tensor::from_slice(&x)
            .f_reshape(dims(&[b, t, f]))?
            .f_to(device)?,
        mask: Tensor::from_slice(&mask)
            .f_reshape(dims(&[b, t]))?
            .f_to(device)?,
        targets: Tensor::from_slice(&tg)
            .f_reshape(dims(&[b, s]))?
            .f_to(device)?,
        frames: idx.iter().map(|&i| items[i].frames.rows as i64).collect(),
        target_lengths: idx.iter().map(|&i| items[i].target.len() as i64).collect(),
    })
}

/// Length-sorted batches of at most `size` utterances.
pub fn length_batches(items: &[Item], size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].frames.rows, i));
    order.chunks(size.max(1)).map(<[usize]>::to_vec).collect()
}

/// The training batches: fixed length-sorted groups in a new seeded order every epoch.
pub struct Source<'a> {
    items: &'a [Item],
    groups: Vec<Vec<usize>>,
    rng: Rng,
    device: Device,
}

impl<'a> Source<'a> {
    /// Batches of `size` from `items`, shuffled with `seed`.
    pub fn new(items: &'a [Item], size: usize, seed: u64, device: Device) -> Self {
        Source {
            items,
            groups: length_batches(items, size),
            rng: Rng::new(seed),
            device,
        }
    }
}

impl BatchSource for Source<'_> {
    type Batch = AsrBatch;
    fn epoch(&mut self, _epoch: usize) -> deepfield_core::Result<EpochBatches<'_, AsrBatch>> {
        let mut order: Vec<usize> = (0..self.groups.len()).collect();
        self.rng.shuffle(&mut order);
        let (items, groups, device) = (self.items, &self.groups, self.device);
        Ok(Box::new(order.into_iter().map(move |g| {
            batch(items, &groups[g], device).map_err(Error::into_core)
        })))
    }
}

/// Per-utterance log-probabilities `[T'][classes]` of `items`, in order.
pub fn posteriors(
    model: &AcousticModel,
    items: &[Item],
    batch_size: usize,
    device: Device,
) -> Result<Vec<Vec<Vec<f32>>>> {
    let mut out: Vec<Vec<Vec<f32>>> = vec![Vec::new(); items.len()];
    deepfield_core::tch::no_grad(|| -> Result<()> {
        for idx in length_batches(items, batch_size) {
            let b = batch(items, &idx, device)?;
            let (lp, _) = model.log_probs(&b.x, Some(&b.mask), false)?;
            let lp = lp.f_to_device(Device::Cpu)?.f_to_kind(Kind::Float)?;
            let c = lp.size()[2] as usize;
            let flat = Vec::<f32>::try_from(lp.f_flatten(0, -1)?)?;
            let tmax = b.x.size()[1];
            let tp = subsampled(tmax) as usize;
            for (k, &i) in idx.iter().enumerate() {
                let n = subsampled(b.frames[k]) as usize;
                out[i] = (0..n)
                    .map(|t| flat[(k * tp + t) * c..(k * tp + t + 1) * c].to_vec())
                    .collect();
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Greedy hypotheses and their error rates against the items' texts.
pub fn greedy_rates(
    units: &Units,
    post: &[Vec<Vec<f32>>],
    items: &[Item],
) -> (Vec<String>, ErrorRates) {
    scored(
        post.iter().map(|p| units.decode(&greedy(p))).collect(),
        items,
    )
}

/// Hypotheses paired with their error rates against the items' texts.
fn scored(hyps: Vec<String>, items: &[Item]) -> (Vec<String>, ErrorRates) {
    let rates = error_rates(
        items
            .iter()
            .map(|i| i.text.as_str())
            .zip(hyps.iter().map(String::as_str)),
    );
    (hyps, rates)
}

/// Beam hypotheses and their error rates.
pub fn beam_rates(
    units: &Units,
    post: &[Vec<Vec<f32>>],
    items: &[Item],
    lm: Option<&NGram>,
    cfg: &BeamConfig,
) -> (Vec<String>, ErrorRates) {
    scored(
        post.iter()
            .map(|p| units.decode(&beam_search(p, lm, cfg)))
            .collect(),
        items,
    )
}

/// Train `model` (its weights in `vs`) on `train` with `val` for early stopping.
pub fn fit(
    model: &mut AcousticModel,
    vs: &mut VarStore,
    train: &[Item],
    val: &[Item],
    units: &Units,
    cfg: &TrainConfig,
) -> Result<History> {
    let device = vs.device();
    let trainer = Trainer::new(cfg.clone(), Task::regression())?;
    let mut source = Source::new(train, cfg.batch_size, cfg.seed, device);
    let bs = cfg.batch_size;
    let mut validate = |m: &AcousticModel| -> deepfield_core::Result<Validation> {
        let run = || -> Result<Validation> {
            let (mut loss, mut n) = (0.0, 0usize);
            for idx in length_batches(val, bs) {
                let b = batch(val, &idx, device)?;
                let out = m.step(&b, false)?;
                loss += out.loss.f_double_value(&[])? * idx.len() as f64;
                n += idx.len();
            }
            let post = posteriors(m, val, bs, device)?;
            let (_, rates) = greedy_rates(units, &post, val);
            let mut v = Validation {
                loss: Some(loss / n.max(1) as f64),
                ..Default::default()
            };
            v.metrics.insert("greedy_cer".into(), rates.cer());
            v.metrics.insert("greedy_wer".into(), rates.wer());
            Ok(v)
        };
        run().map_err(Error::into_core)
    };
    let validator: deepfield_core::train::Validator<'_, AcousticModel> = &mut validate;
    Ok(trainer.fit_steps(model, vs, &mut source, Some(validator), &mut [])?)
}
