//! Progress of a reproduction over its folds × models: a bar on an interactive terminal
//! ([`deepfield_core::progress::bar`]) and one line per trained model on stderr either way, so a
//! run in a log file or CI is never silent for minutes. The lines are also kept (tests read them).

use std::time::Instant;

use deepfield_core::progress::{bar, interactive};
use indicatif::ProgressBar;

/// See the module documentation.
pub struct Progress {
    id: String,
    total: usize,
    done: usize,
    bar: ProgressBar,
    started: Instant,
    lines: Vec<String>,
}

impl Progress {
    /// Progress of `id` over `total` (fold, model) trainings.
    pub fn new(id: &str, total: usize) -> Self {
        Progress {
            id: id.to_string(),
            total,
            done: 0,
            bar: bar(total as u64, format!("{id} folds × models")),
            started: Instant::now(),
            lines: Vec::new(),
        }
    }

    /// One training finished: `fold` (1-based) of `folds`, `model`, epochs run, test accuracy.
    pub fn trained(&mut self, fold: usize, folds: usize, model: &str, epochs: usize, acc: f64) {
        self.done += 1;
        let line = format!(
            "{}: [{}/{}] fold {fold}/{folds} {model}: {epochs} epochs, test accuracy {acc:.3} ({:.0} s elapsed)",
            self.id,
            self.done,
            self.total,
            self.started.elapsed().as_secs_f64()
        );
        if interactive() {
            self.bar.println(&line);
        } else {
            eprintln!("{line}");
        }
        self.bar.inc(1);
        self.lines.push(line);
    }

    /// Close the bar; the lines printed so far.
    pub fn finish(self) -> Vec<String> {
        self.bar.finish_and_clear();
        self.lines
    }
}
