//! Real int8 inference with dynamic quantization (survey §3.4; `torch.ao`'s dynamic `Linear` and
//! `LSTM`): weights stored as int8 with one symmetric scale per output row; each input batch is
//! quantized on the fly to 8 bits (asymmetric, its own min/max) and the products run in integers
//! through libtorch's `_int_mm` (int8 × int8 → int32); the int32 sums are rescaled to `f32` and
//! the bias is added in `f32`. With `x = sₓ (qₓ − zₓ)` and `w = s_w q_w`:
//! `y = sₓ s_w (Σ qₓ q_w − zₓ Σ q_w) + b`, so the zero point costs one precomputed row sum.
//! Activations use the unsigned range shifted by −128 into int8 (`_int_mm` takes int8 only).

use tch::{Kind, Tensor};

use super::affine::{QParams, QScheme};

use crate::{ensure_input, Result};

/// A linear layer with int8 weights, run on int8 products.
#[derive(Debug)]
pub struct Int8Linear {
    /// Codes `[in, out]` (transposed for `_int_mm`), int8.
    weight_t: Tensor,
    /// Per-output scales `[out]`.
    scale: Tensor,
    /// `s_w[n] Σ_k q_w[n, k]` per output, `f32` (the zero point's correction).
    scaled_row_sum: Tensor,
    bias: Option<Tensor>,
    /// The activation range (fbgemm's `reduce_range` halves it).
    act: QScheme,
}

impl Int8Linear {
    /// Quantize the `f32` weight `[out, in]` per output row (symmetric int8) and keep the bias.
    pub fn new(weight: &Tensor, bias: Option<&Tensor>, reduce_range: bool) -> Result<Self> {
        ensure_input!(
            weight.dim() == 2,
            "int8 linear: weight must be [out, in], got {:?}",
            weight.size()
        );
        let params = QParams::of(QScheme::weights(8).per_channel(), weight)?;
        Self::from_codes(&params.quantize(weight)?, &params.scale, bias, reduce_range)
    }

    /// From int8 codes `[out, in]` and per-output scales `[out]`.
    pub fn from_codes(
        codes: &Tensor,
        scale: &Tensor,
        bias: Option<&Tensor>,
        reduce_range: bool,
    ) -> Result<Self> {
        let q = codes.to_kind(Kind::Int8);
        let out = q.size()[0];
        let scale = if scale.dim() == 0 {
            scale.expand([out], false).copy()
        } else {
            scale.shallow_clone()
        };
        let scale = scale.to_kind(Kind::Float);
        Ok(Int8Linear {
            scaled_row_sum: q
                .to_kind(Kind::Float)
                .sum_dim_intlist(&[1i64][..], false, Kind::Float)
                * &scale,
            weight_t: q.transpose(0, 1).contiguous(),
            scale,
            bias: bias.map(|b| b.detach().to_kind(Kind::Float)),
            act: QScheme {
                reduce_range,
                ..QScheme::activations(8)
            },
        })
    }

    /// Input features.
    pub fn input(&self) -> i64 {
        self.weight_t.size()[0]
    }

    /// `y = x wᵀ + b` in int8 arithmetic.
    ///
    /// # Shapes
    /// * `x`: `[..., in]` → `[..., out]`
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let size = x.size();
        let inp = self.input();
        ensure_input!(
            size.last() == Some(&inp),
            "int8 linear: expected [..., {inp}] inputs, got {size:?}"
        );
        let x2 = x.reshape([-1, inp]).to_kind(Kind::Float);
        // The batch's range (always containing 0) → scale and zero point, as scalars.
        let (lo, hi) = x2.f_aminmax(None, false)?;
        let (lo, hi) = (lo.double_value(&[]).min(0.0), hi.double_value(&[]).max(0.0));
        let (qmin, qmax) = self.act.range();
        let scale = ((hi - lo) / (qmax - qmin) as f64).max(f64::from(f32::EPSILON));
        let zero = (qmin as f64 - (lo / scale).round()).clamp(qmin as f64, qmax as f64);
        // Codes shifted by −128 into int8 (the zero point is an integer, so shifting before
        // rounding is exact), with the zero point shifted alike.
        let shifted = zero - 128.0;
        let mut codes = x2.f_mul_scalar(1.0 / scale)?;
        let _ = codes.f_add_scalar_(shifted)?;
        let _ = codes.f_round_()?;
        let _ = codes.f_clamp_(qmin as f64 - 128.0, qmax as f64 - 128.0)?;
        let acc = codes
            .to_kind(Kind::Int8)
            .f_internal_int_mm(&self.weight_t)?;
        // y = sₓ s_w acc − sₓ s_w shifted Σq_w + b, the int32 sums cast on the fly.
        let col = &self.scale * scale;
        let offset = self.scaled_row_sum.f_mul_scalar(-shifted * scale)?;
        let offset = match &self.bias {
            Some(b) => offset.f_add(b)?,
            None => offset,
        };
        let y = offset.f_addcmul(&acc, &col)?;
        let mut out = size;
        if let Some(last) = out.last_mut() {
            *last = self.scale.size()[0];
        }
        Ok(y.reshape(&out[..]))
    }
}

