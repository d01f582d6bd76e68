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

//! [`config`](StockConfig) and [`metrics`](StockMetrics) here, the run in [`run`], the report
//! in [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::data::scale::Scaler;
use deepfield_core::data::DatasetSpec;
use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::TrainConfig;

use crate::data::clean::OutlierRule;
use crate::data::WindowSpec;
use crate::forecast::{ForecastSetup, TargetMode};
use crate::models::ForecastModel;

pub use run::run;

/// The price files in the data directory.
pub const DATASET: DatasetSpec = DatasetSpec {
    name: "stock_ohlcv",
    files: &["dash-stock-ticker-demo.csv"],
    source: "plotly/datasets on GitHub (dash-stock-ticker-demo.csv, daily OHLCV 2015–2017, MIT)",
};

/// Everything the run needs; saved as `config.json` (fields left out of a `--config` file take
/// the full run's values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StockConfig {
    pub tickers: Vec<String>,
    pub setup: ForecastSetup,
    pub models: Vec<ForecastModel>,
    pub train: TrainConfig,
    pub seed: u64,
}

impl Default for StockConfig {
    fn default() -> Self {
        StockConfig::new(false, 0)
    }
}

impl StockConfig {
    /// The paper's forecasting set-up on daily prices: the next day's `target` (as a
    /// difference) from 10 days of `inputs` (column `Date`), standardised on the training
    /// days, a chronological 70/15/15 split, no outlier rule.
    pub fn setup(inputs: &[&str], target: &str) -> ForecastSetup {
        ForecastSetup {
            time_column: "Date".into(),
            inputs: inputs.iter().map(|s| s.to_string()).collect(),
            targets: vec![target.into()],
            window: WindowSpec::new(10, 1),
            scaler: Scaler::Standard,
            target_mode: TargetMode::Difference,
            outliers: OutlierRule::None,
            val_frac: 0.15,
            test_frac: 0.15,
            shuffle_windows: None,
        }
    }

    /// Full run: five tickers; quick: AAPL only, few epochs.
    pub fn new(quick: bool, seed: u64) -> Self {
        let tickers: &[&str] = if quick {
            &["AAPL"]
        } else {
            &["AAPL", "COKE", "GOOGL", "TSLA", "YHOO"]
        };
        StockConfig {
            tickers: tickers.iter().map(|s| s.to_string()).collect(),
            setup: StockConfig::setup(&["Open", "High", "Low", "Close", "Volume"], "Close"),
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

/// Test metrics of one model on one ticker (in metrics.json: `ticker` beside the fields of
/// [`ModelSummary`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockResult {
    pub ticker: String,
    #[serde(flatten)]
    pub scores: ModelSummary,
}

/// Test metrics of one model (on one ticker, or averaged over tickers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub model: String,
    pub rmse: f64,
    pub mae: f64,
    pub mape: f64,
    /// `None` for persistence (it never predicts a move).
    pub direction_accuracy: Option<f64>,
}

/// A model's test RMSE over persistence's on one ticker (< 1: it beats persistence).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelativeRmse {
    pub ticker: String,
    pub model: String,
    pub rmse_vs_persistence: f64,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockMetrics {
    /// The price file the run read.
    pub data: String,
    pub tickers: Vec<String>,
    pub per_ticker: Vec<StockResult>,
    pub mean_over_tickers: Vec<ModelSummary>,
    pub relative_rmse: Vec<RelativeRmse>,
    pub model_ticker_pairs_beating_persistence: usize,
    pub seed: u64,
}

impl StockMetrics {
    /// The mean over tickers of `model`.
    pub fn mean(&self, model: &str) -> Option<&ModelSummary> {
        self.mean_over_tickers.iter().find(|m| m.model == model)
    }
}

/// The reproduction.
pub struct StockCnnLstm;

impl Experiment for StockCnnLstm {
    type Config = StockConfig;
    type Metrics = StockMetrics;

    fn id(&self) -> &'static str {
        "stock-cnn-lstm"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<StockConfig> {
        Ok(StockConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &StockConfig) -> deepfield_core::Result<()> {
        cfg.setup.validate().map_err(crate::Error::into_core)?;
        if cfg.tickers.is_empty() || cfg.models.is_empty() || cfg.train.epochs == 0 {
            return Err(deepfield_core::Error::config(
                "stock-cnn-lstm: give at least one ticker and one model, and train.epochs > 0",
            ));
        }
        Ok(())
    }

    fn execute(
        &self,
        cfg: &StockConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<StockMetrics> {
        let dir = opts.dataset(&DATASET)?;
        run(cfg, &dir, &opts.out).map_err(crate::Error::into_core)
    }

    fn metric_rows(&self, m: &StockMetrics) -> Vec<MetricRow> {
        let rows = |fold: &str, s: &ModelSummary| {
            let dir = s.direction_accuracy.unwrap_or(f64::NAN);
            [("rmse", s.rmse), ("mae", s.mae), ("mape", s.mape)]
                .into_iter()
                .chain([("direction_accuracy", dir)])
                .map(|(k, x)| MetricRow::new(&s.model, fold, k, x))
                .collect::<Vec<MetricRow>>()
        };
        let mut out: Vec<MetricRow> = m
            .mean_over_tickers
            .iter()
            .flat_map(|s| rows("mean", s))
            .collect();
        out.extend(m.per_ticker.iter().flat_map(|s| rows(&s.ticker, &s.scores)));
        out
    }

    fn summary(&self, m: &StockMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| {
                r.fold == "mean" && (r.metric == "rmse" || r.metric == "direction_accuracy")
            })
            .collect()
    }
}
