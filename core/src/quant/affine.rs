//! Uniform affine quantization (Gholami et al. 2021, "A Survey of Quantization Methods for
//! Efficient Neural Network Inference", §3.1–3.3): `q = clamp(round(x / s) + z, qmin, qmax)`,
//! `x̂ = s (q − z)`, symmetric (z = 0, a range symmetric about 0) or asymmetric (the range
//! `[min, max]` mapped onto `[qmin, qmax]`), per tensor or per output channel, for any bit
//! width from 2 to 8.
//!
//! The scale and zero point follow `torch.ao.quantization`'s observers
//! (`_calculate_qparams`): the range always contains 0, a symmetric signed scheme uses
//! `s = max(|min|, |max|) / ((qmax − qmin) / 2)`, an asymmetric one `s = (max − min) / (qmax −
//! qmin)` and `z = qmin − round(min / s)` clamped into `[qmin, qmax]`; `s` is at least `f32::EPSILON`.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{ensure_config, ensure_input, Result};

/// How values are mapped to integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QScheme {
    /// Bits per value (2..=8).
    pub bits: u32,
    /// Symmetric (zero point 0, signed integers) or asymmetric (unsigned, zero point chosen).
    pub symmetric: bool,
    /// One scale per output channel (dimension 0 of a weight) instead of one per tensor.
    pub per_channel: bool,
    /// Signed integers `[-2^(b-1), 2^(b-1) - 1]` (else `[0, 2^b - 1]`).
    pub signed: bool,
    /// Drop one bit of range (as fbgemm's `reduce_range` for activations, avoiding overflow
    /// of 16-bit accumulations).
    pub reduce_range: bool,
}

impl Default for QScheme {
    /// 8-bit symmetric signed per-tensor: the usual weight scheme.
    fn default() -> Self {
        QScheme::weights(8)
    }
}

impl QScheme {
    /// Symmetric signed per-tensor weights of `bits` bits.
    pub fn weights(bits: u32) -> Self {
        QScheme {
            bits,
            symmetric: true,
            per_channel: false,
            signed: true,
            reduce_range: false,
        }
    }

    /// Asymmetric unsigned per-tensor activations of `bits` bits.
    pub fn activations(bits: u32) -> Self {
        QScheme {
            bits,
            symmetric: false,
            per_channel: false,
            signed: false,
            reduce_range: false,
        }
    }

    /// The same scheme, per output channel.
    pub fn per_channel(self) -> Self {
        QScheme {
            per_channel: true,
            ..self
        }
    }

    /// Check the bit width (2..=8).
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            (2..=8).contains(&self.bits),
            "quantization: bits must be 2..=8, got {}",
            self.bits
        );
        ensure_config!(
            !(self.reduce_range && self.bits < 3),
            "quantization: reduce_range needs at least 3 bits"
        );
        Ok(())
    }

    /// The integer range `(qmin, qmax)`.
    pub fn range(&self) -> (i64, i64) {
        let bits = if self.reduce_range {
            self.bits - 1
        } else {
            self.bits
        };
        if self.signed {
            (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
        } else {
            (0, (1i64 << bits) - 1)
        }
    }
}

/// Scale and zero point of a quantized tensor (shape `[]` per tensor, `[C]` per channel).
#[derive(Debug)]
pub struct QParams {
    pub scheme: QScheme,
    /// Scales, `f32`.
    pub scale: Tensor,
    /// Zero points, `i64`.
    pub zero_point: Tensor,
}

impl Clone for QParams {
    fn clone(&self) -> Self {
        QParams {
            scheme: self.scheme,
            scale: self.scale.copy(),
            zero_point: self.zero_point.copy(),
        }
    }
}

impl QParams {
    /// Scale and zero point from observed ranges `min`, `max` (scalars, or `[C]` per channel).
    pub fn from_min_max(scheme: QScheme, min: &Tensor, max: &Tensor) -> Result<Self> {
        scheme.validate()?;
        let (qmin, qmax) = scheme.range();
        let min = min.to_kind(Kind::Float).clamp_max(0.0);
        let max = max.to_kind(Kind::Float).clamp_min(0.0);
        let eps = f64::from(f32::EPSILON);
        let (scale, zero_point) = if scheme.symmetric {
            let m = min.abs().maximum(&max);
            let scale = (m / ((qmax - qmin) as f64 / 2.0)).clamp_min(eps);
            // Unsigned symmetric ranges centre on the middle code (torch's 128 for quint8).
            let z = if scheme.signed {
                0
            } else {
                (qmin + qmax + 1) / 2
            };
            let zero = scale.zeros_like().to_kind(Kind::Int64) + z;
            (scale, zero)
        } else {
            let scale = ((&max - &min) / (qmax - qmin) as f64).clamp_min(eps);
            let zero = (-(&min / &scale).round() + qmin as f64)
                .clamp(qmin as f64, qmax as f64)
                .to_kind(Kind::Int64);
            (scale, zero)
        };
        Ok(QParams {
            scheme,
            scale,
            zero_point,
        })
    }