/// PyTorch's gate rows (i, f, g, o) reordered to (i, f, o, g): one sigmoid over the first
/// three blocks, one tanh over the last.
fn gates_ifog(t: &Tensor, hidden: i64) -> Result<Tensor> {
    let h = hidden;
    Ok(Tensor::f_cat(
        &[
            t.f_narrow(0, 0, 2 * h)?,
            t.f_narrow(0, 3 * h, h)?,
            t.f_narrow(0, 2 * h, h)?,
        ],
        0,
    )?)
}

/// A one-direction LSTM layer (PyTorch gate order i, f, g, o; `batch_first`) whose input and
/// recurrent products run in int8.
///
/// The input projection of every time step runs as one int8 product over `[T·B, F]` (the
/// activations quantized dynamically, as [`Int8Linear`]), with both biases folded in. The
/// recurrent product runs once per step on the hidden state quantized with the fixed scale
/// 1/127 and zero point 0: `h = o ⊙ tanh(c)` lies in (−1, 1) by construction, so the step needs
/// no range measurement and never reads a value back to the host (torch.ao measures each step's
/// range instead; the grids differ by at most that of the observed range). The int32 sums are
/// rescaled by the per-gate-row weight scales inside one `addcmul` with the step's input
/// gates, and the gates are reordered to (i, f, o, g) at load so one in-place sigmoid and one
/// in-place tanh cover them.
#[derive(Debug)]
pub struct Int8Lstm {
    ih: Int8Linear,
    /// Recurrent codes `[H, 4H]` (transposed, gates i, f, o, g), int8.
    hh_t: Tensor,
    /// Per-gate-row weight scale over 127 (the hidden state's code scale), `[4H]`.
    hh_scale: Tensor,
    hidden: i64,
}

impl Int8Lstm {
    /// From the `f32` weights of one layer and direction (`weight_ih [4H, F]`, `weight_hh
    /// [4H, H]`, and their biases).
    pub fn new(
        weight_ih: &Tensor,
        weight_hh: &Tensor,
        bias_ih: Option<&Tensor>,
        bias_hh: Option<&Tensor>,
    ) -> Result<Self> {
        let hidden = weight_hh.size().get(1).copied().unwrap_or(0);
        ensure_input!(
            hidden > 0
                && weight_ih.size().first() == Some(&(4 * hidden))
                && weight_hh.size() == [4 * hidden, hidden],
            "int8 lstm: weights of shapes {:?} and {:?} are not an LSTM's [4H, F], [4H, H]",
            weight_ih.size(),
            weight_hh.size()
        );
        let h = hidden;
        let bias = match (bias_ih, bias_hh) {
            (Some(a), Some(b)) => Some(a.f_add(b)?),
            (Some(a), None) | (None, Some(a)) => Some(a.shallow_clone()),
            (None, None) => None,
        };
        let bias = bias.map(|b| gates_ifog(&b.detach(), h)).transpose()?;
        let params = QParams::of(QScheme::weights(8).per_channel(), weight_hh)?;
        let codes = gates_ifog(&params.quantize(weight_hh)?.to_kind(Kind::Int8), h)?;
        let scale = gates_ifog(&params.scale.reshape([-1]).to_kind(Kind::Float), h)?;
        Ok(Int8Lstm {
            ih: Int8Linear::new(&gates_ifog(&weight_ih.detach(), h)?, bias.as_ref(), false)?,
            hh_t: codes.f_transpose(0, 1)?.f_contiguous()?,
            hh_scale: scale / 127.0,
            hidden,
        })
    }

