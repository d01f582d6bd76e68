//! FGSM (Goodfellow et al. 2015) and PGD (Madry et al. 2018), L∞ and L2, as torchattacks
//! computes them: FGSM and PGD steps follow the sign (L∞) or the normalised gradient (L2) of the
//! mean cross-entropy; PGD's random start is uniform in the L∞ ball, or a Gaussian direction
//! scaled to a uniform radius in the L2 ball. Restarts keep, per example, the first restart
//! that fooled the model.

use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::{choose, correct, l2_norms, labels, per_example_shape, probe, Logits};
use crate::{ensure_config, Result};

/// The attacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// One signed-gradient step of size ε.
    Fgsm,
    /// Projected gradient descent in the L∞ ball.
    Pgd,
    /// Projected gradient descent in the L2 ball.
    PgdL2,
    /// APGD-CE in the L∞ ball.
    Apgd,
    /// APGD-CE in the L2 ball.
    ApgdL2,
}

/// The threat model's norm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Norm {
    Linf,
    L2,
}

impl Method {
    /// The norm whose ball the attack stays in.
    pub fn norm(self) -> Norm {
        match self {
            Method::PgdL2 | Method::ApgdL2 => Norm::L2,
            _ => Norm::Linf,
        }
    }
}

/// One attack's settings. Defaults: PGD-10 at ε = 8/255, step 2.5·ε/steps (ε/4, torchattacks'
/// 2/255 for 8/255), random start, one restart, inputs in `[0, 1]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttackConfig {
    pub method: Method,
    /// The radius of the threat ball.
    pub eps: f64,
    /// Step size of PGD; `None`: 2.5·ε/steps.
    pub alpha: Option<f64>,
    /// Iterations (PGD, APGD).
    pub steps: usize,
    /// PGD starts from a random point of the ball (APGD always does).
    pub random_start: bool,
    /// Runs per example (PGD with a random start, APGD); each example keeps the first run
    /// that fooled the model.
    pub restarts: usize,
    /// Valid input range `[lo, hi]`; `None`: unbounded.
    pub bounds: Option<[f64; 2]>,
    /// Seed libtorch's generator before the attack (random starts) when set.
    pub seed: Option<u64>,
}

impl Default for AttackConfig {
    fn default() -> Self {
        AttackConfig {
            method: Method::Pgd,
            eps: 8.0 / 255.0,
            alpha: None,
            steps: 10,
            random_start: true,
            restarts: 1,
            bounds: Some([0.0, 1.0]),
            seed: None,
        }
    }
}

impl AttackConfig {
    /// An attack with its method, radius and steps; other fields at their defaults.
    pub fn new(method: Method, eps: f64, steps: usize) -> Self {
        AttackConfig {
            method,
            eps,
            steps,
            ..Default::default()
        }
    }

    /// Check radius, steps, restarts and bounds.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.eps.is_finite() && self.eps >= 0.0,
            "attack: eps must be finite and >= 0, got {}",
            self.eps
        );
        ensure_config!(
            self.method == Method::Fgsm || self.steps > 0,
            "attack: steps must be > 0 for {:?}",
            self.method
        );
        ensure_config!(self.restarts > 0, "attack: restarts must be > 0");
        if let Some(a) = self.alpha {
            ensure_config!(
                a.is_finite() && a > 0.0,
                "attack: alpha must be > 0, got {a}"
            );
        }
        if let Some([lo, hi]) = self.bounds {
            ensure_config!(
                lo.is_finite() && hi.is_finite() && lo < hi,
                "attack: bounds must be finite with lo < hi, got [{lo}, {hi}]"
            );
        }
        Ok(())
    }

    /// The PGD step size.
    pub fn step_size(&self) -> f64 {
        self.alpha
            .unwrap_or(2.5 * self.eps / self.steps.max(1) as f64)
    }

    /// Adversarial examples of `x` (labels `y`, `[B]`) against `f`.
    pub fn perturb(&self, f: &Logits<'_>, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        self.validate()?;
        let y = labels(x, y)?;
        if let Some(s) = self.seed {
            tch::manual_seed(s as i64);
        }
        let x = x.detach();
        if self.eps == 0.0 {
            return Ok(x);
        }
        match self.method {
            Method::Fgsm => fgsm(f, &x, &y, self.eps, self.bounds),
            Method::Pgd | Method::PgdL2 => {
                let run = || pgd(f, &x, &y, self);
                if self.restarts == 1 || !self.random_start {
                    return run();
                }
                keep_fooled(f, &x, &y, self.restarts, |_| run())
            }
            Method::Apgd | Method::ApgdL2 => super::apgd(f, &x, &y, self),
        }
    }
}

