//! The selective scan of S6 (Gu & Dao 2023, Algorithm 2 and its reference `selective_scan_ref`):
//! with a diagonal `A` and per-step `Δ_t`, `B_t`, `C_t`,
//!
//! ```text
//! h_t = exp(Δ_t A) ⊙ h_{t-1} + (Δ_t x_t) B_t        (zero-order hold for A, Euler for B, as the paper's code)
//! y_t = C_t · h_t + D ⊙ x_t
//! ```
//!
//! Two evaluations of the same recurrence:
//!
//! * [`Scan::Parallel`] — training. The linear recurrence `h_t = a_t h_{t-1} + b_t` is an
//!   associative scan over pairs `(a, b)` with `(a₂, b₂) ∘ (a₁, b₁) = (a₁a₂, a₂b₁ + b₂)`. The
//!   sequence is cut into chunks of `chunk` steps; inside every chunk (all chunks at once) a
//!   Hillis–Steele doubling scan of `⌈log₂ chunk⌉` tensor steps gives each step's chunk-local
//!   prefix `(Πa, h with a zero start)`; the chunks are then chained by carrying the state
//!   from one chunk's end to the next (a loop over chunks on `[B, D, N]` tensors), and
//!   `h_t = prefix_b + prefix_a ⊙ carry`. Every factor `a ∈ (0, 1]`, so nothing overflows
//!   (unlike the `exp(±cumsum log a)` form, which does for long chunks).
//! * [`Scan::Sequential`] — the step-by-step loop, `L` steps of `[B, D, N]` tensor ops; what
//!   recurrent inference does one step at a time ([`scan_step`]).
//!
//! Both take the state from `h0` and return the last state, so a long sequence can be run in
//! pieces.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{ensure_config, ensure_input, Result};

/// How [`selective_scan`] evaluates the recurrence (same outputs up to rounding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scan {
    /// Chunked associative scan (Hillis–Steele inside chunks, chunks chained by the carried
    /// state): `O(L log chunk)` work in `O((L / chunk) + log chunk)` sequential tensor steps.
    #[default]
    Parallel,
    /// The plain loop over time steps (`L` sequential steps).
    Sequential,
}

/// Check a chunk length for [`Scan::Parallel`].
pub fn check_chunk(chunk: i64) -> Result<()> {
    ensure_config!(
        (1..=4096).contains(&chunk),
        "selective scan: chunk must be in 1..=4096, got {chunk}"
    );
    Ok(())
}

/// The sizes `(B, L, D, N)` of a scan's inputs, checked against each other.
fn check_shapes(
    u: &Tensor,
    delta: &Tensor,
    a: &Tensor,
    b: &Tensor,
    c: &Tensor,
) -> Result<[i64; 4]> {
    let us = u.size();
    ensure_input!(
        us.len() == 3,
        "selective scan: u must be [B, L, D], got {us:?}"
    );
    let (bb, l, d) = (us[0], us[1], us[2]);
    ensure_input!(
        l > 0 && bb > 0,
        "selective scan: empty batch or sequence, u {us:?}"
    );
    ensure_input!(
        delta.size() == us,
        "selective scan: delta must be [B, L, D] = {us:?}, got {:?}",
        delta.size()
    );
    let asz = a.size();
    ensure_input!(
        asz.len() == 2 && asz[0] == d,
        "selective scan: A must be [D = {d}, N], got {asz:?}"
    );
    let n = asz[1];
    for (name, t) in [("B", b), ("C", c)] {
        ensure_input!(
            t.size() == [bb, l, n],
            "selective scan: {name} must be [B, L, N] = [{bb}, {l}, {n}], got {:?}",
            t.size()
        );
    }
    Ok([bb, l, d, n])
}

