//! Bad input at the timeseries crate's `eval` readers: the user's CSV/TSV series
//! ([`InputTable`] then [`Series`]) and the labels file of `eval --labels`. Hand-made cases with
//! the error each must give (naming the file and the problem), seeded mutation runs (300 damaged
//! files per format) that must never panic nor give an empty or long message, and
//! `evaluate_csv` writing no output for refused input.

use std::path::Path;

use deepfield_core::data::scale::{FittedScaler, StandardScaler};
use deepfield_core::testing::{
    assert_cases, assert_mutants_refused, assert_refused_without_output, case_table, write_csv,
};
use deepfield_timeseries::data::input::InputTable;
use deepfield_timeseries::data::{LoadOptions, Series};
use deepfield_timeseries::detect::labels::read_labels;
use deepfield_timeseries::detect::{
    evaluate_csv, fit, save, DetectConfig, DetectorKind, DetectorPipelineConfig, EvalOptions,
    Scaling,
};

const SERIES: &str = "timestamp,site,value,other\n\
                      2020-01-01 00:00,\"a, b\",1.5,3\n\
                      2020-01-01 00:05,\"a, b\",2.25,NA\n\
                      2020-01-01 00:10,c,-0.5,4\n\
                      2020-01-01 00:15,c,0.125,5\n";

/// The reading `eval` does: the table, then the series of `timestamp` and `value`.
fn series(p: &Path) -> deepfield_timeseries::Result<usize> {
    let t = InputTable::read(p)?;
    let (s, rows) = t.series(&LoadOptions::new("timestamp", &["value"]))?;
    assert_eq!(s.len(), rows.len());
    Ok(s.len())
}

