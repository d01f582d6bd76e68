//! The WKV operator of RWKV (Peng et al., "RWKV: Reinventing RNNs for the Transformer Era",
//! 2023, eq. 14–16; the operator SpikeGPT's `WKV` CUDA kernel computes), in two forms that give
//! the same outputs:
//!
//! ```text
//! wkv_t = (Σ_{i<t} e^{−(t−1−i)·w + k_i} v_i + e^{u + k_t} v_t) / (Σ_{i<t} e^{−(t−1−i)·w + k_i} + e^{u + k_t})
//! ```
//!
//! with the per-channel decay rate `w = exp(time_decay) > 0` and the bonus `u = time_first` of
//! the current token.
//!
//! * [`parallel`] (training): the weights of every (t, i) pair at once. `wkv_t` is a softmax over
//!   i of the logits `k_i − (t−1−i)·w` (i < t), `u + k_t` (i = t), −∞ (i > t), applied to `v`:
//!   the softmax subtracts each row's maximum, so no exponential overflows for any sequence
//!   length or key size. Memory is `B·C·T²`.
//! * [`step`] (generation): one token at a time with the state `(aa, bb, pp)`: the numerator and
//!   denominator sums scaled by `e^{−pp}`, where `pp` is the running maximum exponent — the
//!   max-trick of RWKV's CUDA kernel and `model_run.py`. Cost per token is `O(C)`, independent of
//!   the position.

use tch::{Kind, Tensor};

use crate::{Error, Result};

/// The recurrent state of one WKV layer: `aa` and `bb` the scaled numerator and denominator,
/// `pp` the exponent they are scaled by (each `[B, C]`).
#[derive(Debug)]
pub struct WkvState {
    pub aa: Tensor,
    pub bb: Tensor,
    pub pp: Tensor,
}

impl WkvState {
    /// The state before the first token (empty sums; `pp` = −1e38 stands for −∞).
    pub fn zeros(batch: i64, channels: i64, like: &Tensor) -> Self {
        let opts = (like.kind(), like.device());
        WkvState {
            aa: Tensor::zeros([batch, channels], opts),
            bb: Tensor::zeros([batch, channels], opts),
            pp: Tensor::full([batch, channels], -1e38, opts),
        }
    }
}

/// The WKV of a whole sequence: `time_decay`, `time_first` `[C]`, `k`, `v` `[B, T, C]` →
/// `[B, T, C]`.
pub fn parallel(
    time_decay: &Tensor,
    time_first: &Tensor,
    k: &Tensor,
    v: &Tensor,
) -> Result<Tensor> {
    let (b, t, c) = k.size3()?;
    if v.size() != [b, t, c] || time_decay.size() != [c] || time_first.size() != [c] {
        return Err(Error::input(format!(
            "wkv: expected k, v [B, T, C] and decay, first [C]; got k {:?}, v {:?}, decay {:?}, \
             first {:?}",
            k.size(),
            v.size(),
            time_decay.size(),
            time_first.size()
        )));
    }
    let (kind, device) = (k.kind(), k.device());
    let pos = Tensor::arange(t, (Kind::Int64, device));
    let row = pos.view([t, 1]);
    let col = pos.view([1, t]);
    // (t − 1 − i) for every (t, i), and the masks of the current token and the future.
    let dist = (&row - &col - 1).to_kind(kind).unsqueeze(0);
    let current = row.eq_tensor(&col).unsqueeze(0);
    let future = col.gt_tensor(&row).unsqueeze(0);
    let past = time_decay.exp().view([c, 1, 1]).neg() * dist;
    let first = time_first.view([c, 1, 1]).expand([c, t, t], false);
    let bias = first
        .where_self(&current, &past)
        .masked_fill(&future, f64::NEG_INFINITY);
    // logits[b, c, t, i] = k[b, i, c] + bias[c, t, i]
    let logits = k.permute([0, 2, 1]).unsqueeze(2) + bias.unsqueeze(0);
    let weights = logits.softmax(-1, kind);
    let y = weights
        .matmul(&v.permute([0, 2, 1]).unsqueeze(-1))
        .squeeze_dim(-1);
    Ok(y.permute([0, 2, 1]))
}

