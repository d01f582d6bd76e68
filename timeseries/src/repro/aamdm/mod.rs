//! `aamdm`: AAMDM (Li et al., CVPR 2024) on ETH/UCY pedestrian trajectories — a latent
//! denoising diffusion GAN with a diffusion polishing module against a 100-step DDPM in the same
//! latent space, constant velocity and a deterministic LSTM encoder–decoder.
//!
//! Protocol: observe 8 steps (3.2 s), predict 12 (4.8 s), leave one scene out (ETH, Hotel,
//! Univ, Zara1, Zara2; ETH's file is not in the data folder and is reported as missing). Every
//! model of a fold trains on the windows of the other scene files. Reported per fold and on
//! average: best-of-20 ADE/FDE (m), diversity of the 20 samples (m), collision rate at 0.1 m
//! between co-present pedestrians' predicted futures, and sampling time per trajectory (all 20
//! samples). Models of the paper's own tables (LaFAN1 motion) are not comparable; the table
//! sits beside the published ETH/UCY averages of Social-GAN and Trajectron++.
//!
//! [`config`](AamdmReproConfig) and [`metrics`](AamdmMetrics) here, the run in [`run`], the
//! report in [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};

use crate::models::aamdm::AamdmConfig;
use crate::traj::scenes::{self, DATASET};

pub use run::run;

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AamdmReproConfig {
    /// Test folds (`eth`, `hotel`, `univ`, `zara1`, `zara2`).
    pub folds: Vec<String>,
    /// The model (sizes, schedules; scale and latent statistics are set per fold).
    pub model: AamdmConfig,
    /// Hidden width of the LSTM encoder–decoder baseline.
    pub lstm_hidden: i64,
    pub ae_epochs: usize,
    pub ddpm_epochs: usize,
    pub polish_epochs: usize,
    pub gan_epochs: usize,
    pub lstm_epochs: usize,
    pub batch_size: usize,
    /// Adam learning rate of the autoencoder, the ε networks and the LSTM.
    pub lr: f64,
    /// Adam (β 0.5, 0.9) learning rates of the GAN's generator and discriminator.
    pub gan_lr_g: f64,
    pub gan_lr_d: f64,
    /// R1 penalty weight γ.
    pub r1_gamma: f64,
    /// Training windows per fold, drawn at random (0: all).
    pub max_train_windows: usize,
    /// Test windows per fold, drawn as whole groups of co-present pedestrians (0: all).
    pub max_test_windows: usize,
    /// Samples per trajectory (K of best-of-K).
    pub samples: usize,
    /// Collision distance in metres.
    pub collision_threshold: f64,
    pub seed: u64,
}

impl Default for AamdmReproConfig {
    fn default() -> Self {
        AamdmReproConfig::new(false, 0)
    }
}

impl AamdmReproConfig {
    /// Full: the five folds (four run), all training windows; quick: Zara1 only, subsets,
    /// smaller networks, few epochs.
    pub fn new(quick: bool, seed: u64) -> Self {
        let model = if quick {
            AamdmConfig {
                hidden: 128,
                ae_hidden: 64,
                ..Default::default()
            }
        } else {
            AamdmConfig::default()
        };
        let e = |q: usize, f: usize| if quick { q } else { f };
        AamdmReproConfig {
            folds: if quick {
                vec!["zara1".into()]
            } else {
                scenes::FOLDS.iter().map(|f| f.name.to_string()).collect()
            },
            model,
            lstm_hidden: if quick { 32 } else { 64 },
            ae_epochs: e(18, 12),
            ddpm_epochs: e(24, 25),
            polish_epochs: e(18, 15),
            gan_epochs: e(24, 16),
            lstm_epochs: e(18, 12),
            batch_size: 256,
            lr: 1e-3,
            gan_lr_g: 2e-4,
            gan_lr_d: 1e-3,
            r1_gamma: 0.05,
            max_train_windows: e(4000, 0),
            max_test_windows: e(200, 1000),
            samples: 20,
            collision_threshold: 0.1,
            seed,
        }
    }
}

/// One model's numbers on one fold (or averaged over folds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    pub model: String,
    /// Best-of-K average displacement error, metres.
    pub ade: f64,
    /// Best-of-K final displacement error, metres.
    pub fde: f64,
    /// Mean pairwise distance between the K samples, metres.
    pub diversity: f64,
    /// Colliding (pair, sample) combinations over all, at the collision threshold.
    pub collision_rate: f64,
    /// Wall-clock milliseconds to sample all K futures of one trajectory (batched).
    pub ms_per_trajectory: f64,
}

