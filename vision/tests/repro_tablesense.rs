//! `tablesense --quick` end to end on the real sheets: results folder, typed metrics, the CNN's
//! EoB-2 recall above the one-box-around-everything predictor (clearly so on the fold of small
//! templates), and the saved detector through `deepfield-vision eval tables` on a
//! folder with a bad file. One test in this binary (libtorch's RNG is process-global).

use deepfield_core::testing::{
    assert_csv, assert_png, assert_results, run_bin, run_quick, QuickRun,
};
use deepfield_vision::repro::tablesense::TableSenseRepro;

/// Measured (seed 0, quick, 1 thread): EoB-2 P/R — CNN 0.720/0.522, heuristic 0.714/0.506, one
/// box 0.705/0.489; on the fold of small templates CNN recall 0.869 vs one box 0.742.
#[test]
fn quick_tablesense_beats_the_trivial_box_and_its_model_lists_tables() {
    let QuickRun {
        tmp,
        out,
        metrics: m,
    } = run_quick(TableSenseRepro);

    assert_results(
        &out,
        &[
            "metrics.json",
            "metrics.csv",
            "config.json",
            "report.md",
            "history.csv",
            "eob_scores.png",
            "eob_multi_table.png",
            "example_sheet.png",
            "model/model.safetensors",
            "models/fold_1/model.safetensors",
        ],
    );
    assert_png(&out.join("eob_scores.png"), (400, 300));
    assert_png(&out.join("example_sheet.png"), (400, 300));
    assert_eq!(m.sheets, 820);
    assert_eq!(m.tables, 1181);
    assert_eq!(m.templates, 107);
    assert_eq!(m.bad_files, 0);
    assert_eq!(m.folds.len(), 3);
    assert_eq!(m.tested_sheets, 820);
    assert_eq!(m.tested_tables, 1181);
    assert!(
        m.tested_multi_table_sheets >= 170,
        "{}",
        m.tested_multi_table_sheets
    );
    // Folds are disjoint in templates.
    let mut seen = std::collections::BTreeSet::new();
    for f in &m.folds {
        for t in &f.templates {
            assert!(seen.insert(t.clone()), "template {t} in two folds");
        }
    }
    assert_eq!(seen.len(), 107);
    let cnn = m.get("cnn").unwrap();
    let whole = m.get("whole_sheet").unwrap();
    let heur = m.get("heuristic").unwrap();
    eprintln!(
        "quick: CNN EoB-2 P {:.3} R {:.3} (multi R {:.3}); heuristic P {:.3} R {:.3}; whole P \
         {:.3} R {:.3} (multi R {:.3})",
        cnn.all.precision_eob2,
        cnn.all.recall_eob2,
        cnn.multi_table.recall_eob2,
        heur.all.precision_eob2,
        heur.all.recall_eob2,
        whole.all.precision_eob2,
        whole.all.recall_eob2,
        whole.multi_table.recall_eob2
    );
    // The trivial box finds at most one table per sheet: at most 1/2 of a multi-table sheet's.
    assert!(whole.multi_table.recall_eob2 <= 0.5);
    assert!(
        cnn.all.recall_eob2 > whole.all.recall_eob2,
        "CNN EoB-2 recall {} vs one box {}",
        cnn.all.recall_eob2,
        whole.all.recall_eob2
    );
    // On the fold of many small templates (titles, notes, several tables) the CNN is clearly
    // better than one box around everything. (The census fold defeats every method: its
    // tables are separated by blank rows exactly like the blank rows inside them.)
    let small = m.folds.iter().max_by_key(|f| f.templates.len()).unwrap();
    assert!(small.templates.len() > 40, "{}", small.templates.len());
    assert!(
        small.cnn.recall_eob2 > small.whole_sheet.recall_eob2 + 0.05,
        "fold {}: CNN EoB-2 recall {} vs one box {}",
        small.fold,
        small.cnn.recall_eob2,
        small.whole_sheet.recall_eob2
    );
    assert!(cnn.all.precision_eob2 > 0.3, "{}", cnn.all.precision_eob2);
    assert!(cnn.all.recall_eob0 <= cnn.all.recall_eob2);
    assert_csv(
        &out.join("metrics.csv"),
        &["model", "fold", "metric", "value"],
        3 * 8,
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("quick") && report.contains("CSV has no formatting"));

    // The saved detector on a folder of three real sheets and one bad file.
    let data = deepfield_core::data::data_dir()
        .unwrap()
        .join("spreadsheets_fuste_regions/csv");
    let sheets = tmp.path().join("sheets");
    std::fs::create_dir_all(&sheets).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for n in names.iter().take(3) {
        std::fs::copy(data.join(n), sheets.join(n)).unwrap();
    }
    std::fs::write(sheets.join("broken.csv"), [0u8, 1, 2, 3, 0, 255]).unwrap();
    let boxes = tmp.path().join("boxes.csv");
    let r = run_bin(
        env!("CARGO_BIN_EXE_deepfield-vision"),
        [
            "eval".as_ref(),
            "tables".as_ref(),
            "--model".as_ref(),
            out.join("model").as_os_str(),
            sheets.as_os_str(),
            "--out".as_ref(),
            boxes.as_os_str(),
        ],
    );
    assert!(r.success, "{}", r.stderr);
    assert!(r.stdout.contains("3 sheets read"), "{}", r.stdout);
    assert!(r.stdout.contains("1 files skipped"), "{}", r.stdout);
    assert!(r.stderr.contains("broken.csv"), "{}", r.stderr);
    let (_, rows) = deepfield_core::testing::read_csv(&boxes);
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(row.len(), 7);
        let idx: Vec<usize> = row[3..].iter().map(|v| v.parse().unwrap()).collect();
        assert!(idx[0] <= idx[2] && idx[1] <= idx[3], "{row:?}");
        assert!(r.stdout.contains(&row[2]), "{} not printed", row[2]);
    }
    // A missing input and a model folder of another kind are clear errors.
    let r = run_bin(
        env!("CARGO_BIN_EXE_deepfield-vision"),
        [
            "eval".as_ref(),
            "tables".as_ref(),
            "--model".as_ref(),
            out.join("model").as_os_str(),
            tmp.path().join("nope.csv").as_os_str(),
        ],
    );
    assert!(!r.success && r.stderr.contains("nope.csv"), "{}", r.stderr);
}
