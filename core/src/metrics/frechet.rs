//! The Fréchet distance between two sets of feature vectors, each summarised by a Gaussian
//! (mean and covariance): `‖μ₁ − μ₂‖² + tr(Σ₁) + tr(Σ₂) − 2·tr((Σ₁Σ₂)^½)` — the Fréchet
//! (Wasserstein-2) distance of Dowson & Landau (1982) between the two Gaussians, as the FID of
//! Heusel et al. (2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
//! Equilibrium") uses it on Inception features; here any feature space (e.g. a classifier's
//! penultimate layer) can be used.
//!
//! Computed in f64. `tr((Σ₁Σ₂)^½)` is taken as `tr((√Σ₁ Σ₂ √Σ₁)^½)` (the two matrices have the
//! same eigenvalues): `√Σ₁` from a symmetric eigendecomposition of `Σ₁`, then the square roots
//! of the eigenvalues of the symmetric positive semi-definite `√Σ₁ Σ₂ √Σ₁`, with the tiny
//! negative eigenvalues rounding leaves clamped to zero. This avoids `scipy.linalg.sqrtm`'s
//! complex intermediate results; it agrees with scipy's formula to ~1e-8 relative
//! (`core/tests/frechet_scipy.rs`). Covariances are the unbiased ones (`n − 1`, as `numpy.cov`).

use tch::{Device, Kind, Tensor};

use crate::{Error, Result};

/// A feature set summarised as a Gaussian: mean `f64 [D]` and covariance `f64 [D, D]`.
#[derive(Debug)]
pub struct GaussianStats {
    pub mean: Tensor,
    pub cov: Tensor,
    /// Number of feature vectors it was fitted on.
    pub n: usize,
}

impl GaussianStats {
    /// Mean and unbiased covariance of `features` `[N, D]` (any float kind, any device; computed
    /// in f64 on the CPU). Needs N ≥ 2 and finite values.
    pub fn fit(features: &Tensor) -> Result<Self> {
        let s = features.size();
        if s.len() != 2 || s[0] < 2 || s[1] < 1 {
            return Err(Error::input(format!(
                "frechet: features must be [N >= 2, D >= 1], got {s:?}"
            )));
        }
        let x = features.to_device(Device::Cpu).to_kind(Kind::Double);
        if !bool::try_from(x.isfinite().all())? {
            return Err(Error::input(
                "frechet: features hold NaN or infinite values",
            ));
        }
        let mean = x.mean_dim(0, false, Kind::Double);
        let c = &x - mean.unsqueeze(0);
        let cov = c.tr().matmul(&c) / (s[0] - 1) as f64;
        Ok(GaussianStats {
            mean,
            cov,
            n: s[0] as usize,
        })
    }
}

/// Eigenvalues and eigenvectors of the symmetrised `m`, eigenvalues clamped at 0.
fn psd_eigh(m: &Tensor) -> Result<(Tensor, Tensor)> {
    let sym = (m + m.tr()) / 2.0;
    let (w, v) = sym.f_linalg_eigh("L")?;
    Ok((w.clamp_min(0.0), v))
}

/// The Fréchet distance between two fitted Gaussians (see the [module docs](self)).
pub fn frechet_distance_stats(a: &GaussianStats, b: &GaussianStats) -> Result<f64> {
    let d = a.mean.size();
    if d != b.mean.size() {
        return Err(Error::input(format!(
            "frechet: feature dimensions differ ({:?} vs {:?})",
            d,
            b.mean.size()
        )));
    }
    let dm = &a.mean - &b.mean;
    let mean_term = f64::try_from(dm.dot(&dm))?;
    let (w1, v1) = psd_eigh(&a.cov)?;
    let sqrt1 = v1
        .matmul(&Tensor::diag_embed(&w1.sqrt(), 0, -2, -1))
        .matmul(&v1.tr());
    let m = sqrt1.matmul(&b.cov).matmul(&sqrt1);
    let (wm, _) = psd_eigh(&m)?;
    let tr_sqrt = f64::try_from(wm.sqrt().sum(Kind::Double))?;
    let tr1 = f64::try_from(a.cov.trace())?;
    let tr2 = f64::try_from(b.cov.trace())?;
    let fd = mean_term + tr1 + tr2 - 2.0 * tr_sqrt;
    // Rounding can leave a tiny negative number for identical sets.
    Ok(fd.max(0.0))
}

/// The Fréchet distance between the Gaussians fitted to `a` `[N, D]` and `b` `[M, D]`.
pub fn frechet_distance(a: &Tensor, b: &Tensor) -> Result<f64> {
    frechet_distance_stats(&GaussianStats::fit(a)?, &GaussianStats::fit(b)?)
}
