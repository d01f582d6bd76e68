//! `stock-cnn-lstm`: next-day closing price from 10 days of OHLCV with a CNN-LSTM, against an
//! LSTM, an MLP, a linear autoregression and persistence.
//!
//! Paper: "Predicting Stock Market Time-Series Data using CNN-LSTM Neural Network Model" (the
//! CNN-LSTM design of Lu, Li, Wang & Qin, Complexity 2020: a 1-D convolution over the window of
//! daily features, an LSTM(64), a dense output). Data: daily OHLCV of AAPL, COKE, GOOGL, TSLA and
//! YHOO 2015–2017 (`stock_ohlcv/dash-stock-ticker-demo.csv`). Chronological 70/15/15 split per
//! ticker, scalers on the training days only, early stopping on the validation days; test
//! metrics in dollars. Persistence (tomorrow's close = today's) is the bar to clear, and the
//! report says plainly whether any network clears it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use deepfield_core::data::scale::Scaler;
use deepfield_core::data::DatasetSpec;
use deepfield_core::report::{fmt_num, plots, Comparison, Report, ResultsDir};
use deepfield_core::repro::model_dir;
use deepfield_core::train::TrainConfig;

use super::points;
use crate::data::clean::OutlierRule;
use crate::data::{LoadOptions, Series, WindowSpec};
use crate::forecast::{
    self, direction_accuracy, predict_levels, target_metrics, ForecastSetup, TargetMode,
};
use crate::models::baselines::{persistence, LinearAr};
use crate::models::ForecastModel;
use crate::Result;

/// The price files in the data directory.
pub const DATASET: DatasetSpec = DatasetSpec {
    name: "stock_ohlcv",
    files: &["dash-stock-ticker-demo.csv"],
    source: "plotly/datasets on GitHub (dash-stock-ticker-demo.csv, daily OHLCV 2015–2017, MIT)",
};

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockConfig {
    pub tickers: Vec<String>,
    pub setup: ForecastSetup,
    pub models: Vec<ForecastModel>,
    pub train: TrainConfig,
    pub seed: u64,
}

impl StockConfig {
    /// Full run: five tickers; quick: AAPL only, few epochs.
    pub fn new(quick: bool, seed: u64) -> Self {
        let tickers: &[&str] = if quick {
            &["AAPL"]
        } else {
            &["AAPL", "COKE", "GOOGL", "TSLA", "YHOO"]
        };
        StockConfig {
            tickers: tickers.iter().map(|s| s.to_string()).collect(),
            setup: ForecastSetup {
                time_column: "Date".into(),
                inputs: ["Open", "High", "Low", "Close", "Volume"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                targets: vec!["Close".into()],
                window: WindowSpec::new(10, 1),
                scaler: Scaler::Standard,
                target_mode: TargetMode::Difference,
                outliers: OutlierRule::None,
                val_frac: 0.15,
                test_frac: 0.15,
                shuffle_windows: None,
            },
            models: vec![
                ForecastModel::cnn_lstm_paper(),
                ForecastModel::Lstm {
                    hidden: 64,
                    layers: 1,
                    dropout: 0.0,
                },
                ForecastModel::Mlp {
                    hidden: vec![64, 64],
                    dropout: 0.0,
                },
            ],
            train: super::train_config(
                if quick { 15 } else { 200 },
                32,
                1e-3,
                if quick { 10 } else { 30 },
            ),
            seed,
        }
    }
}

/// The reproduction.
pub struct StockCnnLstm;

deepfield_core::reproduction!(
    StockCnnLstm,
    "stock-cnn-lstm",
    crate::REPRODUCTIONS,
    |opts| {
        let dir = opts.dataset(&DATASET)?;
        run(&StockConfig::new(opts.quick, opts.seed), &dir, &opts.out)
            .map_err(crate::Error::into_core)
    }
);

/// Test metrics of one model on one ticker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StockResult {
    pub ticker: String,
    pub model: String,
    pub rmse: f64,
    pub mae: f64,
    pub mape: f64,
    /// `None` for persistence (it never predicts a move).
    pub direction_accuracy: Option<f64>,
}