/// One test fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    pub fold: String,
    pub test_files: Vec<String>,
    pub train_windows: usize,
    pub test_windows: usize,
    /// Test windows before subsampling.
    pub test_windows_available: usize,
    /// Metres per model unit (standard deviation of the training future offsets).
    pub scale: f64,
    /// Collision rate of the ground-truth futures (the data's own).
    pub ground_truth_collision_rate: f64,
    pub scores: Vec<ModelScore>,
    pub training_seconds: f64,
}

impl FoldResult {
    /// The score of `model`.
    pub fn get(&self, model: &str) -> Option<&ModelScore> {
        self.scores.iter().find(|s| s.model == model)
    }
}

/// The goals, measured on the fold averages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goals {
    /// AAMDM's ADE and FDE over the DDPM's.
    pub ade_ratio_to_ddpm: f64,
    pub fde_ratio_to_ddpm: f64,
    /// Both ratios ≤ 1.05.
    pub within_5_percent_of_ddpm: bool,
    /// DDPM's sampling time over AAMDM's.
    pub speedup_over_ddpm: f64,
    pub at_least_10x_faster: bool,
    /// AAMDM's best-of-20 ADE and FDE below constant velocity's.
    pub beats_constant_velocity: bool,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AamdmMetrics {
    /// The data folder and files read.
    pub data: String,
    pub folds: Vec<FoldResult>,
    /// Folds asked for whose files are not in the data folder.
    pub missing_folds: Vec<String>,
    /// Mean over the folds run.
    pub average: Vec<ModelScore>,
    pub goals: Goals,
    pub seed: u64,
}

impl AamdmMetrics {
    /// The averaged score of `model`.
    pub fn average(&self, model: &str) -> Option<&ModelScore> {
        self.average.iter().find(|s| s.model == model)
    }
}

/// The published ETH/UCY averages (best-of-20 ADE / FDE, m) the report compares with.
pub const PUBLISHED: [(&str, f64, f64); 2] = [
    ("Social-GAN (Gupta et al. 2018, 20V-20)", 0.58, 1.18),
    ("Trajectron++ (Salzmann et al. 2020)", 0.21, 0.41),
];

/// The reproduction.
pub struct AamdmRepro;

impl Experiment for AamdmRepro {
    type Config = AamdmReproConfig;
    type Metrics = AamdmMetrics;

    fn id(&self) -> &'static str {
        "aamdm"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<AamdmReproConfig> {
        Ok(AamdmReproConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &AamdmReproConfig) -> deepfield_core::Result<()> {
        let bad = |m: &str| Err(deepfield_core::Error::config(format!("aamdm: {m}")));
        if cfg.folds.is_empty() {
            return bad("give at least one fold");
        }
        for f in &cfg.folds {
            scenes::fold(f).map_err(crate::Error::into_core)?;
        }
        if cfg.samples == 0 || cfg.batch_size == 0 || cfg.lstm_hidden <= 0 {
            return bad("samples, batch_size and lstm_hidden must be > 0");
        }
        if [
            cfg.ae_epochs,
            cfg.ddpm_epochs,
            cfg.gan_epochs,
            cfg.lstm_epochs,
        ]
        .contains(&0)
        {
            return bad("ae, ddpm, gan and lstm epochs must be > 0");
        }
        let positive = |v: f64| v > 0.0;
        if ![cfg.collision_threshold, cfg.lr, cfg.gan_lr_g, cfg.gan_lr_d]
            .into_iter()
            .all(positive)
        {
            return bad("collision_threshold and learning rates must be > 0");
        }
        cfg.model.check().map_err(crate::Error::into_core)
    }

    fn execute(
        &self,
        cfg: &AamdmReproConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<AamdmMetrics> {
        let dir = opts.dataset(&DATASET)?;
        run(cfg, &dir, &opts.out).map_err(crate::Error::into_core)
    }

    fn metric_rows(&self, m: &AamdmMetrics) -> Vec<MetricRow> {
        let rows = |fold: &str, s: &ModelScore| {
            [
                ("ade", s.ade),
                ("fde", s.fde),
                ("diversity", s.diversity),
                ("collision_rate", s.collision_rate),
                ("ms_per_trajectory", s.ms_per_trajectory),
            ]
            .map(|(k, v)| MetricRow::new(&s.model, fold, k, v))
        };
        let mut out: Vec<MetricRow> = m.average.iter().flat_map(|s| rows("average", s)).collect();
        for f in &m.folds {
            out.extend(f.scores.iter().flat_map(|s| rows(&f.fold, s)));
        }
        out
    }

    fn summary(&self, m: &AamdmMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| r.fold == "average")
            .collect()
    }
}
