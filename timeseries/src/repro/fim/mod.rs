//! `fim-mjp`: zero-shot inference of Markov jump processes with a foundation inference model
//! (Berghaus et al., NeurIPS 2024), against maximum likelihood (EM) and a per-process neural
//! rate model.
//!
//! Data: synthetic, from the paper's kind of prior ([`PriorConfig`]): processes on 2–6 states,
//! 20 paths each on `[0, 10]`, seen on a randomly thinned grid of 100 times with occasional wrong
//! labels; and the discrete flashing ratchet (6 states, `(V, r, b) = (1, 1, 1)`) simulated the
//! same way. Nothing is downloaded: the paper's own data sets are simulations too.
//!
//! Protocol: the FIM model is trained once on `train_processes` prior draws; the held-apart
//! evaluation draws new processes at several fixed keep probabilities (sparse → dense
//! observation) and compares the mean per-process RMSE of the off-diagonal rates of FIM
//! (zero-shot), the EM MLE, the per-process neural model and the constant predictor (the
//! training set's mean rate). The flashing ratchet is inferred by all three and its parameters
//! read off the rates.
//!
//! [`config`](FimConfig) and [`metrics`](FimMetrics) here; the run in [`run`], the report in
//! [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};

use crate::mjp::em::EmConfig;
use crate::mjp::neural::NeuralConfig;
use crate::mjp::prior::PriorConfig;
use crate::mjp::rates::DfrParams;
use crate::models::fim_mjp::FimMjpConfig;

pub use run::run;

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FimConfig {
    pub prior: PriorConfig,
    pub model: FimMjpConfig,
    /// Processes drawn for training and for validation (early stopping).
    pub train_processes: usize,
    pub val_processes: usize,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    /// Early-stopping patience (epochs without a better validation loss).
    pub patience: usize,
    /// Held-apart processes per observation density.
    pub eval_processes: usize,
    /// Keep probabilities of the grid points at evaluation (0.05 ≈ 5 observations per path).
    pub eval_keep: Vec<f64>,
    pub em: EmConfig,
    pub neural: NeuralConfig,
    /// The flashing ratchet: its parameters, paths, keep probability and label noise.
    pub dfr: DfrParams,
    pub dfr_paths: usize,
    pub dfr_keep: f64,
    pub dfr_noise: f64,
    pub seed: u64,
}

impl Default for FimConfig {
    fn default() -> Self {
        FimConfig::new(false, 0)
    }
}

impl FimConfig {
    /// Full: 3000 training processes, up to 15 epochs, 30 processes per density; quick: a small
    /// model on 300 processes for 4 epochs, 6 processes at two densities.
    pub fn new(quick: bool, seed: u64) -> Self {
        let model = if quick {
            FimMjpConfig {
                embed: 32,
                hidden: 32,
                model_dim: 32,
                heads: 2,
                head_hidden: 64,
                ..Default::default()
            }
        } else {
            FimMjpConfig::default()
        };
        FimConfig {
            prior: PriorConfig::default(),
            model,
            train_processes: if quick { 300 } else { 3000 },
            val_processes: if quick { 40 } else { 200 },
            epochs: if quick { 4 } else { 15 },
            batch_size: 16,
            lr: 2e-3,
            patience: 3,
            eval_processes: if quick { 6 } else { 30 },
            eval_keep: if quick {
                vec![0.05, 1.0]
            } else {
                vec![0.05, 0.1, 0.25, 0.5, 1.0]
            },
            em: if quick {
                EmConfig {
                    max_iter: 60,
                    ..Default::default()
                }
            } else {
                EmConfig::default()
            },
            neural: if quick {
                NeuralConfig {
                    steps: 150,
                    ..Default::default()
                }
            } else {
                NeuralConfig::default()
            },
            dfr: DfrParams::default(),
            dfr_paths: if quick { 40 } else { 300 },
            dfr_keep: 0.5,
            dfr_noise: 0.0,
            seed,
        }
    }
}

