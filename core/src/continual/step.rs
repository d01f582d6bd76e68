//! The training step of a continual learner: batches that carry each sample's task
//! ([`TaskBatch`]), logits masked to the units the scenario scores for that task
//! ([`ContinualStep`]), and a source of a fixed number of iterations per task
//! ([`IterationSource`], the protocol counts iterations, not epochs).

use tch::{Device, Kind, Tensor};

use super::stream::TaskStream;
use crate::data::TensorDataset;
use crate::nn::Forward;
use crate::rng::Rng;
use crate::train::{BatchSource, EpochBatches, StepOutput, TrainStep};
use crate::{Error, Result};

/// What masked-out logits are set to (a softmax gives them probability 0).
pub const MASKED_LOGIT: f64 = -1e9;

/// Samples with their labels (output units) and the index of the task each came from.
#[derive(Debug)]
pub struct TaskBatch {
    pub x: Tensor,
    /// i64 `[B]` output units.
    pub y: Tensor,
    /// i64 `[B]` task indices.
    pub task: Tensor,
}

impl TaskBatch {
    /// A batch; the three tensors must have the same first dimension.
    pub fn new(x: Tensor, y: Tensor, task: Tensor) -> Result<Self> {
        let (n, ny, nt) = (x.size()[0], y.size()[0], task.size()[0]);
        if n != ny || n != nt {
            return Err(Error::input(format!(
                "continual: batch with {n} inputs, {ny} labels and {nt} task ids"
            )));
        }
        Ok(TaskBatch { x, y, task })
    }

    /// Every sample of a data set, all from task `t`.
    pub fn of_task(ds: &TensorDataset, t: usize) -> Result<Self> {
        let n = ds.len() as i64;
        let task = Tensor::full([n], t as i64, (Kind::Int64, ds.x.device()));
        TaskBatch::new(ds.x.shallow_clone(), ds.y.shallow_clone(), task)
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.size()[0] as usize
    }

    /// Whether it holds no sample.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The samples at `idx` (i64 index tensor).
    pub fn select(&self, idx: &Tensor) -> Result<Self> {
        TaskBatch::new(
            self.x.f_index_select(0, idx)?,
            self.y.f_index_select(0, idx)?,
            self.task.f_index_select(0, idx)?,
        )
    }

    /// This batch followed by `other`.
    pub fn cat(&self, other: &TaskBatch) -> Result<Self> {
        TaskBatch::new(
            Tensor::f_cat(&[&self.x, &other.x], 0)?,
            Tensor::f_cat(&[&self.y, &other.y], 0)?,
            Tensor::f_cat(&[&self.task, &other.task], 0)?,
        )
    }

    /// Several batches in one.
    pub fn concat(parts: &[TaskBatch]) -> Result<Self> {
        if parts.is_empty() {
            return Err(Error::input("continual: nothing to concatenate"));
        }
        let x: Vec<&Tensor> = parts.iter().map(|p| &p.x).collect();
        let y: Vec<&Tensor> = parts.iter().map(|p| &p.y).collect();
        let t: Vec<&Tensor> = parts.iter().map(|p| &p.task).collect();
        TaskBatch::new(
            Tensor::f_cat(&x, 0)?,
            Tensor::f_cat(&y, 0)?,
            Tensor::f_cat(&t, 0)?,
        )
    }

    /// A copy on `device`.
    pub fn to_device(&self, device: Device) -> Self {
        TaskBatch {
            x: self.x.to_device(device),
            y: self.y.to_device(device),
            task: self.task.to_device(device),
        }
    }
}

/// Any [`Forward`] classifier with its logits masked per sample: row `task[b]` of `masks`
/// (bool `[tasks, outputs]`) says which units sample `b` is scored over.
pub struct ContinualStep<'a> {
    pub model: &'a dyn Forward,
    masks: Tensor,
}

impl<'a> ContinualStep<'a> {
    /// A step with the given per-task masks.
    pub fn new(model: &'a dyn Forward, masks: Tensor) -> Self {
        ContinualStep { model, masks }
    }

