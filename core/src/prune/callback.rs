//! [`PruneCallback`]: pruning inside the one training loop. Gradients of pruned values are
//! zeroed after the backward pass, the masks are recomputed on the gradual schedule's steps,
//! and re-applied after every optimizer step (so momentum or weight decay cannot revive a
//! pruned weight).

use tch::nn::VarStore;

use super::magnitude::{prune, Method};
use super::masks::Masks;
use super::schedule::GradualConfig;
use crate::train::{Callback, Context};
use crate::Result;

/// Keeps `masks` on the variables during training; with a schedule, prunes gradually.
#[derive(Debug)]
pub struct PruneCallback {
    /// The current masks (read them after training).
    pub masks: Masks,
    names: Vec<String>,
    method: Method,
    schedule: Option<GradualConfig>,
    /// `(optimizer step, sparsity)` of every pruning done.
    pub log: Vec<(usize, f64)>,
}

impl PruneCallback {
    /// Keep fixed `masks` (e.g. a pruned model fine-tuned): applied at once and after every step.
    pub fn fixed(masks: Masks) -> Self {
        PruneCallback {
            names: masks.names(),
            masks,
            method: Method::L1,
            schedule: None,
            log: Vec::new(),
        }
    }

    /// Prune the variables `names` of `vs` by `method` on `schedule` (validated).
    pub fn gradual(
        vs: &VarStore,
        names: Vec<String>,
        method: Method,
        schedule: GradualConfig,
    ) -> Result<Self> {
        schedule.validate()?;
        method.validate()?;
        let masks = Masks::ones(vs, &names)?;
        Ok(PruneCallback {
            masks,
            names,
            method,
            schedule: Some(schedule),
            log: Vec::new(),
        })
    }

    /// Prune now if `step` is a pruning step of the schedule.
    fn maybe_prune(&mut self, vs: &VarStore, step: usize) -> Result<()> {
        if let Some(s) = self.schedule.as_ref().and_then(|c| c.prune_at(step)) {
            self.masks = prune(vs, &self.names, self.method, s, Some(&self.masks))?;
            self.log.push((step, s));
        }
        Ok(())
    }
}

impl<M: ?Sized, B> Callback<M, B> for PruneCallback {
    fn on_train_begin(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        self.maybe_prune(ctx.vs, ctx.step)?;
        self.masks.apply(ctx.vs)
    }

    fn after_backward(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        self.masks.mask_grads(ctx.vs)
    }

    fn after_optimizer_step(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        self.maybe_prune(ctx.vs, ctx.step)?;
        self.masks.apply(ctx.vs)
    }
}
