//! Short runs of the three reproductions on real data (the AMD one on its simulator), asserting
//! metric thresholds, the files written, and the eval command on a user's file.

use deepfield_core::report::fmt_num;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::{assert_contains, assert_repro_results, assert_results};
use deepfield_timeseries::detect::{self, DetectorKind, EvalOptions};
use deepfield_timeseries::repro::{amd, stackvae, stock};
use deepfield_timeseries::{anomaly, forecast};

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn amd_kinetic_quick_reaches_high_nse_and_forecasts_user_files() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("amd-kinetic", out.path().join("amd"));
    let m = Typed(amd::AmdKinetic).run_typed(&opts).unwrap();
    for model in &m.random_windows.models {
        let nse = model.mean_nse_validation;
        assert!(
            nse > 0.9,
            "{}: random-window validation NSE {nse}",
            model.model
        );
    }
    // Chronological forecasting is harder; the encoder–decoder LSTM still explains most variance.
    let ed = m.chronological.get("ed_lstm").unwrap();
    assert!(ed.mean_nse_validation > 0.5, "{ed:?}");
    assert_eq!(m.chronological.baselines.len(), 2);
    assert_repro_results(
        &opts.out,
        &[
            "kinetic_test.csv",
            "forecast_0_ph.png",
            "forecast_6_mn_mg_l.png",
            "nse_validation.png",
            "model/model.safetensors",
            "model/config.json",
        ],
    );
    // The report shows each model's measured validation NSE and names its data.
    let report = read(&opts.out.join("report.md"));
    assert!(report.starts_with("> **Quick run**"), "{report}");
    assert_contains(&report, "sim::amd");
    for model in &m.random_windows.models {
        assert_contains(&report, &fmt_num(model.mean_nse_validation));
    }
    // metrics.csv names model, protocol/span(/parameter) and metric.
    let csv = read(&opts.out.join("metrics.csv"));
    let mlp = m.random_windows.get("mlp").unwrap().mean_nse_validation;
    assert_contains(
        &csv,
        &format!("mlp,random_windows/validation,mean_nse,{mlp}"),
    );
    assert_contains(&csv, "persistence,chronological/validation/pH,nse,");
    // history.csv: one run per protocol and model, one row per epoch.
    let hist = read(&opts.out.join("history.csv"));
    let epochs: usize = m
        .chronological
        .models
        .iter()
        .chain(&m.random_windows.models)
        .map(|r| r.epochs_run.unwrap())
        .sum();
    assert_eq!(hist.lines().count(), 1 + epochs);
    assert_contains(&hist, "chronological/ed_lstm,1,");

    // The saved model on a user's CSV in the training format (the simulated test itself).
    let model = opts.out.join("model");
    let kinetic = opts.out.join("kinetic_test.csv");
    let preds = out.path().join("f.csv");
    let r = forecast::evaluate_csv(&model, &kinetic, Some(&preds)).unwrap();
    assert_eq!(r.origin.len(), 83 - 4 + 1);
    assert!(
        r.actual.last().unwrap()[0][0].is_none(),
        "the last forecast is beyond the file"
    );
    let nse_ph = r.metrics[0].nse.unwrap();
    assert!(nse_ph > 0.8, "pH NSE on the whole file {nse_ph}");
    let text = read(&preds);
    assert!(
        text.starts_with("week,step,forecast_time,pH_forecast"),
        "{}",
        &text[..80]
    );
    assert_eq!(text.lines().count(), 81);
    // Targets are written as read (the simulator writes 6 decimals, trailing zeros included):
    // the first forecast is for data row 5, whose week and pH cells come back unchanged.
    let input_text = read(&kinetic);
    let input_lines: Vec<&str> = input_text.lines().collect();
    let row5: Vec<&str> = input_lines[5].split(',').collect();
    let first: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        first[0],
        input_lines[4].split(',').next().unwrap(),
        "origin: row 4's week"
    );
    assert_eq!((first[1], first[2]), ("1", row5[0]));
    assert_eq!(first[3 + 7], row5[1], "pH actual as read");

    // A tab-separated copy with an id column gives the same forecasts and carries the id.
    let tsv = out.path().join("kinetic test.tsv");
    let with_id: String = input_lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let id = if i == 0 { "column, site" } else { "pit \"A\"" };
            format!("{}\t{id}\n", l.replace(',', "\t"))
        })
        .collect();
    std::fs::write(&tsv, with_id + "\n").unwrap();
    let preds_tsv = out.path().join("g.csv");
    let r2 = forecast::evaluate_csv(&model, &tsv, Some(&preds_tsv)).unwrap();
    assert_eq!(r2.forecast, r.forecast);
    let t2 = read(&preds_tsv);
    assert!(
        t2.starts_with("week,\"column, site\",step,"),
        "{}",
        &t2[..60]
    );
    assert!(
        t2.lines().nth(1).unwrap().contains(",\"pit \"\"A\"\"\",1,"),
        "{t2}"
    );

    // One labelled row (issue 7): lookback + 1 rows make one complete window. The forecasts are
    // still written; NSE is undefined, RMSE is not.
    let short = out.path().join("short.csv");
    std::fs::write(&short, input_lines[..6].join("\n")).unwrap();
    let preds_short = out.path().join("s.csv");
    let r3 = forecast::evaluate_csv(&model, &short, Some(&preds_short)).unwrap();
    assert_eq!((r3.origin.len(), r3.complete_windows), (2, 1));
    assert_eq!(r3.metrics[0].nse, None);
    assert!(r3.metrics[0].rmse.is_some_and(|v| v.is_finite()));
    assert_eq!(read(&preds_short).lines().count(), 3);

    // A CSV without a needed column names it.
    let bad = out.path().join("bad.csv");
    std::fs::write(&bad, "week,pH\n1,7\n2,7.1\n").unwrap();
    let e = forecast::evaluate_csv(&model, &bad, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ORP_mV"), "{e}");
}

