//! Clean and robust accuracy of a classifier over a data set, batch by batch; counts stay on
//! the device and are read once at the end.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use super::{correct, labels, AttackConfig, Logits};
use crate::{Error, Result};

/// Accuracies on clean and attacked inputs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RobustAccuracy {
    /// Examples evaluated.
    pub examples: usize,
    /// Fraction classified correctly without attack.
    pub clean: f64,
    /// Fraction still classified correctly under the attack.
    pub robust: f64,
}

/// Clean and robust accuracy of `f` on `(x, y)` under `attack`, in batches of `batch_size`.
pub fn robust_accuracy(
    f: &Logits<'_>,
    x: &Tensor,
    y: &Tensor,
    attack: &AttackConfig,
    batch_size: usize,
) -> Result<RobustAccuracy> {
    attack_batches(f, x, y, attack, batch_size, |_, _| Ok(()))
}

/// [`robust_accuracy`] handing each batch's adversarial examples and their logits to `sink`.
pub fn attack_batches(
    f: &Logits<'_>,
    x: &Tensor,
    y: &Tensor,
    attack: &AttackConfig,
    batch_size: usize,
    mut sink: impl FnMut(Tensor, Tensor) -> Result<()>,
) -> Result<RobustAccuracy> {
    attack.validate()?;
    let y = labels(x, y)?;
    let n = x.size().first().copied().unwrap_or(0);
    if n == 0 {
        return Err(Error::input("robust accuracy: no examples"));
    }
    let bs = batch_size.max(1) as i64;
    let mut clean = Tensor::f_zeros([], (Kind::Int64, x.device()))?;
    let mut robust = clean.copy();
    let mut start = 0;
    while start < n {
        let len = bs.min(n - start);
        let (xb, yb) = (x.f_narrow(0, start, len)?, y.f_narrow(0, start, len)?);
        let adv = attack.perturb(f, &xb, &yb)?;
        let (c, logits) = tch::no_grad(|| -> Result<(Tensor, Tensor)> {
            let c = correct(&f(&xb)?, &yb)?;
            Ok((c, f(&adv)?))
        })?;
        clean += c.f_sum(Kind::Int64)?;
        robust += correct(&logits, &yb)?.f_sum(Kind::Int64)?;
        sink(adv, logits)?;
        start += len;
    }
    Ok(RobustAccuracy {
        examples: n as usize,
        clean: clean.f_int64_value(&[])? as f64 / n as f64,
        robust: robust.f_int64_value(&[])? as f64 / n as f64,
    })
}
