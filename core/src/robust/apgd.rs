//! APGD-CE: "Reliable evaluation of adversarial robustness with an ensemble of diverse
//! parameter-free attacks" (Croce & Hein, ICML 2020), Algorithm 1 with the cross-entropy loss.
//!
//! Gradient steps with momentum α = 0.75 (the first step without), step size starting at 2ε and
//! halved per example at checkpoints `p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)` (in
//! iterations: first after ⌈0.22·N⌉, spacing shrinking by 0.03·N down to 0.06·N) when the loss
//! rose in fewer than ρ = 75 % of the steps since the last checkpoint, or when the step was not
//! halved at the last checkpoint and the best loss did not improve since; a halving restarts
//! from the best point found. Examples keep the first iterate that fooled the model. Only
//! correctly classified examples count: an example the model already gets wrong is returned
//! unchanged. Restarts re-run on the examples still robust. No host synchronisation: the
//! checkpoint decisions are per-example masks.

use tch::{Kind, Tensor};

use super::attack::{clamp, keep_fooled, AttackConfig, Norm};
use super::{choose, correct, l2_norms, per_example_shape, probe, Logits};
use crate::Result;

/// The momentum weight of APGD.
pub const MOMENTUM: f64 = 0.75;
/// The fraction of rising-loss steps below which the step size is halved.
pub const RHO: f64 = 0.75;

/// APGD-CE (L∞ or L2 from `cfg.method`) with `cfg.steps` iterations and `cfg.restarts` runs.
pub fn apgd(f: &Logits<'_>, x: &Tensor, y: &Tensor, cfg: &AttackConfig) -> Result<Tensor> {
    keep_fooled(f, x, y, cfg.restarts, |_| single_run(f, x, y, cfg))
}

/// Per-iteration checkpoint schedule: (first check, smallest spacing, spacing decrement).
fn schedule(steps: usize) -> (usize, usize, usize) {
    let at = |frac: f64| ((frac * steps as f64) as usize).max(1);
    (at(0.22), at(0.06), at(0.03))
}

#[allow(clippy::too_many_arguments)]
fn step_linf(
    x: &Tensor,
    adv: &Tensor,
    grad: &Tensor,
    prev: &Tensor,
    step: &Tensor,
    a: f64,
    eps: f64,
    bounds: Option<[f64; 2]>,
) -> Result<Tensor> {
    let (lo, hi) = (x.f_sub_scalar(eps)?, x.f_add_scalar(eps)?);
    let box_ = |t: Tensor| -> Result<Tensor> { clamp(t.f_maximum(&lo)?.f_minimum(&hi)?, bounds) };
    let z = box_(adv.f_add(&grad.f_sign()?.f_mul(step)?)?)?;
    let momentum = adv.f_sub(prev)?;
    box_(
        adv.f_add(&(z.f_sub(adv)? * a))?
            .f_add(&(momentum * (1.0 - a)))?,
    )
}

fn project_l2(x: &Tensor, z: &Tensor, eps: f64, bounds: Option<[f64; 2]>) -> Result<Tensor> {
    let d = z.f_sub(x)?;
    let n = l2_norms(&d)?;
    let scale = n.f_clamp_max(eps)?.f_div(&(n + 1e-12))?;
    clamp(x.f_add(&d.f_mul(&scale)?)?, bounds)
}

#[allow(clippy::too_many_arguments)]
fn step_l2(
    x: &Tensor,
    adv: &Tensor,
    grad: &Tensor,
    prev: &Tensor,
    step: &Tensor,
    a: f64,
    eps: f64,
    bounds: Option<[f64; 2]>,
) -> Result<Tensor> {
    let g = grad.f_div(&(l2_norms(grad)? + 1e-12))?;
    let z = project_l2(x, &adv.f_add(&g.f_mul(step)?)?, eps, bounds)?;
    let momentum = adv.f_sub(prev)?;
    project_l2(
        x,
        &adv.f_add(&(z.f_sub(adv)? * a))?
            .f_add(&(momentum * (1.0 - a)))?,
        eps,
        bounds,
    )
}