#[test]
fn stock_quick_runs_on_real_prices_and_is_close_to_persistence() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("stock-cnn-lstm", out.path().join("stock"));
    let m = Typed(stock::StockCnnLstm).run_typed(&opts).unwrap();
    let per = m.mean("persistence").unwrap().rmse;
    let cnn = m.mean("cnn_lstm").unwrap();
    // AAPL 2017 test days: persistence RMSE is about 2 USD; the CNN-LSTM must be in its range
    // (a model trained on levels without differencing would be off by tens of dollars).
    assert!((1.0..4.0).contains(&per), "persistence RMSE {per}");
    assert!(
        cnn.rmse < 1.25 * per,
        "CNN-LSTM RMSE {} vs persistence {per}",
        cnn.rmse
    );
    let dir = cnn.direction_accuracy.unwrap();
    assert!((0.3..0.8).contains(&dir), "{dir}");
    assert_eq!(m.mean("persistence").unwrap().direction_accuracy, None);
    assert_repro_results(
        &opts.out,
        &[
            "test_forecast_aapl.png",
            "rmse.png",
            "model/model.safetensors",
        ],
    );
    let csv = read(&opts.out.join("metrics.csv"));
    assert_contains(
        &csv,
        &format!("cnn_lstm,AAPL,rmse,{}", m.per_ticker[0].scores.rmse),
    );
    // Persistence never moves: its direction accuracy is undefined (an empty field).
    assert_contains(&csv, "persistence,mean,direction_accuracy,\n");
    assert_contains(&read(&opts.out.join("history.csv")), "AAPL/cnn_lstm,1,");
    assert_contains(
        &read(&opts.out.join("report.md")),
        "dash-stock-ticker-demo.csv",
    );
}

