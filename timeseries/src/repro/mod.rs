//! The reproductions of this crate, run by `deepfield-timeseries repro <id>`.

pub mod aamdm;
pub mod amd;
pub mod biosignal;
pub mod fim;
pub mod stackvae;
pub mod stock;

use deepfield_core::repro::{Reproduction, Typed};

/// Every reproduction of deepfield-timeseries.
pub fn all() -> Vec<Box<dyn Reproduction>> {
    vec![
        Box::new(Typed(amd::AmdKinetic)),
        Box::new(Typed(stock::StockCnnLstm)),
        Box::new(Typed(stackvae::StackVaeGRepro)),
        Box::new(Typed(biosignal::BiosignalSsl)),
        Box::new(Typed(fim::FimMjpRepro)),
        Box::new(Typed(aamdm::AamdmRepro)),
    ]
}

/// A reproduction's quiet training configuration: Adam at `lr`, early stopping on the
/// validation loss after `patience` epochs without improvement.
pub(crate) fn train_config(
    epochs: usize,
    batch_size: usize,
    lr: f64,
    patience: usize,
) -> deepfield_core::train::TrainConfig {
    deepfield_core::train::TrainConfig {
        epochs,
        batch_size,
        optimizer: deepfield_core::train::OptimizerConfig::adam(lr),
        early_stopping: Some(deepfield_core::train::EarlyStopping::new(
            "val_loss", patience,
        )),
        progress: false,
        ..Default::default()
    }
}

/// How far a reproduction's trainings are: a bar on an interactive terminal, otherwise one
/// line per finished training on stderr (a run is never silent for minutes).
pub(crate) struct Steps {
    bar: indicatif::ProgressBar,
    id: &'static str,
    total: usize,
    done: usize,
    start: std::time::Instant,
}

impl Steps {
    /// `total` trainings of reproduction `id`.
    pub(crate) fn new(id: &'static str, total: usize) -> Self {
        Steps {
            bar: deepfield_core::progress::bar(total as u64, id),
            id,
            total,
            done: 0,
            start: std::time::Instant::now(),
        }
    }

    /// One more training finished: `what` (model, series) and its history.
    pub(crate) fn done(&mut self, what: &str, history: &deepfield_core::train::History) {
        self.done += 1;
        let last = history.last().map_or(String::new(), |e| {
            format!(", last loss {:.4}", e.train_loss)
        });
        let line = format!(
            "{}: [{}/{}] {what}: {} epochs{last} ({:.0} s so far)",
            self.id,
            self.done,
            self.total,
            history.epochs.len(),
            self.start.elapsed().as_secs_f64()
        );
        if deepfield_core::progress::interactive() {
            self.bar.set_prefix(what.to_string());
            self.bar.inc(1);
        } else {
            eprintln!("{line}");
        }
    }

    /// Clear the bar.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// First target, first step of `[N, H, T]` forecasts as `(x, y)` points at the given x values.
pub(crate) fn points(xs: &[f64], t: &tch::Tensor, target: i64) -> crate::Result<Vec<(f64, f64)>> {
    let v = Vec::<f64>::try_from(t.select(1, 0).select(1, target).to_kind(tch::Kind::Double))?;
    Ok(xs.iter().copied().zip(v).collect())
}

#[cfg(test)]
mod catalog_tests {
    #[test]
    fn every_reproduction_is_in_the_catalog_and_back() {
        deepfield_core::repro::catalog::check(crate::REPRODUCTIONS, &super::all()).unwrap();
    }
}