    /// All hidden states `[B, T, H]` and the last `[B, H]`.
    ///
    /// # Shapes
    /// * `xs`: `[B, T, F]`
    pub fn forward(&self, xs: &Tensor) -> Result<(Tensor, Tensor)> {
        let size = xs.size();
        ensure_input!(
            size.len() == 3 && size[2] == self.ih.input(),
            "int8 lstm: expected [B, T, {}] inputs, got {size:?}",
            self.ih.input()
        );
        let (b, t) = (size[0], size[1]);
        let hd = self.hidden;
        // Time-major input gates [T, B, 4H]: every step's slice is contiguous.
        let gates_x = self.ih.forward(&xs.f_transpose(0, 1)?.f_contiguous()?)?;
        let opts = (Kind::Float, xs.device());
        let mut h = Tensor::f_zeros([b, hd], opts)?;
        let mut c = Tensor::f_zeros([b, hd], opts)?;
        let mut outs = Vec::with_capacity(t as usize);
        for step in 0..t {
            let mut codes = h.f_mul_scalar(127.0)?;
            let _ = codes.f_round_()?;
            let acc = codes.f_to_kind(Kind::Int8)?.f_internal_int_mm(&self.hh_t)?;
            let g = gates_x.f_select(0, step)?.f_addcmul(&acc, &self.hh_scale)?;
            let _ = g.f_narrow(1, 0, 3 * hd)?.f_sigmoid_()?;
            let mut cand = g.f_narrow(1, 3 * hd, hd)?;
            let _ = cand.f_tanh_()?;
            let (i, f, o) = (
                g.f_narrow(1, 0, hd)?,
                g.f_narrow(1, hd, hd)?,
                g.f_narrow(1, 2 * hd, hd)?,
            );
            let _ = c.f_mul_(&f)?;
            let _ = c.f_addcmul_(&i, &cand)?;
            h = c.f_tanh()?;
            let _ = h.f_mul_(&o)?;
            outs.push(h.shallow_clone());
        }
        Ok((Tensor::f_stack(&outs, 1)?, h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn int8_linear_is_close_to_f32_and_checks_shapes() {
        tch::manual_seed(0);
        let cpu = (Kind::Float, Device::Cpu);
        let w = Tensor::randn([32, 64], cpu) * 0.1;
        let b = Tensor::randn([32], cpu);
        let x = Tensor::randn([5, 7, 64], cpu) + 0.3;
        let want = x.linear(&w, Some(&b));
        for (m, reduce) in [(1, false), (5, true)] {
            let q = Int8Linear::new(&w, Some(&b), reduce).unwrap();
            let xm = x.narrow(0, 0, m);
            let got = q.forward(&xm).unwrap();
            assert_eq!(got.size(), [m, 7, 32]);
            let err = (&got - want.narrow(0, 0, m)).abs().max().double_value(&[]);
            let scale = want.abs().max().double_value(&[]);
            assert!(err < 0.02 * scale, "m {m}: error {err} of {scale}");
            assert!(err > 0.0, "int8 results equal f32 exactly: not quantized?");
        }
        let q = Int8Linear::new(&w, None, false).unwrap();
        assert!(q.forward(&Tensor::zeros([2, 3], cpu)).is_err());
        assert!(Int8Linear::new(&Tensor::zeros([3], cpu), None, false).is_err());
    }

    #[test]
    fn int8_lstm_follows_the_f32_lstm() {
        tch::manual_seed(1);
        let cpu = (Kind::Float, Device::Cpu);
        let (f, h) = (12, 16);
        let wih = Tensor::randn([4 * h, f], cpu) * 0.3;
        let whh = Tensor::randn([4 * h, h], cpu) * 0.3;
        let bih = Tensor::randn([4 * h], cpu) * 0.1;
        let bhh = Tensor::randn([4 * h], cpu) * 0.1;
        let x = Tensor::randn([3, 9, f], cpu);
        let params = [&wih, &whh, &bih, &bhh];
        let (want, _, _) = x.lstm(
            &[
                &Tensor::zeros([1, 3, h], cpu),
                &Tensor::zeros([1, 3, h], cpu),
            ],
            &params,
            true,
            1,
            0.0,
            false,
            false,
            true,
        );
        let q = Int8Lstm::new(&wih, &whh, Some(&bih), Some(&bhh)).unwrap();
        let (got, last) = q.forward(&x).unwrap();
        assert_eq!(got.size(), [3, 9, h]);
        assert!(last.allclose(&got.select(1, 8), 0.0, 0.0, false));
        let err = (&got - &want).abs().max().double_value(&[]);
        assert!(err < 0.05 && err > 0.0, "{err}");
        assert!(Int8Lstm::new(&wih, &wih, None, None).is_err());
    }
}