#[test]
fn stackvae_g_beats_random_scores_and_its_detectors_score_a_users_series() {
    let out = tempfile::tempdir().unwrap();
    let dir = deepfield_core::data::dataset(&anomaly::nab::DATASET).unwrap();
    let mut cfg = stackvae::StackVaeConfig::new(true, 0);
    cfg.univariate = vec!["realKnownCause/ec2_request_latency_system_failure.csv".into()];
    cfg.detectors = vec![DetectorKind::StackVaeG, DetectorKind::Vae];
    cfg.detect.epochs = 2;
    cfg.detect.train_stride = 2;
    cfg.thresholds = 120;
    let d = out.path().join("sv");
    let m = stackvae::run(&cfg, &dir, &d).unwrap();
    let random = m.model("random").unwrap().multivariate_f1.unwrap();
    let svg = m.model("stackvae_g").unwrap().multivariate_f1.unwrap();
    assert!(random < 0.25, "random F1 {random}");
    assert!(
        svg > random + 0.03,
        "StackVAE-G F1 {svg} vs random {random}"
    );
    assert_eq!(m.univariate_series, 1);
    assert_results(
        &d,
        &[
            "report.md",
            "history.csv",
            "adjacency.png",
            "score_vs_labels.png",
            "model/model.safetensors",
            "model_univariate/model.safetensors",
            "aws_cpu_5ch.csv",
        ],
    );
    // history.csv: 2 data sets × 2 detectors × 2 epochs.
    assert_eq!(read(&d.join("history.csv")).lines().count(), 1 + 8);
    // Scores of the saved detector on a user's CSV (the merged set in the training format).
    let scores = out.path().join("s.csv");
    let e = detect::evaluate_csv(
        &d.join("model"),
        &d.join("aws_cpu_5ch.csv"),
        &EvalOptions::default(),
        Some(&scores),
    )
    .unwrap();
    assert_eq!(e.time.len(), e.scores.len());
    let flagged = e.flags.iter().filter(|&&f| f).count();
    assert!(flagged > 0 && flagged < e.scores.len() / 2, "{flagged}");
    let header = read(&scores).lines().next().unwrap().to_string();
    assert!(
        header.starts_with("timestamp,ec2_cpu_utilization_24ae8d")
            && header.ends_with(",score,anomaly"),
        "{header}"
    );

    // Issue 13: a NAB series the detectors never saw, with its labels as timestamp,label.
    let key = "realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv";
    let series = dir.join("data").join(key);
    let windows = stackvae::data::label_windows(&dir, 120).unwrap();
    let s = anomaly::nab::read_series(&dir, key).unwrap();
    let labels = anomaly::labels_from_windows(s.time(), &windows[key]);
    let labels_csv = out.path().join("labels.csv");
    let mut text = String::from("timestamp,label\n");
    for (t, l) in s.time().iter().zip(&labels) {
        text += &format!(
            "{},{}\n",
            deepfield_timeseries::data::time::format_timestamp(*t),
            u8::from(*l)
        );
    }
    std::fs::write(&labels_csv, text).unwrap();
    // The 5-channel detector cannot score it as it is, and says what to do.
    let err = detect::evaluate_csv(&d.join("model"), &series, &EvalOptions::default(), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ec2_cpu_utilization_24ae8d")
            && err.contains("--fit")
            && err.contains("--column"),
        "{err}"
    );
    // The univariate detector scores its value column and reports F1 against the labels.
    let with_labels = EvalOptions {
        columns: vec!["value".into()],
        labels: Some(labels_csv.clone()),
        ..Default::default()
    };
    let uni_out = out.path().join("uni.csv");
    let u = detect::evaluate_csv(
        &d.join("model_univariate"),
        &series,
        &with_labels,
        Some(&uni_out),
    )
    .unwrap();
    assert_eq!(u.scores.len(), s.len());
    let um = u.metrics.clone().unwrap();
    assert_eq!(um.labelled, s.len());
    assert_eq!(um.anomalous, labels.iter().filter(|&&l| l).count());
    let best_pa = um.best_point_adjusted.unwrap().f1;
    let best = um.best.unwrap().f1;
    assert!(
        best_pa >= best && best_pa > 0.5,
        "PA-F1 {best_pa}, F1 {best}"
    );
    assert!(um.point_adjusted.recall.is_some());
    let written = read(&uni_out);
    assert!(
        written.starts_with("timestamp,value,score,anomaly,label\n"),
        "{}",
        &written[..80]
    );
    // The value column is written as read (the file's second line, first data row).
    let first_in = read(&series).lines().nth(1).unwrap().to_string();
    assert!(
        written
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("{first_in},")),
        "{first_in}"
    );
    // The same labels as a column of the input give the same metrics.
    let with_col = out.path().join("with labels.csv");
    let mut t = String::from("timestamp,value,label\n");
    for (line, l) in read(&series).lines().skip(1).zip(&labels) {
        t += &format!("{line},{}\n", u8::from(*l));
    }
    std::fs::write(&with_col, t).unwrap();
    let c = detect::evaluate_csv(
        &d.join("model_univariate"),
        &with_col,
        &EvalOptions {
            label_column: Some("label".into()),
            ..Default::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(c.metrics.unwrap(), um);
    // --fit: a fresh StackVAE-G of the saved settings trained on the series itself.
    let f = detect::evaluate_csv(
        &d.join("model"),
        &series,
        &EvalOptions {
            fit: true,
            labels: Some(labels_csv),
            ..Default::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(f.columns, ["value"]);
    let fpa = f.metrics.unwrap().best_point_adjusted.unwrap().f1;
    assert!(fpa > 0.7, "fit-and-score PA-F1 {fpa}");
}
