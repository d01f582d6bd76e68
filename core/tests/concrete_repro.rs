//! Integration test of the first end-to-end reproduction on real data: `concrete-mlp --quick`.
//! Reads `concrete_strength` from the data directory (DEEPFIELD_DATA or ../shared/datasets).

use deepfield_core::report::fmt_num;
use deepfield_core::repro::concrete::{evaluate_csv, ConcreteMlp, DATASET};
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::{assert_contains, assert_csv, assert_json_close, assert_results};

#[test]
fn quick_concrete_repro_beats_linear_and_writes_results() {
    let out = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::quick("concrete-mlp", out.path().join("concrete-mlp"));
    opts.seed = 7;
    let m = Typed(ConcreteMlp)
        .run_typed(&opts)
        .expect("concrete-mlp --quick");

    let (mlp_r2, lin_r2, mlp_rmse) = (m.mlp.r2, m.linear.r2, m.mlp.rmse);
    // OLS with ln(1 + age) reaches R² ≈ 0.8 on this data; a short MLP run must beat it.
    assert!((0.7..0.88).contains(&lin_r2), "linear R² {lin_r2}");
    assert!(mlp_r2 > 0.85, "MLP R² {mlp_r2}");
    assert!(mlp_r2 > lin_r2 + 0.04, "MLP {mlp_r2} vs linear {lin_r2}");
    assert!(mlp_rmse < 7.0, "MLP RMSE {mlp_rmse} MPa");

    let saved = assert_results(
        &opts.out,
        &[
            "metrics.json",
            "report.md",
            "config.json",
            "training_curves.png",
            "pred_vs_true.png",
            "r2_comparison.png",
            "model/model.safetensors",
            "model/config.json",
        ],
    );
    // The run is recorded as a quick one, in the report's first line too, and metrics.csv is tidy.
    let run = deepfield_core::repro::typed::read_run_info(&opts.out).expect("run record");
    assert!(run.quick && run.seed == 7, "{run:?}");
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(report.starts_with("> **Quick run**"), "{report}");
    let text = std::fs::read_to_string(opts.out.join("metrics.csv")).unwrap();
    assert!(text.starts_with("model,fold,metric,value\n"), "{text}");
    assert_contains(&text, &format!("mlp,,r2,{}", mlp_r2));
    // No temporary folder is left beside the results.
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["concrete-mlp"], "{names:?}");
    // A second quick run replaces the first; it refuses to replace a full run without --force.
    let mut full = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(opts.out.join("metrics.json")).unwrap(),
    )
    .unwrap();
    full["run"]["quick"] = false.into();
    std::fs::write(opts.out.join("metrics.json"), full.to_string()).unwrap();
    let err = Typed(ConcreteMlp).run_typed(&opts).unwrap_err().to_string();
    assert!(err.contains("full run") && err.contains("--force"), "{err}");

    // metrics.json holds the returned metrics.
    assert_json_close(&saved, &serde_json::to_value(&m).unwrap(), 1e-12);
    // The report shows the measured numbers.
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(report.contains("Yeh") && report.contains("R²"), "{report}");
    for v in [mlp_r2, lin_r2, mlp_rmse] {
        assert_contains(&report, &fmt_num(v));
    }
    // metrics.json reads back as the typed metrics.
    let back: deepfield_core::repro::concrete::ConcreteMetrics =
        serde_json::from_str(&std::fs::read_to_string(opts.out.join("metrics.json")).unwrap())
            .unwrap();
    assert_eq!(back.per_fold.len(), 1);
    assert!((back.mlp.r2 - m.mlp.r2).abs() < 1e-12);

    // The saved model runs on a user's CSV in the training format and reports metrics.
    let csv = deepfield_core::data::dataset(&DATASET)
        .unwrap()
        .join("concrete_data.csv");
    let preds = out.path().join("preds.csv");
    let e = evaluate_csv(&opts.out.join("model"), &csv, Some(&preds)).unwrap();
    assert_eq!(e.predictions.len(), 1030);
    let r2_all = e.metrics.unwrap().r2;
    assert!(r2_all > 0.85, "R² on the whole file {r2_all}");
    let target = "compressive_strength_mpa";
    let rows = assert_csv(&preds, &["row", "prediction", target], 1030);
    // The target is written as read (not through f32): the first row of the file is 79.98611076.
    assert_eq!(rows[0][2], "79.98611076", "{:?}", rows[0]);

    // Ids are carried as read, RFC 4180 quoting round-trips them, TSV is read by extension, a
    // single labelled row still gets predictions (R² undefined), a header-only file is refused.
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().take(3).collect();
    let (head, r1, r2) = (lines[0], lines[1], lines[2]);
    let user = out.path().join("user data, \"v2\".tsv");
    let tsv = |l: &str| l.replace(',', "\t");
    std::fs::write(
        &user,
        format!(
            "sample id\t{}\n\"a, \"\"b\"\"\"\t{}\nc d\t{}\n\n",
            tsv(head),
            tsv(r1),
            tsv(r2)
        ),
    )
    .unwrap();
    let user_out = out.path().join("out, \"q\".csv");
    let e = evaluate_csv(&opts.out.join("model"), &user, Some(&user_out)).unwrap();
    assert_eq!(e.predictions.len(), 2);
    assert_eq!(e.id_columns, ["sample id"]);
    let mut reader = csv::Reader::from_path(&user_out).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["sample id", "prediction", target]
    );
    let recs: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(&recs[0][0], "a, \"b\"");
    assert_eq!(&recs[1][0], "c d");
    let one = out.path().join("one.csv");
    std::fs::write(&one, format!("{head}\n{r1}\n")).unwrap();
    let one_out = out.path().join("one_out.csv");
    let e = evaluate_csv(&opts.out.join("model"), &one, Some(&one_out)).unwrap();
    let m = e.metrics.unwrap();
    assert!(m.r2.is_nan() && m.mae.is_finite(), "{m:?}");
    assert_csv(&one_out, &["row", "prediction", target], 1);
    // Parquet by extension, like the other binaries' eval.
    let pq = out.path().join("one.parquet");
    let df = deepfield_core::data::read_csv(&one).unwrap();
    deepfield_core::data::write_parquet(&pq, &df).unwrap();
    let e = evaluate_csv(&opts.out.join("model"), &pq, None).unwrap();
    assert_eq!(e.predictions.len(), 1);
    let header_only = out.path().join("header only.csv");
    std::fs::write(&header_only, format!("{head}\n")).unwrap();
    let err = evaluate_csv(&opts.out.join("model"), &header_only, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("header only.csv") && err.contains("no data rows"),
        "{err}"
    );

    // A CSV without the needed columns is a clear error naming the column.
    let bad = out.path().join("bad.csv");
    std::fs::write(&bad, "cement_kg_m3,water_kg_m3\n1,2\n").unwrap();
    let err = evaluate_csv(&opts.out.join("model"), &bad, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("blast_furnace_slag_kg_m3"), "{err}");
}
