//! Training and scoring the die/dat model through core's generic [`Trainer`]: a batch is the
//! packed input with the die/dat labels and the POS labels (−1 where unknown); the loss is the
//! die/dat cross-entropy plus, for the multitask model, `pos_weight` × the POS cross-entropy
//! over the examples whose POS is known, plus (article head) the de/het cross-entropy of the
//! auxiliary article examples mixed into the batches.

use std::collections::BTreeMap;

use tch::nn::VarStore;
use tch::{Kind, Reduction, Tensor};

use deepfield_core::train::{
    FnSource, History, StepOutput, Task, TrainConfig, TrainStep, Trainer, Validation,
};
use deepfield_core::Rng;

use super::data::Example;
use super::model::{pack, DieDat, DieDatConfig};
use crate::vocab::Vocab;
use crate::Result;

/// One training batch.
pub struct DieDatBatch {
    pub x: Tensor,
    pub y: Tensor,
    /// POS class per example, −1 where unknown.
    pub pos: Tensor,
    /// True for the auxiliary article examples.
    pub article: Tensor,
}

/// Packs examples with `vocab` into a batch on `device`.
pub fn batch(examples: &[&Example], vocab: &Vocab, device: tch::Device) -> Result<DieDatBatch> {
    let ids: Vec<(Vec<i64>, usize, Vec<i64>)> = examples
        .iter()
        .map(|e| (vocab.encode(&e.tokens), e.target, vocab.encode(&e.context)))
        .collect();
    let rows: Vec<(&[i64], usize, &[i64])> = ids
        .iter()
        .map(|(s, t, c)| (s.as_slice(), *t, c.as_slice()))
        .collect();
    let y: Vec<i64> = examples.iter().map(|e| e.label).collect();
    let pos: Vec<i64> = examples.iter().map(|e| e.pos.unwrap_or(-1)).collect();
    let art: Vec<bool> = examples.iter().map(|e| e.article).collect();
    Ok(DieDatBatch {
        article: Tensor::from_slice(&art).to_device(device),
        x: pack(&rows)?.to_device(device),
        y: Tensor::from_slice(&y).to_device(device),
        pos: Tensor::from_slice(&pos).to_device(device),
    })
}

/// The model with its loss.
pub struct DieDatStep<'a> {
    pub model: &'a DieDat,
    pub pos_weight: f64,
}

/// Cross-entropy of `logits` against `y` over the rows where `keep`, as a mean (0 for none).
fn masked_ce(logits: &Tensor, y: &Tensor, keep: &Tensor) -> deepfield_core::Result<Tensor> {
    let target = y.f_masked_fill(&keep.f_logical_not()?, -100)?;
    let n = keep.f_sum(Kind::Float)?.f_clamp_min(1.0)?;
    let l = logits.f_cross_entropy_loss::<Tensor>(&target, None, Reduction::Sum, -100, 0.0)?;
    Ok(l.f_div(&n)?)
}

impl TrainStep<DieDatBatch> for DieDatStep<'_> {
    fn step(&self, b: &DieDatBatch, train: bool) -> deepfield_core::Result<StepOutput> {
        let out = self.model.logits(&b.x, train)?;
        let cfg = self.model.config();
        let n = b.y.size()[0];
        let die_dat = b.article.f_logical_not()?;
        let mut loss = masked_ce(&out.f_narrow(1, 0, 2)?, &b.y, &die_dat)?;
        let npos = cfg.pos_outputs();
        if npos > 0 && self.pos_weight > 0.0 {
            // POS labels are −1 where unknown (and for article examples).
            let pos = out.f_narrow(1, 2, npos)?;
            let known = b.pos.f_ge(0)?;
            let y = b.pos.f_clamp_min(0)?;
            loss += masked_ce(&pos, &y, &known)? * self.pos_weight;
        }
        if cfg.article {
            let art = out.f_narrow(1, 2 + npos, 2)?;
            loss += masked_ce(&art, &b.y, &b.article)?;
        }
        Ok(StepOutput::new(loss, n))
    }
}

