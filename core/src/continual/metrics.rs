//! The accuracy matrix of a continual-learning run and its summaries (Lopez-Paz & Ranzato,
//! "Gradient Episodic Memory for Continual Learning", 2017):
//!
//! * `R[i][j]`: test accuracy on task `j` after training tasks `0..=i` (T×T);
//! * ACC = mean over `j` of `R[T-1][j]` (average accuracy at the end);
//! * BWT = mean over `j < T-1` of `R[T-1][j] − R[j][j]` (backward transfer; negative is forgetting);
//! * FWT = mean over `j > 0` of `R[j-1][j] − b_j` (forward transfer; `b_j` is the accuracy of
//!   a randomly initialised model on task `j`).
//!
//! Accuracies are fractions in `[0, 1]`.

#[cfg(feature = "plots")]
use std::path::Path;

use serde::{Deserialize, Serialize};

#[cfg(feature = "plots")]
use crate::report::plots::{heatmap, Axis, LinePlot, Series};
use crate::{Error, Result};

/// `R[i][j]` and the random-init baseline `b_j` of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracyMatrix {
    /// `r[i][j]`: accuracy on task `j` after training task `i`.
    pub r: Vec<Vec<f64>>,
    /// `b[j]`: accuracy on task `j` of the model before any training (for FWT).
    pub baseline: Option<Vec<f64>>,
}

/// ACC, BWT and FWT of one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TransferMetrics {
    pub acc: f64,
    pub bwt: f64,
    /// `None` without a baseline or with one task.
    pub fwt: Option<f64>,
}

impl AccuracyMatrix {
    /// A T×T matrix (every row T values in `[0, 1]`) with an optional baseline of T values.
    pub fn new(r: Vec<Vec<f64>>, baseline: Option<Vec<f64>>) -> Result<Self> {
        let t = r.len();
        if t == 0 {
            return Err(Error::input("accuracy matrix: no tasks"));
        }
        for (i, row) in r.iter().enumerate() {
            if row.len() != t {
                return Err(Error::input(format!(
                    "accuracy matrix: row {i} has {} values, expected {t} (T×T)",
                    row.len()
                )));
            }
            if let Some(j) = row.iter().position(|v| !(0.0..=1.0).contains(v)) {
                return Err(Error::input(format!(
                    "accuracy matrix: R[{i}][{j}] = {} is not an accuracy in [0, 1]",
                    row[j]
                )));
            }
        }
        if let Some(b) = &baseline {
            if b.len() != t {
                return Err(Error::input(format!(
                    "accuracy matrix: baseline has {} values, expected {t}",
                    b.len()
                )));
            }
        }
        Ok(AccuracyMatrix { r, baseline })
    }

    /// Number of tasks T.
    pub fn tasks(&self) -> usize {
        self.r.len()
    }

    /// Average accuracy over all tasks after the last one.
    pub fn acc(&self) -> f64 {
        let last = &self.r[self.tasks() - 1];
        last.iter().sum::<f64>() / last.len() as f64
    }

    /// Average accuracy over tasks `0..=i` after training task `i` (the accuracy-over-tasks curve).
    pub fn acc_after(&self, i: usize) -> f64 {
        let row = &self.r[i];
        row[..=i].iter().sum::<f64>() / (i + 1) as f64
    }

    /// Backward transfer (0 with one task).
    pub fn bwt(&self) -> f64 {
        let t = self.tasks();
        if t < 2 {
            return 0.0;
        }
        let last = &self.r[t - 1];
        (0..t - 1).map(|j| last[j] - self.r[j][j]).sum::<f64>() / (t - 1) as f64
    }

    /// Forward transfer, when there is a baseline and more than one task.
    pub fn fwt(&self) -> Option<f64> {
        let t = self.tasks();
        let b = self.baseline.as_ref()?;
        if t < 2 {
            return None;
        }
        Some((1..t).map(|j| self.r[j - 1][j] - b[j]).sum::<f64>() / (t - 1) as f64)
    }

    /// ACC, BWT and FWT together.
    pub fn summary(&self) -> TransferMetrics {
        TransferMetrics {
            acc: self.acc(),
            bwt: self.bwt(),
            fwt: self.fwt(),
        }
    }

    #[cfg(feature = "plots")]
    /// The matrix as a heat map (rows: task trained, columns: task tested), accuracy in %.
    pub fn plot_heatmap(&self, path: &Path, title: &str) -> Result<()> {
        let pct: Vec<Vec<f64>> = self
            .r
            .iter()
            .map(|row| row.iter().map(|v| 100.0 * v).collect())
            .collect();
        heatmap(
            path,
            &format!("{title} (accuracy %, row = after training task, column = tested task)"),
            &pct,
            Axis::new("tested task").integer(),
            Axis::new("after training task").integer(),
        )
    }
}

/// One accuracy-over-tasks line: name, mean per task (fraction), optional std per task.
pub type Curve = (String, Vec<f64>, Option<Vec<f64>>);

#[cfg(feature = "plots")]
/// Average accuracy over the tasks seen so far, after each task, one line per run (mean ± std
/// over seeds when given), in %.
pub fn plot_accuracy_over_tasks(path: &Path, title: &str, curves: &[Curve]) -> Result<()> {
    let series = curves.iter().map(|(name, mean, std)| {
        let s = Series::from_ys(
            name,
            1.0,
            &mean.iter().map(|v| 100.0 * v).collect::<Vec<_>>(),
        );
        match std {
            Some(sd) => s.with_std(sd.iter().map(|v| 100.0 * v).collect()),
            None => s,
        }
    });
    LinePlot::new(
        title,
        Axis::new("tasks trained").integer(),
        Axis::new("average accuracy on tasks so far").unit("%"),
    )
    .series(series)
    .render(path)
}
