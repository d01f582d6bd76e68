//! Averaged gradient episodic memory (Chaudhry et al., "Efficient Lifelong Learning with
//! A-GEM", ICLR 2019): after the backward pass, the gradient `g` is compared with the gradient
//! `g_ref` of a batch drawn from a memory of earlier tasks; when they conflict (`g·g_ref < 0`)
//! `g` is projected to `g − (g·g_ref / g_ref·g_ref) g_ref`, so the step does not increase the
//! memory loss to first order.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::buffer::ReservoirBuffer;
use super::step::{ContinualStep, TaskBatch};
use super::strategy::{Strategy, TaskContext};
use crate::rng::Rng;
use crate::train::{Callback, Context};
use crate::{ensure_config, Result};

/// A-GEM settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AgemConfig {
    /// Samples of each finished task offered to the memory.
    pub per_task: usize,
    /// Samples the memory holds in all (a reservoir over the offered ones).
    pub capacity: usize,
    /// Memory samples per reference gradient.
    pub batch_size: usize,
}

impl Default for AgemConfig {
    fn default() -> Self {
        AgemConfig {
            per_task: 1000,
            capacity: 1000,
            batch_size: 128,
        }
    }
}

impl AgemConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.per_task > 0, "a-gem: per_task must be > 0");
        ensure_config!(self.capacity > 0, "a-gem: capacity must be > 0");
        ensure_config!(self.batch_size > 0, "a-gem: batch_size must be > 0");
        Ok(())
    }
}

/// Project `g` (flattened, concatenated gradients) against `g_ref`: unchanged when
/// `g·g_ref ≥ 0`, else `g − (g·g_ref / g_ref·g_ref) g_ref`. Returns the projection and a 0-dim
/// boolean tensor telling whether it was applied; both stay on `g`'s device (no host read, so a
/// training step on a GPU does not wait for it).
pub fn project(g: &Tensor, g_ref: &Tensor) -> Result<(Tensor, Tensor)> {
    let dot = g.f_dot(g_ref)?;
    let norm = g_ref.f_dot(g_ref)?;
    let applied = dot.f_lt(0.0)?.f_logical_and(&norm.f_gt(0.0)?)?;
    // Where not applied the coefficient is 0 (and a zero reference norm never divides).
    let coef =
        (&dot / norm.clamp_min(f64::MIN_POSITIVE)).f_where_self(&applied, &dot.zeros_like())?;
    Ok((g - g_ref * coef, applied))
}

/// The A-GEM strategy.
pub struct Agem {
    config: AgemConfig,
    memory: ReservoirBuffer,
    rng: Rng,
    /// Steps projected so far, counted on the device.
    projections: Option<Tensor>,
}

impl Agem {
    /// A strategy with a validated config.
    pub fn new(config: AgemConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        Ok(Agem {
            memory: ReservoirBuffer::new(config.capacity, seed)?,
            rng: Rng::new(seed.wrapping_add(1)),
            config,
            projections: None,
        })
    }

    /// Steps whose gradient was projected so far.
    pub fn projections(&self) -> Result<usize> {
        Ok(match &self.projections {
            Some(n) => n.f_int64_value(&[])?.max(0) as usize,
            None => 0,
        })
    }
}

fn flat(ts: &[Tensor]) -> Tensor {
    Tensor::cat(&ts.iter().map(|t| t.reshape([-1])).collect::<Vec<_>>(), 0)
}

impl<'a> Callback<ContinualStep<'a>, TaskBatch> for Agem {
    fn after_backward(&mut self, ctx: &mut Context<'_, ContinualStep<'a>>) -> Result<()> {
        let Some(mem) = self
            .memory
            .sample(self.config.batch_size, ctx.vs.device())?
        else {
            return Ok(());
        };
        let params = ctx.vs.trainable_variables();
        let (loss, _) = ctx.model.loss(&mem, true)?;
        let g_ref = flat(&Tensor::f_run_backward(&[&loss], &params, false, false)?);
        let grads: Vec<Tensor> = params
            .iter()
            .map(|p| {
                let g = p.grad();
                if g.defined() {
                    g
                } else {
                    p.zeros_like()
                }
            })
            .collect();
        let g = tch::no_grad(|| flat(&grads));
        let (projected, applied) = tch::no_grad(|| project(&g, &g_ref.detach()))?;
        let applied = applied.to_kind(Kind::Int64);
        self.projections = Some(match self.projections.take() {
            Some(n) => n + applied,
            None => applied,
        });
        // Written back unconditionally: where no projection applied, `projected` is `g`.
        tch::no_grad(|| -> Result<()> {
            let mut offset = 0i64;
            for (p, mut g) in params.iter().zip(grads) {
                let n = p.numel() as i64;
                if g.defined() {
                    g.f_copy_(&projected.narrow(0, offset, n).view_as(p))?;
                }
                offset += n;
            }
            Ok(())
        })?;
        Ok(())
    }
}

impl<'a> Strategy<'a> for Agem {
    fn name(&self) -> String {
        "a-gem".into()
    }

    fn after_task(&mut self, cx: &TaskContext<'_, 'a>) -> Result<()> {
        let n = cx.data.len();
        let mut order = self.rng.permutation(n);
        order.truncate(self.config.per_task.min(n));
        let idx: Vec<i64> = order.iter().map(|&i| i as i64).collect();
        let pick = cx
            .data
            .select(&Tensor::from_slice(&idx).to_device(cx.data.x.device()))?;
        self.memory.add(&pick)
    }
}
