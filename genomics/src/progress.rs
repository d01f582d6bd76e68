//! Progress of the reproductions' long stages on stderr: one line per block of epochs while a
//! model trains (whatever the terminal), beside core's progress bars for loops over folds and
//! files ([`deepfield_core::progress::bar`], drawn on a terminal only).

use deepfield_core::data::TensorDataset;
use deepfield_core::train::{
    Callback, Context, Control, EpochRecord, History, Task, TrainConfig, Trainer,
};
use deepfield_core::Forward;
use tch::nn::VarStore;

use crate::Result;

/// A training callback that prints `name: epoch e/E, train loss …, val loss …` after every
/// `every`-th epoch and the last one.
pub struct EpochLines {
    name: String,
    every: usize,
}

impl EpochLines {
    /// Lines for a training of `epochs` epochs: about four blocks.
    pub fn new(name: impl Into<String>, epochs: usize) -> Self {
        EpochLines {
            name: name.into(),
            every: epochs.div_ceil(4).max(1),
        }
    }

    /// The line for `record` (of `epochs`), when one is due.
    pub fn line(&self, record: &EpochRecord, epochs: usize) -> Option<String> {
        if record.epoch % self.every != 0 && record.epoch != epochs {
            return None;
        }
        let val = record
            .val_loss
            .map(|v| format!(", val loss {v:.4}"))
            .unwrap_or_default();
        let acc = record
            .val_metrics
            .get("accuracy")
            .map(|v| format!(", val accuracy {v:.3}"))
            .unwrap_or_default();
        Some(format!(
            "{}: epoch {}/{epochs}, train loss {:.4}{val}{acc} ({:.1} s/epoch)",
            self.name, record.epoch, record.train_loss, record.seconds
        ))
    }
}

impl<M: ?Sized, B> Callback<M, B> for EpochLines {
    fn after_epoch(
        &mut self,
        ctx: &mut Context<'_, M>,
        record: &EpochRecord,
    ) -> deepfield_core::Result<Control> {
        if let Some(line) = self.line(record, ctx.epochs) {
            eprintln!("{line}");
        }
        Ok(Control::Continue)
    }
}

/// [`Trainer::fit`] with the task's loss, printing [`EpochLines`] named `name`.
pub fn fit_logged<M: Forward + ?Sized>(
    name: &str,
    config: TrainConfig,
    task: Task,
    model: &M,
    vs: &mut VarStore,
    train: &TensorDataset,
    val: Option<&TensorDataset>,
) -> Result<History> {
    let mut lines = EpochLines::new(name, config.epochs);
    let loss_fn = task.loss_fn(vs.device());
    let trainer = Trainer::new(config, task)?;
    Ok(trainer.fit_callbacks(
        model,
        vs,
        train,
        val,
        |out, b| loss_fn.compute(out, &b.y, b.mask.as_ref()),
        &mut [&mut lines],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_per_block_of_epochs_and_the_last() {
        let l = EpochLines::new("cnn fold 1", 10);
        let rec = |epoch| EpochRecord {
            epoch,
            train_loss: 0.5,
            val_loss: Some(0.25),
            val_metrics: [("accuracy".to_string(), 0.75)].into_iter().collect(),
            lr: 1e-3,
            seconds: 2.0,
        };
        let shown: Vec<usize> = (1..=10)
            .filter(|&e| l.line(&rec(e), 10).is_some())
            .collect();
        assert_eq!(shown, [3, 6, 9, 10]);
        assert_eq!(
            l.line(&rec(3), 10).unwrap(),
            "cnn fold 1: epoch 3/10, train loss 0.5000, val loss 0.2500, val accuracy 0.750 (2.0 s/epoch)"
        );
    }
}
