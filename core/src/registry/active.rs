//! The run this process is recording, so the one training loop can log every epoch without
//! each reproduction passing a registry around.
//!
//! [`begin`] opens the registry and starts a run; while it is active, every
//! [`crate::train::Trainer`] epoch adds its losses and validation metrics at a step that counts
//! epochs across all the fits of the run (metric `fit` says which fit a step belongs to);
//! [`end`] finishes it. Only epochs trained on the thread that began the run are logged. Recording is best effort: a registry that fails mid-run prints one
//! warning and training goes on.

use std::sync::Mutex;

use super::{Finish, NewRun, Registry, RunRef};
use crate::train::EpochRecord;
use crate::Result;

struct Active {
    registry: Registry,
    run: RunRef,
    /// Epochs logged so far (the next step number).
    steps: u64,
    /// Fits seen (a new fit starts at epoch 1).
    fits: u64,
    warned: bool,
    /// The thread that began the run: epochs of trainers on other threads (HPO workers, whose
    /// trials are runs of their own) are not this run's and are not logged into it.
    thread: std::thread::ThreadId,
}

static ACTIVE: Mutex<Option<Active>> = Mutex::new(None);

fn lock() -> std::sync::MutexGuard<'static, Option<Active>> {
    ACTIVE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Start recording `run` into the registry at `location`; ends any run still active.
pub fn begin(location: &str, run: &NewRun) -> Result<RunRef> {
    let mut registry = Registry::open(location)?;
    let started = registry.start_run(run)?;
    *lock() = Some(Active {
        registry,
        run: started,
        steps: 0,
        fits: 0,
        warned: false,
        thread: std::thread::current().id(),
    });
    Ok(started)
}

/// The active run, if any.
pub fn current() -> Option<RunRef> {
    lock().as_ref().map(|a| a.run)
}

/// Log one finished epoch of the active run (no-op when none is active).
pub fn epoch(record: &EpochRecord) {
    let mut guard = lock();
    let Some(active) = guard
        .as_mut()
        .filter(|a| a.thread == std::thread::current().id())
    else {
        return;
    };
    if record.epoch == 1 {
        active.fits += 1;
    }
    let mut values = vec![
        ("fit".to_string(), active.fits.max(1) as f64),
        ("train_loss".to_string(), record.train_loss),
        ("lr".to_string(), record.lr),
        ("seconds".to_string(), record.seconds),
    ];
    if let Some(v) = record.val_loss {
        values.push(("val_loss".to_string(), v));
    }
    for (k, v) in &record.val_metrics {
        values.push((format!("val_{k}"), *v));
    }
    values.retain(|(_, v)| v.is_finite());
    let step = active.steps;
    active.steps += 1;
    let id = active.run.id;
    if let Err(e) = active.registry.log_metrics(id, step, &values) {
        if !active.warned {
            eprintln!("warning: run registry: epoch metrics not recorded: {e}");
            active.warned = true;
        }
    }
}

/// Finish the active run and stop recording.
pub fn end(finish: &Finish) -> Result<()> {
    let taken = lock().take();
    match taken {
        Some(mut active) => active.registry.finish_run(active.run.id, finish),
        None => Ok(()),
    }
}
