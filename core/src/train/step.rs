//! What the generic training loop asks of a model and of its data: a [`TrainStep`] turns a
//! batch of the model's own type into a loss, and a [`BatchSource`] yields an epoch of batches.
//!
//! A tensor data set ([`DatasetSource`]), a whole graph (one batch per epoch), neighbour-sampled
//! subgraphs, a multi-input text batch or a masked sequence batch all train through
//! [`crate::train::Trainer::fit_steps`] once they implement these two traits.

use tch::Tensor;

use crate::data::{Batch, TensorDataset};
use crate::rng::Rng;
use crate::Result;

/// The result of one step on one batch.
#[derive(Debug)]
pub struct StepOutput {
    /// The batch's mean loss: a scalar tensor, with gradients in training mode. It stays on the
    /// device; the loop reads the epoch's sum once per epoch.
    pub loss: Tensor,
    /// How many samples the loss averages over (weights the epoch's mean loss).
    pub size: i64,
    /// The model's outputs, when the step has them and a callback may want them (metrics,
    /// distillation targets). `None` is fine.
    pub output: Option<Tensor>,
}

impl StepOutput {
    /// A loss over `size` samples, without outputs.
    pub fn new(loss: Tensor, size: i64) -> Self {
        StepOutput {
            loss,
            size,
            output: None,
        }
    }

    /// Attach the model's outputs.
    pub fn with_output(mut self, output: Tensor) -> Self {
        self.output = Some(output);
        self
    }
}

/// A model's training step over its own batch type `B`.
pub trait TrainStep<B> {
    /// The loss of `batch`. `train` selects training mode (dropout, batch-norm statistics).
    fn step(&self, batch: &B, train: bool) -> Result<StepOutput>;

    /// Called after every optimizer step with the training progress in `[0, 1)` (epochs done
    /// over epochs planned): the model's own updates outside the gradient, e.g. BGRL's EMA
    /// target network.
    fn after_optimizer_step(&mut self, _progress: f64) -> Result<()> {
        Ok(())
    }
}

impl<B, T: TrainStep<B> + ?Sized> TrainStep<B> for Box<T> {
    fn step(&self, batch: &B, train: bool) -> Result<StepOutput> {
        (**self).step(batch, train)
    }

    fn after_optimizer_step(&mut self, progress: f64) -> Result<()> {
        (**self).after_optimizer_step(progress)
    }
}

/// An iterator over one epoch's batches; each item may fail (e.g. a sampler's error).
pub type EpochBatches<'a, B> = Box<dyn Iterator<Item = Result<B>> + 'a>;

/// Where an epoch's batches come from.
pub trait BatchSource {
    /// The batch type the model's [`TrainStep`] takes.
    type Batch;

    /// The batches of epoch `epoch` (0-based), in the order they are trained on. A source that
    /// shuffles or samples keeps its own seeded random stream, so a run is repeatable.
    fn epoch(&mut self, epoch: usize) -> Result<EpochBatches<'_, Self::Batch>>;
}

/// Mini-batches of a [`TensorDataset`], reshuffled every epoch by a seeded [`Rng`] (the way
/// [`crate::train::Trainer::fit`] batches).
pub struct DatasetSource<'a> {
    data: &'a TensorDataset,
    batch_size: usize,
    rng: Option<Rng>,
    drop_last: bool,
}

impl<'a> DatasetSource<'a> {
    /// Batches of `batch_size` in order, or shuffled with `seed` when `shuffle`.
    pub fn new(
        data: &'a TensorDataset,
        batch_size: usize,
        shuffle: Option<u64>,
        drop_last: bool,
    ) -> Self {
        DatasetSource {
            data,
            batch_size,
            rng: shuffle.map(Rng::new),
            drop_last,
        }
    }
}

impl BatchSource for DatasetSource<'_> {
    type Batch = Batch;

    fn epoch(&mut self, _epoch: usize) -> Result<EpochBatches<'_, Batch>> {
        let it = self
            .data
            .batches_opts(self.batch_size, self.rng.as_mut(), self.drop_last);
        Ok(Box::new(it.map(Ok)))
    }
}

/// One fixed batch every epoch: full-batch training (a whole graph, a whole small table).
pub struct FullBatch<B>(pub B);

impl<B: Clone> BatchSource for FullBatch<B> {
    type Batch = B;

    fn epoch(&mut self, _epoch: usize) -> Result<EpochBatches<'_, B>> {
        Ok(Box::new(std::iter::once(Ok(self.0.clone()))))
    }
}

/// A source built from a closure that returns an epoch's batches.
pub struct FnSource<F>(pub F);

impl<B: 'static, F> BatchSource for FnSource<F>
where
    F: FnMut(usize) -> Result<Vec<B>>,
{
    type Batch = B;

    fn epoch(&mut self, epoch: usize) -> Result<EpochBatches<'_, B>> {
        let batches = (self.0)(epoch)?;
        Ok(Box::new(batches.into_iter().map(Ok)))
    }
}
