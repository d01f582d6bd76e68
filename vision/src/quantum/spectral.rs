//! `exp(i·t·S)` of a batch of real symmetric matrices by their spectral decomposition, with the
//! exact gradient of the Daleckii–Krein formula.
//!
//! For `S = V Λ Vᵀ` (`linalg_eigh`), `exp(itS) = V diag(e^{itλ}) Vᵀ` — the same unitary
//! `matrix_exp(i·t·S)` gives, to floating-point precision — and its derivative along a symmetric
//! direction `E` is `V (G ∘ (Vᵀ E V)) Vᵀ` with the divided differences
//! `G_jk = (e^{itλ_j} − e^{itλ_k})/(λ_j − λ_k) = i·t·e^{it(λ_j+λ_k)/2}·sinc(t(λ_j−λ_k)/2)`,
//! which stays finite for equal or close eigenvalues (where differentiating through `eigh`
//! would divide by their gap). The gradient is attached as a surrogate: the returned tensor is
//! `U + L(S − S.detach())`, whose value is `U` exactly (the second term is zero) and whose
//! gradient with respect to `S` is the formula's, with `V` and `G` held constant.
//!
//! Why not `matrix_exp`: for the 128 × 128 data unitaries of the re-uploading layer (one per
//! image and step) libtorch's `matrix_exp` backward evaluates the exponential of a 256 × 256
//! block matrix, about 7× its forward; the decomposition costs one real `eigh` and four
//! matrix products each way.

use tch::Tensor;

use crate::Result;

/// `exp(i·t·S)` for real symmetric `s` `[…, d, d]`: complex `[…, d, d]` (complex of the real
/// kind), differentiable in `s` (see the [module docs](self)).
pub fn expi_symmetric(s: &Tensor, t: f64) -> Result<Tensor> {
    let ckind = super::complex_of(s.kind());
    let (lam, v) = tch::no_grad(|| s.detach().f_linalg_eigh("L"))?;
    let complex = |re: &Tensor, im: &Tensor| Tensor::f_complex(re, im);
    let phase = lam.f_mul_scalar(t)?;
    let e = complex(&phase.f_cos()?, &phase.f_sin()?)?; // [B, d]
    let vc = v.f_to_kind(ckind)?;
    let vt = vc.f_transpose(-1, -2)?;
    let u = vc.f_mul(&e.f_unsqueeze(-2)?)?.f_matmul(&vt)?;
    if !s.requires_grad() {
        return Ok(u);
    }
    // Divided differences of e^{itλ}.
    let (li, lj) = (lam.f_unsqueeze(-1)?, lam.f_unsqueeze(-2)?);
    let mid = li.f_add(&lj)?.f_mul_scalar(t / 2.0)?;
    let half = li.f_sub(&lj)?.f_mul_scalar(t / 2.0)?;
    // torch's sinc is sin(πx)/(πx).
    let sinc = half.f_div_scalar(std::f64::consts::PI)?.f_sinc()?;
    let g = complex(
        &mid.f_sin()?.f_mul(&sinc)?.f_mul_scalar(-t)?,
        &mid.f_cos()?.f_mul(&sinc)?.f_mul_scalar(t)?,
    )?;
    let zero = s.f_sub(&s.detach())?; // value 0, gradient the identity
    let inner = v.f_transpose(-1, -2)?.f_matmul(&zero)?.f_matmul(&v)?;
    let frechet = vc
        .f_matmul(&g.f_mul(&inner.f_to_kind(ckind)?)?)?
        .f_matmul(&vt)?;
    Ok(u.f_add(&frechet)?)
}
