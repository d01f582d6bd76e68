//! Learned step size quantization (Esser et al. 2020, "Learned Step Size Quantization", ICLR):
//! the step `s` is a trained parameter, `x̂ = round(clamp(x / s, qmin, qmax)) · s`, with the
//! straight-through estimator for the rounding and the step's gradient scaled by
//! `g = 1 / √(N · qmax)` (N: the number of values quantized). The step starts at
//! `2 · mean|x| / √qmax`, as in the paper.

use tch::{nn, Kind, Tensor};

use super::affine::QScheme;
use crate::Result;

/// A fake quantizer with a learnable step size.
#[derive(Debug)]
pub struct Lsq {
    /// The step size, a trainable scalar variable.
    pub step: Tensor,
    pub scheme: QScheme,
}

/// `x` forward, `x · g` gradient scale backward.
fn grad_scale(x: &Tensor, g: f64) -> Tensor {
    let y = x * g;
    (x - &y).detach() + y
}

/// `round(x)` forward, identity backward.
fn round_pass(x: &Tensor) -> Tensor {
    (x.round() - x).detach() + x
}

impl Lsq {
    /// A quantizer under `path` (variable `step`) initialised from the values `x`.
    pub fn new(path: &nn::Path, scheme: QScheme, x: &Tensor) -> Result<Self> {
        scheme.validate()?;
        let (_, qmax) = scheme.range();
        let init = 2.0 * x.abs().mean(Kind::Float).double_value(&[]) / (qmax as f64).sqrt();
        let step = path.f_var_copy("step", &Tensor::from(init.max(1e-8) as f32))?;
        Ok(Lsq { step, scheme })
    }

    /// The fake-quantized `x`, differentiable in `x` (STE) and in the step.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let (qmin, qmax) = self.scheme.range();
        let g = 1.0 / ((x.numel() as f64) * qmax as f64).sqrt();
        let s = grad_scale(&self.step, g);
        round_pass(&(x / &s).clamp(qmin as f64, qmax as f64)) * s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn step_gradient_is_the_papers() {
        let vs = nn::VarStore::new(Device::Cpu);
        let x = Tensor::from_slice(&[0.3f32, -0.05, 2.0, -3.0]).set_requires_grad(true);
        let q = Lsq::new(&vs.root(), QScheme::weights(3), &x.detach()).unwrap();
        let _ = tch::no_grad(|| q.step.shallow_clone().fill_(0.2));
        let y = q.forward(&x);
        // 3 bits: codes -4..3.
        let want = [0.4f32, 0.0, 0.6, -0.8];
        let got = Vec::<f32>::try_from(y.detach()).unwrap();
        for (a, b) in got.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{got:?}");
        }
        y.sum(Kind::Float).backward();
        // ∂x̂/∂s: round(v/s) − v/s inside the range, qmin/qmax outside; times g.
        let g = 1.0 / (4.0f64 * 3.0).sqrt();
        let inside = (2.0 - 1.5) + (0.0 - (-0.25));
        let want_s = g * (inside + 3.0 + (-4.0));
        let got_s = q.step.grad().double_value(&[]);
        assert!((got_s - want_s).abs() < 1e-5, "{got_s} vs {want_s}");
        // ∂x̂/∂x: 1 inside, 0 where clipped.
        assert_eq!(
            Vec::<f32>::try_from(x.grad()).unwrap(),
            [1.0, 1.0, 0.0, 0.0]
        );
    }
}
