//! Synaptic intelligence (Zenke, Poole & Ganguli, "Continual Learning Through Synaptic
//! Intelligence", ICML 2017): each parameter's importance is the path integral of the loss
//! decrease it caused, `ω = Σ_steps −g·Δθ`, normalised by its squared total change:
//! `Ω += ω / ((θ_end − θ_start)² + ξ)`; the penalty is `c · Σ Ω (θ − θ*)²`.

use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::step::{ContinualStep, TaskBatch};
use super::strategy::{param_copies, quadratic_penalty, Strategy, TaskContext};
use crate::train::{Callback, Context};
use crate::{ensure_config, Result};

/// SI settings (van de Ven's damping ξ = 0.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiConfig {
    /// Penalty strength c.
    pub c: f64,
    /// Damping ξ.
    pub xi: f64,
}

impl Default for SiConfig {
    fn default() -> Self {
        SiConfig { c: 10.0, xi: 0.1 }
    }
}

impl SiConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.c >= 0.0, "si: c must be >= 0, got {}", self.c);
        ensure_config!(self.xi > 0.0, "si: xi must be > 0, got {}", self.xi);
        Ok(())
    }
}

/// The SI strategy.
pub struct Si {
    config: SiConfig,
    /// Parameters at the start of the current task.
    start: Vec<Tensor>,
    /// Running path integral ω of the current task.
    w: Vec<Tensor>,
    /// Parameters before the current optimizer step and the gradient it used.
    before: Vec<Tensor>,
    grads: Vec<Tensor>,
    /// Consolidated importance Ω and anchor θ*.
    omega: Vec<Tensor>,
    anchor: Vec<Tensor>,
}

impl Si {
    /// A strategy with a validated config.
    pub fn new(config: SiConfig) -> Result<Self> {
        config.validate()?;
        Ok(Si {
            config,
            start: vec![],
            w: vec![],
            before: vec![],
            grads: vec![],
            omega: vec![],
            anchor: vec![],
        })
    }

    /// The consolidated importances Ω (empty before the first task ends).
    pub fn importance(&self) -> &[Tensor] {
        &self.omega
    }
}

impl<'a> Callback<ContinualStep<'a>, TaskBatch> for Si {
    fn penalty(
        &mut self,
        ctx: &mut Context<'_, ContinualStep<'a>>,
        _batch: &TaskBatch,
    ) -> Result<Option<Tensor>> {
        if self.omega.is_empty() || self.config.c == 0.0 {
            return Ok(None);
        }
        Ok(Some(
            quadratic_penalty(ctx.vs, &self.omega, &self.anchor) * self.config.c,
        ))
    }

    fn after_backward(&mut self, ctx: &mut Context<'_, ContinualStep<'a>>) -> Result<()> {
        let params = ctx.vs.trainable_variables();
        self.before = param_copies(ctx.vs);
        self.grads = tch::no_grad(|| {
            params
                .iter()
                .map(|p| {
                    let g = p.grad();
                    if g.defined() {
                        g.copy()
                    } else {
                        p.zeros_like()
                    }
                })
                .collect()
        });
        Ok(())
    }

    fn after_optimizer_step(&mut self, ctx: &mut Context<'_, ContinualStep<'a>>) -> Result<()> {
        let params = ctx.vs.trainable_variables();
        tch::no_grad(|| {
            for (((w, p), b), g) in self
                .w
                .iter_mut()
                .zip(&params)
                .zip(&self.before)
                .zip(&self.grads)
            {
                *w -= g * (p.detach() - b);
            }
        });
        Ok(())
    }
}

impl<'a> Strategy<'a> for Si {
    fn name(&self) -> String {
        "si".into()
    }

    fn before_task(&mut self, cx: &TaskContext<'_, 'a>) -> Result<()> {
        self.start = param_copies(cx.vs);
        self.w = self.start.iter().map(Tensor::zeros_like).collect();
        if self.omega.is_empty() {
            self.omega = self.start.iter().map(Tensor::zeros_like).collect();
        }
        Ok(())
    }

    fn after_task(&mut self, cx: &TaskContext<'_, 'a>) -> Result<()> {
        let now = param_copies(cx.vs);
        let xi = self.config.xi;
        tch::no_grad(|| {
            for (((o, w), s), n) in self
                .omega
                .iter_mut()
                .zip(&self.w)
                .zip(&self.start)
                .zip(&now)
            {
                *o += w / ((n - s).square() + xi);
            }
        });
        self.anchor = now;
        Ok(())
    }
}
