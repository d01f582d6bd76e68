//! The pretraining objective of Abbaspourazad et al. (ICLR 2024): InfoNCE between the two views'
//! projections plus the KoLeo regulariser (Sablayrolles et al. 2019, as in DINOv2) that spreads
//! the embeddings of a batch.
//!
//! Both are checked against a PyTorch reference (`timeseries/scripts/make_ssl_loss_fixture.py`,
//! fixture `timeseries/tests/fixtures/ssl_losses.json`).

use tch::{Kind, Tensor};

use crate::{ensure_input, Result};

/// Rows scaled to unit L2 norm (PyTorch's `F.normalize`, eps 1e-12).
pub fn l2_normalize(z: &Tensor) -> Result<Tensor> {
    let norm = z
        .f_norm_scalaropt_dim(2, [1i64].as_slice(), true)?
        .f_clamp_min(1e-12)?;
    Ok(z.f_div(&norm)?)
}

/// Symmetric two-view InfoNCE: with `a`, `b` the L2-normalised rows of `za`, `zb` (`[B, D]`,
/// row `i` of each a positive pair) and logits `s = a bᵀ / temperature`,
/// `(CE(s, arange(B)) + CE(sᵀ, arange(B))) / 2`.
///
/// `groups` (`[B]` int64, e.g. the participant of each pair): pairs `(i, j)`, `i ≠ j`, of the
/// same group are taken out of the negatives (their logits set to −∞). Positives from the same
/// participant are not negatives of each other; with one pair per participant per batch, as in
/// the paper, nothing is removed.
///
/// # Shapes
/// `za`, `zb`: `[B, D]`, B ≥ 2; `groups`: `[B]`; output: scalar.
pub fn info_nce(
    za: &Tensor,
    zb: &Tensor,
    temperature: f64,
    groups: Option<&Tensor>,
) -> Result<Tensor> {
    let (sa, sb) = (za.size(), zb.size());
    ensure_input!(
        sa.len() == 2 && sa == sb && sa[0] >= 2,
        "info_nce: two [B, D] batches with B >= 2 expected, got {sa:?} and {sb:?}"
    );
    ensure_input!(
        temperature > 0.0 && temperature.is_finite(),
        "info_nce: temperature must be > 0, got {temperature}"
    );
    let n = sa[0];
    let a = l2_normalize(za)?;
    let b = l2_normalize(zb)?;
    let mut logits = a.f_matmul(&b.f_tr()?)?.f_div_scalar(temperature)?;
    if let Some(g) = groups {
        ensure_input!(
            g.size() == [n],
            "info_nce: groups must be [{n}], got {:?}",
            g.size()
        );
        let same = g.f_unsqueeze(1)?.f_eq_tensor(&g.f_unsqueeze(0)?)?;
        let eye = Tensor::f_eye(n, (Kind::Bool, za.device()))?;
        let off = same.f_logical_and(&eye.f_logical_not()?)?;
        logits = logits.f_masked_fill(&off, f64::NEG_INFINITY)?;
    }
    let target = Tensor::f_arange(n, (Kind::Int64, za.device()))?;
    let ab = logits.cross_entropy_for_logits(&target);
    let ba = logits.f_tr()?.cross_entropy_for_logits(&target);
    Ok((ab + ba) / 2.0)
}

/// The KoLeo regulariser on the L2-normalised rows `x` of `z`:
/// `−(1/n) Σᵢ log(minⱼ≠ᵢ ‖xᵢ − xⱼ‖ + eps)` (DINOv2 uses eps = 1e-8).
///
/// # Shapes
/// `z`: `[n, D]`, n ≥ 2; output: scalar.
pub fn koleo(z: &Tensor, eps: f64) -> Result<Tensor> {
    let s = z.size();
    ensure_input!(
        s.len() == 2 && s[0] >= 2,
        "koleo: a [n, D] batch with n >= 2 expected, got {s:?}"
    );
    let n = s[0];
    let x = l2_normalize(z)?;
    let diff = x.f_unsqueeze(1)?.f_sub(&x.f_unsqueeze(0)?)?;
    let d2 = diff
        .f_square()?
        .f_sum_dim_intlist([2i64].as_slice(), false, Kind::Float)?;
    let eye = Tensor::f_eye(n, (Kind::Bool, z.device()))?;
    let d2 = d2.f_masked_fill(&eye, f64::INFINITY)?;
    let (nearest, _) = d2.f_min_dim(1, false)?;
    let d = nearest.f_clamp_min(1e-16)?.f_sqrt()?;
    Ok(d.f_add_scalar(eps)?.f_log()?.f_mean(Kind::Float)?.f_neg()?)
}