    /// Scale and zero point from the minimum and maximum of `x` (per output channel where the
    /// scheme says so).
    pub fn of(scheme: QScheme, x: &Tensor) -> Result<Self> {
        let (min, max) = min_max(x, scheme.per_channel)?;
        Self::from_min_max(scheme, &min, &max)
    }

    /// Broadcast `scale`/`zero_point` against a tensor of `dims` dimensions (channel axis 0).
    fn shaped(&self, dims: usize) -> (Tensor, Tensor) {
        if self.scale.dim() == 0 || dims == 0 {
            return (self.scale.shallow_clone(), self.zero_point.shallow_clone());
        }
        let mut shape = vec![1i64; dims];
        shape[0] = -1;
        (
            self.scale.view(&shape[..]),
            self.zero_point.view(&shape[..]),
        )
    }

    /// The integer codes of `x` (`i64`, within `[qmin, qmax]`).
    pub fn quantize(&self, x: &Tensor) -> Result<Tensor> {
        self.check(x)?;
        let (qmin, qmax) = self.scheme.range();
        let (s, z) = self.shaped(x.dim());
        Ok(((x.to_kind(Kind::Float) / s).round() + z)
            .clamp(qmin as f64, qmax as f64)
            .to_kind(Kind::Int64))
    }

    /// Real values of integer codes `q`: `s (q − z)`.
    pub fn dequantize(&self, q: &Tensor) -> Result<Tensor> {
        self.check(q)?;
        let (s, z) = self.shaped(q.dim());
        Ok((q.to_kind(Kind::Float) - z.to_kind(Kind::Float)) * s)
    }

    /// Quantize and dequantize `x` with the straight-through estimator: the forward value is
    /// `x̂`, the gradient passes unchanged where `x` lies inside the representable range and is
    /// 0 where it was clipped (libtorch's `fake_quantize_per_{tensor,channel}_affine`).
    pub fn fake_quantize(&self, x: &Tensor) -> Result<Tensor> {
        self.check(x)?;
        let (qmin, qmax) = self.scheme.range();
        let x = x.to_kind(Kind::Float);
        if self.scale.dim() == 0 {
            Ok(x.f_fake_quantize_per_tensor_affine(
                self.scale.double_value(&[]),
                self.zero_point.int64_value(&[]),
                qmin,
                qmax,
            )?)
        } else {
            Ok(x.f_fake_quantize_per_channel_affine(
                &self.scale.to_device(x.device()),
                &self.zero_point.to_kind(Kind::Int).to_device(x.device()),
                0,
                qmin,
                qmax,
            )?)
        }
    }

    /// The number of channels these parameters cover (1 per tensor).
    pub fn channels(&self) -> i64 {
        if self.scale.dim() == 0 {
            1
        } else {
            self.scale.size()[0]
        }
    }

    fn check(&self, x: &Tensor) -> Result<()> {
        if self.scale.dim() > 0 {
            let c = x.size().first().copied().unwrap_or(0);
            ensure_input!(
                c == self.channels(),
                "quantization: per-channel parameters for {} channels, tensor of shape {:?}",
                self.channels(),
                x.size()
            );
        }
        Ok(())
    }
}

/// Minimum and maximum of `x`: scalars, or per channel (dimension 0) as `[C]`.
pub fn min_max(x: &Tensor, per_channel: bool) -> Result<(Tensor, Tensor)> {
    ensure_input!(x.numel() > 0, "quantization: an empty tensor has no range");
    let x = x.to_kind(Kind::Float);
    if per_channel {
        ensure_input!(
            x.dim() >= 1,
            "quantization: per-channel needs a tensor with a channel dimension"
        );
        let flat = if x.dim() == 1 {
            x.unsqueeze(1)
        } else {
            x.flatten(1, -1)
        };
        Ok((flat.amin(1, false), flat.amax(1, false)))
    } else {
        Ok((x.min(), x.max()))
    }
}

