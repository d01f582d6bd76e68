//! The `tablesense` run: load the sheets, deal the templates into folds, per fold tune the
//! heuristic and train the detector on the other folds and score all three methods on the
//! fold's sheets, then save the models, plot and write the report.

use std::collections::BTreeMap;

use deepfield_core::models::save_model;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{variant_dir, ReproOptions};
use deepfield_core::train::write_histories_csv;

use super::data::{load, template_folds, Annotated};
use super::train::{prepare, train_fold, Trained};
use super::{FoldResult, Goals, MethodResult, Scores, TableSenseMetrics, TableSenseReproConfig};
use crate::models::tablesense::TableSenseConfig;
use crate::sheets::eob::{eob_counts, EobCounts};
use crate::sheets::extract::{extract_boxes, ExtractConfig};
use crate::sheets::heuristic::{connected_regions, whole_sheet, RegionHeuristic};
use crate::sheets::CellBox;
use crate::Result;

/// EoB-0 and EoB-2 counts, on all sheets and on multi-table sheets.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Tally {
    all: [EobCounts; 2],
    multi: [EobCounts; 2],
}

impl Tally {
    fn add(&mut self, predicted: &[CellBox], truth: &[CellBox]) {
        for (i, k) in [0, 2].into_iter().enumerate() {
            let c = eob_counts(predicted, truth, k);
            self.all[i] += c;
            if truth.len() >= 2 {
                self.multi[i] += c;
            }
        }
    }

    fn merge(&mut self, o: &Tally) {
        for i in 0..2 {
            self.all[i] += o.all[i];
            self.multi[i] += o.multi[i];
        }
    }

    fn scores(&self) -> Scores {
        Scores::of(self.all[0], self.all[1])
    }

    fn multi_scores(&self) -> Scores {
        Scores::of(self.multi[0], self.multi[1])
    }
}

/// The heuristic setting with the best EoB-2 F1 on `sheets` (ties: the first tried).
fn tune_heuristic(cfg: &TableSenseReproConfig, sheets: &[&Annotated]) -> RegionHeuristic {
    let mut best = (f64::NEG_INFINITY, RegionHeuristic::default());
    for &gap in &cfg.heuristic_gaps {
        for &min_cells in &cfg.heuristic_min_cells {
            let h = RegionHeuristic { gap, min_cells };
            let mut c = EobCounts::default();
            for a in sheets {
                c += eob_counts(&connected_regions(&a.sheet, &h), &a.tables, 2);
            }
            if c.f1() > best.0 {
                best = (c.f1(), h);
            }
        }
    }
    best.1
}

/// The extraction setting with the best EoB-2 F1 on the training sheets of at most
/// `tune_max_rows` rows (ties: the first tried).
fn tune_extraction(
    cfg: &TableSenseReproConfig,
    model: &crate::models::tablesense::TableSense,
    sheets: &[&Annotated],
) -> Result<ExtractConfig> {
    let device = deepfield_core::device();
    let mut probs = Vec::new();
    for a in sheets
        .iter()
        .filter(|a| a.sheet.rows() <= cfg.tune_max_rows)
    {
        probs.push((model.probability_values(&a.sheet, device)?, *a));
    }
    let mut best = (f64::NEG_INFINITY, cfg.model.extract);
    for &threshold in &cfg.extract_thresholds {
        for &min_cells in &cfg.extract_min_cells {
            let e = ExtractConfig {
                threshold,
                min_cells,
            };
            let mut c = EobCounts::default();
            for (p, a) in &probs {
                let boxes = extract_boxes(p, a.sheet.rows(), a.sheet.cols(), &e)?;
                c += eob_counts(&boxes, &a.tables, 2);
            }
            if c.f1() > best.0 {
                best = (c.f1(), e);
            }
        }
    }
    Ok(best.1)
}

/// A tested sheet's boxes, for the example plot.
pub(super) struct Example {
    pub index: usize,
    pub cnn: Vec<CellBox>,
    pub heuristic: Vec<CellBox>,
}

