//! The polarization regulariser on gate probabilities.

use tch::{Kind, Tensor};

use crate::Result;

/// `R(p) = α (p̄ − ρ)² − β Σᵢ nᵢ |pᵢ − p̄| / N` for gate probabilities `p` (any shape, flattened)
/// and the connections `n` each gate controls (same number of values; `N = Σ nᵢ`,
/// `p̄ = Σ nᵢ pᵢ / N`), with `ρ = keep` the target fraction of connections kept. A scalar with
/// gradients to `p`.
pub fn polarization(p: &Tensor, n: &Tensor, keep: f64, alpha: f64, beta: f64) -> Result<Tensor> {
    let p = p.f_flatten(0, -1)?;
    let n = n.f_flatten(0, -1)?.f_to_kind(p.kind())?;
    crate::ensure_input!(
        p.size() == n.size(),
        "gates: {} gate probabilities but {} connection counts",
        p.numel(),
        n.numel()
    );
    let total = n.f_sum(Kind::Float)?.f_clamp_min(1e-12)?;
    let mean = (&p * &n).f_sum(Kind::Float)?.f_div(&total)?;
    let target = (&mean - keep).f_square()?.f_mul_scalar(alpha)?;
    let spread = ((&p - &mean).f_abs()? * &n)
        .f_sum(Kind::Float)?
        .f_div(&total)?;
    Ok(target.f_sub(&spread.f_mul_scalar(beta)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn value_and_gradient_on_a_hand_made_vector() {
        // p̄ = 0.55, (p̄ − 0.5)² = 0.0025, mean |p − p̄| = 0.2 → R = 0.0025 − 0.2.
        let p = Tensor::from_slice(&[0.9f32, 0.2, 0.6, 0.5]).set_requires_grad(true);
        let n = Tensor::from_slice(&[1.0f32, 1., 1., 1.]);
        let r = polarization(&p, &n, 0.5, 1.0, 1.0).unwrap();
        assert!((r.double_value(&[]) + 0.1975).abs() < 1e-6);
        r.backward();
        // ∂R/∂pᵢ = 2α(p̄ − ρ)/4 − β(sign(pᵢ − p̄) − mean sign)/4 = 0.025 ∓ 0.25.
        close(
            &Vec::<f32>::try_from(p.grad()).unwrap(),
            &[-0.225, 0.275, -0.225, 0.275],
        );
    }

    #[test]
    fn connection_counts_weight_the_mean() {
        // n = [3, 1]: p̄ = (3·1 + 0)/4 = 0.75; target ρ = 0.25 → α(0.5)² = 0.25α;
        // spread = (3·0.25 + 0.75)/4 = 0.375.
        let p = Tensor::from_slice(&[1.0f32, 0.0]).set_requires_grad(true);
        let n = Tensor::from_slice(&[3.0f32, 1.0]);
        let r = polarization(&p, &n, 0.25, 2.0, 1.0).unwrap();
        assert!((r.double_value(&[]) - (0.5 - 0.375)).abs() < 1e-6);
        r.backward();
        // target: 2α(p̄−ρ)·nᵢ/N = 2·2·0.5·[0.75, 0.25] = [1.5, 0.5];
        // spread: −β(nᵢ sign(pᵢ−p̄) − (nᵢ/N) Σⱼ nⱼ sign(pⱼ−p̄))/N, Σ = 3 − 1 = 2:
        // i=0: −(3 − 0.75·2)/4 = −0.375; i=1: −(−1 − 0.25·2)/4 = 0.375.
        close(
            &Vec::<f32>::try_from(p.grad()).unwrap(),
            &[1.5 - 0.375, 0.5 + 0.375],
        );
        let bad = polarization(&p, &Tensor::from_slice(&[1.0f32]), 0.5, 1.0, 1.0);
        assert!(bad.unwrap_err().to_string().contains("connection counts"));
    }
}
