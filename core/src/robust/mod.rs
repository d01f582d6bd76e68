//! Adversarial robustness for any differentiable classifier: attacks, robust accuracy,
//! adversarial training, and layer sustainability analysis (LSA).
//!
//! A classifier is any closure `Fn(&Tensor) -> Result<Tensor>` returning logits `[B, classes]`
//! ([`forward_fn`] makes one of a [`Forward`] model, in evaluation mode). Inputs live in a valid
//! range ([`AttackConfig::bounds`], `[0, 1]` by default; `None` for unbounded features such as
//! the Moons coordinates), labels are class indices `[B]`.
//!
//! | piece | file | what |
//! | --- | --- | --- |
//! | [`AttackConfig`] | `attack.rs` | FGSM, PGD (L∞ / L2, random start, restarts keeping each example's worst case) |
//! | [`apgd`] | `apgd.rs` | APGD-CE (Croce & Hein 2020): step-size halving at checkpoints, momentum 0.75 |
//! | [`robust_accuracy`] | `accuracy.rs` | clean and attacked accuracy over a data set |
//! | [`AdversarialTraining`] | `training.rs` | PGD-AT as a Trainer callback (`before_forward` swaps the batch for adversarial inputs) |
//! | [`lsa`] | `lsa.rs` | per-layer relative errors, the Most Vulnerable Layers, AT-LR as a callback |
//!
//! Every attack runs on the inputs' device and never reads a value back to the host inside its
//! loop: per-example choices (restarts, APGD's checkpoints) are masks applied with `where`.
//! Gradients are taken with respect to the inputs only (`autograd.grad`), so an attack inside a
//! training step leaves the parameters' `.grad` untouched.

pub mod accuracy;
pub mod apgd;
pub mod attack;
#[cfg(feature = "cli")]
pub mod cli;
pub mod lsa;
pub mod training;

pub use accuracy::{robust_accuracy, RobustAccuracy};
pub use apgd::apgd;
pub use attack::{fgsm, pgd, AttackConfig, Method, Norm};
pub use lsa::{layer_errors, most_vulnerable, AtLr, AtLrConfig, LayerError};
pub use training::AdversarialTraining;

use tch::{Kind, Reduction, Tensor};

use crate::{Forward, Result};

/// A classifier as attacks see it: inputs → logits.
pub type Logits<'a> = dyn Fn(&Tensor) -> Result<Tensor> + 'a;

/// `model` in evaluation mode (no dropout, batch-norm running statistics) as a [`Logits`]
/// closure.
pub fn forward_fn<'a, M: Forward + ?Sized>(
    model: &'a M,
    mask: Option<&'a Tensor>,
) -> impl Fn(&Tensor) -> Result<Tensor> + 'a {
    move |x| model.try_forward_t(x, mask, false)
}

/// What one gradient evaluation returns.
pub(crate) struct Probe {
    /// ∂loss/∂x.
    pub grad: Tensor,
    /// The logits at x (detached).
    pub logits: Tensor,
    /// The per-example cross-entropy at x (detached).
    pub losses: Tensor,
}

/// Cross-entropy of `f` at `x` and its gradient with respect to `x` only. `mean`: the batch
/// loss differentiated is the mean (torchattacks' FGSM/PGD), else the sum (APGD).
pub(crate) fn probe(f: &Logits<'_>, x: &Tensor, y: &Tensor, mean: bool) -> Result<Probe> {
    tch::with_grad(|| {
        let x = x.detach().set_requires_grad(true);
        let logits = f(&x)?;
        let losses = logits.f_cross_entropy_loss::<Tensor>(y, None, Reduction::None, -100, 0.0)?;
        let total = if mean {
            losses.f_mean(Kind::Float)?
        } else {
            losses.f_sum(Kind::Float)?
        };
        let mut g = Tensor::f_run_backward(&[&total], &[&x], false, false)?;
        let grad = g
            .pop()
            .ok_or_else(|| crate::Error::input("attack: no gradient with respect to the input"))?;
        Ok(Probe {
            grad,
            logits: logits.detach(),
            losses: losses.detach(),
        })
    })
}

/// `[B, 1, 1, …]`: the shape that broadcasts a per-example value over `x`.
pub(crate) fn per_example_shape(x: &Tensor) -> Vec<i64> {
    let mut s = vec![1i64; x.dim()];
    if let Some(b) = x.size().first() {
        s[0] = *b;
    }
    s
}

/// The L2 norm of each example, shaped to broadcast over `x`.
pub(crate) fn l2_norms(x: &Tensor) -> Result<Tensor> {
    Ok(x.f_flatten(1, -1)?
        .f_norm_scalaropt_dim(2.0, [1i64].as_slice(), false)?
        .f_view(per_example_shape(x).as_slice())?)
}

/// Per-example choice: `a` where `mask` (`[B]` bool), else `b`.
pub(crate) fn choose(mask: &Tensor, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let shape: Vec<i64> = if a.dim() == 1 {
        vec![-1]
    } else {
        per_example_shape(a)
    };
    Ok(a.f_where_self(&mask.f_view(shape.as_slice())?, b)?)
}

/// Whether each example is classified as its label (`[B]` bool).
pub(crate) fn correct(logits: &Tensor, y: &Tensor) -> Result<Tensor> {
    Ok(logits.f_argmax(-1, false)?.f_eq_tensor(y)?)
}

/// Labels as int64 class indices `[B]`, checked against the batch.
pub(crate) fn labels(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    let b = x.size().first().copied().unwrap_or(0);
    crate::ensure_input!(
        y.size() == [b],
        "attack: labels must be [B={b}] class indices, got {:?}",
        y.size()
    );
    crate::ensure_input!(
        !matches!(
            y.kind(),
            Kind::Float | Kind::Double | Kind::Half | Kind::BFloat16
        ),
        "attack: labels must be integer class indices, got {:?}",
        y.kind()
    );
    Ok(y.to_kind(Kind::Int64).to_device(x.device()))
}

#[cfg(test)]
mod tests;
