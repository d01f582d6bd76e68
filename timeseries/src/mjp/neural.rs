//! The per-process neural baseline: a small MLP rate model `(one-hot i, one-hot j) → log q_ij`
//! fitted by Adam to the exact likelihood of one process's observed transitions,
//! `Σ log [exp(Q Δt)]_{ab}` (libtorch's differentiable matrix exponential), with no prior and no
//! pretraining — the "neural model fitted to the target data set" the paper compares against,
//! at its simplest. Like the EM it treats the observed labels as exact. The initial distribution
//! is the frequency of the first observed states.

use serde::{Deserialize, Serialize};
use tch::nn::{Module, OptimizerConfig};
use tch::{nn, Device, Kind, Tensor};

use deepfield_core::Rng;

use super::em::{first_state_frequencies, Transitions};
use super::rates::RateMatrix;
use super::simulate::ObservedProcess;
use crate::{ensure_config, Result};

/// Settings of the per-process fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NeuralConfig {
    /// Hidden width of the MLP.
    pub hidden: i64,
    /// Adam steps (full batch: every observed transition of the process).
    pub steps: usize,
    /// Adam learning rate.
    pub lr: f64,
}

impl Default for NeuralConfig {
    fn default() -> Self {
        NeuralConfig {
            hidden: 32,
            steps: 300,
            lr: 0.03,
        }
    }
}

/// What the per-process fit found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeuralFit {
    pub rates: RateMatrix,
    pub init: Vec<f64>,
    /// Mean negative log-likelihood per observed transition at the end.
    pub nll: f64,
}

/// Fit the MLP rate model to `obs` (weights drawn from `seed`, on the CPU).
pub fn fit_neural(obs: &ObservedProcess, cfg: &NeuralConfig, seed: u64) -> Result<NeuralFit> {
    ensure_config!(
        cfg.hidden > 0 && cfg.steps > 0 && cfg.lr > 0.0,
        "neural baseline: hidden, steps and lr must be > 0"
    );
    obs.validate()?;
    let k = obs.k as i64;
    let tr = Transitions::of(obs);
    let n = tr.count();
    let init = first_state_frequencies(obs);
    if n == 0.0 {
        return Ok(NeuralFit {
            rates: RateMatrix::new(obs.k, tr.naive_rates())?,
            init,
            nll: 0.0,
        });
    }
    let device = Device::Cpu;
    let dts: Vec<f32> = tr.groups.iter().map(|(dt, _)| *dt as f32).collect();
    let counts: Vec<f32> = tr
        .groups
        .iter()
        .flat_map(|(_, c)| c.iter().map(|&v| v as f32))
        .collect();
    let u = dts.len() as i64;
    let dts = Tensor::from_slice(&dts).view([u, 1, 1]);
    let counts = Tensor::from_slice(&counts).view([u, k, k]);
    // Inputs: every (i, j) pair as [one-hot i, one-hot j].
    let eye = Tensor::eye(k, (Kind::Float, device));
    let src = eye.repeat_interleave_self_int(k, 0, None);
    let dst = eye.repeat([k, 1]);
    let pairs = Tensor::cat(&[src, dst], 1);
    let off = (eye.ones_like() - &eye).view([k * k]);

    let vs = nn::VarStore::new(device);
    let root = vs.root();
    let l1 = nn::linear(&root / "l1", 2 * k, cfg.hidden, Default::default());
    let l2 = nn::linear(&root / "l2", cfg.hidden, 1, Default::default());
    // Weights from our own seeded stream (libtorch's generator is process-global); the output
    // bias starts at the log of the naive rate estimate's mean.
    let mut rng = Rng::new(seed);
    let naive = tr.naive_rates();
    let mean_naive = naive.iter().sum::<f64>() / (k * (k - 1)) as f64;
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| {
        for (name, t) in vars {
            let numel = t.numel();
            let fan_in = t.size().last().copied().unwrap_or(1).max(1) as f64;
            let bound = if name.starts_with("l2.bias") {
                0.0
            } else {
                1.0 / fan_in.sqrt()
            };
            let v: Vec<f32> = (0..numel)
                .map(|_| ((2.0 * rng.uniform() - 1.0) * bound) as f32)
                .collect();
            let mut t = t;
            t.copy_(&Tensor::from_slice(&v).view(t.size().as_slice()));
            if name.starts_with("l2.bias") {
                let _ = t.fill_(mean_naive.max(1e-3).ln());
            }
        }
    });
    let mut opt = nn::Adam::default().build(&vs, cfg.lr)?;
    let rates_of = || {
        let logq = l2.forward(&l1.forward(&pairs).tanh()).view([k * k]);
        logq.clamp(-12.0, 4.0).exp() * &off
    };
    let nll_of = |r: &Tensor| {
        let q = r.view([k, k]);
        let gen = &q
            - q.sum_dim_intlist(1, false, Kind::Float)
                .diag_embed(0, -2, -1);
        let p = (gen.unsqueeze(0) * &dts).matrix_exp();
        -(&counts * p.clamp_min(1e-12).log()).sum(Kind::Float) / n
    };
    for _ in 0..cfg.steps {
        let loss = nll_of(&rates_of());
        opt.backward_step(&loss);
    }
    let (rates, nll) = tch::no_grad(|| {
        let r = rates_of();
        let nll = nll_of(&r);
        (r, nll)
    });
    let rates = Vec::<f64>::try_from(rates.to_kind(Kind::Double))?;
    Ok(NeuralFit {
        rates: RateMatrix::new(obs.k, rates)?,
        init,
        nll: f64::try_from(nll)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mjp::simulate::{Observation, Process};

    #[test]
    fn recovers_a_dense_two_state_chain() {
        let process = Process {
            rates: RateMatrix::new(2, vec![0.0, 1.5, 0.5, 0.0]).unwrap(),
            init: vec![1.0, 0.0],
            noise: 0.0,
        };
        let obs = Observation {
            paths: 40,
            horizon: 10.0,
            grid: 100,
            keep: (1.0, 1.0),
        };
        let data = process.observe(&obs, &mut Rng::new(4));
        let fit = fit_neural(&data, &NeuralConfig::default(), 0).unwrap();
        assert!(
            fit.rates.rmse(&process.rates).unwrap() < 0.2,
            "{:?}",
            fit.rates
        );
        assert_eq!(fit.init, vec![1.0, 0.0]);
    }
}