/// One APGD run from a random start; returns each example's first fooling iterate (else its
/// last start point).
fn single_run(f: &Logits<'_>, x: &Tensor, y: &Tensor, cfg: &AttackConfig) -> Result<Tensor> {
    let (eps, bounds, steps) = (cfg.eps, cfg.bounds, cfg.steps);
    let shape = per_example_shape(x);
    let b = shape[0];
    let norm = cfg.method.norm();
    let start = match norm {
        Norm::Linf => {
            let t = x.f_rand_like()? * 2.0 - 1.0;
            let m = t
                .f_abs()?
                .f_flatten(1, -1)?
                .f_amax([1i64].as_slice(), false)?
                .f_view(shape.as_slice())?;
            t.f_div(&m)? * eps
        }
        Norm::L2 => {
            let t = x.f_randn_like()?;
            t.f_div(&(l2_norms(&t)? + 1e-12))? * eps
        }
    };
    let mut adv = clamp(x.f_add(&start)?, bounds)?;
    let mut best = adv.copy();
    let mut best_adv = adv.copy();
    let zeros = Tensor::f_zeros([b].as_slice(), (Kind::Float, x.device()))?;
    let mut history: Vec<Tensor> = (0..steps).map(|_| zeros.copy()).collect();
    let p = probe(f, &adv, y, false)?;
    let mut grad = p.grad;
    let mut grad_best = grad.copy();
    let mut loss_best = p.losses.to_kind(Kind::Float);
    let mut step = Tensor::f_full(shape.as_slice(), 2.0 * eps, (x.kind(), x.device()))?;
    let mut prev = adv.copy();
    let (first, min_gap, decrement) = schedule(steps);
    let mut k = first;
    let mut counter = 0usize;
    let mut loss_best_last = loss_best.copy();
    let mut reduced_last = Tensor::f_ones([b].as_slice(), (Kind::Bool, x.device()))?;

    for i in 0..steps {
        let a = if i > 0 { MOMENTUM } else { 1.0 };
        let next = match norm {
            Norm::Linf => step_linf(x, &adv, &grad, &prev, &step, a, eps, bounds)?,
            Norm::L2 => step_l2(x, &adv, &grad, &prev, &step, a, eps, bounds)?,
        };
        prev = adv;
        adv = next;
        let p = probe(f, &adv, y, false)?;
        grad = p.grad;
        let losses = p.losses.to_kind(Kind::Float);
        let fooled = correct(&p.logits, y)?.f_logical_not()?;
        best_adv = choose(&fooled, &adv, &best_adv)?;
        history[i] = losses.copy();
        let improved = losses.f_gt_tensor(&loss_best)?;
        best = choose(&improved, &adv, &best)?;
        grad_best = choose(&improved, &grad, &grad_best)?;
        loss_best = choose(&improved, &losses, &loss_best)?;
        counter += 1;
        if counter == k {
            // Steps since the last checkpoint where the loss rose; index −1 is the (still
            // zero) last slot, as in the reference implementation.
            let mut rises = zeros.copy();
            for c in 0..k {
                let j = i as i64 - c as i64;
                let at = |j: i64| &history[j.rem_euclid(steps as i64) as usize];
                rises += at(j).f_gt_tensor(at(j - 1))?.to_kind(Kind::Float);
            }
            let oscillating = rises.f_le(k as f64 * RHO)?;
            let stalled = reduced_last
                .f_logical_not()?
                .f_logical_and(&loss_best_last.f_ge_tensor(&loss_best)?)?;
            let halve = oscillating.f_logical_or(&stalled)?;
            reduced_last = halve.copy();
            loss_best_last = loss_best.copy();
            step = choose(&halve, &(&step / 2.0), &step)?;
            adv = choose(&halve, &best, &adv)?;
            grad = choose(&halve, &grad_best, &grad)?;
            counter = 0;
            k = k.saturating_sub(decrement).max(min_gap);
        }
    }
    Ok(best_adv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_follow_the_paper() {
        // N = 100: first check after 22 iterations, spacing shrinking by 3 down to 6.
        assert_eq!(schedule(100), (22, 6, 3));
        assert_eq!(schedule(10), (2, 1, 1));
    }
}
