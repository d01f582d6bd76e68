//! The neural surrogate that pre-screens children: a small MLP (core's `mlp` kind, trained by
//! the core [`Trainer`]) from a design's features ([`crate::hpo::evolution::features`]) to its
//! standardised L/D. Designs the solver rejected (separated flow) are learnt as the worst L/D
//! seen, so the surrogate steers away from them too.

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use crate::data::TensorDataset;
use crate::hpo::evolution::features;
use crate::hpo::{Params, Space};
use crate::nn::mlp::{Mlp, MlpConfig};
use crate::train::{predict, OptimizerConfig, Task, TrainConfig, Trainer};
use crate::{ensure_config, Error, Result};

/// The surrogate's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurrogateConfig {
    pub hidden: Vec<i64>,
    pub epochs: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub weight_decay: f64,
    /// Children proposed per generation, of which the best `children_per_generation` by the
    /// surrogate's prediction are evaluated.
    pub candidates: usize,
}

impl Default for SurrogateConfig {
    fn default() -> Self {
        SurrogateConfig {
            hidden: vec![64, 64],
            epochs: 120,
            batch_size: 32,
            lr: 3e-3,
            weight_decay: 1e-4,
            candidates: 200,
        }
    }
}

impl SurrogateConfig {
    /// Positive sizes and rates.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.epochs > 0 && self.batch_size > 0 && self.candidates > 0,
            "evo-design surrogate: epochs, batch_size and candidates must be > 0"
        );
        ensure_config!(
            self.lr > 0.0 && self.lr.is_finite() && self.weight_decay >= 0.0,
            "evo-design surrogate: lr must be > 0 and weight_decay ≥ 0"
        );
        Ok(())
    }
}

/// A trained surrogate.
pub struct Surrogate {
    pub config: MlpConfig,
    pub vs: VarStore,
    model: Mlp,
    mean: f64,
    std: f64,
}

fn matrix(space: &Space, designs: &[&Params]) -> Result<Tensor> {
    let rows: Vec<Vec<f64>> = designs.iter().map(|p| features(space, p)).collect();
    let d = rows.first().map_or(0, |r| r.len());
    let flat: Vec<f32> = rows.iter().flatten().map(|&v| v as f32).collect();
    Ok(Tensor::from_slice(&flat).f_reshape([rows.len() as i64, d as i64])?)
}

impl Surrogate {
    /// Train on `(design, L/D)` pairs (`None`: rejected by the solver); `seed` fixes weights and
    /// batch order.
    pub fn fit(
        cfg: &SurrogateConfig,
        space: &Space,
        data: &[(&Params, Option<f64>)],
        seed: u64,
    ) -> Result<Surrogate> {
        let valid: Vec<f64> = data.iter().filter_map(|d| d.1).collect();
        if valid.len() < 2 {
            return Err(Error::input(
                "evo-design surrogate: fewer than two feasible designs to learn from",
            ));
        }
        let worst = valid.iter().cloned().fold(f64::INFINITY, f64::min);
        let ys: Vec<f64> = data.iter().map(|d| d.1.unwrap_or(worst)).collect();
        let mean = ys.iter().sum::<f64>() / ys.len() as f64;
        let var = ys.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / ys.len() as f64;
        let std = var.sqrt().max(1e-6);
        let designs: Vec<&Params> = data.iter().map(|d| d.0).collect();
        let x = matrix(space, &designs)?;
        let y: Vec<f32> = ys.iter().map(|v| ((v - mean) / std) as f32).collect();
        let y = Tensor::from_slice(&y).unsqueeze(1);
        let config = MlpConfig::new(x.size()[1], cfg.hidden.clone(), 1);
        crate::seed(seed);
        let mut vs = VarStore::new(tch::Device::Cpu);
        let model = config.init(&vs.root())?;
        let train = TrainConfig {
            epochs: cfg.epochs,
            batch_size: cfg.batch_size,
            optimizer: OptimizerConfig::Adam {
                lr: cfg.lr,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: cfg.weight_decay,
            },
            seed,
            progress: false,
            ..Default::default()
        };
        Trainer::new(train, Task::regression())?.fit(
            &model,
            &mut vs,
            &TensorDataset::new(x, y)?,
            None,
        )?;
        Ok(Surrogate {
            config,
            vs,
            model,
            mean,
            std,
        })
    }

    /// Predicted L/D of each design.
    pub fn predict(&self, space: &Space, designs: &[&Params]) -> Result<Vec<f64>> {
        if designs.is_empty() {
            return Ok(vec![]);
        }
        let x = matrix(space, designs)?;
        let n = designs.len() as i64;
        let ds = TensorDataset::new(x, Tensor::zeros([n, 1], (Kind::Float, tch::Device::Cpu)))?;
        let out = predict(&self.model, &ds, 1024)?
            .to_kind(Kind::Double)
            .view([-1]);
        let v: Vec<f64> = Vec::<f64>::try_from(&out)?;
        Ok(v.into_iter().map(|p| self.mean + self.std * p).collect())
    }
}