/// The discretised recurrence coefficients: `a = exp(Δ A)` and `b = (Δ x) B`, both `[B, L, D, N]`.
fn discretise(u: &Tensor, delta: &Tensor, a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor)> {
    let da = delta.f_unsqueeze(-1)?.f_mul(a)?.f_exp()?;
    let dbu = delta.f_mul(u)?.f_unsqueeze(-1)?.f_mul(&b.f_unsqueeze(2)?)?;
    Ok((da, dbu))
}

/// Run the selective scan.
///
/// # Shapes
/// * `u` (the input `x`): `[B, L, D]`; `delta` (`Δ`, already positive, e.g. after softplus): `[B, L, D]`
/// * `a` (`A`, negative for a decaying state): `[D, N]`; `b`, `c`: `[B, L, N]`; `d` (skip): `[D]`
/// * `h0`: `[B, D, N]` (`None`: zeros)
/// * returns `(y [B, L, D], h_L [B, D, N])`
#[allow(clippy::too_many_arguments)]
pub fn selective_scan(
    u: &Tensor,
    delta: &Tensor,
    a: &Tensor,
    b: &Tensor,
    c: &Tensor,
    d: Option<&Tensor>,
    h0: Option<&Tensor>,
    scan: Scan,
    chunk: i64,
) -> Result<(Tensor, Tensor)> {
    let [bb, l, dd, n] = check_shapes(u, delta, a, b, c)?;
    check_chunk(chunk)?;
    let h0 = match h0 {
        Some(h) => {
            ensure_input!(
                h.size() == [bb, dd, n],
                "selective scan: h0 must be [B, D, N] = [{bb}, {dd}, {n}], got {:?}",
                h.size()
            );
            h.shallow_clone()
        }
        None => Tensor::f_zeros([bb, dd, n], (u.kind(), u.device()))?,
    };
    let (da, dbu) = discretise(u, delta, a, b)?;
    let (y, h) = match scan {
        Scan::Parallel => parallel(da, dbu, c, h0, chunk.min(l))?,
        Scan::Sequential => sequential(&da, &dbu, c, h0)?,
    };
    let y = match d {
        Some(d) => {
            ensure_input!(
                d.size() == [dd],
                "selective scan: D must be [{dd}], got {:?}",
                d.size()
            );
            y.f_add(&u.f_mul(d)?)?
        }
        None => y,
    };
    Ok((y, h))
}

/// One recurrent step: the state after input `u_t` and the output at that step.
///
/// # Shapes
/// * `h`: `[B, D, N]`; `u`, `delta`: `[B, D]`; `a`: `[D, N]`; `b`, `c`: `[B, N]`; `d`: `[D]`
/// * returns `(y_t [B, D], h_t [B, D, N])`
pub fn scan_step(
    h: &Tensor,
    u: &Tensor,
    delta: &Tensor,
    a: &Tensor,
    b: &Tensor,
    c: &Tensor,
    d: Option<&Tensor>,
) -> Result<(Tensor, Tensor)> {
    let hs = h.size();
    ensure_input!(
        hs.len() == 3 && u.size() == hs[..2] && delta.size() == hs[..2],
        "scan step: h must be [B, D, N] and u, delta [B, D]; got h {hs:?}, u {:?}, delta {:?}",
        u.size(),
        delta.size()
    );
    ensure_input!(
        b.size() == [hs[0], hs[2]] && c.size() == [hs[0], hs[2]] && a.size() == hs[1..],
        "scan step: A must be [D, N] and B, C [B, N] for h {hs:?}; got A {:?}, B {:?}, C {:?}",
        a.size(),
        b.size(),
        c.size()
    );
    let da = delta.f_unsqueeze(-1)?.f_mul(a)?.f_exp()?;
    let dbu = delta.f_mul(u)?.f_unsqueeze(-1)?.f_mul(&b.f_unsqueeze(1)?)?;
    let h = h.f_mul(&da)?.f_add(&dbu)?;
    let mut y = h
        .f_mul(&c.f_unsqueeze(1)?)?
        .f_sum_dim_intlist(-1, false, None::<Kind>)?;
    if let Some(d) = d {
        y = y.f_add(&u.f_mul(d)?)?;
    }
    Ok((y, h))
}

