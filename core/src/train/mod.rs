//! One [`Trainer`] for every model: classification and regression on tensor data sets
//! ([`Trainer::fit`]), custom losses ([`Trainer::fit_with`], [`Trainer::fit_loss`]), and any
//! model with a [`TrainStep`] over a batch type of its own (a graph, sampled subgraphs, a
//! multi-input text batch) through [`Trainer::fit_steps`], with [`Callback`]s at every point of
//! the loop.
//!
//! Adam / AdamW / SGD with momentum ([`OptimizerConfig`]), step / cosine / reduce-on-plateau
//! schedules ([`Schedule`]), gradient-norm clipping, early stopping on a chosen validation metric
//! with restore of the best weights, per-epoch [`History`], class weights (through [`Task`]), and a
//! progress bar that is quiet when output is not a terminal or `CI` is set.
//!
//! The hot loop never synchronises with the host: batch losses are summed on the device and read
//! once per epoch, and gradient clipping is computed on the device.

pub mod callback;
mod config;
pub mod fit;
pub mod history;
pub mod loss;
pub mod optim;
pub mod schedule;
pub mod step;

pub use callback::{AfterEpoch, AfterStep, Callback, Context, Control};
pub use config::{higher_is_better, EarlyStopping, TrainConfig};
pub use fit::{Snapshot, Validation, Validator};
pub use history::{write_histories_csv, EpochRecord, History};
pub use loss::{LossFn, RegressionLoss, Task};
pub use optim::OptimizerConfig;
pub use schedule::{Schedule, Scheduler};
pub use step::{
    BatchSource, DatasetSource, EpochBatches, FnSource, FullBatch, StepOutput, TrainStep,
};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tch::{nn::VarStore, Device, Kind, Tensor};

use crate::data::{Batch, TensorDataset};
use crate::metrics::{ClassificationMetrics, RegressionMetrics};
use crate::nn::Forward;
use crate::{Error, Result};

/// A model that computes its training objective from a whole batch itself (inputs, targets and
/// any terms of its own such as a KL divergence), for [`Trainer::fit_loss`].
pub trait LossModel {
    /// The mean loss of `batch` (a scalar tensor with gradients when `train`).
    fn batch_loss(&self, batch: &Batch, train: bool) -> Result<Tensor>;
}

/// Loss and metrics of a model on a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub loss: f64,
    pub metrics: BTreeMap<String, f64>,
}

/// Trains any [`Forward`] model for a [`Task`].
#[derive(Debug, Clone)]
pub struct Trainer {
    pub config: TrainConfig,
    pub task: Task,
}

impl Trainer {
    /// A trainer; fails on an invalid config or task.
    pub fn new(config: TrainConfig, task: Task) -> Result<Self> {
        config.validate()?;
        task.validate()?;
        Ok(Trainer { config, task })
    }

    /// Train with the task's loss. Data is moved to the VarStore's device once.
    pub fn fit<M: Forward + ?Sized>(
        &self,
        model: &M,
        vs: &mut VarStore,
        train: &TensorDataset,
        val: Option<&TensorDataset>,
    ) -> Result<History> {
        let loss_fn = self.task.loss_fn(vs.device());
        self.fit_with(model, vs, train, val, |out, b| {
            loss_fn.compute(out, &b.y, b.mask.as_ref())
        })
    }

    /// Train with a custom loss `loss(output, batch)` (e.g. a VAE's ELBO); validation still reports
    /// this loss and the task's metrics.
    pub fn fit_with<M, L>(
        &self,
        model: &M,
        vs: &mut VarStore,
        train: &TensorDataset,
        val: Option<&TensorDataset>,
        loss: L,
    ) -> Result<History>
    where
        M: Forward + ?Sized,
        L: Fn(&Tensor, &Batch) -> Result<Tensor>,
    {
        self.fit_callbacks(model, vs, train, val, loss, &mut [])
    }

