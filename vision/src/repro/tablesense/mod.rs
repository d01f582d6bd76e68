//! `tablesense`: spreadsheet table detection (Dong et al., AAAI 2019) on the 820 FUSTE sheets —
//! a fully convolutional network over CSV cell features against the connected-region
//! heuristic and one box around all non-empty cells, scored by precision and recall at EoB-0
//! and EoB-2 on layout templates never seen in training.
//!
//! Protocol: the sheets' layout templates (`annotations_templates.json`, 107 templates; two of
//! them, `triathlon` and `census`, hold two thirds of the sheets) are dealt into `folds` groups
//! of about equal sheet count (largest first, each to the group with fewest sheets); each fold
//! is tested by a model trained on the other folds only (group K-fold), so every reported
//! sheet's template was unseen in its model's training, and the counts are pooled over the
//! folds. The heuristic's gap and minimum size are chosen on the same training folds.
//!
//! [`TableSenseReproConfig`] and [`TableSenseMetrics`] here, data and folds in [`data`], the
//! training in [`train`], the run in [`run`], the report in [`report`].

pub mod data;
pub mod example;
pub mod report;
pub mod run;
pub mod train;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::{OptimizerConfig, TrainConfig};

use crate::models::tablesense::TableSenseConfig;
use crate::sheets::eob::EobCounts;

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TableSenseReproConfig {
    pub model: TableSenseConfig,
    /// Template groups (group K-fold).
    pub folds: usize,
    /// The folds tested (empty: all).
    pub run_folds: Vec<usize>,
    /// Training windows, cells (rows × cols).
    pub window_rows: i64,
    pub window_cols: i64,
    /// Rows of a training sheet kept for windows (long sheets repeat their layout).
    pub max_train_rows: usize,
    /// Batches per epoch (`train.batch_size` windows each).
    pub steps_per_epoch: usize,
    pub train: TrainConfig,
    /// Share of training windows that are two tables of training sheets stacked with blank
    /// rows between them ([`crate::sheets::compose`]).
    pub stack_fraction: f64,
    /// Weight of the positive cells of the four edge maps in the loss (edges are rare).
    pub edge_pos_weight: f64,
    /// A sheet is drawn with weight (its template's size)^−balance, so big templates do not
    /// swamp training (0: every sheet alike, 1: every template alike).
    pub template_balance: f64,
    /// Box-extraction settings tried on the training folds (threshold × minimum cells), as the
    /// heuristic's are.
    pub extract_thresholds: Vec<f32>,
    pub extract_min_cells: Vec<usize>,
    /// Training sheets of at most this many rows are used to choose the extraction setting.
    pub tune_max_rows: usize,
    /// Heuristic settings tried on the training folds.
    pub heuristic_gaps: Vec<usize>,
    pub heuristic_min_cells: Vec<usize>,
    pub seed: u64,
}

impl Default for TableSenseReproConfig {
    fn default() -> Self {
        TableSenseReproConfig::new(false, 0)
    }
}

impl TableSenseReproConfig {
    /// The full run, or the quick one (a narrower network, fewer steps).
    pub fn new(quick: bool, seed: u64) -> Self {
        let (width, epochs, steps) = if quick { (16, 6, 25) } else { (32, 25, 40) };
        TableSenseReproConfig {
            model: TableSenseConfig {
                width,
                ..TableSenseConfig::default()
            },
            folds: 3,
            run_folds: vec![],
            window_rows: 48,
            window_cols: 24,
            max_train_rows: 400,
            steps_per_epoch: steps,
            train: TrainConfig {
                epochs,
                batch_size: 16,
                optimizer: OptimizerConfig::adam(2e-3),
                seed,
                progress: false,
                ..TrainConfig::default()
            },
            stack_fraction: 0.4,
            edge_pos_weight: 3.0,
            template_balance: 0.5,
            extract_thresholds: vec![0.4, 0.5, 0.6],
            extract_min_cells: vec![4, 8, 16, 32],
            tune_max_rows: if quick { 200 } else { 1000 },
            heuristic_gaps: if quick { vec![0, 1] } else { vec![0, 1, 2] },
            heuristic_min_cells: if quick { vec![2, 4] } else { vec![1, 2, 4, 8] },
            seed,
        }
    }

