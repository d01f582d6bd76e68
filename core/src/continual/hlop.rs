//! HLOP ([`crate::spiking::hlop::Hlop`]) as a continual-learning [`Strategy`], with the check of
//! its Hebbian subspaces against the SVD of the same activity after the first task.
//!
//! HLOP projects both the gradients and each optimizer step, so it protects earlier tasks under
//! any optimizer of [`super::RunConfig`].

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::step::{ContinualStep, TaskBatch};
use super::strategy::{Strategy, TaskContext};
use crate::nn::capture::Capture;
use crate::spiking::hebbian::{principal_angles, top_subspace};
use crate::spiking::hlop::{Hlop, InputBatch};
use crate::train::{Callback, Context, History};
use crate::{Error, Forward, Result};

impl InputBatch for TaskBatch {
    fn inputs(&self) -> &Tensor {
        &self.x
    }
}

/// One layer's Hebbian subspace against the top-k SVD subspace of the same input activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubspaceCheck {
    /// The projected weight.
    pub layer: String,
    /// Input dimension and learned (fixed) directions.
    pub dim: i64,
    pub k: i64,
    /// Principal angles in degrees: median, mean and largest.
    pub median_angle: f64,
    pub mean_angle: f64,
    pub max_angle: f64,
    /// Share of the activity's energy Σ‖x‖² inside the Hebbian subspace, and inside the top-k
    /// SVD subspace (the most any k-dimensional subspace holds).
    pub energy_hebbian: f64,
    pub energy_svd: f64,
}

fn energy_in(x: &Tensor, basis: &Tensor) -> f64 {
    let total = x.square().sum(Kind::Double).double_value(&[]);
    let inside = x.matmul(basis).square().sum(Kind::Double).double_value(&[]);
    if total > 0.0 {
        inside / total
    } else {
        0.0
    }
}

/// Compare every layer's fixed Hebbian subspace with the SVD of its input activity when `model`
/// runs on `x`.
pub fn check_subspaces(hlop: &Hlop, model: &dyn Forward, x: &Tensor) -> Result<Vec<SubspaceCheck>> {
    let cap = Capture::all();
    let _ = tch::no_grad(|| cap.run(|| model.try_forward_t(x, None, false)))?;
    let mut out = Vec::new();
    for (l, s) in hlop.layers().iter().zip(hlop.subspaces()) {
        let Some(basis) = s.fixed_basis()? else {
            continue;
        };
        let input = if l.input == crate::spiking::hlop::INPUT {
            x.shallow_clone()
        } else {
            cap.activation(&l.input).ok_or_else(|| {
                Error::config(format!(
                    "hlop: the model produced no capture point `{}`",
                    l.input
                ))
            })?
        };
        let act = hlop.activity(s, l, &input)?;
        let k = basis.size()[1];
        let svd = top_subspace(&act, k)?;
        let mut angles = principal_angles(&basis, &svd)?;
        angles.sort_by(f64::total_cmp);
        out.push(SubspaceCheck {
            layer: l.weight.clone(),
            dim: s.input_dim(),
            k,
            median_angle: angles[angles.len() / 2],
            mean_angle: angles.iter().sum::<f64>() / angles.len().max(1) as f64,
            max_angle: angles.last().copied().unwrap_or(0.0),
            energy_hebbian: energy_in(&act, &basis),
            energy_svd: energy_in(&act, &svd),
        });
    }
    Ok(out)
}

/// HLOP as a [`Strategy`]; after the first task it records [`SubspaceCheck`]s on up to
/// `check_samples` of that task's training inputs.
pub struct HlopStrategy {
    pub hlop: Hlop,
    pub check_samples: usize,
    pub checks: Vec<SubspaceCheck>,
}

impl HlopStrategy {
    pub fn new(hlop: Hlop, check_samples: usize) -> Self {
        HlopStrategy {
            hlop,
            check_samples,
            checks: Vec::new(),
        }
    }
}

impl<'a> Callback<ContinualStep<'a>, TaskBatch> for HlopStrategy {
    fn on_train_begin(&mut self, ctx: &mut Context<'_, ContinualStep<'a>>) -> Result<()> {
        Callback::<ContinualStep<'a>, TaskBatch>::on_train_begin(&mut self.hlop, ctx)
    }
    fn before_forward(
        &mut self,
        ctx: &mut Context<'_, ContinualStep<'a>>,
        batch: &mut TaskBatch,
    ) -> Result<()> {
        Callback::<ContinualStep<'a>, TaskBatch>::before_forward(&mut self.hlop, ctx, batch)
    }
    fn after_backward(&mut self, ctx: &mut Context<'_, ContinualStep<'a>>) -> Result<()> {
        Callback::<ContinualStep<'a>, TaskBatch>::after_backward(&mut self.hlop, ctx)
    }
    fn after_optimizer_step(&mut self, ctx: &mut Context<'_, ContinualStep<'a>>) -> Result<()> {
        Callback::<ContinualStep<'a>, TaskBatch>::after_optimizer_step(&mut self.hlop, ctx)
    }
    fn on_train_end(
        &mut self,
        ctx: &mut Context<'_, ContinualStep<'a>>,
        history: &History,
    ) -> Result<()> {
        Callback::<ContinualStep<'a>, TaskBatch>::on_train_end(&mut self.hlop, ctx, history)
    }
}

impl<'a> Strategy<'a> for HlopStrategy {
    fn name(&self) -> String {
        "hlop".into()
    }

    fn after_task(&mut self, cx: &TaskContext<'_, 'a>) -> Result<()> {
        if cx.task == 0 && self.check_samples > 0 {
            let n = self.check_samples.min(cx.data.len()) as i64;
            let x = cx.data.x.narrow(0, 0, n);
            self.checks = check_subspaces(&self.hlop, cx.step.model, &x)?;
        }
        Ok(())
    }
}