/// Run on the given data folder, writing `out`.
pub fn run(cfg: &StockConfig, data_dir: &Path, out: &Path) -> Result<serde_json::Value> {
    let results = ResultsDir::at(out)?;
    let csv = data_dir.join("dash-stock-ticker-demo.csv");
    let df = deepfield_core::data::read_csv(&csv)?;
    let mut rows = Vec::new();
    let mut saved = false;
    let mut curves = None;
    for (ti, ticker) in cfg.tickers.iter().enumerate() {
        let cols = cfg.setup.columns();
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        let series = Series::from_frame(
            &csv,
            &df,
            &LoadOptions::new("Date", &refs).filter("Stock", ticker),
        )?;
        let prep = cfg.setup.prepare(&series)?;
        let (xte, yte, lte) = prep.pick(&prep.test);
        let (xtr, _, _) = prep.pick(&prep.train);
        let days: Vec<f64> = prep
            .test
            .iter()
            .map(|&i| prep.windows.target_rows(i).start as f64)
            .collect();
        let observed: Vec<(f64, f64)> = days
            .iter()
            .copied()
            .zip(Vec::<f64>::try_from(
                yte.select(1, 0).select(1, 0).to_kind(tch::Kind::Double),
            )?)
            .collect();
        let mut lines = Vec::new();
        let tgt = &cfg.setup.targets;
        let mut push = |model: &str, pred: &tch::Tensor, dir: bool| -> Result<()> {
            let m = &target_metrics(pred, &yte, tgt)?[0];
            rows.push(StockResult {
                ticker: ticker.clone(),
                model: model.into(),
                rmse: m.rmse,
                mae: m.mae,
                mape: m.mape,
                direction_accuracy: if dir {
                    Some(direction_accuracy(pred, &yte, &lte)?)
                } else {
                    None
                },
            });
            Ok(())
        };
        for (k, m) in cfg.models.iter().enumerate() {
            let t = forecast::train(
                &prep,
                m.clone(),
                &cfg.train,
                cfg.seed.wrapping_add((ti * 10 + k) as u64),
            )?;
            let p = predict_levels(&t.model, &prep.target, &xte, &lte)?;
            push(m.name(), &p, true)?;
            lines.push(plots::Series::new(m.name(), points(&days, &p, 0)?));
            if !saved {
                forecast::save(
                    &model_dir(out),
                    "stock-cnn-lstm",
                    &cfg.setup,
                    &prep,
                    &t,
                    &serde_json::json!({"ticker": ticker, "model": m.name()}),
                )?;
                curves = Some(t.history.clone());
                saved = true;
            }
        }
        let ar = LinearAr::fit(&xtr, &prep.dataset(&prep.train)?.y, 1.0)?;
        push(
            "linear_ar",
            &prep.target.inverse(&ar.predict(&xte)?, &lte)?,
            true,
        )?;
        push("persistence", &persistence(&lte, 1)?, false)?;
        plots::forecast(
            &results.file(&format!("test_forecast_{}.png", ticker.to_lowercase())),
            &format!("{ticker} close, test days (trading-day index)"),
            &observed,
            &lines,
            None,
        )?;
    }
    // Averages over tickers per model.
    let mut models: Vec<String> = rows.iter().map(|r| r.model.clone()).collect();
    models.dedup();
    models.sort();
    models.dedup();
    let avg = |m: &str, f: fn(&StockResult) -> Option<f64>| {
        let v: Vec<f64> = rows.iter().filter(|r| r.model == m).filter_map(f).collect();
        if v.is_empty() {
            None
        } else {
            Some(v.iter().sum::<f64>() / v.len() as f64)
        }
    };
    let summary: serde_json::Map<String, serde_json::Value> = models
        .iter()
        .map(|m| {
            (m.clone(), serde_json::json!({
                "rmse": avg(m, |r| Some(r.rmse)), "mae": avg(m, |r| Some(r.mae)), "mape": avg(m, |r| Some(r.mape)),
                "direction_accuracy": avg(m, |r| r.direction_accuracy),
            }))
        })
        .collect();
    // Relative RMSE to persistence per ticker (< 1: the model beats persistence).
    let rel: Vec<serde_json::Value> = rows
        .iter()
        .filter(|r| r.model != "persistence")
        .filter_map(|r| {
            let p = rows.iter().find(|q| q.ticker == r.ticker && q.model == "persistence")?;
            Some(serde_json::json!({"ticker": r.ticker, "model": r.model, "rmse_vs_persistence": r.rmse / p.rmse}))
        })
        .collect();
    let beats = rel
        .iter()
        .filter(|v| v["rmse_vs_persistence"].as_f64().is_some_and(|x| x < 1.0))
        .count();
    let metrics = serde_json::json!({
        "id": "stock-cnn-lstm", "tickers": cfg.tickers, "per_ticker": rows, "mean_over_tickers": summary,
        "relative_rmse": rel, "model_ticker_pairs_beating_persistence": beats, "seed": cfg.seed,
    });
    deepfield_core::fsutil::write_json(&results.file("config.json"), cfg)?;
    deepfield_core::fsutil::write_json(&results.file("metrics.json"), &metrics)?;
    if let Some(h) = &curves {
        plots::training_curves(
            &results.file("training_curves.png"),
            &h.train_losses(),
            Some(&h.val_losses()),
            None,
        )?;
    }
    let labels: Vec<String> = models.clone();
    let vals: Vec<f64> = models
        .iter()
        .map(|m| avg(m, |r| Some(r.rmse)).unwrap_or(0.0))
        .collect();
    plots::bar_chart(
        &results.file("rmse.png"),
        "Test RMSE (USD), mean over tickers",
        &labels,
        &vals,
        "RMSE",
    )?;

    let mut r = Report::new("stock-cnn-lstm — next-day close with a CNN-LSTM");
    r.para("Reproduces *Predicting Stock Market Time-Series Data using CNN-LSTM Neural Network Model*: a CNN-LSTM (Conv1d 32 filters, kernel 1, tanh → LSTM(64) → dense, the layout of Lu et al. 2020) predicts the next day's close from a 10-day window of open, high, low, close and volume, beside an LSTM(64), an MLP(64, 64), a linear autoregression on the same windows, and persistence.");
    r.provenance(data_dir);
    r.bullet(&[
        format!("Tickers: {}; chronological split per ticker: 70 % training, 15 % validation (early stopping), 15 % test.", cfg.tickers.join(", ")),
        "Inputs standardised with training-day statistics; targets are the next-day change of the close, scaled by the training SD of daily changes, added back to the last close (a network trained on levels must extrapolate once prices leave the training range).".into(),
        format!("Adam lr {}, batch {}, up to {} epochs, patience {}.", cfg.train.optimizer.lr(), cfg.train.batch_size, cfg.train.epochs, cfg.train.early_stopping.as_ref().map_or(0, |e| e.patience)),
    ]);
    r.heading(2, "Test results (mean over tickers)");
    let trows: Vec<Vec<String>> = models
        .iter()
        .map(|m| {
            vec![
                m.clone(),
                fmt_num(avg(m, |r| Some(r.rmse)).unwrap_or(f64::NAN)),
                fmt_num(avg(m, |r| Some(r.mae)).unwrap_or(f64::NAN)),
                avg(m, |r| r.direction_accuracy).map_or("— (never moves)".into(), fmt_num),
            ]
        })
        .collect();
    r.table(
        &["model", "RMSE (USD)", "MAE (USD)", "direction accuracy"],
        &trows,
    );
    r.heading(3, "Per ticker");
    let prow: Vec<Vec<String>> = rows
        .iter()
        .map(|x| {
            vec![
                x.ticker.clone(),
                x.model.clone(),
                fmt_num(x.rmse),
                fmt_num(x.mae),
                x.direction_accuracy.map_or("—".into(), fmt_num),
            ]
        })
        .collect();
    r.table(&["ticker", "model", "RMSE", "MAE", "direction acc."], &prow);
    let cnn = avg("cnn_lstm", |r| Some(r.rmse)).unwrap_or(f64::NAN);
    let per = avg("persistence", |r| Some(r.rmse)).unwrap_or(f64::NAN);
    r.comparison(&[Comparison::new("CNN-LSTM test RMSE (USD)", cnn).with_anchor(per, "persistence, same days").with_note("the paper reports its CNN-LSTM beating LSTM and MLP; it does not compare with persistence")]);
    r.para(&format!(
        "**Does anything beat persistence?** {} of {} model–ticker pairs have a lower test RMSE than persistence. Daily closes are close to a random walk, so a forecaster that cannot beat \"tomorrow = today\" has learnt nothing useful; direction accuracy near 0.5 says the same.",
        beats,
        rel.len()
    ));
    r.heading(2, "Plots");
    for t in &cfg.tickers {
        r.image(
            &format!("{t} test forecasts"),
            &format!("test_forecast_{}.png", t.to_lowercase()),
        );
    }
    r.image(
        "training curves (first model, first ticker)",
        "training_curves.png",
    );
    r.image("test RMSE", "rmse.png");
    deepfield_core::domain::usage(
        &mut r,
        "Use the model on your data",
        "cargo run --release -p deepfield-timeseries --bin deepfield-timeseries -- \\\n  eval --model results/stock-cnn-lstm/model --csv prices.csv --out forecasts.csv",
        Some("The CSV needs `Date`, `Open`, `High`, `Low`, `Close`, `Volume` (one ticker, any date order). `model/` holds the CNN-LSTM of the first ticker."),
    );
    r.write(&results.file("report.md"))?;
    Ok(metrics)
}