    /// [`fit_with`](Self::fit_with) with [`Callback`]s (pruning masks, regularisers, logging…).
    /// Callbacks see the model through a [`ForwardStep`].
    pub fn fit_callbacks<'m, M, L>(
        &self,
        model: &'m M,
        vs: &mut VarStore,
        train: &TensorDataset,
        val: Option<&TensorDataset>,
        loss: L,
        callbacks: &mut [&mut dyn Callback<ForwardStep<'m, M, L>, Batch>],
    ) -> Result<History>
    where
        M: Forward + ?Sized,
        L: Fn(&Tensor, &Batch) -> Result<Tensor>,
    {
        let mut step = ForwardStep { model, loss };
        let validate = |s: &ForwardStep<'_, M, L>, v: &TensorDataset| {
            let e = self.evaluate_with(s.model, v, &s.loss)?;
            Ok(Validation {
                loss: Some(e.loss),
                metrics: e.metrics,
            })
        };
        self.fit_datasets(&mut step, vs, train, val, validate, callbacks)
    }

    /// Train a model that computes its own loss from a batch ([`LossModel`]: a VAE's ELBO with
    /// its KL term, a contrastive or masked-reconstruction objective). Validation reports the
    /// same loss (as `val_loss`, in evaluation mode); there are no task metrics, so early
    /// stopping monitors `val_loss` or `train_loss`.
    pub fn fit_loss<M: LossModel + ?Sized>(
        &self,
        model: &M,
        vs: &mut VarStore,
        train: &TensorDataset,
        val: Option<&TensorDataset>,
    ) -> Result<History> {
        let validate = |s: &LossStep<'_, M>, v: &TensorDataset| {
            let bs = self.config.batch_size.max(256);
            let mut sum = Tensor::zeros([], (Kind::Float, v.x.device()));
            for b in v.batches(bs, None) {
                sum += s.0.batch_loss(&b, false)?.detach() * b.x.size()[0];
            }
            Ok(Validation {
                loss: Some(f64::try_from(&sum)? / v.len() as f64),
                metrics: BTreeMap::new(),
            })
        };
        self.fit_datasets(&mut LossStep(model), vs, train, val, validate, &mut [])
    }

    /// [`fit_steps`](Self::fit_steps) over the configured batching of `train`, with
    /// `validate(step, val)` after each epoch when there is a validation set; both data sets
    /// are checked and moved to the VarStore's device once.
    fn fit_datasets<S: TrainStep<Batch>>(
        &self,
        step: &mut S,
        vs: &mut VarStore,
        train: &TensorDataset,
        val: Option<&TensorDataset>,
        validate: impl Fn(&S, &TensorDataset) -> Result<Validation>,
        callbacks: &mut [&mut dyn Callback<S, Batch>],
    ) -> Result<History> {
        let (train, val) = self.prepare(vs, train, val)?;
        let mut source = self.source(&train);
        match &val {
            Some(v) => {
                let mut validate = |s: &S| validate(s, v);
                self.fit_steps(step, vs, &mut source, Some(&mut validate), callbacks)
            }
            None => self.fit_steps(step, vs, &mut source, None, callbacks),
        }
    }

    /// Check the data sets and move them to the VarStore's device once.
    fn prepare(
        &self,
        vs: &VarStore,
        train: &TensorDataset,
        val: Option<&TensorDataset>,
    ) -> Result<(TensorDataset, Option<TensorDataset>)> {
        if train.is_empty() {
            return Err(Error::input("train: the training set is empty"));
        }
        if val.is_some_and(TensorDataset::is_empty) {
            return Err(Error::input("train: the validation set is empty"));
        }
        let device = vs.device();
        Ok((on_device(train, device), val.map(|v| on_device(v, device))))
    }

    /// The configured batching of a tensor data set.
    fn source<'a>(&self, train: &'a TensorDataset) -> DatasetSource<'a> {
        let cfg = &self.config;
        DatasetSource::new(
            train,
            cfg.batch_size,
            cfg.shuffle.then_some(cfg.seed),
            cfg.drop_last,
        )
    }

    /// Loss and task metrics of `model` on `ds` (eval mode, no gradients).
    /// `vs` is the model's VarStore (its device is where the data goes).
    pub fn evaluate<M: Forward + ?Sized>(
        &self,
        model: &M,
        vs: &VarStore,
        ds: &TensorDataset,
    ) -> Result<Evaluation> {
        let device = vs.device();
        let loss_fn = self.task.loss_fn(device);
        self.evaluate_with(model, &on_device(ds, device), &|out: &Tensor, b: &Batch| {
            loss_fn.compute(out, &b.y, b.mask.as_ref())
        })
    }

    fn evaluate_with<M, L>(&self, model: &M, ds: &TensorDataset, loss: &L) -> Result<Evaluation>
    where
        M: Forward + ?Sized,
        L: Fn(&Tensor, &Batch) -> Result<Tensor>,
    {
        let bs = self.config.batch_size.max(256);
        let mut sum = Tensor::zeros([], (Kind::Float, ds.x.device()));
        let mut outs = Vec::new();
        tch::no_grad(|| -> Result<()> {
            for b in ds.batches(bs, None) {
                let out = model.try_forward_t(&b.x, b.mask.as_ref(), false)?;
                sum += loss(&out, &b)?.detach() * b.x.size()[0];
                outs.push(out);
            }
            Ok(())
        })?;
        let out = Tensor::f_cat(&outs, 0)?;
        let loss = f64::try_from(&sum)? / ds.len() as f64;
        let metrics = task_metrics(&self.task, &out, &ds.y, ds.mask.as_ref())?;
        Ok(Evaluation { loss, metrics })
    }
}

