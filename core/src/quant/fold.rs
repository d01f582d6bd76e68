//! Batch-norm folding (survey §3.6 / Jacob et al. 2018): a convolution or linear layer followed by
//! an inference-mode batch norm is one layer with `w' = w · γ / √(σ² + ε)` (per output channel)
//! and `b' = (b − μ) · γ / √(σ² + ε) + β`, so the folded weights are what gets quantized.

use tch::{Kind, Tensor};

use crate::{ensure_input, Result};

/// A batch norm's inference parameters.
#[derive(Debug)]
pub struct BatchNormParams<'a> {
    /// γ (`None`: 1, an affine-free batch norm).
    pub weight: Option<&'a Tensor>,
    /// β (`None`: 0).
    pub bias: Option<&'a Tensor>,
    pub running_mean: &'a Tensor,
    pub running_var: &'a Tensor,
    pub eps: f64,
}

/// The weight and bias of the layer `(weight, bias)` with the batch norm `bn` folded in.
/// `weight` has its output channels first (`[out, in]`, `[out, in, k…]`).
pub fn fold_batch_norm(
    weight: &Tensor,
    bias: Option<&Tensor>,
    bn: &BatchNormParams<'_>,
) -> Result<(Tensor, Tensor)> {
    let out = weight.size().first().copied().unwrap_or(0);
    ensure_input!(
        bn.running_mean.size() == [out] && bn.running_var.size() == [out],
        "batch-norm folding: {out} output channels but batch-norm statistics of shape {:?}",
        bn.running_mean.size()
    );
    let gamma = bn
        .weight
        .map(|g| g.to_kind(Kind::Float))
        .unwrap_or_else(|| bn.running_var.ones_like().to_kind(Kind::Float));
    let beta = bn
        .bias
        .map(|b| b.to_kind(Kind::Float))
        .unwrap_or_else(|| bn.running_mean.zeros_like().to_kind(Kind::Float));
    let factor = gamma / (bn.running_var.to_kind(Kind::Float) + bn.eps).sqrt();
    let mut shape = vec![1i64; weight.dim()];
    shape[0] = -1;
    let w = weight.to_kind(Kind::Float) * factor.view(&shape[..]);
    let b0 = bias
        .map(|b| b.to_kind(Kind::Float))
        .unwrap_or_else(|| bn.running_mean.zeros_like().to_kind(Kind::Float));
    let b = (b0 - bn.running_mean.to_kind(Kind::Float)) * factor + beta;
    Ok((w, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::nn::{self, ModuleT};
    use tch::Device;

    #[test]
    fn folded_conv_equals_conv_then_batch_norm() {
        tch::manual_seed(3);
        let vs = nn::VarStore::new(Device::Cpu);
        let conv = nn::conv2d(vs.root() / "c", 3, 5, 3, Default::default());
        let bn = nn::batch_norm2d(vs.root() / "bn", 5, Default::default());
        // Give the batch norm non-trivial statistics and affine parameters.
        let x = Tensor::randn([8, 3, 10, 10], (Kind::Float, Device::Cpu)) * 2.0 + 0.5;
        for _ in 0..20 {
            let _ = bn.forward_t(&conv.forward_t(&x, true), true);
        }
        tch::no_grad(|| {
            let _ = bn.ws.as_ref().map(|w| w.shallow_clone().uniform_(0.5, 1.5));
            let _ = bn
                .bs
                .as_ref()
                .map(|b| b.shallow_clone().uniform_(-1.0, 1.0));
        });
        let want = bn.forward_t(&conv.forward_t(&x, false), false);
        let p = BatchNormParams {
            weight: bn.ws.as_ref(),
            bias: bn.bs.as_ref(),
            running_mean: &bn.running_mean,
            running_var: &bn.running_var,
            eps: 1e-5,
        };
        let (w, b) = fold_batch_norm(&conv.ws, conv.bs.as_ref(), &p).unwrap();
        let got = x.conv2d(&w, Some(&b), [1, 1], [0, 0], [1, 1], 1);
        let err = (&got - &want).abs().max().double_value(&[]);
        assert!(err < 1e-4, "max difference {err}");
        // The batch norm did change the output (the test is not vacuous).
        let raw = conv.forward_t(&x, false);
        assert!((raw - &want).abs().max().double_value(&[]) > 0.1);
        // Linear layers fold the same way; wrong channel counts are errors.
        let wrong = BatchNormParams {
            running_mean: &Tensor::zeros([4], (Kind::Float, Device::Cpu)),
            running_var: &Tensor::ones([4], (Kind::Float, Device::Cpu)),
            ..p
        };
        assert!(fold_batch_norm(&conv.ws, None, &wrong).is_err());
    }
}
