//! Training callbacks: where the model tools hook into the one training loop.
//!
//! | hook | called | used for |
//! | --- | --- | --- |
//! | [`on_train_begin`](Callback::on_train_begin) | once, before the first epoch | snapshots of the starting weights (EWC anchors, HLOP bases) |
//! | [`before_epoch`](Callback::before_epoch) | before each epoch | learning-rate overrides ([`Context::lr`]), curriculum |
//! | [`before_forward`](Callback::before_forward) | before each training step, with the batch | adversarial perturbation of inputs, spiking-state resets |
//! | [`penalty`](Callback::penalty) | after the forward, before the backward | regularisers added to the loss (EWC, SI, LwF distillation) |
//! | [`after_backward`](Callback::after_backward) | gradients are in `.grad()` | gradient masking and projection (pruning, HLOP, A-GEM) |
//! | [`after_optimizer_step`](Callback::after_optimizer_step) | weights were updated | re-applying pruning masks, EMA targets, weight clipping |
//! | [`after_epoch`](Callback::after_epoch) | the epoch's record is final | schedules, logging, run-registry records, custom stopping |
//! | [`on_train_end`](Callback::on_train_end) | once, after the last epoch and the best-weights restore | exporting, final records |
//!
//! Every hook gets a [`Context`]: the model (shared: callbacks run forward passes of their own
//! through [`crate::train::TrainStep::step`] or the model's methods), its `VarStore`, and where
//! training is. Variables can be changed in place under `tch::no_grad` (`var.copy_(…)`).

use tch::nn::VarStore;
use tch::Tensor;

use super::history::{EpochRecord, History};
use crate::Result;

/// Where training is, handed to every hook.
pub struct Context<'a, M: ?Sized> {
    /// The model being trained.
    pub model: &'a M,
    /// Its variables (trainable and buffers such as batch-norm statistics).
    pub vs: &'a VarStore,
    /// 0-based epoch.
    pub epoch: usize,
    /// Epochs planned.
    pub epochs: usize,
    /// Optimizer steps taken so far in the whole run.
    pub step: usize,
    /// The learning rate of this epoch. A hook may change it; the new value applies from the
    /// next optimizer step and is recorded in the epoch's record.
    pub lr: f64,
}

impl<M: ?Sized> Context<'_, M> {
    /// Training progress in `[0, 1)`: epochs done over epochs planned.
    pub fn progress(&self) -> f64 {
        self.epoch as f64 / self.epochs.max(1) as f64
    }
}

/// What to do after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// End training after this epoch (the best-weights restore still happens).
    Stop,
}

/// A hook into [`crate::train::Trainer::fit_steps`]. Every method has a no-op default; a
/// callback implements the ones it needs. `B` is the batch type.
pub trait Callback<M: ?Sized, B> {
    fn on_train_begin(&mut self, _ctx: &mut Context<'_, M>) -> Result<()> {
        Ok(())
    }
    fn before_epoch(&mut self, _ctx: &mut Context<'_, M>) -> Result<()> {
        Ok(())
    }
    /// Before the training forward pass; the batch may be replaced (e.g. by adversarial inputs).
    fn before_forward(&mut self, _ctx: &mut Context<'_, M>, _batch: &mut B) -> Result<()> {
        Ok(())
    }
    /// A term added to the batch loss before the backward pass (a scalar tensor with
    /// gradients), or `None`.
    fn penalty(&mut self, _ctx: &mut Context<'_, M>, _batch: &B) -> Result<Option<Tensor>> {
        Ok(None)
    }
    /// Gradients are computed and may be changed in place; the optimizer has not stepped.
    fn after_backward(&mut self, _ctx: &mut Context<'_, M>) -> Result<()> {
        Ok(())
    }
    /// The optimizer has stepped.
    fn after_optimizer_step(&mut self, _ctx: &mut Context<'_, M>) -> Result<()> {
        Ok(())
    }
    /// The epoch's record (losses, validation metrics, learning rate, time) is final.
    fn after_epoch(&mut self, _ctx: &mut Context<'_, M>, _record: &EpochRecord) -> Result<Control> {
        Ok(Control::Continue)
    }
    /// Training ended; the model holds its final (or restored best) weights.
    fn on_train_end(&mut self, _ctx: &mut Context<'_, M>, _history: &History) -> Result<()> {
        Ok(())
    }
}

/// A callback from a closure called after every epoch (logging, custom stopping rules).
pub struct AfterEpoch<F>(pub F);

impl<M: ?Sized, B, F> Callback<M, B> for AfterEpoch<F>
where
    F: FnMut(&mut Context<'_, M>, &EpochRecord) -> Result<Control>,
{
    fn after_epoch(&mut self, ctx: &mut Context<'_, M>, record: &EpochRecord) -> Result<Control> {
        (self.0)(ctx, record)
    }
}

/// A callback from a closure called after every optimizer step (mask re-application,
/// weight clipping, EMA updates that live outside the model).
pub struct AfterStep<F>(pub F);

impl<M: ?Sized, B, F> Callback<M, B> for AfterStep<F>
where
    F: FnMut(&mut Context<'_, M>) -> Result<()>,
{
    fn after_optimizer_step(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        (self.0)(ctx)
    }
}