    /// Check the values.
    pub fn validate(&self) -> crate::Result<()> {
        self.model.check()?;
        self.train.validate()?;
        let bad = |m: String| Err(crate::Error::config(format!("tablesense: {m}")));
        if self.folds < 2 {
            return bad(format!("folds must be ≥ 2, got {}", self.folds));
        }
        if let Some(f) = self.run_folds.iter().find(|&&f| f >= self.folds) {
            return bad(format!("run_folds names fold {f} of {}", self.folds));
        }
        if self.window_rows < 4 || self.window_cols < 4 || self.max_train_rows < 4 {
            return bad("windows and max_train_rows must be ≥ 4 cells".into());
        }
        if self.steps_per_epoch == 0 {
            return bad("steps_per_epoch must be ≥ 1".into());
        }
        if !(0.0..=1.0).contains(&self.stack_fraction) {
            return bad("stack_fraction must be in [0, 1]".into());
        }
        if !(self.edge_pos_weight > 0.0 && (0.0..=1.0).contains(&self.template_balance)) {
            return bad("edge_pos_weight must be > 0 and template_balance in [0, 1]".into());
        }
        if self.heuristic_gaps.is_empty()
            || self.heuristic_min_cells.is_empty()
            || self.extract_thresholds.is_empty()
            || self.extract_min_cells.is_empty()
        {
            return bad("no heuristic or extraction settings to try".into());
        }
        for &threshold in &self.extract_thresholds {
            for &min_cells in &self.extract_min_cells {
                crate::sheets::extract::ExtractConfig {
                    threshold,
                    min_cells,
                }
                .validate()?;
            }
        }
        Ok(())
    }
}

/// Precision and recall at EoB-0 and EoB-2 of one method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub eob0: EobCounts,
    pub eob2: EobCounts,
    pub precision_eob0: f64,
    pub recall_eob0: f64,
    pub precision_eob2: f64,
    pub recall_eob2: f64,
}

impl Scores {
    /// Scores of pooled counts.
    pub fn of(eob0: EobCounts, eob2: EobCounts) -> Self {
        Scores {
            eob0,
            eob2,
            precision_eob0: eob0.precision(),
            recall_eob0: eob0.recall(),
            precision_eob2: eob2.precision(),
            recall_eob2: eob2.recall(),
        }
    }
}

/// One method on all tested sheets and on the sheets with two or more tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodResult {
    pub key: String,
    pub name: String,
    pub all: Scores,
    pub multi_table: Scores,
}

/// One fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    pub fold: usize,
    pub templates: Vec<String>,
    pub train_sheets: usize,
    pub test_sheets: usize,
    pub test_tables: usize,
    pub final_train_loss: f64,
    pub train_seconds: f64,
    /// The heuristic setting chosen on the training folds.
    pub heuristic_gap: usize,
    pub heuristic_min_cells: usize,
    /// The box-extraction setting chosen on the training folds.
    pub extract_threshold: f32,
    pub extract_min_cells: usize,
    pub cnn: Scores,
    pub heuristic: Scores,
    pub whole_sheet: Scores,
}

/// The goal, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goals {
    /// The CNN's EoB-2 precision and recall both above the heuristic's.
    pub cnn_beats_heuristic_eob2: bool,
    /// The same at EoB-0.
    pub cnn_beats_heuristic_eob0: bool,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableSenseMetrics {
    pub data: String,
    pub sheets: usize,
    pub bad_files: usize,
    pub templates: usize,
    pub tables: usize,
    pub tested_sheets: usize,
    pub tested_tables: usize,
    pub tested_multi_table_sheets: usize,
    pub parameters: usize,
    /// `cnn`, `heuristic`, `whole_sheet`.
    pub methods: Vec<MethodResult>,
    pub folds: Vec<FoldResult>,
    pub goals: Goals,
    pub seed: u64,
}

impl TableSenseMetrics {
    /// A method's results by key.
    pub fn get(&self, key: &str) -> Option<&MethodResult> {
        self.methods.iter().find(|m| m.key == key)
    }
}

/// The paper's EoB-2 recall and precision (TableSense on its own test set).
pub const PAPER_EOB2_RECALL: f64 = 0.913;
/// See [`PAPER_EOB2_RECALL`].
pub const PAPER_EOB2_PRECISION: f64 = 0.865;

/// The reproduction.
pub struct TableSenseRepro;

impl Experiment for TableSenseRepro {
    type Config = TableSenseReproConfig;
    type Metrics = TableSenseMetrics;

    fn id(&self) -> &'static str {
        "tablesense"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<TableSenseReproConfig> {
        Ok(TableSenseReproConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &TableSenseReproConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &TableSenseReproConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<TableSenseMetrics> {
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &TableSenseMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for meth in &m.methods {
            for (fold, s) in [("test", &meth.all), ("test/multi_table", &meth.multi_table)] {
                for (k, x) in [
                    ("precision_eob0", s.precision_eob0),
                    ("recall_eob0", s.recall_eob0),
                    ("precision_eob2", s.precision_eob2),
                    ("recall_eob2", s.recall_eob2),
                ] {
                    rows.push(MetricRow::new(&meth.key, fold, k, x));
                }
            }
        }
        rows
    }

    fn summary(&self, m: &TableSenseMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.fold == "test")
            .collect()
    }
}
