//! Mel scales and mel filterbanks.
//!
//! * Scales: HTK (`2595·log10(1 + f/700)`, O'Shaughnessy 1987) and Slaney (linear below 1 kHz,
//!   logarithmic above; Slaney's Auditory Toolbox, librosa's default).
//! * Filters: triangles evaluated at the FFT bin frequencies (librosa `filters.mel`), optionally
//!   area-normalised (`norm="slaney"`), or python_speech_features' triangles whose corners are
//!   quantised to FFT bins (`floor((n_fft + 1)·f/sr)`).

use serde::{Deserialize, Serialize};

use crate::error::ensure_config;
use crate::Result;

/// Hz ↔ mel mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MelScale {
    Htk,
    #[default]
    Slaney,
}

impl MelScale {
    /// Hz → mel.
    pub fn hz_to_mel(self, f: f64) -> f64 {
        match self {
            MelScale::Htk => 2595.0 * (1.0 + f / 700.0).log10(),
            MelScale::Slaney => {
                let f_sp = 200.0 / 3.0;
                if f >= 1000.0 {
                    1000.0 / f_sp + (f / 1000.0).ln() / (6.4f64.ln() / 27.0)
                } else {
                    f / f_sp
                }
            }
        }
    }

    /// Mel → Hz.
    pub fn mel_to_hz(self, m: f64) -> f64 {
        match self {
            MelScale::Htk => 700.0 * (10f64.powf(m / 2595.0) - 1.0),
            MelScale::Slaney => {
                let f_sp = 200.0 / 3.0;
                let min_log_mel = 1000.0 / f_sp;
                if m >= min_log_mel {
                    1000.0 * ((6.4f64.ln() / 27.0) * (m - min_log_mel)).exp()
                } else {
                    f_sp * m
                }
            }
        }
    }
}

/// Filter normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MelNorm {
    /// Peak 1.
    None,
    /// Each triangle scaled by `2 / (f_right − f_left)` (equal area; librosa's default).
    #[default]
    Slaney,
}

/// Mel filterbank parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MelConfig {
    pub n_mels: usize,
    pub fmin: f64,
    /// Upper edge; `None` is the Nyquist frequency.
    pub fmax: Option<f64>,
    pub scale: MelScale,
    pub norm: MelNorm,
    /// Corners quantised to FFT bins, as python_speech_features (`norm` is then ignored).
    pub quantized: bool,
}

impl Default for MelConfig {
    fn default() -> Self {
        MelConfig {
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            scale: MelScale::Slaney,
            norm: MelNorm::Slaney,
            quantized: false,
        }
    }
}

/// A sparse mel filterbank: filter `i` has weights `weights[i]` on bins `start[i]..`.
#[derive(Debug, Clone)]
pub struct MelFilterbank {
    pub start: Vec<usize>,
    pub weights: Vec<Vec<f32>>,
    pub n_bins: usize,
}

impl MelFilterbank {
    /// Build the filters for `n_fft`-point spectra at `sample_rate`.
    pub fn new(cfg: &MelConfig, n_fft: usize, sample_rate: u32) -> Result<Self> {
        let sr = sample_rate as f64;
        let fmax = cfg.fmax.unwrap_or(sr / 2.0);
        ensure_config!(cfg.n_mels > 0, "mel: n_mels must be > 0");
        ensure_config!(
            cfg.fmin >= 0.0 && fmax > cfg.fmin && fmax <= sr / 2.0 + 1e-9,
            "mel: need 0 ≤ fmin < fmax ≤ sr/2, got fmin {} fmax {fmax} at {sample_rate} Hz",
            cfg.fmin
        );
        let n_bins = n_fft / 2 + 1;
        let (lo, hi) = (cfg.scale.hz_to_mel(cfg.fmin), cfg.scale.hz_to_mel(fmax));
        let pts: Vec<f64> = (0..cfg.n_mels + 2)
            .map(|i| {
                cfg.scale
                    .mel_to_hz(lo + (hi - lo) * i as f64 / (cfg.n_mels + 1) as f64)
            })
            .collect();
        let mut dense = vec![vec![0f64; n_bins]; cfg.n_mels];
        if cfg.quantized {
            let bin: Vec<f64> = pts
                .iter()
                .map(|f| ((n_fft as f64 + 1.0) * f / sr).floor())
                .collect();
            for (j, row) in dense.iter_mut().enumerate() {
                let (a, b, c) = (bin[j] as usize, bin[j + 1] as usize, bin[j + 2] as usize);
                for (i, v) in row.iter_mut().enumerate().take(b.min(n_bins)).skip(a) {
                    *v = (i as f64 - bin[j]) / (bin[j + 1] - bin[j]);
                }
                for (i, v) in row.iter_mut().enumerate().take(c.min(n_bins)).skip(b) {
                    *v = (bin[j + 2] - i as f64) / (bin[j + 2] - bin[j + 1]);
                }
            }
        } else {
            let fft_f: Vec<f64> = (0..n_bins).map(|k| k as f64 * sr / n_fft as f64).collect();
            for (i, row) in dense.iter_mut().enumerate() {
                let (d0, d1) = (pts[i + 1] - pts[i], pts[i + 2] - pts[i + 1]);
                let enorm = match cfg.norm {
                    MelNorm::Slaney => 2.0 / (pts[i + 2] - pts[i]),
                    MelNorm::None => 1.0,
                };
                for (k, v) in row.iter_mut().enumerate() {
                    let lower = (fft_f[k] - pts[i]) / d0;
                    let upper = (pts[i + 2] - fft_f[k]) / d1;
                    *v = lower.min(upper).max(0.0) * enorm;
                }
            }
        }
        let mut start = Vec::with_capacity(cfg.n_mels);
        let mut weights = Vec::with_capacity(cfg.n_mels);
        for row in dense {
            let first = row.iter().position(|&v| v != 0.0).unwrap_or(0);
            let last = row.iter().rposition(|&v| v != 0.0).map_or(first, |l| l + 1);
            start.push(first);
            weights.push(row[first..last].iter().map(|&v| v as f32).collect());
        }
        Ok(MelFilterbank {
            start,
            weights,
            n_bins,
        })
    }

    /// Number of filters.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True without filters (never, once built).
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// Filter energies of one power spectrum (`n_fft/2 + 1` bins) into `out`.
    pub fn apply(&self, power: &[f32], out: &mut [f64]) {
        for ((o, &s), w) in out.iter_mut().zip(&self.start).zip(&self.weights) {
            *o = power[s..s + w.len()]
                .iter()
                .zip(w)
                .map(|(p, w)| (p * w) as f64)
                .sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_round_trip_and_known_values() {
        for s in [MelScale::Htk, MelScale::Slaney] {
            for f in [0.0, 300.0, 1000.0, 4000.0, 11025.0] {
                assert!((s.mel_to_hz(s.hz_to_mel(f)) - f).abs() < 1e-6);
            }
        }
        // librosa.hz_to_mel(1000) = 15, hz_to_mel(1000, htk=True) = 999.985…
        assert!((MelScale::Slaney.hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((MelScale::Htk.hz_to_mel(1000.0) - 999.985_537_139_624_4).abs() < 1e-9);
        let fb = MelFilterbank::new(&MelConfig::default(), 2048, 22050).unwrap();
        assert_eq!(fb.len(), 128);
        assert!(MelFilterbank::new(
            &MelConfig {
                fmax: Some(9000.0),
                ..Default::default()
            },
            512,
            8000
        )
        .is_err());
    }
}
