//! The stochastic augmentation module: each view is a random crop (taken by the pair sampler,
//! [`super::pretrain`]) then, each with its own probability, an amplitude scale, Gaussian
//! jitter and band-limited noise, and finally mean removal (as every beat window gets).
//!
//! The paper's ECG module also has time warping and cut-out; those are not here.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{ensure_config, ensure_input, Result};

/// Augmentation strengths and probabilities (amplitudes in the signal's units, mV).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AugmentConfig {
    /// Amplitude scale drawn uniformly from `[lo, hi]`.
    pub scale: [f64; 2],
    pub p_scale: f64,
    /// Standard deviation of white Gaussian jitter (mV).
    pub jitter_std: f64,
    pub p_jitter: f64,
    /// Standard deviation of the band-limited noise (mV).
    pub band_noise_std: f64,
    /// Its pass band (Hz).
    pub band_hz: [f64; 2],
    pub p_band: f64,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            scale: [0.7, 1.3],
            p_scale: 0.8,
            jitter_std: 0.03,
            p_jitter: 0.8,
            band_noise_std: 0.08,
            band_hz: [1.0, 20.0],
            p_band: 0.5,
        }
    }
}

impl AugmentConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        let p_ok = |p: f64| (0.0..=1.0).contains(&p);
        ensure_config!(
            p_ok(self.p_scale) && p_ok(self.p_jitter) && p_ok(self.p_band),
            "augment: probabilities must be in [0, 1]"
        );
        ensure_config!(
            self.scale[0] > 0.0 && self.scale[0] <= self.scale[1],
            "augment: scale must be 0 < lo <= hi, got {:?}",
            self.scale
        );
        ensure_config!(
            self.jitter_std >= 0.0 && self.band_noise_std >= 0.0,
            "augment: noise levels must be >= 0"
        );
        ensure_config!(
            self.band_hz[0] >= 0.0 && self.band_hz[0] < self.band_hz[1],
            "augment: band_hz must be [lo, hi] with lo < hi, got {:?}",
            self.band_hz
        );
        Ok(())
    }
}

/// Per-row 0/1 gate with probability `p`, `[B, 1]`.
fn gate(b: i64, p: f64, like: &Tensor) -> Result<Tensor> {
    Ok(Tensor::f_rand([b, 1], (Kind::Float, like.device()))?
        .f_lt(p)?
        .f_to_kind(Kind::Float)?)
}

/// White noise restricted to `band_hz` by zeroing its other FFT bins, each row scaled to unit
/// standard deviation.
///
/// # Shapes
/// output: `[b, len]`.
pub fn band_noise(b: i64, len: i64, fs: f64, band_hz: [f64; 2], like: &Tensor) -> Result<Tensor> {
    let opts = (Kind::Float, like.device());
    let white = Tensor::f_randn([b, len], opts)?;
    let spec = white.f_fft_rfft(len, -1, "backward")?;
    let freq = Tensor::f_fft_rfftfreq(len, 1.0 / fs, opts)?;
    let pass = freq
        .f_ge(band_hz[0])?
        .f_logical_and(&freq.f_le(band_hz[1])?)?
        .f_to_kind(Kind::Float)?;
    let noise = spec.f_mul(&pass)?.f_fft_irfft(len, -1, "backward")?;
    let sd = noise
        .f_std_dim([1i64].as_slice(), false, true)?
        .f_clamp_min(1e-8)?;
    Ok(noise.f_div(&sd)?)
}

/// Augment a batch of crops sampled at `fs` Hz (torch's global generator: seed it for
/// repeatable runs).
///
/// # Shapes
/// `x`: `[B, L]`; output: `[B, L]`, every row mean-free.
pub fn augment(x: &Tensor, cfg: &AugmentConfig, fs: f64) -> Result<Tensor> {
    let s = x.size();
    ensure_input!(s.len() == 2, "augment: [B, L] expected, got {s:?}");
    let (b, len) = (s[0], s[1]);
    let opts = (Kind::Float, x.device());
    let mut y = x.shallow_clone();
    if cfg.p_scale > 0.0 {
        let [lo, hi] = cfg.scale;
        let scale = Tensor::f_rand([b, 1], opts)?
            .f_mul_scalar(hi - lo)?
            .f_add_scalar(lo)?;
        let g = gate(b, cfg.p_scale, x)?;
        // gate 1: scaled; gate 0: unchanged.
        let factor = scale.f_sub_scalar(1.0)?.f_mul(&g)?.f_add_scalar(1.0)?;
        y = y.f_mul(&factor)?;
    }
    if cfg.p_jitter > 0.0 && cfg.jitter_std > 0.0 {
        let g = gate(b, cfg.p_jitter, x)?;
        let n = Tensor::f_randn([b, len], opts)?.f_mul_scalar(cfg.jitter_std)?;
        y = y.f_add(&n.f_mul(&g)?)?;
    }
    if cfg.p_band > 0.0 && cfg.band_noise_std > 0.0 {
        let g = gate(b, cfg.p_band, x)?;
        let n = band_noise(b, len, fs, cfg.band_hz, x)?.f_mul_scalar(cfg.band_noise_std)?;
        y = y.f_add(&n.f_mul(&g)?)?;
    }
    let mean = y.f_mean_dim([1i64].as_slice(), true, Kind::Float)?;
    Ok(y.f_sub(&mean)?)
}