/// Clamp into the valid range.
pub(crate) fn clamp(x: Tensor, bounds: Option<[f64; 2]>) -> Result<Tensor> {
    Ok(match bounds {
        Some([lo, hi]) => x.f_clamp(lo, hi)?,
        None => x,
    })
}

/// FGSM: `x + ε·sign(∇ₓ CE)`, clamped to the bounds.
pub fn fgsm(
    f: &Logits<'_>,
    x: &Tensor,
    y: &Tensor,
    eps: f64,
    bounds: Option<[f64; 2]>,
) -> Result<Tensor> {
    let p = probe(f, x, y, true)?;
    clamp(x.f_add(&(p.grad.f_sign()? * eps))?, bounds)
}

/// Project `adv` into the `norm` ball of radius `eps` around `x`, then into the bounds.
pub(crate) fn project(
    x: &Tensor,
    adv: &Tensor,
    eps: f64,
    norm: Norm,
    bounds: Option<[f64; 2]>,
) -> Result<Tensor> {
    let delta = adv.f_sub(x)?;
    let delta = match norm {
        Norm::Linf => delta.f_clamp(-eps, eps)?,
        Norm::L2 => {
            let factor = (l2_norms(&delta)?.f_reciprocal()? * eps).f_clamp_max(1.0)?;
            delta.f_mul(&factor)?
        }
    };
    clamp(x.f_add(&delta)?, bounds)
}

/// PGD as configured (one run).
pub fn pgd(f: &Logits<'_>, x: &Tensor, y: &Tensor, cfg: &AttackConfig) -> Result<Tensor> {
    let (eps, norm, bounds) = (cfg.eps, cfg.method.norm(), cfg.bounds);
    let alpha = cfg.step_size();
    let mut adv = x.detach();
    if cfg.random_start {
        let start = match norm {
            Norm::Linf => adv.f_rand_like()? * (2.0 * eps) - eps,
            Norm::L2 => {
                let d = adv.f_randn_like()?;
                let r = Tensor::f_rand(per_example_shape(x).as_slice(), (x.kind(), x.device()))?;
                d.f_div(&l2_norms(&d)?)?.f_mul(&r)? * eps
            }
        };
        adv = clamp(adv.f_add(&start)?, bounds)?;
    }
    for _ in 0..cfg.steps {
        let g = probe(f, &adv, y, true)?.grad;
        let step = match norm {
            Norm::Linf => g.f_sign()? * alpha,
            Norm::L2 => g.f_div(&(l2_norms(&g)? + 1e-10))? * alpha,
        };
        adv = project(x, &adv.f_add(&step)?, eps, norm, bounds)?;
    }
    Ok(adv)
}

/// Run `attack(restart)` `restarts` times; each example keeps the first result that fooled
/// `f` (the last one when none did).
pub(crate) fn keep_fooled(
    f: &Logits<'_>,
    x: &Tensor,
    y: &Tensor,
    restarts: usize,
    mut attack: impl FnMut(usize) -> Result<Tensor>,
) -> Result<Tensor> {
    let mut best = x.detach();
    let mut robust = tch::no_grad(|| correct(&f(x)?, y))?;
    for r in 0..restarts {
        let cand = attack(r)?;
        let ok = tch::no_grad(|| correct(&f(&cand)?, y))?;
        // Still robust examples take the new candidate (fooled or not); fooled ones keep theirs.
        best = choose(&robust, &cand, &best)?;
        robust = robust.f_logical_and(&ok)?;
    }
    Ok(best)
}
