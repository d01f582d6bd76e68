//! Train a small LSTM on Apple's daily closes (`stock_ohlcv/finance-charts-apple.csv` in the
//! data directory) for a few epochs and print its test RMSE next to persistence's.
//!
//! ```sh
//! cargo run -p deepfield-timeseries --example apple_forecast
//! ```

use deepfield_timeseries::data::{LoadOptions, Series};
use deepfield_timeseries::forecast::{predict_levels, target_metrics, train};
use deepfield_timeseries::models::baselines::persistence;
use deepfield_timeseries::models::ForecastModel;
use deepfield_timeseries::repro::stock::StockConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let csv = deepfield_core::data::data_dir()?.join("stock_ohlcv/finance-charts-apple.csv");
    // The stock reproduction's set-up (10 days in, the next day's close out, as a difference).
    let inputs = ["AAPL.Open", "AAPL.High", "AAPL.Low", "AAPL.Close"];
    let setup = StockConfig::setup(&inputs, "AAPL.Close");
    let cols = setup.columns();
    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    let series = Series::from_csv(&csv, &LoadOptions::new("Date", &refs))?;
    let prep = setup.prepare(&series)?;
    println!(
        "{}: {} days, {} training / {} validation / {} test windows",
        csv.display(),
        series.len(),
        prep.train.len(),
        prep.val.len(),
        prep.test.len()
    );
    let model = ForecastModel::Lstm {
        hidden: 32,
        layers: 1,
        dropout: 0.0,
    };
    let cfg = deepfield_core::train::TrainConfig {
        epochs: 8,
        batch_size: 32,
        optimizer: deepfield_core::train::OptimizerConfig::adam(1e-3),
        progress: false,
        ..Default::default()
    };
    let trained = train(&prep, model, &cfg, 0)?;
    let (x, y, last) = prep.pick(&prep.test);
    let lstm = target_metrics(
        &predict_levels(&trained.model, &prep.target, &x, &last)?,
        &y,
        &setup.targets,
    )?;
    let naive = target_metrics(&persistence(&last, 1)?, &y, &setup.targets)?;
    println!(
        "test RMSE (USD): LSTM {:.3}, persistence {:.3}",
        lstm[0].rmse, naive[0].rmse
    );
    println!(
        "LSTM trained {} epochs; daily closes are close to a random walk, so persistence is hard to beat",
        trained.history.epochs.len()
    );
    Ok(())
}