#[test]
fn hand_made_series_cases_give_clear_errors() {
    assert_cases(
        case_table(
            r#"
            empty.csv       |                                | empty CSV
            header_only.csv | timestamp,value\n              | no data rows
            blank_rows.csv  | timestamp,value\n,\n\n         | no data rows
            no_value.csv    | timestamp,level\n2020-01-01,1\n | no column "value" | timestamp, level
            no_time.csv     | when,value\n2020-01-01,1\n     | no column "timestamp"
            text_value.csv  | timestamp,value\n2020-01-01,1\n2020-01-02,high\n
                            | not numeric | "high" | data row 2
            inf_value.csv   | timestamp,value\n2020-01-01,1\n2020-01-02,inf\n | inf | data row 2
            bad_time.csv    | timestamp,value\n2020-01-01,1\n2020-02-30,2\n
                            | bad timestamp "2020-02-30" | data row 2
            empty_time.csv  | timestamp,value\n2020-01-01,1\n,2\n | bad timestamp | data row 2
            duplicate_time.csv | timestamp,value\n2020-01-01,1\n2020-01-02,2\n2020-01-01,3\n
                               | duplicate timestamp 2020-01-01
            ragged.csv      | timestamp,value\n2020-01-01,1\n2020-01-02,2,7,8\n
                            | more fields than the header
            open_q.csv      | timestamp,value\n2020-01-01,"1\n2020-01-02,2\n | could not parse `"1
            semicolons.csv  | timestamp;value\n2020-01-01;1\n | no column "timestamp" | timestamp;value
            commas.tsv      | timestamp,value\n2020-01-01,1\n | no column "timestamp" | timestamp,value
            "#,
        ),
        series,
    );
    // The valid file reads (sorted, NA kept as missing); TSV by extension; a folder is refused.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ok.csv");
    std::fs::write(&p, format!("{SERIES}\n\n")).unwrap();
    assert_eq!(series(&p).unwrap(), 4);
    let tsv = dir.path().join("ok.tsv");
    std::fs::write(&tsv, SERIES.replace(',', "\t").replace("\"a\t b\"", "a b")).unwrap();
    assert_eq!(series(&tsv).unwrap(), 4);
    let err = series(dir.path()).unwrap_err().to_string();
    assert!(err.contains("is not a file"), "{err}");
    let err = series(&dir.path().join("missing.csv"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.csv"), "{err}");
}

#[test]
fn mutated_series_never_panic() {
    // 273 (CSV) and 260 (TSV) of 300 are refused today.
    assert_mutants_refused("m.csv", SERIES.as_bytes(), (31, 300), 200, series);
    let tsv = SERIES.replace(',', "\t").replace("\"a\t b\"", "\"a, b\"");
    assert_mutants_refused("m.tsv", tsv.as_bytes(), (32, 300), 190, series);
}

const LABELS: &str = "timestamp,label\n\
                      2020-01-01 00:00,0\n\
                      2020-01-01 00:05,1\n\
                      2020-01-01 00:10,\n\
                      2020-01-01 00:15,anomaly\n";

fn labels(p: &Path) -> deepfield_timeseries::Result<usize> {
    read_labels(p, "timestamp").map(|m| m.len())
}

#[test]
fn hand_made_label_cases_give_clear_errors() {
    assert_cases(
        case_table(
            r#"
            empty.csv       |                                  | empty CSV
            header_only.csv | timestamp,label\n                | no data rows
            no_label.csv    | timestamp,value,site\n2020-01-01,1,a\n
                            | no label column | timestamp, value, site
            bad_label.csv   | timestamp,label\n2020-01-01,1\n2020-01-02,maybe\n
                            | data row 2 | "maybe"
            bad_time.csv    | timestamp,label\n2020-01-01,1\nyesterday,0\n
                            | data row 2 | bad timestamp "yesterday"
            conflict.csv    | timestamp,label\n2020-01-01,1\n2020-01-02,0\n2020-01-01,0\n
                            | "2020-01-01" | twice | data rows 1 and 3
            ragged.csv      | timestamp,label\n2020-01-01,1,5,6\n | more fields than the header
            "#,
        ),
        labels,
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ok.csv");
    std::fs::write(&p, LABELS).unwrap();
    assert_eq!(labels(&p).unwrap(), 3);
    // The same label twice for a timestamp is harmless.
    std::fs::write(&p, "timestamp,label\n2020-01-01,1\n2020-01-01,yes\n").unwrap();
    assert_eq!(labels(&p).unwrap(), 1);
}

#[test]
fn mutated_labels_never_panic() {
    // 273 of 300 are refused today.
    assert_mutants_refused("l.csv", LABELS.as_bytes(), (33, 300), 200, labels);
}

#[test]
fn evaluate_writes_nothing_for_refused_input() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("series.csv");
    let spike = |t: f64| if t == 40.0 { 3.0 } else { 0.0 };
    let rows = (0..60)
        .map(|t| t as f64)
        .map(|x| [x, (x / 4.0).sin() + spike(x)]);
    write_csv(&csv, &["timestamp", "value"], rows);
    let text = std::fs::read_to_string(&csv).unwrap();
    let s = Series::from_file(&csv, &LoadOptions::new("timestamp", &["value"])).unwrap();
    let raw = s.to_tensor().unwrap();
    let scaler = StandardScaler::fit(&raw).unwrap();
    let data = scaler.transform(&raw).unwrap();
    let cfg = DetectConfig {
        window: 8,
        hidden: 8,
        latent: 2,
        epochs: 1,
        batch_size: 16,
        ..Default::default()
    };
    let t = fit(DetectorKind::Vae, &cfg, &data, 1).unwrap();
    let config = DetectorPipelineConfig {
        id: "test".into(),
        detector: DetectorKind::Vae,
        config: cfg,
        time_column: "timestamp".into(),
        columns: vec!["value".into()],
        scaler: FittedScaler::Standard(scaler),
        threshold: 1.0,
        scaling: Scaling::Saved,
    };
    let model = tmp.path().join("model");
    save(&model, &config, &t, &serde_json::json!({})).unwrap();
    let out = tmp.path().join("scores.csv");
    // The saved detector scores the good file.
    evaluate_csv(&model, &csv, &EvalOptions::default(), Some(&out)).unwrap();
    assert!(out.is_file());
    std::fs::remove_file(&out).unwrap();

    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, text.replace("\n7,", "\nseven,")).unwrap();
    assert_refused_without_output(
        evaluate_csv(&model, &bad, &EvalOptions::default(), Some(&out)),
        &["bad.csv", "bad timestamp \"seven\""],
        &out,
    );

    let labels = tmp.path().join("labels.csv");
    std::fs::write(&labels, "timestamp,label\n3,1\n4,maybe\n").unwrap();
    let opts = EvalOptions {
        labels: Some(labels.clone()),
        ..Default::default()
    };
    assert_refused_without_output(
        evaluate_csv(&model, &csv, &opts, Some(&out)),
        &["labels.csv", "\"maybe\""],
        &out,
    );
}