fn sequential(da: &Tensor, dbu: &Tensor, c: &Tensor, h0: Tensor) -> Result<(Tensor, Tensor)> {
    let l = da.size()[1];
    let mut h = h0;
    let mut ys = Vec::with_capacity(l as usize);
    for t in 0..l {
        h = da.f_select(1, t)?.f_mul(&h)?.f_add(&dbu.f_select(1, t)?)?;
        let ct = c.f_select(1, t)?.f_unsqueeze(1)?;
        ys.push(h.f_mul(&ct)?.f_sum_dim_intlist(-1, false, None::<Kind>)?);
    }
    Ok((Tensor::f_stack(&ys, 1)?, h))
}

/// `x` `[B, L, …]` padded along dim 1 to `total` steps with `value`.
fn pad_steps(x: &Tensor, total: i64, value: f64) -> Result<Tensor> {
    let mut size = x.size();
    let l = size[1];
    if total == l {
        return Ok(x.shallow_clone());
    }
    size[1] = total - l;
    let pad = Tensor::f_full(size.as_slice(), value, (x.kind(), x.device()))?;
    Ok(Tensor::f_cat(&[x, &pad], 1)?)
}

fn parallel(da: Tensor, dbu: Tensor, c: &Tensor, h0: Tensor, k: i64) -> Result<(Tensor, Tensor)> {
    let [bb, l, dd, n]: [i64; 4] = da
        .size()
        .try_into()
        .map_err(|_| crate::Error::input("selective scan: internal shape"))?;
    let chunks = (l + k - 1) / k;
    let total = chunks * k;
    // Padding at the end with a = 1, b = 0 leaves the state unchanged, so the last chunk's
    // end state is h_L.
    let shape = [bb, chunks, k, dd, n];
    let mut a = pad_steps(&da, total, 1.0)?.f_reshape(shape)?;
    let mut b = pad_steps(&dbu, total, 0.0)?.f_reshape(shape)?;
    // Hillis–Steele inclusive scan inside every chunk (dim 2).
    let mut off = 1;
    while off < k {
        let keep = k - off;
        let (a_hi, a_lo) = (a.f_narrow(2, off, keep)?, a.f_narrow(2, 0, keep)?);
        let b_hi = b.f_narrow(2, off, keep)?;
        let b_lo = b.f_narrow(2, 0, keep)?;
        let b_new = b_hi.f_add(&a_hi.f_mul(&b_lo)?)?;
        let a_new = a_hi.f_mul(&a_lo)?;
        b = Tensor::f_cat(&[&b.f_narrow(2, 0, off)?, &b_new], 2)?;
        a = Tensor::f_cat(&[&a.f_narrow(2, 0, off)?, &a_new], 2)?;
        off *= 2;
    }
    // Chain the chunks: the state entering chunk j.
    let a_end = a.f_select(2, k - 1)?;
    let b_end = b.f_select(2, k - 1)?;
    let mut carry = h0;
    let mut carries = Vec::with_capacity(chunks as usize);
    for j in 0..chunks {
        carries.push(carry.shallow_clone());
        carry = a_end
            .f_select(1, j)?
            .f_mul(&carry)?
            .f_add(&b_end.f_select(1, j)?)?;
    }
    let carries = Tensor::f_stack(&carries, 1)?.f_unsqueeze(2)?; // [B, chunks, 1, D, N]
    let h = b.f_add(&a.f_mul(&carries)?)?;
    let c = pad_steps(c, total, 0.0)?.f_reshape([bb, chunks, k, 1, n])?;
    let y = h
        .f_mul(&c)?
        .f_sum_dim_intlist(-1, false, None::<Kind>)?
        .f_reshape([bb, total, dd])?
        .f_narrow(1, 0, l)?;
    Ok((y, carry))
}