/// Mean per-process RMSE of the off-diagonal rates of every method at one observation density.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DensityResult {
    /// Keep probability of the grid points.
    pub keep: f64,
    /// Mean observations per path actually seen.
    pub observations_per_path: f64,
    pub processes: usize,
    pub fim: f64,
    pub mle: f64,
    pub neural: f64,
    pub constant: f64,
    /// Share of processes where FIM's RMSE is below the MLE's.
    pub fim_beats_mle: f64,
}

/// One method on the flashing ratchet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DfrResult {
    pub method: String,
    /// RMSE of the 30 off-diagonal rates.
    pub rmse: f64,
    pub params: DfrParams,
    /// Largest relative error of V, r and b.
    pub max_rel_error: f64,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FimMetrics {
    /// Where the data comes from.
    pub data: String,
    pub parameters: i64,
    pub epochs_trained: usize,
    pub best_val_loss: f64,
    pub train_seconds: f64,
    /// The constant predictor's rate (mean off-diagonal rate of the training processes).
    pub constant_rate: f64,
    pub densities: Vec<DensityResult>,
    pub dfr: Vec<DfrResult>,
    /// FIM's RMSE ≤ the MLE's at the sparsest density.
    pub sparse_goal_met: bool,
    pub seed: u64,
}

impl FimMetrics {
    /// The sparsest density's result.
    pub fn sparsest(&self) -> Option<&DensityResult> {
        self.densities
            .iter()
            .min_by(|a, b| a.keep.total_cmp(&b.keep))
    }

    /// The flashing-ratchet result of `method`.
    pub fn dfr_of(&self, method: &str) -> Option<&DfrResult> {
        self.dfr.iter().find(|d| d.method == method)
    }
}

/// The reproduction.
pub struct FimMjpRepro;

impl Experiment for FimMjpRepro {
    type Config = FimConfig;
    type Metrics = FimMetrics;

    fn id(&self) -> &'static str {
        "fim-mjp"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<FimConfig> {
        Ok(FimConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &FimConfig) -> deepfield_core::Result<()> {
        cfg.prior.validate().map_err(crate::Error::into_core)?;
        cfg.model.validate().map_err(crate::Error::into_core)?;
        let ok = cfg.train_processes > 0
            && cfg.val_processes > 0
            && cfg.epochs > 0
            && cfg.batch_size > 0
            && cfg.lr > 0.0
            && cfg.eval_processes > 0
            && !cfg.eval_keep.is_empty()
            && cfg.eval_keep.iter().all(|k| *k > 0.0 && *k <= 1.0)
            && cfg.dfr_paths > 0
            && cfg.dfr_keep > 0.0
            && cfg.dfr_keep <= 1.0
            && (0.0..0.5).contains(&cfg.dfr_noise)
            && cfg.model.paths == cfg.prior.paths
            && cfg.model.time_unit == cfg.prior.horizon;
        if ok {
            Ok(())
        } else {
            Err(deepfield_core::Error::config(
                "fim-mjp: need train/val/eval processes, epochs, batch_size, lr, dfr_paths > 0; \
                 eval_keep and dfr_keep in (0, 1]; dfr_noise in [0, 0.5); model.paths = \
                 prior.paths and model.time_unit = prior.horizon",
            ))
        }
    }

    fn execute(&self, cfg: &FimConfig, opts: &ReproOptions) -> deepfield_core::Result<FimMetrics> {
        run(cfg, &opts.out).map_err(crate::Error::into_core)
    }

    fn metric_rows(&self, m: &FimMetrics) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for d in &m.densities {
            let fold = format!("keep {} ({:.1} obs/path)", d.keep, d.observations_per_path);
            for (model, v) in [
                ("fim", d.fim),
                ("mle_em", d.mle),
                ("neural", d.neural),
                ("constant", d.constant),
            ] {
                rows.push(MetricRow::new(model, &fold, "rate_rmse", v));
            }
        }
        for d in &m.dfr {
            rows.push(MetricRow::new(&d.method, "dfr", "rate_rmse", d.rmse));
            rows.push(MetricRow::new(
                &d.method,
                "dfr",
                "max_rel_error_vrb",
                d.max_rel_error,
            ));
        }
        rows
    }
}
