//! `amd-kinetic`: forecasting a long-term acid-mine-drainage kinetic test with an ANN (MLP),
//! an LSTM and an encoder–decoder LSTM, scored by the Nash–Sutcliffe efficiency per parameter.
//!
//! Paper: "The Application of Artificial Neural Network Model to Predicting the Acid Mine
//! Drainage from Long-Term Lab Scale Kinetic Test" — ANN, LSTM and ED-LSTM forecasts of pH, ORP,
//! conductivity, TDS, sulfate, Fe and Mn over 83 weekly samples, NSE ≈ 0.99 on training and
//! validation. The measurements are private, so the data comes from the documented simulator
//! [`crate::sim::amd`]; outliers are removed (Hampel filter) as the paper removed anomalous
//! readings; the last 30 % of the weeks are the validation span (chronological split), and each
//! model forecasts next week's seven parameters from the previous `lookback` weeks.
//!
//! [`config`](AmdConfig) and [`metrics`](AmdMetrics) here, the run in [`run`], the report in
//! [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::data::scale::Scaler;
use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::TrainConfig;

use crate::data::clean::OutlierRule;
use crate::data::WindowSpec;
use crate::forecast::{ForecastSetup, TargetMetrics, TargetMode};
use crate::models::ForecastModel;
use crate::sim::amd::{KineticTestConfig, PARAMETERS};

pub use run::run;

/// NSE the paper reports for training and validation.
pub const PAPER_NSE: f64 = 0.99;

/// Everything the run needs; saved as `config.json` (fields left out of a `--config` file take
/// the full run's values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AmdConfig {
    pub simulator: KineticTestConfig,
    pub setup: ForecastSetup,
    pub models: Vec<ForecastModel>,
    pub train: TrainConfig,
    pub seed: u64,
}

impl Default for AmdConfig {
    fn default() -> Self {
        AmdConfig::new(false, 0)
    }
}

impl AmdConfig {
    /// The full run (`quick`: fewer epochs).
    pub fn new(quick: bool, seed: u64) -> Self {
        AmdConfig {
            simulator: KineticTestConfig {
                seed,
                ..Default::default()
            },
            setup: ForecastSetup {
                time_column: "week".into(),
                inputs: PARAMETERS.iter().map(|s| s.to_string()).collect(),
                targets: PARAMETERS.iter().map(|s| s.to_string()).collect(),
                window: WindowSpec::new(4, 1),
                scaler: Scaler::Standard,
                target_mode: TargetMode::Difference,
                outliers: OutlierRule::default(),
                val_frac: 0.3,
                test_frac: 0.0,
                shuffle_windows: None,
            },
            models: vec![
                ForecastModel::Mlp {
                    hidden: vec![32, 32],
                    dropout: 0.0,
                },
                ForecastModel::Lstm {
                    hidden: 32,
                    layers: 1,
                    dropout: 0.0,
                },
                ForecastModel::EdLstm {
                    hidden: 32,
                    layers: 1,
                },
            ],
            train: super::train_config(
                if quick { 80 } else { 600 },
                16,
                3e-3,
                if quick { 40 } else { 100 },
            ),
            seed,
        }
    }
}

/// One model's (or baseline's) NSE, RMSE, MAE and MAPE per parameter on both spans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    pub model: String,
    pub train: Vec<TargetMetrics>,
    pub validation: Vec<TargetMetrics>,
    pub mean_nse_train: f64,
    pub mean_nse_validation: f64,
    /// Epochs trained (`None` for a baseline).
    pub epochs_run: Option<usize>,
}

impl ModelResult {
    /// From per-parameter metrics.
    pub fn new(
        model: &str,
        train: Vec<TargetMetrics>,
        validation: Vec<TargetMetrics>,
        epochs_run: Option<usize>,
    ) -> Self {
        ModelResult {
            model: model.to_string(),
            mean_nse_train: mean_nse(&train),
            mean_nse_validation: mean_nse(&validation),
            train,
            validation,
            epochs_run,
        }
    }
}

/// Mean NSE over parameters.
pub fn mean_nse(m: &[TargetMetrics]) -> f64 {
    m.iter().map(|t| t.nse).sum::<f64>() / m.len().max(1) as f64
}

/// The results of one split protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolMetrics {
    pub train_windows: usize,
    pub validation_windows: usize,
    pub models: Vec<ModelResult>,
    /// Persistence and a ridge linear autoregression on the same windows.
    pub baselines: Vec<ModelResult>,
}

impl ProtocolMetrics {
    /// A model's or baseline's results by name.
    pub fn get(&self, model: &str) -> Option<&ModelResult> {
        self.models
            .iter()
            .chain(&self.baselines)
            .find(|m| m.model == model)
    }
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmdMetrics {
    /// The data: the simulator and its seed.
    pub data: String,
    pub weeks: usize,
    pub outliers_injected: usize,
    pub outliers_removed: usize,
    /// Validation = the last 30 % of the weeks, scalers fitted on the training weeks.
    pub chronological: ProtocolMetrics,
    /// The same windows split 70/30 at random.
    pub random_windows: ProtocolMetrics,
    pub paper_nse: f64,
    pub seed: u64,
}

/// The reproduction.
pub struct AmdKinetic;

impl Experiment for AmdKinetic {
    type Config = AmdConfig;
    type Metrics = AmdMetrics;

    fn id(&self) -> &'static str {
        "amd-kinetic"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<AmdConfig> {
        Ok(AmdConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &AmdConfig) -> deepfield_core::Result<()> {
        cfg.setup.validate().map_err(crate::Error::into_core)?;
        if cfg.models.is_empty() || cfg.train.epochs == 0 {
            return Err(deepfield_core::Error::config(
                "amd-kinetic: give at least one model and train.epochs > 0",
            ));
        }
        Ok(())
    }

    fn execute(&self, cfg: &AmdConfig, opts: &ReproOptions) -> deepfield_core::Result<AmdMetrics> {
        run(cfg, &opts.out).map_err(crate::Error::into_core)
    }

    fn metric_rows(&self, m: &AmdMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for (protocol, p) in [
            ("random_windows", &m.random_windows),
            ("chronological", &m.chronological),
        ] {
            for r in p.models.iter().chain(&p.baselines) {
                for (span, mean, per) in [
                    ("validation", r.mean_nse_validation, &r.validation),
                    ("train", r.mean_nse_train, &r.train),
                ] {
                    let fold = format!("{protocol}/{span}");
                    rows.push(MetricRow::new(&r.model, &fold, "mean_nse", mean));
                    for t in per {
                        let fold = format!("{fold}/{}", t.target);
                        for (k, v) in [("nse", t.nse), ("rmse", t.rmse), ("mae", t.mae)] {
                            rows.push(MetricRow::new(&r.model, &fold, k, v));
                        }
                    }
                }
            }
        }
        rows
    }

    fn summary(&self, m: &AmdMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.metric == "mean_nse" && r.fold.ends_with("/validation"))
            .collect()
    }
}
