//! Elastic weight consolidation (Kirkpatrick et al., "Overcoming catastrophic forgetting in
//! neural networks", PNAS 2017) and its online variant (Schwarz et al., "Progress & Compress",
//! ICML 2018): a quadratic penalty `λ/2 · Σ F (θ − θ*)²` pulls each parameter towards its value
//! after earlier tasks, weighted by the diagonal of the empirical Fisher information `F` (mean
//! over samples of the squared gradient of the log-likelihood of the true label).
//!
//! Offline EWC keeps one (Fisher, anchor) pair per task; online EWC keeps one, with
//! `F ← γ·F + F_new` and the anchor moved to the latest weights.

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::step::{ContinualStep, TaskBatch};
use super::strategy::{param_copies, quadratic_penalty, Strategy, TaskContext};
use crate::rng::Rng;
use crate::train::{Callback, Context};
use crate::{ensure_config, Result};

/// EWC settings (van de Ven's code: `fisher_n` samples, `γ = 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EwcConfig {
    /// Penalty strength λ.
    pub lambda: f64,
    /// Online EWC (one running Fisher) instead of one term per task.
    pub online: bool,
    /// Decay γ of the running Fisher (online only).
    pub gamma: f64,
    /// Training samples the Fisher is estimated from (all when larger than the task).
    pub fisher_samples: usize,
}

impl Default for EwcConfig {
    fn default() -> Self {
        EwcConfig {
            lambda: 100.0,
            online: false,
            gamma: 1.0,
            fisher_samples: 1000,
        }
    }
}

impl EwcConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.lambda >= 0.0,
            "ewc: lambda must be >= 0, got {}",
            self.lambda
        );
        ensure_config!(
            (0.0..=1.0).contains(&self.gamma),
            "ewc: gamma must be in [0, 1], got {}",
            self.gamma
        );
        ensure_config!(self.fisher_samples > 0, "ewc: fisher_samples must be > 0");
        Ok(())
    }
}

/// The diagonal empirical Fisher of the trainable variables of `vs`: the mean over up to
/// `samples` samples of `data` (a seeded random subset) of the squared per-sample gradient of
/// the masked cross-entropy of the true label, in evaluation mode.
pub fn diagonal_fisher(
    step: &ContinualStep<'_>,
    vs: &VarStore,
    data: &TaskBatch,
    samples: usize,
    seed: u64,
) -> Result<Vec<Tensor>> {
    let params = vs.trainable_variables();
    let mut fisher: Vec<Tensor> = params.iter().map(Tensor::zeros_like).collect();
    let n = data.len();
    let mut order = Rng::new(seed).permutation(n);
    order.truncate(samples.min(n));
    for &i in &order {
        let one = data.select(&Tensor::from_slice(&[i as i64]).to_device(data.x.device()))?;
        let (loss, _) = step.loss(&one, false)?;
        let grads = Tensor::f_run_backward(&[&loss], &params, false, false)?;
        tch::no_grad(|| {
            for (f, g) in fisher.iter_mut().zip(&grads) {
                *f += g.square();
            }
        });
    }
    let m = order.len().max(1) as f64;
    Ok(fisher.into_iter().map(|f| f / m).collect())
}

/// The EWC / online-EWC strategy.
pub struct Ewc {
    config: EwcConfig,
    seed: u64,
    /// (Fisher, anchor) pairs.
    terms: Vec<(Vec<Tensor>, Vec<Tensor>)>,
}

impl Ewc {
    /// A strategy with a validated config; `seed` picks the Fisher samples.
    pub fn new(config: EwcConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        Ok(Ewc {
            config,
            seed,
            terms: vec![],
        })
    }

    /// The stored (Fisher, anchor) pairs (one for online EWC).
    pub fn terms(&self) -> &[(Vec<Tensor>, Vec<Tensor>)] {
        &self.terms
    }
}

impl<'a> Callback<ContinualStep<'a>, TaskBatch> for Ewc {
    fn penalty(
        &mut self,
        ctx: &mut Context<'_, ContinualStep<'a>>,
        _batch: &TaskBatch,
    ) -> Result<Option<Tensor>> {
        if self.terms.is_empty() || self.config.lambda == 0.0 {
            return Ok(None);
        }
        let mut total = Tensor::zeros([], (Kind::Float, ctx.vs.device()));
        for (fisher, anchor) in &self.terms {
            total += quadratic_penalty(ctx.vs, fisher, anchor);
        }
        Ok(Some(total * (0.5 * self.config.lambda)))
    }
}

impl<'a> Strategy<'a> for Ewc {
    fn name(&self) -> String {
        if self.config.online {
            "online-ewc"
        } else {
            "ewc"
        }
        .into()
    }

    fn after_task(&mut self, cx: &TaskContext<'_, 'a>) -> Result<()> {
        let seed = self.seed.wrapping_add(cx.task as u64);
        let fisher = diagonal_fisher(cx.step, cx.vs, cx.data, self.config.fisher_samples, seed)?;
        let anchor = param_copies(cx.vs);
        if self.config.online {
            if let Some((old, _)) = self.terms.pop() {
                let g = self.config.gamma;
                let merged = old.iter().zip(&fisher).map(|(o, f)| o * g + f).collect();
                self.terms.push((merged, anchor));
                return Ok(());
            }
        }
        self.terms.push((fisher, anchor));
        Ok(())
    }
}
