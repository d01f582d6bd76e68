//! Basis functions of distances and angles, all differentiable tensor ops.
//!
//! - [`gaussian_rbf`] with [`cosine_cutoff`]: SchNet's expansion (Schütt et al. 2017, "SchNet: A
//!   continuous-filter convolutional neural network for modeling quantum interactions").
//! - [`bessel_rbf`] with [`polynomial_envelope`]: DimeNet's radial basis
//!   `√(2/c) sin(nπd/c)/d · u(d/c)` (Gasteiger et al. 2020), used by DimeNet++ and GemNet(-OC).
//! - [`legendre`]: the angular part of the spherical basis for triplets, `P_l(cos α)` (the `m = 0`
//!   real spherical harmonics up to a constant), as in GemNet-OC's circular basis.

use deepfield_core::tch::Tensor;

/// Gaussians `exp(−γ (d − μ_k)²)` on `n` centres evenly spaced over `[0, cutoff]`, with
/// `γ = 1 / (2 Δ²)` (Δ the spacing) `[E] → [E, n]`.
pub fn gaussian_rbf(d: &Tensor, n: i64, cutoff: f64) -> Tensor {
    let mu = Tensor::linspace(0.0, cutoff, n, (d.kind(), d.device()));
    let spacing = cutoff / (n - 1).max(1) as f64;
    let gamma = 0.5 / (spacing * spacing);
    (d.unsqueeze(1) - mu).square().multiply_scalar(-gamma).exp()
}

/// SchNet's smooth cut-off `½ (cos(π d / c) + 1)` for `d < c`, else 0 `[E] → [E]`.
pub fn cosine_cutoff(d: &Tensor, cutoff: f64) -> Tensor {
    let inside = d.lt(cutoff).to_kind(d.kind());
    ((d * (std::f64::consts::PI / cutoff)).cos() + 1.0) * 0.5 * inside
}

/// DimeNet's polynomial envelope of `x = d / c` with exponent `p` (the published default is
/// `exponent = 5`, i.e. `p = 6`): `1 − (p+1)(p+2)/2 xᵖ + p(p+2) xᵖ⁺¹ − p(p+1)/2 xᵖ⁺²` for
/// `x < 1`, else 0; smooth to second order at the cut-off.
pub fn polynomial_envelope(x: &Tensor, p: i64) -> Tensor {
    let pf = p as f64;
    let a = -(pf + 1.0) * (pf + 2.0) / 2.0;
    let b = pf * (pf + 2.0);
    let c = -pf * (pf + 1.0) / 2.0;
    let xp = x.pow_tensor_scalar(p);
    let env = xp.ones_like() + &xp * a + &xp * x * b + &xp * x.square() * c;
    env * x.lt(1.0).to_kind(x.kind())
}

/// Bessel radial basis `√(2/c) sin(nπ d/c) / d · u(d/c)`, `n = 1 … n_radial` `[E] → [E, n]`.
pub fn bessel_rbf(d: &Tensor, n_radial: i64, cutoff: f64, envelope_p: i64) -> Tensor {
    let x = d / cutoff;
    let freq = Tensor::arange_start(1, n_radial + 1, (d.kind(), d.device())) * std::f64::consts::PI;
    let env = polynomial_envelope(&x, envelope_p);
    let norm = (2.0 / cutoff).sqrt();
    (x.unsqueeze(1) * freq).sin() * norm * (env / d).unsqueeze(1)
}

/// Legendre polynomials `P_0 … P_{n−1}` of `cos_a` `[T] → [T, n]` (Bonnet's recursion).
pub fn legendre(cos_a: &Tensor, n: i64) -> Tensor {
    let mut ps = vec![cos_a.ones_like()];
    if n > 1 {
        ps.push(cos_a.shallow_clone());
    }
    for l in 1..(n - 1) {
        let (lf, l) = (l as f64, l as usize);
        let next = (cos_a * &ps[l] * (2.0 * lf + 1.0) - &ps[l - 1] * lf) / (lf + 1.0);
        ps.push(next);
    }
    Tensor::stack(&ps[..n as usize], 1)
}

/// The shifted softplus `ln(1 + eˣ) − ln 2` of SchNet.
pub fn shifted_softplus(x: &Tensor) -> Tensor {
    x.softplus() - std::f64::consts::LN_2
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::tch::Kind;

    #[test]
    fn bases_have_their_shapes_and_values() {
        let d = Tensor::from_slice(&[0.5f64, 2.0, 4.9, 5.5]);
        assert_eq!(gaussian_rbf(&d, 50, 5.0).size(), vec![4, 50]);
        let c = cosine_cutoff(&d, 5.0);
        assert!(
            (c.double_value(&[0]) - 0.5 * ((0.1 * std::f64::consts::PI).cos() + 1.0)).abs() < 1e-12
        );
        assert_eq!(c.double_value(&[3]), 0.0);
        let b = bessel_rbf(&d, 6, 5.0, 6);
        assert_eq!(b.size(), vec![4, 6]);
        assert_eq!(b.double_value(&[3, 0]), 0.0);
        // Envelope: 1 at 0, 0 at 1.
        let e = polynomial_envelope(&Tensor::from_slice(&[0.0f64, 1.0 - 1e-12]), 6);
        assert!((e.double_value(&[0]) - 1.0).abs() < 1e-12 && e.double_value(&[1]).abs() < 1e-9);
        // P_2(x) = (3x² − 1)/2, P_3(x) = (5x³ − 3x)/2.
        let x = Tensor::from_slice(&[0.3f64]);
        let p = legendre(&x, 4);
        assert!((p.double_value(&[0, 2]) - (3.0 * 0.09 - 1.0) / 2.0).abs() < 1e-12);
        assert!((p.double_value(&[0, 3]) - (5.0 * 0.027 - 0.9) / 2.0).abs() < 1e-12);
        assert_eq!(legendre(&x, 1).size(), vec![1, 1]);
        let s = shifted_softplus(&Tensor::zeros(
            [1],
            (Kind::Double, deepfield_core::tch::Device::Cpu),
        ));
        assert!(s.double_value(&[0]).abs() < 1e-12);
    }
}
