//! A continual-learning strategy: a training [`Callback`] (penalties, gradient projection,
//! batch replacement) plus hooks at task boundaries, for any [`crate::nn::Forward`] classifier
//! trained through [`ContinualStep`].
//!
//! The lower and upper bounds: [`FineTune`] (train on each task in turn, nothing else) and
//! [`Joint`] (train on the data of every task so far).

use tch::nn::VarStore;
use tch::Tensor;

use super::step::{ContinualStep, TaskBatch};
use super::stream::TaskStream;
use crate::train::Callback;
use crate::Result;

/// What a strategy sees at a task boundary.
pub struct TaskContext<'c, 'a> {
    /// The model with the current task's training masks.
    pub step: &'c ContinualStep<'a>,
    pub vs: &'c VarStore,
    pub stream: &'c TaskStream,
    /// The task about to be / just trained.
    pub task: usize,
    /// Its training data (on the model's device).
    pub data: &'c TaskBatch,
}

/// A continual-learning method, used as a training callback by [`super::run::run_stream`].
pub trait Strategy<'a>: Callback<ContinualStep<'a>, TaskBatch> {
    /// A short name for reports (`ewc`, `replay`, …).
    fn name(&self) -> String;

    /// Whether task `t` trains on the data of tasks `0..=t` instead of task `t` alone.
    fn joint(&self) -> bool {
        false
    }

    /// Before training a task.
    fn before_task(&mut self, _cx: &TaskContext<'_, 'a>) -> Result<()> {
        Ok(())
    }

    /// After training a task (importance weights, anchors, memories).
    fn after_task(&mut self, _cx: &TaskContext<'_, 'a>) -> Result<()> {
        Ok(())
    }
}

/// Sequential training with nothing against forgetting (the lower bound; "None" in the paper).
#[derive(Debug, Default, Clone, Copy)]
pub struct FineTune;

impl Callback<ContinualStep<'_>, TaskBatch> for FineTune {}

impl Strategy<'_> for FineTune {
    fn name(&self) -> String {
        "fine-tune".into()
    }
}

/// Training on all data seen so far at every task (the upper bound; "Joint"/"Offline").
#[derive(Debug, Default, Clone, Copy)]
pub struct Joint;

impl Callback<ContinualStep<'_>, TaskBatch> for Joint {}

impl Strategy<'_> for Joint {
    fn name(&self) -> String {
        "joint".into()
    }

    fn joint(&self) -> bool {
        true
    }
}

/// Detached copies of the trainable variables of `vs`, in [`VarStore::trainable_variables`] order.
pub fn param_copies(vs: &VarStore) -> Vec<Tensor> {
    tch::no_grad(|| {
        vs.trainable_variables()
            .iter()
            .map(|t| t.detach().copy())
            .collect()
    })
}

/// Put `values` (from [`param_copies`]) back into the trainable variables of `vs`.
pub fn load_params(vs: &VarStore, values: &[Tensor]) -> Result<()> {
    let live = vs.trainable_variables();
    if live.len() != values.len() {
        return Err(crate::Error::input(format!(
            "continual: {} saved parameters for a model with {}",
            values.len(),
            live.len()
        )));
    }
    tch::no_grad(|| {
        for (mut p, v) in live.into_iter().zip(values) {
            p.f_copy_(v)?;
        }
        Ok(())
    })
}

/// Run `f` with the trainable variables of `vs` temporarily set to `values` (an earlier model's
/// weights, e.g. a distillation teacher), under `no_grad`; the current values are put back
/// afterwards, also when `f` fails.
pub fn with_params<R>(
    vs: &VarStore,
    values: &[Tensor],
    f: impl FnOnce() -> Result<R>,
) -> Result<R> {
    let current = param_copies(vs);
    load_params(vs, values)?;
    let out = tch::no_grad(f);
    load_params(vs, &current)?;
    out
}

/// `Σ importance · (θ − anchor)²` over the trainable variables of `vs` (the quadratic penalty of
/// EWC and SI), a scalar with gradients.
pub fn quadratic_penalty(vs: &VarStore, importance: &[Tensor], anchor: &[Tensor]) -> Tensor {
    let mut total = Tensor::zeros([], (tch::Kind::Float, vs.device()));
    for ((p, w), a) in vs.trainable_variables().iter().zip(importance).zip(anchor) {
        total += (w * (p - a).square()).sum(tch::Kind::Float);
    }
    total
}
