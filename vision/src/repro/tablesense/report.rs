//! Plots and `report.md` of `tablesense`.

use deepfield_core::report::plots::{BarChart, RefLine};
use deepfield_core::report::{Comparison, Report, ResultsDir};

use super::data::Corpus;
use super::example::draw_example;
use super::run::Example;
use super::{
    Scores, TableSenseMetrics, TableSenseReproConfig, PAPER_EOB2_PRECISION, PAPER_EOB2_RECALL,
};
use crate::Result;

const GROUPS: [&str; 4] = [
    "EoB-0 precision",
    "EoB-0 recall",
    "EoB-2 precision",
    "EoB-2 recall",
];

fn values(s: &Scores) -> Vec<f64> {
    [
        s.precision_eob0,
        s.recall_eob0,
        s.precision_eob2,
        s.recall_eob2,
    ]
    .iter()
    .map(|x| 100.0 * x)
    .collect()
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// `eob_scores.png`, `eob_multi_table.png` and `example_sheet.png`.
pub(super) fn write_plots(
    m: &TableSenseMetrics,
    corpus: &Corpus,
    examples: &[Example],
    results: &ResultsDir,
) -> Result<()> {
    for (file, multi, what) in [
        ("eob_scores.png", false, "all tested sheets"),
        (
            "eob_multi_table.png",
            true,
            "sheets with two or more tables",
        ),
    ] {
        let mut chart = BarChart::new(
            &format!("Table detection on unseen templates — {what}"),
            deepfield_core::report::plots::Axis::new("precision / recall").unit("%"),
        )
        .groups(&GROUPS);
        for meth in &m.methods {
            let s = if multi { &meth.multi_table } else { &meth.all };
            chart = chart.series(&meth.name, &values(s));
        }
        chart
            .reference(RefLine::new(
                "TableSense EoB-2 recall (paper)",
                100.0 * PAPER_EOB2_RECALL,
            ))
            .reference(RefLine::new(
                "TableSense EoB-2 precision (paper)",
                100.0 * PAPER_EOB2_PRECISION,
            ))
            .render(&results.file(file))?;
    }
    // The first tested sheet with several tables and at most 80 rows, else the first tested.
    let pick = examples
        .iter()
        .find(|e| {
            let a = &corpus.sheets[e.index];
            a.tables.len() >= 2 && a.sheet.rows() <= 80
        })
        .or_else(|| examples.first());
    if let Some(e) = pick {
        let a = &corpus.sheets[e.index];
        draw_example(
            &results.file("example_sheet.png"),
            &a.sheet,
            &a.tables,
            &e.cnn,
            &e.heuristic,
            80,
        )?;
    }
    Ok(())
}

/// `report.md`.
pub(super) fn write(
    cfg: &TableSenseReproConfig,
    m: &TableSenseMetrics,
    results: &ResultsDir,
) -> Result<()> {
    let mut r = Report::new("tablesense — spreadsheet table detection (Dong et al., AAAI 2019)");
    r.para(
        "Dong, Liu, Han, Fu, Zhang, \"TableSense: Spreadsheet Table Detection with Convolutional \
         Neural Networks\", AAAI 2019: a sheet is an image whose pixels are cells, each described \
         by a feature vector; a convolutional network finds the tables and their exact \
         boundaries. Here a fully convolutional network reads CSV cell features and predicts, \
         per cell, whether it lies inside a table and on which table edge; boxes are the \
         connected inside regions, cut where a bottom edge meets a top edge (probability threshold \
         and minimum region size chosen on the training folds, as the heuristic's settings are). It is compared with \
         the connected-region heuristic (non-empty cells joined across at most `gap` empty \
         rows/columns) and with one box around all non-empty cells.",
    );
    r.provenance(std::path::Path::new(&m.data));
    r.bullet(&[
        format!(
            "{} annotated sheets (FUSTE, real web spreadsheets exported to CSV), {} tables, {} \
             layout templates; {} files left out (unparsable or unannotated).",
            m.sheets, m.tables, m.templates, m.bad_files
        ),
        format!(
            "Group K-fold by layout template ({} folds, templates dealt largest first to the \
             fold with fewest sheets; `annotations_templates.json` names the templates, a sheet \
             in none is its own): each fold is scored by a model trained on the other folds \
             only, so no tested sheet's template was seen in training. {} sheets tested ({} \
             tables, {} sheets with two or more tables).",
            cfg.folds, m.tested_sheets, m.tested_tables, m.tested_multi_table_sheets
        ),
        "**CSV has no formatting.** The paper's features include fills, borders, fonts, merged \
         cells and formulas; a CSV export keeps values only, so the 23 feature channels are \
         value type (numeric, date, text, empty), length, case, punctuation, currency/percent \
         signs, type agreement with the cells above and to the left, row and column fill, and \
         position."
            .to_string(),
        format!(
            "Training: random {}×{} windows (half anchored at the sheet's top/left edge) of the \
             first {} rows of each training sheet, sheets drawn with weight (template size)^−{} \
             so the two big templates do not swamp the rest, and a share of {} of the windows \
             made of two training tables stacked 1–2 blank rows apart (our augmentation: the \
             training folds hold few sheets with several tables); per-cell binary cross-entropy \
             (edge cells weighted {}); Adam, {} epochs × {} batches of {}; {} parameters.",
            cfg.window_rows,
            cfg.window_cols,
            cfg.max_train_rows,
            cfg.template_balance,
            cfg.stack_fraction,
            cfg.edge_pos_weight,
            cfg.train.epochs,
            cfg.steps_per_epoch,
            cfg.train.batch_size,
            m.parameters
        ),
    ]);
    r.heading(2, "Results (pooled over the folds)");
    let mut rows = Vec::new();
    for meth in &m.methods {
        for (sub, s) in [("all", &meth.all), ("≥ 2 tables", &meth.multi_table)] {
            rows.push(vec![
                meth.name.clone(),
                sub.to_string(),
                pct(s.precision_eob0),
                pct(s.recall_eob0),
                pct(s.precision_eob2),
                pct(s.recall_eob2),
                s.eob2.predicted.to_string(),
                s.eob2.truth.to_string(),
            ]);
        }
    }
    rows.push(vec![
        "TableSense (paper, its own corpus)".into(),
        "all".into(),
        "–".into(),
        "–".into(),
        pct(PAPER_EOB2_PRECISION),
        pct(PAPER_EOB2_RECALL),
        "–".into(),
        "–".into(),
    ]);
    r.table(
        &[
            "method",
            "sheets",
            "EoB-0 precision (%)",
            "EoB-0 recall (%)",
            "EoB-2 precision (%)",
            "EoB-2 recall (%)",
            "predicted boxes",
            "true tables",
        ],
        &rows,
    );
    r.image("precision and recall at EoB-0 and EoB-2", "eob_scores.png");
    r.image(
        "the same on sheets with several tables",
        "eob_multi_table.png",
    );
    r.image("an example tested sheet", "example_sheet.png");
    r.heading(3, "Per fold");
    let frows: Vec<Vec<String>> = m
        .folds
        .iter()
        .map(|f| {
            let big: Vec<&str> = f.templates.iter().take(3).map(String::as_str).collect();
            vec![
                f.fold.to_string(),
                format!(
                    "{} ({}{})",
                    f.templates.len(),
                    big.join(", "),
                    if f.templates.len() > 3 { ", …" } else { "" }
                ),
                f.train_sheets.to_string(),
                f.test_sheets.to_string(),
                format!(
                    "{}/{} (threshold {}, min {})",
                    pct(f.cnn.precision_eob2),
                    pct(f.cnn.recall_eob2),
                    f.extract_threshold,
                    f.extract_min_cells
                ),
                format!(
                    "{}/{} (gap {}, min {})",
                    pct(f.heuristic.precision_eob2),
                    pct(f.heuristic.recall_eob2),
                    f.heuristic_gap,
                    f.heuristic_min_cells
                ),
                format!(
                    "{}/{}",
                    pct(f.whole_sheet.precision_eob2),
                    pct(f.whole_sheet.recall_eob2)
                ),
                format!("{:.0}", f.train_seconds),
            ]
        })
        .collect();
    r.table(
        &[
            "fold",
            "templates",
            "train sheets",
            "test sheets",
            "CNN EoB-2 P/R (%)",
            "heuristic EoB-2 P/R (%)",
            "one box EoB-2 P/R (%)",
            "train s",
        ],
        &frows,
    );
    r.heading(2, "Against the paper and the issue's goal");
    let yes = |b: bool| if b { "met" } else { "not met" };
    let mut comps = Vec::new();
    if let Some(c) = m.get("cnn") {
        comps.push(
            Comparison::new("CNN EoB-2 recall (%)", 100.0 * c.all.recall_eob2)
                .with_anchor(100.0 * PAPER_EOB2_RECALL, "TableSense, paper")
                .with_note("different, richer corpus with formatting"),
        );
        comps.push(
            Comparison::new("CNN EoB-2 precision (%)", 100.0 * c.all.precision_eob2)
                .with_anchor(100.0 * PAPER_EOB2_PRECISION, "TableSense, paper")
                .with_note("different, richer corpus with formatting"),
        );
    }
    r.comparison(&comps);
    r.bullet(&[
        format!(
            "The CNN beats the heuristic on both EoB-2 precision and recall: {}.",
            yes(m.goals.cnn_beats_heuristic_eob2)
        ),
        format!(
            "The same at EoB-0: {}.",
            yes(m.goals.cnn_beats_heuristic_eob0)
        ),
    ]);
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        "Data: 820 FUSTE sheets as CSV (values only) instead of TableSense's ~10,000 Excel \
         sheets with formatting; two templates (race results, census fact sheets) are two thirds \
         of the sheets, so per-fold numbers swing with which big template a fold holds."
            .to_string(),
        "Model: dense per-cell inside/edge maps from a small dilated, residual fully \
         convolutional network, boxes by connected regions, instead of a region proposal \
         network with precise boundary regression; no active learning."
            .to_string(),
        "The `census` template (170 sheets, three tables each) separates its tables by blank \
         rows exactly like the blank rows inside them; in the original workbooks bold header \
         rows told them apart, in CSV nothing does, so with census unseen in training every \
         method scores near zero on it (the multi-table rows above are mostly census)."
            .to_string(),
        "Matching: one-to-one, closest pairs first; precision and recall pooled over all tested \
         sheets."
            .to_string(),
    ]);
    r.heading(2, "Files");
    r.bullet(&[
        "`model/`: the detector of the first fold (trained without that fold's templates): \
         `deepfield-vision eval tables --model model SHEET.csv|FOLDER [--out boxes.csv]`; \
         `models/fold_<k>/`: the others."
            .to_string(),
        "`metrics.json`, `metrics.csv`, `history.csv` (per-epoch training loss per fold), \
         `config.json`."
            .to_string(),
    ]);
    results.write_report(&r)?;
    Ok(())
}
