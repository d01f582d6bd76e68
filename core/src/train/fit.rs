//! The one epoch loop: any [`TrainStep`] model over any [`BatchSource`], with validation,
//! schedules, clipping, early stopping with a restore of *every* variable, and [`Callback`]s.

use std::collections::BTreeMap;
use std::time::Instant;

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::callback::{Callback, Context, Control};
use super::history::{EpochRecord, History};
use super::schedule::Scheduler;
use super::step::{BatchSource, TrainStep};
use super::{clip_grad_norm, higher_is_better, monitored_value, Trainer};
use crate::{Error, Result};

/// A validation pass: the loss (if the model has one on validation data) and metrics by name
/// (`accuracy`, `rmse`, …; early stopping monitors them as `val_<name>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validation {
    pub loss: Option<f64>,
    pub metrics: BTreeMap<String, f64>,
}

/// A validation function over the model being trained (run in evaluation mode by the caller's
/// code; the loop wraps it in `no_grad`).
pub type Validator<'a, M> = &'a mut dyn FnMut(&M) -> Result<Validation>;

/// Copies of every variable of a `VarStore` — trainable weights *and* buffers such as
/// batch-norm running statistics — by name.
pub struct Snapshot(Vec<(String, Tensor)>);

impl Snapshot {
    /// Copy every variable of `vs`.
    pub fn take(vs: &VarStore) -> Self {
        let mut vars: Vec<(String, Tensor)> = tch::no_grad(|| {
            vs.variables()
                .into_iter()
                .map(|(n, t)| (n, t.detach().copy()))
                .collect()
        });
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        Snapshot(vars)
    }

    /// Put the copied values back into `vs`.
    pub fn restore(&self, vs: &VarStore) -> Result<()> {
        let live = vs.variables();
        tch::no_grad(|| {
            for (name, saved) in &self.0 {
                let mut var = live.get(name).map(Tensor::shallow_clone).ok_or_else(|| {
                    Error::input(format!("snapshot: variable `{name}` left the VarStore"))
                })?;
                var.f_copy_(saved)?;
            }
            Ok(())
        })
    }

    /// The saved value of `name`.
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }
}

/// The loop's position, from which each hook's [`Context`] is made.
struct State {
    epoch: usize,
    epochs: usize,
    step: usize,
    lr: f64,
}