/// Run the whole reproduction into `opts.out`.
pub fn run(cfg: &TableSenseReproConfig, opts: &ReproOptions) -> Result<TableSenseMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(&opts.out)?;
    let corpus = load(opts)?;
    let templates: Vec<&str> = corpus.sheets.iter().map(|a| a.template.as_str()).collect();
    let (fold_of, fold_templates) = template_folds(&templates, cfg.folds);
    let mut template_size: BTreeMap<&str, usize> = BTreeMap::new();
    for t in &templates {
        *template_size.entry(t).or_default() += 1;
    }
    let run_folds: Vec<usize> = if cfg.run_folds.is_empty() {
        (0..cfg.folds).collect()
    } else {
        cfg.run_folds.clone()
    };
    let device = deepfield_core::device();
    let (mut cnn, mut heur, mut whole) = (Tally::default(), Tally::default(), Tally::default());
    let mut folds = Vec::new();
    let mut trained: Vec<(usize, Trained, ExtractConfig)> = Vec::new();
    let mut examples = Vec::new();
    for &f in &run_folds {
        let train: Vec<&Annotated> = corpus
            .sheets
            .iter()
            .zip(&fold_of)
            .filter(|(_, &g)| g != f)
            .map(|(a, _)| a)
            .collect();
        let test: Vec<usize> = (0..corpus.sheets.len())
            .filter(|&i| fold_of[i] == f)
            .collect();
        let h = tune_heuristic(cfg, &train);
        let prepared = train
            .iter()
            .map(|a| {
                let n = template_size.get(a.template.as_str()).copied().unwrap_or(1);
                prepare(
                    a,
                    cfg.max_train_rows,
                    (n as f64).powf(-cfg.template_balance),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let t = train_fold(cfg, &prepared, cfg.seed.wrapping_add(f as u64))?;
        drop(prepared);
        let extract = tune_extraction(cfg, &t.model, &train)?;
        let (mut fc, mut fh, mut fw) = (Tally::default(), Tally::default(), Tally::default());
        let mut tables = 0;
        for &i in &test {
            let a = &corpus.sheets[i];
            let p = t.model.probability_values(&a.sheet, device)?;
            let pc = extract_boxes(&p, a.sheet.rows(), a.sheet.cols(), &extract)?;
            let ph = connected_regions(&a.sheet, &h);
            fc.add(&pc, &a.tables);
            fh.add(&ph, &a.tables);
            fw.add(&whole_sheet(&a.sheet), &a.tables);
            tables += a.tables.len();
            examples.push(Example {
                index: i,
                cnn: pc,
                heuristic: ph,
            });
        }
        cnn.merge(&fc);
        heur.merge(&fh);
        whole.merge(&fw);
        let fold = FoldResult {
            fold: f,
            templates: fold_templates[f].clone(),
            train_sheets: train.len(),
            test_sheets: test.len(),
            test_tables: tables,
            final_train_loss: t.history.train_losses().last().copied().unwrap_or(f64::NAN),
            train_seconds: t.seconds,
            heuristic_gap: h.gap,
            heuristic_min_cells: h.min_cells,
            extract_threshold: extract.threshold,
            extract_min_cells: extract.min_cells,
            cnn: fc.scores(),
            heuristic: fh.scores(),
            whole_sheet: fw.scores(),
        };
        eprintln!(
            "tablesense: fold {f} ({} test sheets) — CNN EoB-2 P {:.3} R {:.3}, heuristic \
             (gap {}, min {}) P {:.3} R {:.3} ({:.0} s training)",
            fold.test_sheets,
            fold.cnn.precision_eob2,
            fold.cnn.recall_eob2,
            h.gap,
            h.min_cells,
            fold.heuristic.precision_eob2,
            fold.heuristic.recall_eob2,
            t.seconds
        );
        folds.push(fold);
        trained.push((f, t, extract));
    }
    let method = |key: &str, name: &str, t: &Tally| MethodResult {
        key: key.to_string(),
        name: name.to_string(),
        all: t.scores(),
        multi_table: t.multi_scores(),
    };
    let methods = vec![
        method("cnn", "fully convolutional detector (ours)", &cnn),
        method("heuristic", "connected-region heuristic", &heur),
        method("whole_sheet", "one box around all non-empty cells", &whole),
    ];
    let (c, hr) = (cnn.scores(), heur.scores());
    let goals = Goals {
        cnn_beats_heuristic_eob2: c.precision_eob2 > hr.precision_eob2
            && c.recall_eob2 > hr.recall_eob2,
        cnn_beats_heuristic_eob0: c.precision_eob0 > hr.precision_eob0
            && c.recall_eob0 > hr.recall_eob0,
    };
    let tested: Vec<&Annotated> = examples.iter().map(|e| &corpus.sheets[e.index]).collect();
    let metrics = TableSenseMetrics {
        data: corpus.dir.display().to_string(),
        sheets: corpus.sheets.len(),
        bad_files: corpus.bad.len() + corpus.unannotated,
        templates: template_size.len(),
        tables: corpus.sheets.iter().map(|a| a.tables.len()).sum(),
        tested_sheets: tested.len(),
        tested_tables: tested.iter().map(|a| a.tables.len()).sum(),
        tested_multi_table_sheets: tested.iter().filter(|a| a.tables.len() >= 2).count(),
        parameters: trained.first().map_or(0, |(_, t, _)| t.parameters),
        methods,
        folds,
        goals,
        seed: cfg.seed,
    };
    for (k, (f, t, extract)) in trained.iter().enumerate() {
        let dir = variant_dir(&opts.out, &format!("fold_{f}"), k == 0);
        let model = TableSenseConfig {
            extract: *extract,
            ..cfg.model.clone()
        };
        save_model(&dir, &t.vs, &model, Some(&metrics.folds[k]))?;
    }
    let runs: Vec<(String, &deepfield_core::train::History)> = trained
        .iter()
        .map(|(f, t, _)| (format!("fold_{f}"), &t.history))
        .collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;
    super::report::write_plots(&metrics, &corpus, &examples, &results)?;
    super::report::write(cfg, &metrics, &results)?;
    Ok(metrics)
}