/// One token of the recurrence: `k`, `v` `[B, C]` → `wkv` `[B, C]`, updating `state`.
pub fn step(
    time_decay: &Tensor,
    time_first: &Tensor,
    k: &Tensor,
    v: &Tensor,
    state: &mut WkvState,
) -> Tensor {
    let WkvState { aa, bb, pp } = state;
    let ww = time_first + k;
    let p = pp.maximum(&ww);
    let e1 = (&*pp - &p).exp();
    let e2 = (&ww - &p).exp();
    let y = (&e1 * &*aa + &e2 * v) / (&e1 * &*bb + &e2);
    let ww = &*pp - time_decay.exp();
    let p = ww.maximum(k);
    let e1 = (&ww - &p).exp();
    let e2 = (k - &p).exp();
    *aa = &e1 * &*aa + &e2 * v;
    *bb = &e1 * &*bb + &e2;
    *pp = p;
    y
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    /// The defining sum, term by term (no max-trick), in double precision.
    fn naive(w: &[f64], u: &[f64], k: &Tensor, v: &Tensor) -> Tensor {
        let (b, t, c) = k.size3().unwrap();
        let out = Tensor::zeros([b, t, c], (Kind::Double, Device::Cpu));
        for bi in 0..b {
            for ti in 0..t {
                for ci in 0..c {
                    let (mut num, mut den) = (0.0, 0.0);
                    for i in 0..=ti {
                        let kk = k.double_value(&[bi, i, ci]);
                        let e = if i == ti {
                            (u[ci as usize] + kk).exp()
                        } else {
                            (-((ti - 1 - i) as f64) * w[ci as usize].exp() + kk).exp()
                        };
                        num += e * v.double_value(&[bi, i, ci]);
                        den += e;
                    }
                    let _ = out.get(bi).get(ti).get(ci).fill_(num / den);
                }
            }
        }
        out
    }

    #[test]
    fn parallel_step_and_the_defining_sum_agree() {
        tch::manual_seed(3);
        let opts = (Kind::Double, Device::Cpu);
        let (b, t, c) = (2, 7, 3);
        let w = [-1.0, 0.2, 1.5];
        let u = [0.3, -0.5, 0.0];
        let k = Tensor::randn([b, t, c], opts);
        let v = Tensor::randn([b, t, c], opts);
        let (tw, tu) = (Tensor::from_slice(&w), Tensor::from_slice(&u));
        let par = parallel(&tw, &tu, &k, &v).unwrap();
        let reference = naive(&w, &u, &k, &v);
        assert!(par.allclose(&reference, 1e-10, 1e-12, false));
        let mut state = WkvState::zeros(b, c, &k);
        let steps: Vec<Tensor> = (0..t)
            .map(|i| step(&tw, &tu, &k.select(1, i), &v.select(1, i), &mut state))
            .collect();
        let rec = Tensor::stack(&steps, 1);
        assert!(rec.allclose(&reference, 1e-10, 1e-12, false));
    }

    #[test]
    fn huge_keys_stay_finite() {
        let opts = (Kind::Float, Device::Cpu);
        let k = Tensor::from_slice(&[500.0f32, -500.0, 800.0, 0.0]).view([1, 4, 1]);
        let v = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).view([1, 4, 1]);
        let (w, u) = (Tensor::zeros([1], opts), Tensor::zeros([1], opts));
        let par = parallel(&w, &u, &k, &v).unwrap();
        assert!(bool::try_from(par.isfinite().all()).unwrap());
        let mut state = WkvState::zeros(1, 1, &k);
        for i in 0..4 {
            let y = step(&w, &u, &k.select(1, i), &v.select(1, i), &mut state);
            assert!((y.double_value(&[0, 0]) - par.double_value(&[0, i, 0])).abs() < 1e-4);
        }
        // Token 2's key dominates everything before it: its own value comes out.
        assert!((par.double_value(&[0, 2, 0]) - 3.0).abs() < 1e-4);
    }
}
