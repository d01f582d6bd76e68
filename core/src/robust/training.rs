//! PGD adversarial training (Madry et al. 2018) as a [`Callback`] of the one Trainer: before
//! every training step the batch's inputs are replaced by adversarial examples of the current
//! model (attacked in evaluation mode), so the step minimises the loss at the worst case in the
//! threat ball. Any attack of [`AttackConfig`] may be used (FGSM gives "fast" AT).
//!
//! ```no_run
//! # use deepfield_core::{robust::{AdversarialTraining, AttackConfig, Method}, train::*};
//! # fn f(trainer: Trainer, model: &deepfield_core::nn::mlp::Mlp, vs: &mut deepfield_core::tch::nn::VarStore,
//! #      data: &deepfield_core::data::TensorDataset) -> deepfield_core::Result<()> {
//! let loss = trainer.task.loss_fn(vs.device());
//! let mut at = AdversarialTraining::new(AttackConfig::new(Method::Pgd, 0.1, 10))?;
//! trainer.fit_callbacks(model, vs, data, None,
//!     |out, b| loss.compute(out, &b.y, b.mask.as_ref()), &mut [&mut at])?;
//! # Ok(()) }
//! ```

use tch::Tensor;

use super::{forward_fn, AttackConfig};
use crate::data::Batch;
use crate::train::{Callback, Context, ForwardStep};
use crate::{Forward, Result};

/// Replaces each training batch by adversarial examples of the model being trained.
#[derive(Debug, Clone)]
pub struct AdversarialTraining {
    pub attack: AttackConfig,
}

impl AdversarialTraining {
    /// Adversarial training with `attack`; fails on an invalid attack config.
    pub fn new(attack: AttackConfig) -> Result<Self> {
        attack.validate()?;
        Ok(AdversarialTraining { attack })
    }

    /// The adversarial version of `batch` against `model`.
    pub fn adversarial<M: Forward + ?Sized>(&self, model: &M, batch: &Batch) -> Result<Tensor> {
        let f = forward_fn(model, batch.mask.as_ref());
        self.attack.perturb(&f, &batch.x, &batch.y)
    }
}

impl<M, L> Callback<ForwardStep<'_, M, L>, Batch> for AdversarialTraining
where
    M: Forward + ?Sized,
{
    fn before_forward(
        &mut self,
        ctx: &mut Context<'_, ForwardStep<'_, M, L>>,
        batch: &mut Batch,
    ) -> Result<()> {
        batch.x = self.adversarial(ctx.model.model, batch)?;
        Ok(())
    }
}
