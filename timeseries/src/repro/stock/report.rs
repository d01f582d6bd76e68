//! The `stock-cnn-lstm` report, written from the typed metrics.

use std::path::Path;

use deepfield_core::report::plots::{self, Axis, BarChart, RefLine};
use deepfield_core::report::{fmt_num, Comparison, Report, ResultsDir};
use deepfield_core::train::History;

use super::{StockConfig, StockMetrics};
use crate::Result;

/// The baseline drawn as a reference line instead of a bar.
const PERSISTENCE: &str = "persistence";

/// `test_forecast_<ticker>.png`: the observed close on the test days and each network's
/// next-day forecast, in USD.
pub(super) fn forecast_plot(
    results: &ResultsDir,
    ticker: &str,
    observed: &[(f64, f64)],
    predicted: &[plots::Series],
) -> Result<()> {
    let axes = (
        Axis::new("trading day (row in the ticker's series)").integer(),
        Axis::new("close").unit("USD"),
    );
    Ok(plots::forecast_with_axes(
        &results.file(&format!("test_forecast_{}.png", ticker.to_lowercase())),
        &format!("{ticker} close on the test days: next-day forecasts"),
        axes,
        observed,
        predicted,
        None,
    )?)
}

/// The training curves of the saved model (if any) and `rmse.png`: each model's test RMSE
/// (mean ± SD over tickers, USD) with persistence's as a reference line.
pub(super) fn write_plots(
    metrics: &StockMetrics,
    curves: Option<&History>,
    results: &ResultsDir,
) -> Result<()> {
    if let Some(h) = curves {
        plots::TrainingCurves::new(&h.train_losses())
            .val_loss(&h.val_losses())
            .loss_axis(Axis::new("MSE (standardised daily change)"))
            .render(&results.file("training_curves.png"))?;
    }
    let rmse_of = |model: &str| -> Vec<f64> {
        metrics
            .per_ticker
            .iter()
            .filter(|r| r.scores.model == model)
            .map(|r| r.scores.rmse)
            .collect()
    };
    let models: Vec<&str> = metrics
        .mean_over_tickers
        .iter()
        .map(|m| m.model.as_str())
        .filter(|&m| m != PERSISTENCE)
        .collect();
    if models.is_empty() {
        return Ok(());
    }
    let stats: Vec<(f64, f64)> = models
        .iter()
        .map(|m| deepfield_core::metrics::mean_std(&rmse_of(m)))
        .collect();
    let (mean, std): (Vec<f64>, Vec<f64>) = stats.into_iter().unzip();
    let title = match metrics.tickers.as_slice() {
        [one] => format!("Test RMSE on {one}"),
        many => format!("Test RMSE, mean ± SD over {} tickers", many.len()),
    };
    let mut chart = BarChart::new(&title, Axis::new("RMSE").unit("USD"))
        .groups(&models)
        .series_with_std("", &mean, &std)
        .x_axis("model");
    if let Some(p) = metrics.mean(PERSISTENCE) {
        chart = chart.reference(RefLine::new("persistence", p.rmse).lower_is_better());
    }
    Ok(chart.render(&results.file("rmse.png"))?)
}

/// Write `report.md`.
pub(super) fn write(
    cfg: &StockConfig,
    metrics: &StockMetrics,
    data_dir: &Path,
    results: &ResultsDir,
) -> Result<()> {
    let mut r = Report::new("stock-cnn-lstm — next-day close with a CNN-LSTM");
    r.para("Reproduces *Predicting Stock Market Time-Series Data using CNN-LSTM Neural Network Model*: a CNN-LSTM (Conv1d 32 filters, kernel 1, tanh → LSTM(64) → dense, the layout of Lu et al. 2020) predicts the next day's close from a 10-day window of open, high, low, close and volume, beside an LSTM(64), an MLP(64, 64), a linear autoregression on the same windows, and persistence.");
    r.provenance(data_dir);
    r.bullet(&[
        format!("Tickers: {}; chronological split per ticker: 70 % training, 15 % validation (early stopping), 15 % test.", cfg.tickers.join(", ")),
        "Inputs standardised with training-day statistics; targets are the next-day change of the close, scaled by the training SD of daily changes, added back to the last close (a network trained on levels must extrapolate once prices leave the training range).".into(),
        format!("Adam lr {}, batch {}, up to {} epochs, patience {}.", cfg.train.optimizer.lr(), cfg.train.batch_size, cfg.train.epochs, cfg.train.early_stopping.as_ref().map_or(0, |e| e.patience)),
    ]);
    r.heading(2, "Test results (mean over tickers)");
    let trows: Vec<Vec<String>> = metrics
        .mean_over_tickers
        .iter()
        .map(|m| {
            vec![
                m.model.clone(),
                fmt_num(m.rmse),
                fmt_num(m.mae),
                m.direction_accuracy
                    .map_or("— (never moves)".into(), fmt_num),
            ]
        })
        .collect();
    r.table(
        &["model", "RMSE (USD)", "MAE (USD)", "direction accuracy"],
        &trows,
    );
    r.heading(3, "Per ticker");
    let prow: Vec<Vec<String>> = metrics
        .per_ticker
        .iter()
        .map(|x| {
            vec![
                x.ticker.clone(),
                x.scores.model.clone(),
                fmt_num(x.scores.rmse),
                fmt_num(x.scores.mae),
                x.scores.direction_accuracy.map_or("—".into(), fmt_num),
            ]
        })
        .collect();
    r.table(&["ticker", "model", "RMSE", "MAE", "direction acc."], &prow);
    let rmse = |m: &str| metrics.mean(m).map_or(f64::NAN, |s| s.rmse);
    let (cnn, per) = (rmse("cnn_lstm"), rmse("persistence"));
    r.comparison(&[Comparison::new("CNN-LSTM test RMSE (USD)", cnn).with_anchor(per, "persistence, same days").with_note("the paper reports its CNN-LSTM beating LSTM and MLP; it does not compare with persistence")]);
    r.para(&format!(
        "**Does anything beat persistence?** {} of {} model–ticker pairs have a lower test RMSE than persistence. Daily closes are close to a random walk, so a forecaster that cannot beat \"tomorrow = today\" has learnt nothing useful; direction accuracy near 0.5 says the same.",
        metrics.model_ticker_pairs_beating_persistence,
        metrics.relative_rmse.len()
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
    r.image(
        "test RMSE per model (± SD over tickers); dashed: persistence",
        "rmse.png",
    );
    deepfield_core::domain::usage(
        &mut r,
        "Use the model on your data",
        "cargo run --release -p deepfield-timeseries --bin deepfield-timeseries -- \\\n  eval --model results/stock-cnn-lstm/model prices.csv --out forecasts.csv",
        Some("The CSV needs `Date`, `Open`, `High`, `Low`, `Close`, `Volume` (one ticker, any date order). `model/` holds the CNN-LSTM of the first ticker."),
    );
    Ok(r.write(&results.file("report.md"))?)
}