/// A [`Forward`] model with a loss on its output: the [`TrainStep`] behind
/// [`Trainer::fit`], [`Trainer::fit_with`] and [`Trainer::fit_callbacks`].
pub struct ForwardStep<'a, M: ?Sized, L> {
    pub model: &'a M,
    pub loss: L,
}

impl<M, L> TrainStep<Batch> for ForwardStep<'_, M, L>
where
    M: Forward + ?Sized,
    L: Fn(&Tensor, &Batch) -> Result<Tensor>,
{
    fn step(&self, batch: &Batch, train: bool) -> Result<StepOutput> {
        let out = self
            .model
            .try_forward_t(&batch.x, batch.mask.as_ref(), train)?;
        let loss = (self.loss)(&out, batch)?;
        Ok(StepOutput::new(loss, batch.x.size()[0]).with_output(out))
    }
}

/// A [`LossModel`] as a [`TrainStep`] (behind [`Trainer::fit_loss`]).
pub struct LossStep<'a, M: ?Sized>(pub &'a M);

impl<M: LossModel + ?Sized> TrainStep<Batch> for LossStep<'_, M> {
    fn step(&self, batch: &Batch, train: bool) -> Result<StepOutput> {
        Ok(StepOutput::new(
            self.0.batch_loss(batch, train)?,
            batch.x.size()[0],
        ))
    }
}

/// Model outputs for every sample of `ds`, in order (eval mode, no gradients, on the data's device).
pub fn predict<M: Forward + ?Sized>(
    model: &M,
    ds: &TensorDataset,
    batch_size: usize,
) -> Result<Tensor> {
    let outs: Vec<Tensor> = tch::no_grad(|| {
        ds.batches(batch_size.max(1), None)
            .map(|b| model.try_forward_t(&b.x, b.mask.as_ref(), false))
            .collect::<Result<_>>()
    })?;
    if outs.is_empty() {
        return Err(Error::input("predict: empty dataset"));
    }
    Ok(Tensor::f_cat(&outs, 0)?)
}

