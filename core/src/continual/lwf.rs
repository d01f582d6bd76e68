//! Learning without forgetting (Li & Hoiem, TPAMI 2017): the model's outputs on the current
//! task's inputs are distilled towards those of the model as it was after the previous task
//! (softened softmax at temperature T, loss scaled by T²), over the units earlier tasks used.
//! As in van de Ven & Tolias, the distillation term is weighted by the number of earlier tasks
//! (their `rnt = 1/t` mix of current and replayed loss, rescaled so the current loss has
//! weight 1).

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::step::{ContinualStep, TaskBatch, MASKED_LOGIT};
use super::strategy::{param_copies, with_params, Strategy, TaskContext};
use crate::train::{Callback, Context};
use crate::{ensure_config, Error, Result};

/// LwF settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LwfConfig {
    /// Distillation temperature T.
    pub temperature: f64,
}

impl Default for LwfConfig {
    fn default() -> Self {
        LwfConfig { temperature: 2.0 }
    }
}

impl LwfConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.temperature > 0.0,
            "lwf: temperature must be > 0, got {}",
            self.temperature
        );
        Ok(())
    }
}

/// Soft-target distillation `T² · mean_b KL(softmax(t/T) ‖ softmax(s/T))` between masked
/// logits (masked units carry no probability in either).
pub fn distillation_loss(student: &Tensor, teacher: &Tensor, temperature: f64) -> Result<Tensor> {
    let t = temperature;
    let log_s = (student / t).f_log_softmax(-1, Kind::Float)?;
    let p_t = (teacher / t).f_softmax(-1, Kind::Float)?;
    let log_t = (teacher / t).f_log_softmax(-1, Kind::Float)?;
    // Masked units have p_t = 0; their (log_t − log_s) terms vanish.
    let kl = (&p_t * (log_t - log_s)).sum_dim_intlist(-1, false, Kind::Float);
    Ok(kl.mean(Kind::Float) * (t * t))
}

/// The LwF strategy.
pub struct Lwf {
    config: LwfConfig,
    /// The previous model's weights and the masks it was scored with (one row per head).
    teacher: Option<(Vec<Tensor>, Vec<Tensor>)>,
    tasks_done: usize,
    /// Teacher logits of the current batch, per head.
    targets: Vec<Tensor>,
}

impl Lwf {
    /// A strategy with a validated config.
    pub fn new(config: LwfConfig) -> Result<Self> {
        config.validate()?;
        Ok(Lwf {
            config,
            teacher: None,
            tasks_done: 0,
            targets: vec![],
        })
    }
}

impl<'a> Callback<ContinualStep<'a>, TaskBatch> for Lwf {
    fn before_forward(
        &mut self,
        ctx: &mut Context<'_, ContinualStep<'a>>,
        batch: &mut TaskBatch,
    ) -> Result<()> {
        self.targets.clear();
        let Some((weights, heads)) = &self.teacher else {
            return Ok(());
        };
        let model = ctx.model.model;
        let out = with_params(ctx.vs, weights, || {
            model.try_forward_t(&batch.x, None, false)
        })?;
        for h in heads {
            self.targets
                .push(out.f_masked_fill(&h.logical_not(), MASKED_LOGIT)?);
        }
        Ok(())
    }

    fn penalty(
        &mut self,
        ctx: &mut Context<'_, ContinualStep<'a>>,
        batch: &TaskBatch,
    ) -> Result<Option<Tensor>> {
        let Some((_, heads)) = &self.teacher else {
            return Ok(None);
        };
        if self.targets.len() != heads.len() {
            return Err(Error::input("lwf: teacher targets missing for this batch"));
        }
        let out = ctx.model.model.try_forward_t(&batch.x, None, true)?;
        let mut total = Tensor::zeros([], (Kind::Float, ctx.vs.device()));
        for (h, target) in heads.iter().zip(&self.targets) {
            let student = out.f_masked_fill(&h.logical_not(), MASKED_LOGIT)?;
            total += distillation_loss(&student, target, self.config.temperature)?;
        }
        let weight = self.tasks_done as f64 / heads.len() as f64;
        Ok(Some(total * weight))
    }
}

impl<'a> Strategy<'a> for Lwf {
    fn name(&self) -> String {
        "lwf".into()
    }

    fn after_task(&mut self, cx: &TaskContext<'_, 'a>) -> Result<()> {
        self.tasks_done = cx.task + 1;
        // The heads the previous model answers with: every earlier task's own head in Task-IL,
        // else the units of the task just trained.
        let masks = cx.stream.train_masks(cx.task, cx.vs.device())?;
        let heads = match cx.stream.scenario {
            super::stream::Scenario::TaskIl => (0..=cx.task).map(|s| masks.get(s as i64)).collect(),
            _ => vec![masks.get(cx.task as i64)],
        };
        self.teacher = Some((param_copies(cx.vs), heads));
        Ok(())
    }
}
