//! The `stock-cnn-lstm` run: per ticker, train every network, score it and the baselines on
//! the test days, save the first model, plot, and write the report.

use std::path::Path;

use deepfield_core::report::{plots, ResultsDir};
use deepfield_core::repro::model_dir;
use deepfield_core::train::{write_histories_csv, History};

use super::{ModelSummary, RelativeRmse, StockConfig, StockMetrics, StockResult};
use crate::data::{LoadOptions, Series};
use crate::forecast::{self, direction_accuracy, predict_levels, target_metrics};
use crate::models::baselines::{persistence, LinearAr};
use crate::repro::{points, Steps};
use crate::Result;

/// The mean over tickers of each model, in name order.
fn means(rows: &[StockResult]) -> Vec<ModelSummary> {
    let mut models: Vec<String> = rows.iter().map(|r| r.scores.model.clone()).collect();
    models.sort();
    models.dedup();
    let avg = |m: &str, f: fn(&ModelSummary) -> Option<f64>| {
        let v: Vec<f64> = rows
            .iter()
            .map(|r| &r.scores)
            .filter(|r| r.model == m)
            .filter_map(f)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    models
        .iter()
        .map(|m| ModelSummary {
            model: m.clone(),
            rmse: avg(m, |r| Some(r.rmse)).unwrap_or(f64::NAN),
            mae: avg(m, |r| Some(r.mae)).unwrap_or(f64::NAN),
            mape: avg(m, |r| Some(r.mape)).unwrap_or(f64::NAN),
            direction_accuracy: avg(m, |r| r.direction_accuracy),
        })
        .collect()
}

/// Run on the given data folder, writing `out` (config.json and metrics.json are the caller's).
pub fn run(cfg: &StockConfig, data_dir: &Path, out: &Path) -> Result<StockMetrics> {
    let results = ResultsDir::at(out)?;
    let csv = data_dir.join("dash-stock-ticker-demo.csv");
    let df = deepfield_core::data::read_csv(&csv)?;
    let mut rows = Vec::new();
    let mut saved = false;
    let mut curves: Option<History> = None;
    let mut histories: Vec<(String, History)> = Vec::new();
    let mut steps = Steps::new("stock-cnn-lstm", cfg.tickers.len() * cfg.models.len());
    for (ti, ticker) in cfg.tickers.iter().enumerate() {
        let cols = cfg.setup.columns();
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        let series = Series::from_frame(
            &csv,
            &df,
            &LoadOptions::new(&cfg.setup.time_column, &refs).filter("Stock", ticker),
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
                scores: ModelSummary {
                    model: model.into(),
                    rmse: m.rmse,
                    mae: m.mae,
                    mape: m.mape,
                    direction_accuracy: if dir {
                        Some(direction_accuracy(pred, &yte, &lte)?)
                    } else {
                        None
                    },
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
            steps.done(&format!("{ticker} {}", m.name()), &t.history);
            histories.push((format!("{ticker}/{}", m.name()), t.history.clone()));
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
        super::report::forecast_plot(&results, ticker, &observed, &lines)?;
    }
    steps.finish();
    let relative_rmse: Vec<RelativeRmse> = rows
        .iter()
        .filter(|r| r.scores.model != "persistence")
        .filter_map(|r| {
            let p = rows
                .iter()
                .find(|q| q.ticker == r.ticker && q.scores.model == "persistence")?;
            Some(RelativeRmse {
                ticker: r.ticker.clone(),
                model: r.scores.model.clone(),
                rmse_vs_persistence: r.scores.rmse / p.scores.rmse,
            })
        })
        .collect();
    let metrics = StockMetrics {
        data: format!(
            "{} (daily OHLCV, tickers {})",
            csv.display(),
            cfg.tickers.join(", ")
        ),
        tickers: cfg.tickers.clone(),
        mean_over_tickers: means(&rows),
        per_ticker: rows,
        model_ticker_pairs_beating_persistence: relative_rmse
            .iter()
            .filter(|r| r.rmse_vs_persistence < 1.0)
            .count(),
        relative_rmse,
        seed: cfg.seed,
    };
    let runs: Vec<(String, &History)> = histories.iter().map(|(n, h)| (n.clone(), h)).collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;
    super::report::write_plots(&metrics, curves.as_ref(), &results)?;
    super::report::write(cfg, &metrics, data_dir, &results)?;
    Ok(metrics)
}