    /// The training masks of `stream` while training task `current`.
    pub fn for_task(
        model: &'a dyn Forward,
        stream: &TaskStream,
        current: usize,
        device: Device,
    ) -> Result<Self> {
        Ok(ContinualStep::new(
            model,
            stream.train_masks(current, device)?,
        ))
    }

    /// The per-task masks.
    pub fn masks(&self) -> &Tensor {
        &self.masks
    }

    /// Replace the per-task masks.
    pub fn set_masks(&mut self, masks: Tensor) {
        self.masks = masks;
    }

    /// Logits of `x` with the units outside each sample's mask set to [`MASKED_LOGIT`].
    pub fn logits(&self, x: &Tensor, task: &Tensor, train: bool) -> Result<Tensor> {
        let out = self.model.try_forward_t(x, None, train)?;
        mask_logits(&out, &self.masks, task)
    }

    /// The mean cross-entropy of a batch over its masked logits.
    pub fn loss(&self, batch: &TaskBatch, train: bool) -> Result<(Tensor, Tensor)> {
        let logits = self.logits(&batch.x, &batch.task, train)?;
        let loss = logits.f_cross_entropy_loss::<Tensor>(
            &batch.y,
            None,
            tch::Reduction::Mean,
            -100,
            0.0,
        )?;
        Ok((loss, logits))
    }
}

/// `logits [B, outputs]` with the units outside row `task[b]` of `masks` set to [`MASKED_LOGIT`].
pub fn mask_logits(logits: &Tensor, masks: &Tensor, task: &Tensor) -> Result<Tensor> {
    let (ls, ms) = (logits.size(), masks.size());
    if ls.len() != 2 || ms.len() != 2 || ls[1] != ms[1] {
        return Err(Error::input(format!(
            "continual: the model gives outputs {ls:?} but the stream has masks {ms:?} ([tasks, outputs])"
        )));
    }
    let rows = masks.f_index_select(0, task)?;
    Ok(logits.f_masked_fill(&rows.logical_not(), MASKED_LOGIT)?)
}

impl TrainStep<TaskBatch> for ContinualStep<'_> {
    fn step(&self, batch: &TaskBatch, train: bool) -> Result<StepOutput> {
        let (loss, logits) = self.loss(batch, train)?;
        Ok(StepOutput::new(loss, batch.len() as i64).with_output(logits))
    }
}

/// `iterations` mini-batches drawn from `data` per epoch, walking through seeded shuffles of it
/// (a new shuffle each time it is used up).
pub struct IterationSource<'a> {
    data: &'a TaskBatch,
    batch_size: usize,
    iterations: usize,
    rng: Rng,
    order: Vec<usize>,
    pos: usize,
}

impl<'a> IterationSource<'a> {
    /// A source over `data` (must not be empty).
    pub fn new(
        data: &'a TaskBatch,
        batch_size: usize,
        iterations: usize,
        seed: u64,
    ) -> Result<Self> {
        if data.is_empty() || batch_size == 0 || iterations == 0 {
            return Err(Error::input(format!(
                "continual: need data ({} samples), batch size ({batch_size}) and iterations ({iterations}) above 0",
                data.len()
            )));
        }
        Ok(IterationSource {
            data,
            batch_size,
            iterations,
            rng: Rng::new(seed),
            order: vec![],
            pos: 0,
        })
    }

    fn next_indices(&mut self) -> Vec<i64> {
        let n = self.data.len();
        let take = self.batch_size.min(n);
        let mut idx = Vec::with_capacity(take);
        while idx.len() < take {
            if self.pos >= self.order.len() {
                self.order = self.rng.permutation(n);
                self.pos = 0;
            }
            idx.push(self.order[self.pos] as i64);
            self.pos += 1;
        }
        idx
    }
}

impl BatchSource for IterationSource<'_> {
    type Batch = TaskBatch;

    fn epoch(&mut self, _epoch: usize) -> Result<EpochBatches<'_, TaskBatch>> {
        let device = self.data.x.device();
        let indices: Vec<Vec<i64>> = (0..self.iterations).map(|_| self.next_indices()).collect();
        let data = self.data;
        Ok(Box::new(indices.into_iter().map(move |idx| {
            data.select(&Tensor::from_slice(&idx).to_device(device))
        })))
    }
}