fn hook<M: ?Sized, R>(
    model: &M,
    vs: &VarStore,
    state: &mut State,
    f: impl FnOnce(&mut Context<'_, M>) -> Result<R>,
) -> Result<R> {
    let mut ctx = Context {
        model,
        vs,
        epoch: state.epoch,
        epochs: state.epochs,
        step: state.step,
        lr: state.lr,
    };
    let r = f(&mut ctx)?;
    state.lr = ctx.lr;
    Ok(r)
}

impl Trainer {
    /// Train `model` on the batches of `source`: the loop every other `fit*` method runs.
    ///
    /// Per epoch: the schedule's learning rate, `before_epoch` hooks, then per batch
    /// `before_forward` → [`TrainStep::step`] → `penalty` terms added → backward →
    /// `after_backward` → gradient clipping → optimizer step → [`TrainStep::after_optimizer_step`]
    /// → `after_optimizer_step`; then `validate` (under `no_grad`), the epoch record, the
    /// schedule, early stopping and `after_epoch`. Batch losses are summed on the device and
    /// read once per epoch. The recorded training loss is the optimised objective (step loss
    /// plus penalties), averaged over samples.
    ///
    /// With early stopping and `restore_best`, every variable of `vs` — batch-norm running
    /// statistics included — is put back to the best epoch's values.
    pub fn fit_steps<M, S>(
        &self,
        model: &mut M,
        vs: &mut VarStore,
        source: &mut S,
        mut validate: Option<Validator<'_, M>>,
        callbacks: &mut [&mut dyn Callback<M, S::Batch>],
    ) -> Result<History>
    where
        M: TrainStep<S::Batch>,
        S: BatchSource,
    {
        let cfg = &self.config;
        let device = vs.device();
        let mut opt = cfg.optimizer.build(vs)?;
        let params = vs.trainable_variables();
        let mut sched = Scheduler::new(cfg.schedule.clone(), cfg.optimizer.lr());
        let mut history = History::default();
        let mut best: Option<(f64, Option<Snapshot>)> = None;
        let mut bad_epochs = 0usize;
        let monitor = cfg.early_stopping.as_ref().map(|e| e.monitor.clone());
        let bar = crate::progress::bar(cfg.epochs as u64, "training");
        if !cfg.progress {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let mut st = State {
            epoch: 0,
            epochs: cfg.epochs,
            step: 0,
            lr: sched.lr(),
        };
        for cb in callbacks.iter_mut() {
            hook(model, vs, &mut st, |c| cb.on_train_begin(c))?;
        }

        for epoch in 0..cfg.epochs {
            let start = Instant::now();
            st.epoch = epoch;
            st.lr = sched.lr();
            for cb in callbacks.iter_mut() {
                hook(model, vs, &mut st, |c| cb.before_epoch(c))?;
            }
            let mut applied_lr = st.lr;
            opt.set_lr(applied_lr);
            let mut sum = Tensor::zeros([], (Kind::Float, device));
            let mut count = 0i64;
            let progress = epoch as f64 / cfg.epochs as f64;
            for batch in source.epoch(epoch)? {
                let mut batch = batch?;
                for cb in callbacks.iter_mut() {
                    hook(model, vs, &mut st, |c| cb.before_forward(c, &mut batch))?;
                }
                let out = model.step(&batch, true)?;
                let mut loss = out.loss;
                for cb in callbacks.iter_mut() {
                    if let Some(p) = hook(model, vs, &mut st, |c| cb.penalty(c, &batch))? {
                        loss = loss.f_add(&p)?;
                    }
                }
                opt.zero_grad();
                loss.f_backward()?;
                for cb in callbacks.iter_mut() {
                    hook(model, vs, &mut st, |c| cb.after_backward(c))?;
                }
                if let Some(max) = cfg.grad_clip_norm {
                    clip_grad_norm(&params, max);
                }
                if st.lr != applied_lr {
                    applied_lr = st.lr;
                    opt.set_lr(applied_lr);
                }
                opt.step();
                st.step += 1;
                model.after_optimizer_step(progress)?;
                for cb in callbacks.iter_mut() {
                    hook(model, vs, &mut st, |c| cb.after_optimizer_step(c))?;
                }
                sum += loss.detach() * out.size;
                count += out.size;
            }
            if count == 0 {
                return Err(Error::input(format!(
                    "train: no batch ran in epoch {} (empty data, or drop_last with fewer samples than batch_size {})",
                    epoch + 1,
                    cfg.batch_size
                )));
            }
            let train_loss = f64::try_from(&sum)? / count as f64;
            if !train_loss.is_finite() {
                return Err(Error::input(format!(
                    "train: loss became {train_loss} in epoch {}; lower the learning rate or check the inputs for NaN",
                    epoch + 1
                )));
            }
            let val = match validate.as_mut() {
                Some(v) => Some(tch::no_grad(|| v(model))?),
                None => None,
            };
            let (val_loss, val_metrics) = match val {
                Some(v) => (v.loss, v.metrics),
                None => (None, BTreeMap::new()),
            };
            let rec = EpochRecord {
                epoch: epoch + 1,
                train_loss,
                val_loss,
                val_metrics,
                lr: applied_lr,
                seconds: start.elapsed().as_secs_f64(),
            };
            bar.set_prefix(match rec.val_loss {
                Some(v) => format!("loss {train_loss:.4} val {v:.4}"),
                None => format!("loss {train_loss:.4}"),
            });
            bar.inc(1);

            // The monitored value, oriented so that lower is better.
            let watched = monitor
                .as_deref()
                .map(|m| monitored_value(&rec, m))
                .transpose()?;
            let plateau_value = watched.or(rec.val_loss).or(Some(train_loss));
            sched.step(epoch, plateau_value);

            let mut stop = false;
            if let (Some(es), Some(v)) = (&cfg.early_stopping, watched) {
                let improved = best.as_ref().is_none_or(|(b, _)| v < b - es.min_delta);
                if improved {
                    best = Some((v, es.restore_best.then(|| Snapshot::take(vs))));
                    history.best_epoch = Some(epoch + 1);
                    history.best_value = Some(if higher_is_better(&es.monitor) { -v } else { v });
                    bad_epochs = 0;
                } else {
                    bad_epochs += 1;
                    if bad_epochs > es.patience {
                        history.stopped_early = true;
                        stop = true;
                    }
                }
            }
            #[cfg(feature = "registry")]
            crate::registry::active::epoch(&rec);
            for cb in callbacks.iter_mut() {
                if hook(model, vs, &mut st, |c| cb.after_epoch(c, &rec))? == Control::Stop {
                    stop = true;
                }
            }
            history.epochs.push(rec);
            if stop {
                history.stopped_early = true;
                break;
            }
        }
        bar.finish_and_clear();
        match (&cfg.early_stopping, &best) {
            (Some(_), Some((_, Some(snapshot)))) => snapshot.restore(vs)?,
            (Some(_), _) => {}
            (None, _) => history.best_epoch = history.epochs.last().map(|e| e.epoch),
        }
        for cb in callbacks.iter_mut() {
            hook(model, vs, &mut st, |c| cb.on_train_end(c, &history))?;
        }
        Ok(history)
    }
}