/// Mean squared error between `x` and its quantized-dequantized value (the quality measure of
/// the MSE observer and the sensitivity scan).
pub fn quantization_mse(params: &QParams, x: &Tensor) -> Result<f64> {
    let xq = params.dequantize(&params.quantize(x)?)?;
    Ok((xq - x.to_kind(Kind::Float))
        .square()
        .mean(Kind::Double)
        .double_value(&[]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    fn t(v: &[f32]) -> Tensor {
        Tensor::from_slice(v)
    }

    #[test]
    fn ranges_for_every_bit_width() {
        assert_eq!(QScheme::weights(8).range(), (-128, 127));
        assert_eq!(QScheme::weights(4).range(), (-8, 7));
        assert_eq!(QScheme::weights(2).range(), (-2, 1));
        assert_eq!(QScheme::activations(8).range(), (0, 255));
        let reduced = QScheme {
            reduce_range: true,
            ..QScheme::activations(8)
        };
        assert_eq!(reduced.range(), (0, 127));
        for bad in [0, 1, 9, 16] {
            assert!(QScheme::weights(bad).validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn asymmetric_maps_min_and_max_onto_the_integer_range() {
        let x = t(&[-1.0, 0.0, 0.5, 3.0]);
        let p = QParams::of(QScheme::activations(8), &x).unwrap();
        let s = p.scale.double_value(&[]);
        assert!((s - 4.0 / 255.0).abs() < 1e-7, "{s}");
        assert_eq!(p.zero_point.int64_value(&[]), 64); // round(1 / (4/255)) = 64
        let q = p.quantize(&x).unwrap();
        assert_eq!(Vec::<i64>::try_from(&q).unwrap(), [0, 64, 96, 255]);
        // Zero is exact; the others within half a step.
        let back = p.dequantize(&q).unwrap();
        assert_eq!(back.double_value(&[1]), 0.0);
        let err = (back - &x).abs().max().double_value(&[]);
        assert!(err <= s / 2.0 + 1e-6, "{err}");
    }

    #[test]
    fn symmetric_per_channel_scales_each_row() {
        let w = Tensor::from_slice(&[1.0f32, -2.0, 0.5, 0.25]).view([2, 2]);
        let p = QParams::of(QScheme::weights(4).per_channel(), &w).unwrap();
        let s = Vec::<f32>::try_from(&p.scale).unwrap();
        assert!((s[0] - 2.0 / 7.5).abs() < 1e-6 && (s[1] - 0.5 / 7.5).abs() < 1e-6);
        assert_eq!(Vec::<i64>::try_from(&p.zero_point).unwrap(), [0, 0]);
        let q = Vec::<i64>::try_from(p.quantize(&w).unwrap().flatten(0, -1)).unwrap();
        // The largest magnitude lands on ±7.5 (torch's scale), rounded to either side.
        assert_eq!((q[0], q[2], q[3]), (4, 7, 4), "{q:?}");
        assert!(q[1] == -8 || q[1] == -7, "{q:?}");
        // Wrong channel count is an error, not a broadcast.
        assert!(p
            .quantize(&Tensor::zeros([3, 2], (Kind::Float, Device::Cpu)))
            .is_err());
    }

    #[test]
    fn fake_quant_passes_gradients_straight_through_inside_the_range() {
        let x = t(&[-3.0, -0.3, 0.25, 0.9, 5.0]).set_requires_grad(true);
        let p = QParams::from_min_max(
            QScheme::activations(4),
            &t(&[-1.0]).squeeze(),
            &t(&[1.0]).squeeze(),
        )
        .unwrap();
        let y = p.fake_quantize(&x).unwrap();
        // Forward: the dequantized codes.
        let want = p.dequantize(&p.quantize(&x.detach()).unwrap()).unwrap();
        assert!(y.detach().allclose(&want, 1e-6, 1e-6, false));
        // Backward: 1 inside [-1, 1], 0 for the clipped -3 and 5.
        (y * t(&[1.0, 2.0, 3.0, 4.0, 5.0]))
            .sum(Kind::Float)
            .backward();
        assert_eq!(
            Vec::<f32>::try_from(x.grad()).unwrap(),
            [0.0, 2.0, 3.0, 4.0, 0.0]
        );
    }

    #[test]
    fn more_bits_less_error() {
        tch::manual_seed(0);
        let x = Tensor::randn([1000], (Kind::Float, Device::Cpu));
        let errs: Vec<f64> = [2, 4, 6, 8]
            .iter()
            .map(|&b| quantization_mse(&QParams::of(QScheme::weights(b), &x).unwrap(), &x).unwrap())
            .collect();
        assert!(errs.windows(2).all(|w| w[1] < w[0] / 8.0), "{errs:?}");
    }
}