/// Die/dat probabilities (of dat) and POS predictions (`None` without a POS head).
pub fn predict(
    model: &DieDat,
    examples: &[Example],
    vocab: &Vocab,
    batch_size: usize,
) -> Result<(Vec<f64>, Option<Vec<i64>>)> {
    let device = deepfield_core::device();
    let mut p_dat = Vec::with_capacity(examples.len());
    let mut pos = Vec::new();
    let mut has_pos = false;
    let refs: Vec<&Example> = examples.iter().collect();
    tch::no_grad(|| -> Result<()> {
        for chunk in refs.chunks(batch_size.max(1)) {
            let b = batch(chunk, vocab, device)?;
            let out = model.logits(&b.x, false)?;
            let p = out
                .f_narrow(1, 0, 2)?
                .f_softmax(1, Kind::Float)?
                .f_select(1, 1)?;
            p_dat.extend(Vec::<f64>::try_from(
                p.to_kind(Kind::Double).to_device(tch::Device::Cpu),
            )?);
            let npos = model.config().pos_outputs();
            if npos > 0 {
                has_pos = true;
                let a = out.f_narrow(1, 2, npos)?.f_argmax(1, false)?;
                pos.extend(Vec::<i64>::try_from(a.to_device(tch::Device::Cpu))?);
            }
        }
        Ok(())
    })?;
    Ok((p_dat, has_pos.then_some(pos)))
}

/// Accuracy of thresholded probabilities against labels.
pub fn accuracy(p_dat: &[f64], examples: &[Example]) -> f64 {
    let ok = p_dat
        .iter()
        .zip(examples)
        .filter(|(p, e)| ((**p >= 0.5) as i64) == e.label)
        .count();
    ok as f64 / examples.len().max(1) as f64
}

/// A trained model and its history.
pub struct Trained {
    pub model: DieDat,
    pub vs: VarStore,
    pub history: History,
    pub seconds: f64,
}

/// Trains `config` on `train` (plus, each epoch, `aux_per_epoch` examples drawn from the
/// auxiliary article examples `aux` when the model has the article head), selecting the epoch
/// by validation die/dat accuracy.
pub fn train(
    config: &DieDatConfig,
    tc: &TrainConfig,
    pos_weight: f64,
    train: &[Example],
    val: &[Example],
    aux: &[Example],
    aux_per_epoch: usize,
) -> Result<Trained> {
    let device = deepfield_core::device();
    deepfield_core::seed(tc.seed);
    let vocab = config.vocabulary()?;
    let mut vs = VarStore::new(device);
    let model = DieDat::new(&vs.root(), config)?;
    let trainer = Trainer::new(tc.clone(), Task::classification(2))?;
    let mut rng = Rng::new(tc.seed.wrapping_add(17));
    let bs = tc.batch_size;
    // Batches of similar length pad little: shuffle, then sort within windows of 50 batches.
    let mut source = FnSource(
        |_epoch: usize| -> deepfield_core::Result<Vec<DieDatBatch>> {
            let mut pool: Vec<&Example> = train.iter().collect();
            if config.article && !aux.is_empty() {
                pool.extend((0..aux_per_epoch).map(|_| &aux[rng.below(aux.len())]));
            }
            let mut perm = rng.permutation(pool.len());
            for w in perm.chunks_mut(bs * 50) {
                w.sort_by_key(|&i| pool[i].tokens.len());
            }
            let mut batches: Vec<Vec<usize>> = perm.chunks(bs).map(<[usize]>::to_vec).collect();
            rng.shuffle(&mut batches);
            batches
                .iter()
                .map(|idx| {
                    let ex: Vec<&Example> = idx.iter().map(|&i| pool[i]).collect();
                    Ok(batch(&ex, &vocab, device)?)
                })
                .collect()
        },
    );
    let mut step = DieDatStep {
        model: &model,
        pos_weight,
    };
    let mut validate = |s: &DieDatStep<'_>| -> deepfield_core::Result<Validation> {
        let (p, _) = predict(s.model, val, &vocab, 512)?;
        Ok(Validation {
            loss: None,
            metrics: BTreeMap::from([("accuracy".to_string(), accuracy(&p, val))]),
        })
    };
    let started = std::time::Instant::now();
    let history = trainer.fit_steps(
        &mut step,
        &mut vs,
        &mut source,
        Some(&mut validate),
        &mut [],
    )?;
    Ok(Trained {
        model,
        vs,
        history,
        seconds: started.elapsed().as_secs_f64(),
    })
}
