//! Short runs of the three reproductions on real data (the AMD one on its simulator), asserting
//! metric thresholds, the files written, and the eval command on a user's CSV.

use deepfield_core::report::fmt_num;
use deepfield_core::repro::{ReproOptions, Reproduction};
use deepfield_core::testing::{assert_contains, assert_results};
use deepfield_timeseries::detect::{self, DetectorKind};
use deepfield_timeseries::repro::{amd, stackvae, stock};
use deepfield_timeseries::{anomaly, forecast};

#[test]
fn amd_kinetic_quick_reaches_high_nse_and_forecasts_user_csv() {
    let out = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::new("amd-kinetic");
    opts.quick = true;
    opts.out = out.path().join("amd");
    let m = amd::AmdKinetic.run(&opts).unwrap();
    for model in m["random_windows"]["models"].as_array().unwrap() {
        let nse = model["mean_nse_validation"].as_f64().unwrap();
        assert!(
            nse > 0.9,
            "{}: random-window validation NSE {nse}",
            model["model"]
        );
    }
    // Chronological forecasting is harder; the encoder–decoder LSTM still explains most variance.
    let ed = m["chronological"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["model"] == "ed_lstm")
        .unwrap();
    assert!(ed["mean_nse_validation"].as_f64().unwrap() > 0.5, "{ed}");
    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "report.md",
            "config.json",
            "kinetic_test.csv",
            "forecast_0_ph.png",
            "forecast_6_mn_mg_l.png",
            "nse_validation.png",
            "model/model.safetensors",
            "model/config.json",
        ],
    );
    // The report shows each model's measured validation NSE.
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    for model in m["random_windows"]["models"].as_array().unwrap() {
        assert_contains(
            &report,
            &fmt_num(model["mean_nse_validation"].as_f64().unwrap()),
        );
    }

    // The saved model on a user's CSV in the training format (the simulated test itself).
    let preds = out.path().join("f.csv");
    let r = forecast::evaluate_csv(
        &opts.out.join("model"),
        &opts.out.join("kinetic_test.csv"),
        Some(&preds),
    )
    .unwrap();
    assert_eq!(r.origin.len(), 83 - 4 + 1);
    assert!(
        r.actual.last().unwrap()[0][0].is_none(),
        "the last forecast is beyond the file"
    );
    let nse_ph = r.metrics.unwrap()[0].nse;
    assert!(nse_ph > 0.8, "pH NSE on the whole file {nse_ph}");
    let text = std::fs::read_to_string(&preds).unwrap();
    assert!(text.starts_with("origin_time,step,pH_forecast"));
    assert_eq!(text.lines().count(), 81);
    // A CSV without a needed column names it.
    let bad = out.path().join("bad.csv");
    std::fs::write(&bad, "week,pH\n1,7\n2,7.1\n").unwrap();
    let e = forecast::evaluate_csv(&opts.out.join("model"), &bad, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("ORP_mV"), "{e}");
}

#[test]
fn stock_quick_runs_on_real_prices_and_is_close_to_persistence() {
    let out = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::new("stock-cnn-lstm");
    opts.quick = true;
    opts.out = out.path().join("stock");
    let m = stock::StockCnnLstm.run(&opts).unwrap();
    let s = &m["mean_over_tickers"];
    let per = s["persistence"]["rmse"].as_f64().unwrap();
    let cnn = s["cnn_lstm"]["rmse"].as_f64().unwrap();
    // AAPL 2017 test days: persistence RMSE is about 2 USD; the CNN-LSTM must be in its range
    // (a model trained on levels without differencing would be off by tens of dollars).
    assert!((1.0..4.0).contains(&per), "persistence RMSE {per}");
    assert!(cnn < 1.25 * per, "CNN-LSTM RMSE {cnn} vs persistence {per}");
    let dir = s["cnn_lstm"]["direction_accuracy"].as_f64().unwrap();
    assert!((0.3..0.8).contains(&dir), "{dir}");
    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "report.md",
            "test_forecast_aapl.png",
            "rmse.png",
            "model/model.safetensors",
        ],
    );
}

#[test]
fn stackvae_g_beats_random_scores_on_the_aws_set() {
    let out = tempfile::tempdir().unwrap();
    let dir = deepfield_core::data::dataset(&anomaly::nab::DATASET).unwrap();
    let mut cfg = stackvae::StackVaeConfig::new(true, 0);
    cfg.univariate.clear();
    cfg.detectors = vec![DetectorKind::StackVaeG, DetectorKind::Vae];
    cfg.detect.epochs = 2;
    cfg.detect.train_stride = 2;
    cfg.thresholds = 120;
    let m = stackvae::run(&cfg, &dir, &out.path().join("sv")).unwrap();
    let s = &m["summary"];
    let random = s["random"]["multivariate_f1"].as_f64().unwrap();
    let svg = s["stackvae_g"]["multivariate_f1"].as_f64().unwrap();
    assert!(random < 0.25, "random F1 {random}");
    assert!(
        svg > random + 0.03,
        "StackVAE-G F1 {svg} vs random {random}"
    );
    let d = out.path().join("sv");
    assert_results(
        &d,
        &[
            "metrics.json",
            "report.md",
            "adjacency.png",
            "score_vs_labels.png",
            "model/model.safetensors",
            "aws_cpu_5ch.csv",
        ],
    );
    // Scores of the saved detector on a user's CSV (the merged set in the training format).
    let scores = out.path().join("s.csv");
    let (t, sc, flags) =
        detect::evaluate_csv(&d.join("model"), &d.join("aws_cpu_5ch.csv"), Some(&scores)).unwrap();
    assert_eq!(t.len(), sc.len());
    assert!(flags.iter().any(|&f| f) && flags.iter().filter(|&&f| f).count() < sc.len() / 2);
    assert!(std::fs::read_to_string(&scores)
        .unwrap()
        .starts_with("time,score,anomaly"));
}
