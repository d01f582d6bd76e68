//! Train one model through a [`TaskStream`] with a [`Strategy`] and fill the accuracy matrix.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use super::metrics::AccuracyMatrix;
use super::step::{mask_logits, ContinualStep, IterationSource, TaskBatch};
use super::strategy::{Strategy, TaskContext};
use super::stream::{class_mask, TaskStream};
use crate::data::TensorDataset;
use crate::nn::Forward;
use crate::train::{Callback, OptimizerConfig, Task, TrainConfig, Trainer};
use crate::{ensure_config, Result};

/// How each task is trained and tested (van de Ven & Tolias: Adam with β = (0.9, 0.999),
/// batch 128, a fixed number of iterations per task).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunConfig {
    /// Optimizer steps per task.
    pub iterations: usize,
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    pub seed: u64,
    /// Test samples per task used for the accuracy matrix (all when `None`).
    pub eval_samples: Option<usize>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            iterations: 2000,
            batch_size: 128,
            lr: 1e-3,
            seed: 0,
            eval_samples: None,
        }
    }
}

impl RunConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.iterations > 0, "continual: iterations must be > 0");
        ensure_config!(self.batch_size > 0, "continual: batch_size must be > 0");
        ensure_config!(self.lr > 0.0, "continual: lr must be > 0, got {}", self.lr);
        ensure_config!(
            self.eval_samples != Some(0),
            "continual: eval_samples must be > 0 when set"
        );
        Ok(())
    }
}

/// The outcome of one run through a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamResult {
    pub strategy: String,
    pub matrix: AccuracyMatrix,
    /// Wall-clock seconds of training and testing.
    pub seconds: f64,
}

/// Accuracy of `model` on `test` (the first `limit` samples) with its logits restricted to
/// `classes`.
pub fn masked_accuracy(
    model: &dyn Forward,
    test: &TensorDataset,
    classes: &[i64],
    outputs: i64,
    limit: Option<usize>,
    device: Device,
) -> Result<f64> {
    let n = limit.map_or(test.len(), |l| l.min(test.len()));
    if n == 0 {
        return Ok(0.0);
    }
    let mask = class_mask(classes, outputs, device).unsqueeze(0);
    let zero = Tensor::zeros([1], (Kind::Int64, device));
    let mut correct = Tensor::zeros([], (Kind::Int64, device));
    tch::no_grad(|| -> Result<()> {
        let mut start = 0usize;
        while start < n {
            let len = 1000.min(n - start);
            let x = test.x.narrow(0, start as i64, len as i64).to_device(device);
            let y = test.y.narrow(0, start as i64, len as i64).to_device(device);
            let out = model.try_forward_t(&x, None, false)?;
            let pred =
                mask_logits(&out, &mask, &zero.expand([len as i64], false))?.argmax(-1, false);
            correct += pred.eq_tensor(&y).sum(Kind::Int64);
            start += len;
        }
        Ok(())
    })?;
    Ok(correct.int64_value(&[]) as f64 / n as f64)
}

/// Row `trained` of the accuracy matrix: every task's test accuracy under the scenario's
/// evaluation masks.
fn eval_row(
    model: &dyn Forward,
    stream: &TaskStream,
    trained: usize,
    cfg: &RunConfig,
    device: Device,
) -> Result<Vec<f64>> {
    (0..stream.len())
        .map(|j| {
            let classes = stream.eval_classes(trained, j)?;
            masked_accuracy(
                model,
                &stream.tasks[j].test,
                &classes,
                stream.outputs,
                cfg.eval_samples,
                device,
            )
        })
        .collect()
}

/// The training data of task `t`, or of tasks `0..=t` for a joint strategy, on `device`.
fn training_data(stream: &TaskStream, t: usize, joint: bool, device: Device) -> Result<TaskBatch> {
    let from = if joint { 0 } else { t };
    let parts = (from..=t)
        .map(|s| TaskBatch::of_task(&stream.tasks[s].train, s).map(|b| b.to_device(device)))
        .collect::<Result<Vec<_>>>()?;
    TaskBatch::concat(&parts)
}

/// Train `model` (its variables in `vs`) on every task of `stream` in turn with `strategy`,
/// testing all tasks before training (the FWT baseline) and after each task.
pub fn run_stream<'a>(
    model: &'a dyn Forward,
    vs: &mut VarStore,
    stream: &TaskStream,
    strategy: &mut dyn Strategy<'a>,
    cfg: &RunConfig,
) -> Result<StreamResult> {
    cfg.validate()?;
    if stream.is_empty() {
        return Err(crate::Error::input("continual: the stream has no tasks"));
    }
    let start = Instant::now();
    let device = vs.device();
    let baseline = eval_row(model, stream, 0, cfg, device)?;
    let trainer = Trainer::new(
        TrainConfig {
            epochs: 1,
            batch_size: cfg.batch_size,
            optimizer: OptimizerConfig::adam(cfg.lr),
            seed: cfg.seed,
            progress: false,
            ..Default::default()
        },
        Task::Classification {
            n_classes: stream.outputs as usize,
            class_weights: None,
            label_smoothing: 0.0,
        },
    )?;
    let mut rows = Vec::with_capacity(stream.len());
    for t in 0..stream.len() {
        let data = training_data(stream, t, strategy.joint(), device)?;
        let mut step = ContinualStep::for_task(model, stream, t, device)?;
        let cx = TaskContext {
            step: &step,
            vs,
            stream,
            task: t,
            data: &data,
        };
        strategy.before_task(&cx)?;
        let seed = cfg.seed.wrapping_mul(1000).wrapping_add(t as u64);
        let mut source = IterationSource::new(&data, cfg.batch_size, cfg.iterations, seed)?;
        {
            let cb: &mut dyn Callback<ContinualStep<'a>, TaskBatch> = &mut *strategy;
            trainer.fit_steps(&mut step, vs, &mut source, None, &mut [cb])?;
        }
        let cx = TaskContext {
            step: &step,
            vs,
            stream,
            task: t,
            data: &data,
        };
        strategy.after_task(&cx)?;
        rows.push(eval_row(model, stream, t, cfg, device)?);
    }
    Ok(StreamResult {
        strategy: strategy.name(),
        matrix: AccuracyMatrix::new(rows, Some(baseline))?,
        seconds: start.elapsed().as_secs_f64(),
    })
}
