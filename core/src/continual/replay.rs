//! Replay: experience replay from a reservoir buffer of real samples ([`ExperienceReplay`]),
//! and generative replay through any [`Generator`] ([`GenerativeReplay`], Shin et al., "Continual
//! Learning with Deep Generative Replay", NeurIPS 2017: generated inputs labelled by the
//! previous model).
//!
//! Both add the replayed batch's loss as a penalty weighted by the number of earlier tasks (van
//! de Ven & Tolias's `rnt = 1/t` mix, rescaled so the current batch has weight 1).

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::buffer::ReservoirBuffer;
use super::step::{ContinualStep, TaskBatch};
use super::strategy::{param_copies, with_params, Strategy, TaskContext};
use crate::train::{Callback, Context};
use crate::{ensure_config, Result};

/// Experience-replay settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReplayConfig {
    /// Samples the reservoir holds (van de Ven: 100 per class for split MNIST).
    pub capacity: usize,
    /// Replayed samples per training batch.
    pub batch_size: usize,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            capacity: 1000,
            batch_size: 128,
        }
    }
}

impl ReplayConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.capacity > 0, "replay: capacity must be > 0");
        ensure_config!(self.batch_size > 0, "replay: batch_size must be > 0");
        Ok(())
    }
}

/// Experience replay: every training sample is offered to a reservoir buffer; from the second
/// task on, each step adds the loss of a batch drawn from the buffer (samples of earlier tasks
/// keep their own task's head).
pub struct ExperienceReplay {
    config: ReplayConfig,
    buffer: ReservoirBuffer,
    tasks_done: usize,
}

impl ExperienceReplay {
    /// A strategy with a validated config and a seeded buffer.
    pub fn new(config: ReplayConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        Ok(ExperienceReplay {
            buffer: ReservoirBuffer::new(config.capacity, seed)?,
            config,
            tasks_done: 0,
        })
    }

    /// The buffer.
    pub fn buffer(&self) -> &ReservoirBuffer {
        &self.buffer
    }
}

impl<'a> Callback<ContinualStep<'a>, TaskBatch> for ExperienceReplay {
    fn penalty(
        &mut self,
        ctx: &mut Context<'_, ContinualStep<'a>>,
        batch: &TaskBatch,
    ) -> Result<Option<Tensor>> {
        let replay = if self.tasks_done > 0 {
            self.buffer
                .sample(self.config.batch_size, ctx.vs.device())?
        } else {
            None
        };
        self.buffer.add(batch)?;
        match replay {
            Some(r) => {
                let (loss, _) = ctx.model.loss(&r, true)?;
                Ok(Some(loss * self.tasks_done as f64))
            }
            None => Ok(None),
        }
    }
}

impl<'a> Strategy<'a> for ExperienceReplay {
    fn name(&self) -> String {
        "replay".into()
    }

    fn after_task(&mut self, cx: &TaskContext<'_, 'a>) -> Result<()> {
        self.tasks_done = cx.task + 1;
        Ok(())
    }
}

/// A generative model of earlier tasks' inputs, for [`GenerativeReplay`].
pub trait Generator {
    /// Learn (or add) the inputs of a task that was just trained.
    fn learn_task(&mut self, data: &TaskBatch) -> Result<()>;
    /// `n` generated inputs and the task each is meant to come from (i64 `[n]`), on `device`;
    /// `None` before anything was learned.
    fn generate(&mut self, n: usize, device: Device) -> Result<Option<(Tensor, Tensor)>>;
}

/// A [`Generator`] that replays stored real inputs (a reservoir of them): the exact-replay
/// limit of generative replay, and a check of the hook's wiring.
pub struct BufferGenerator(pub ReservoirBuffer);

impl Generator for BufferGenerator {
    fn learn_task(&mut self, data: &TaskBatch) -> Result<()> {
        self.0.add(data)
    }

    fn generate(&mut self, n: usize, device: Device) -> Result<Option<(Tensor, Tensor)>> {
        Ok(self.0.sample(n, device)?.map(|b| (b.x, b.task)))
    }
}

/// Generative replay: inputs from a [`Generator`], labelled with the previous model's most
/// likely unit under the masks it was trained with (hard targets, as in DGR).
pub struct GenerativeReplay<G> {
    generator: G,
    batch_size: usize,
    /// The previous model's weights and training masks.
    teacher: Option<(Vec<Tensor>, Tensor)>,
    tasks_done: usize,
}

impl<G: Generator> GenerativeReplay<G> {
    /// Replay `batch_size` generated samples per step.
    pub fn new(generator: G, batch_size: usize) -> Result<Self> {
        ensure_config!(batch_size > 0, "generative replay: batch_size must be > 0");
        Ok(GenerativeReplay {
            generator,
            batch_size,
            teacher: None,
            tasks_done: 0,
        })
    }
}

impl<'a, G: Generator> Callback<ContinualStep<'a>, TaskBatch> for GenerativeReplay<G> {
    fn penalty(
        &mut self,
        ctx: &mut Context<'_, ContinualStep<'a>>,
        _batch: &TaskBatch,
    ) -> Result<Option<Tensor>> {
        let Some((weights, masks)) = &self.teacher else {
            return Ok(None);
        };
        let Some((x, task)) = self.generator.generate(self.batch_size, ctx.vs.device())? else {
            return Ok(None);
        };
        let model = ctx.model.model;
        let teacher = ContinualStep::new(model, masks.shallow_clone());
        let y = with_params(ctx.vs, weights, || {
            Ok(teacher.logits(&x, &task, false)?.argmax(-1, false))
        })?;
        let replayed = TaskBatch::new(x, y.to_kind(Kind::Int64), task)?;
        let (loss, _) = ctx.model.loss(&replayed, true)?;
        Ok(Some(loss * self.tasks_done as f64))
    }
}

impl<'a, G: Generator> Strategy<'a> for GenerativeReplay<G> {
    fn name(&self) -> String {
        "generative-replay".into()
    }

    fn after_task(&mut self, cx: &TaskContext<'_, 'a>) -> Result<()> {
        self.tasks_done = cx.task + 1;
        self.generator.learn_task(cx.data)?;
        self.teacher = Some((param_copies(cx.vs), cx.step.masks().shallow_clone()));
        Ok(())
    }
}