/// Validation metrics of the task from full-set outputs.
///
/// Classification: accuracy, balanced_accuracy, precision/recall/f1 (macro), f1_micro, and
/// roc_auc when defined. Regression: mae, rmse, mape, r2, nse (averaged over outputs).
pub fn task_metrics(
    task: &Task,
    output: &Tensor,
    target: &Tensor,
    mask: Option<&Tensor>,
) -> Result<BTreeMap<String, f64>> {
    let mut m = BTreeMap::new();
    match task {
        Task::Classification { n_classes, .. } => {
            let (logits, target) = if output.dim() == 3 {
                let c = output.size()[2];
                let flat = output.f_reshape([-1, c])?;
                let t = target.f_reshape([-1])?;
                match mask {
                    Some(mk) => {
                        let keep = mk.f_reshape([-1])?.nonzero().squeeze_dim(1);
                        (flat.index_select(0, &keep), t.index_select(0, &keep))
                    }
                    None => (flat, t),
                }
            } else {
                (output.shallow_clone(), target.shallow_clone())
            };
            let mut cm = ClassificationMetrics::new(*n_classes);
            cm.update(&logits, &target)?;
            let r = cm.compute()?;
            m.insert("accuracy".into(), r.accuracy);
            m.insert("balanced_accuracy".into(), r.balanced_accuracy);
            m.insert("precision_macro".into(), r.precision_macro);
            m.insert("recall_macro".into(), r.recall_macro);
            m.insert("f1_macro".into(), r.f1_macro);
            m.insert("f1_micro".into(), r.f1_micro);
            if let Ok(auc) = cm.roc_auc() {
                m.insert("roc_auc".into(), auc);
            }
        }
        Task::Regression { .. } => {
            let n_out = if output.dim() >= 2 {
                output.size().last().copied().unwrap_or(1) as usize
            } else {
                1
            };
            let mut rm = RegressionMetrics::new(n_out);
            rm.update(output, target)?;
            match rm.compute() {
                Ok(r) => {
                    m.insert("mae".into(), r.mae);
                    m.insert("rmse".into(), r.rmse);
                    m.insert("mape".into(), r.mape);
                    m.insert("r2".into(), r.r2);
                    m.insert("nse".into(), r.nse);
                }
                Err(_) => {
                    // constant targets: r2/nse undefined; keep the error-based metrics
                    let p = Vec::<f64>::try_from(output.to_kind(Kind::Double).flatten(0, -1))?;
                    let t = Vec::<f64>::try_from(target.to_kind(Kind::Double).flatten(0, -1))?;
                    m.insert("mae".into(), crate::metrics::mae(&t, &p)?);
                    m.insert("rmse".into(), crate::metrics::rmse(&t, &p)?);
                }
            }
        }
    }
    Ok(m)
}

fn monitored_value(rec: &EpochRecord, monitor: &str) -> Result<f64> {
    let v = match monitor {
        "train_loss" => Some(rec.train_loss),
        "val_loss" => rec.val_loss,
        m => rec.val_metrics.get(m.trim_start_matches("val_")).copied(),
    };
    let v = v.ok_or_else(|| {
        Error::config(format!(
            "early stopping monitors `{monitor}`, which this run does not produce (available: train_loss{}{})",
            if rec.val_loss.is_some() { ", val_loss" } else { " — no validation set was given" },
            rec.val_metrics
                .keys()
                .map(|k| format!(", val_{k}"))
                .collect::<String>()
        ))
    })?;
    Ok(if higher_is_better(monitor) { -v } else { v })
}

/// Scale gradients so their global L2 norm is at most `max`, entirely on the device.
pub fn clip_grad_norm(params: &[Tensor], max: f64) {
    tch::no_grad(|| {
        let grads: Vec<Tensor> = params
            .iter()
            .map(Tensor::grad)
            .filter(Tensor::defined)
            .collect();
        if grads.is_empty() {
            return;
        }
        let norms: Vec<Tensor> = grads.iter().map(|g| g.norm()).collect();
        let total = Tensor::stack(&norms, 0).norm();
        let coef = (total + 1e-6).reciprocal().g_mul_scalar(max).clamp_max(1.0);
        for mut g in grads {
            let _ = g.g_mul_(&coef);
        }
    })
}

fn on_device(ds: &TensorDataset, device: Device) -> TensorDataset {
    if ds.x.device() == device && ds.y.device() == device {
        TensorDataset {
            x: ds.x.shallow_clone(),
            y: ds.y.shallow_clone(),
            mask: ds.mask.as_ref().map(Tensor::shallow_clone),
        }
    } else {
        ds.to_device(device)
    }
}

#[cfg(test)]
mod tests;
