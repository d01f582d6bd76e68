//! Progress of a reproduction over its folds × models: a bar on an interactive terminal
//! ([`deepfield_core::progress::bar`]) and one line per trained model on stderr either way, so a
//! run in a log file or CI is never silent for minutes. The lines are also kept (tests read them).

use std::time::Instant;

use deepfield_core::progress::{bar, interactive};

/// See the module documentation.
pub struct Progress {
    id: String,
    total: usize,
    done: usize,
    /// The bar's `println`, `inc(1)` and `finish_and_clear` (core's bar, held through closures).
    println: Box<dyn Fn(&str)>,
    step: Box<dyn Fn()>,
    clear: Box<dyn Fn()>,
    started: Instant,
    lines: Vec<String>,
}

impl Progress {
    /// Progress of `id` over `total` (fold, model) trainings.
    pub fn new(id: &str, total: usize) -> Self {
        let b = bar(total as u64, format!("{id} folds × models"));
        let (b1, b2) = (b.clone(), b.clone());
        Progress {
            id: id.to_string(),
            total,
            done: 0,
            println: Box::new(move |line| b1.println(line)),
            step: Box::new(move || b2.inc(1)),
            clear: Box::new(move || b.finish_and_clear()),
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
            (self.println)(&line);
        } else {
            eprintln!("{line}");
        }
        (self.step)();
        self.lines.push(line);
    }

    /// Close the bar; the lines printed so far.
    pub fn finish(self) -> Vec<String> {
        (self.clear)();
        self.lines
    }
}
