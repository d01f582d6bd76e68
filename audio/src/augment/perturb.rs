//! Speed and pitch perturbation of waveforms, as extra training copies.
//!
//! * **Speed** — Ko, Peddinti, Povey & Khudanpur, "Audio Augmentation for Speech Recognition",
//!   Interspeech 2015: the signal is resampled from `factor · rate` to `rate` and played at
//!   `rate`, so it lasts `1/factor` as long and every frequency is scaled by `factor` (factors
//!   0.9, 1.0, 1.1 in the paper). With the band-limited resampler of [`crate::resample`], a
//!   signal of `n` samples becomes `⌈n / factor⌉` samples, `factor` being rounded to a source
//!   rate on a 10 Hz grid ([`source_rate`]).
//! * **Pitch** — see [`PITCH_METHOD`]: speed perturbation by `2^(s/12)` (pitch and tempo both
//!   change), then the static MFCC frames are stretched back to the original frame count by
//!   linear interpolation before the deltas are taken, so the model sees a pitch/formant-shifted
//!   utterance at its original duration. A waveform-domain pitch shifter (phase vocoder, WSOLA)
//!   would give the same spectral envelope shift; stretching the frame sequence instead is cheaper
//!   and touches only what the classifier reads.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ensure_config;
use crate::features::{FeatureMatrix, FrontEnd};
use crate::resample::resample;
use crate::wav::read_wav_limited;
use crate::Result;

/// How the pitch shift is made (written into reports).
pub const PITCH_METHOD: &str = "resampling by 2^(s/12) (pitch and tempo scaled), then the static \
     MFCC frames linearly time-stretched back to the original frame count before Δ/ΔΔ";

/// Which perturbed copies each training clip gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PerturbConfig {
    /// Speed factors (the original, 1.0, is always kept and need not be listed).
    pub speeds: Vec<f64>,
    /// Pitch shifts in semitones.
    pub semitones: Vec<f64>,
}

impl Default for PerturbConfig {
    /// Speeds 0.9 and 1.1 (Ko et al. 2015) and pitch shifts of ±2 semitones: four copies.
    fn default() -> Self {
        PerturbConfig {
            speeds: vec![0.9, 1.1],
            semitones: vec![-2.0, 2.0],
        }
    }
}

impl PerturbConfig {
    /// Check the factors (speeds in [0.5, 2], shifts within an octave).
    pub fn validate(&self) -> Result<()> {
        for &s in &self.speeds {
            ensure_config!(
                (0.5..=2.0).contains(&s),
                "perturb: speed factor {s} is outside [0.5, 2]"
            );
        }
        for &s in &self.semitones {
            ensure_config!(
                s.abs() <= 12.0,
                "perturb: pitch shift {s} semitones is more than an octave"
            );
        }
        Ok(())
    }

    /// Perturbed copies per clip.
    pub fn copies(&self) -> usize {
        self.speeds.len() + self.semitones.len()
    }
}

/// `x` (at `rate` Hz) played `factor` times faster: `⌈len / factor⌉` samples, every
/// frequency scaled by `factor` (`factor` rounded to [`source_rate`]` / rate`).
pub fn speed_perturb(x: &[f32], rate: u32, factor: f64) -> Result<Vec<f32>> {
    ensure_config!(
        factor.is_finite() && factor > 0.0,
        "speed perturbation: factor must be > 0, got {factor}"
    );
    resample(x, source_rate(rate, factor), rate)
}

/// The source rate of a speed change by `factor`: `factor · rate` rounded to 10 Hz (to 1 Hz
/// below 1 kHz), so the resampler's phase table stays small (≤ rate / 10 phases) — a factor
/// `2^(2/12)` at 8 kHz becomes 8,980 / 8,000, within 0.1% of the exact ratio.
pub fn source_rate(rate: u32, factor: f64) -> u32 {
    let exact = rate as f64 * factor;
    let step = if exact >= 1000.0 { 10.0 } else { 1.0 };
    ((exact / step).round() * step).max(1.0) as u32
}

/// `m` with `rows` frames, linearly interpolated over time (first and last frames kept).
pub fn stretch_frames(m: &FeatureMatrix, rows: usize) -> FeatureMatrix {
    let cols = m.cols;
    if m.rows == 0 || rows == 0 {
        return FeatureMatrix {
            rows: 0,
            cols,
            data: Vec::new(),
        };
    }
    let mut data = Vec::with_capacity(rows * cols);
    let scale = if rows > 1 {
        (m.rows - 1) as f64 / (rows - 1) as f64
    } else {
        0.0
    };
    for t in 0..rows {
        let s = t as f64 * scale;
        let lo = (s.floor() as usize).min(m.rows - 1);
        let hi = (lo + 1).min(m.rows - 1);
        let w = (s - lo as f64) as f32;
        let (a, b) = (m.row(lo), m.row(hi));
        data.extend(a.iter().zip(b).map(|(a, b)| a + (b - a) * w));
    }
    FeatureMatrix { rows, cols, data }
}

/// The perturbed copies of the recording `path`: one per speed factor, then one per pitch
/// shift, in [`PerturbConfig`] order. Errors name the file.
pub fn perturbed_features(
    front: &FrontEnd,
    path: &Path,
    cfg: &PerturbConfig,
) -> Result<Vec<FeatureMatrix>> {
    let fc = front.config();
    let rate = fc.mfcc.sample_rate;
    let (audio, _) = read_wav_limited(path, fc.max_seconds)?;
    let x = if audio.sample_rate == rate {
        audio.samples
    } else {
        resample(&audio.samples, audio.sample_rate, rate)?
    };
    let named = |e: crate::Error| match e {
        crate::Error::BadAudio { .. } => e,
        other => crate::Error::bad_audio(path, other.to_string()),
    };
    let mut out = Vec::with_capacity(cfg.copies());
    for &s in &cfg.speeds {
        let y = speed_perturb(&x, rate, s)?;
        out.push(front.from_signal(&y).map_err(named)?);
    }
    if !cfg.semitones.is_empty() {
        let frames = front.static_frames(&x)?;
        for &s in &cfg.semitones {
            let y = speed_perturb(&x, rate, 2f64.powf(s / 12.0))?;
            out.push(
                front
                    .from_signal_stretched(&y, Some(frames))
                    .map_err(named)?,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_changes_duration_by_the_factor() {
        let rate = 8000;
        let x: Vec<f32> = (0..4001).map(|i| (i as f32 * 0.05).sin()).collect();
        for factor in [0.9, 1.0, 1.1, 2f64.powf(2.0 / 12.0), 2f64.powf(-2.0 / 12.0)] {
            let y = speed_perturb(&x, rate, factor).unwrap();
            let exact = source_rate(rate, factor) as f64 / rate as f64;
            assert!((exact / factor - 1.0).abs() < 2e-3, "{factor} → {exact}");
            let want = x.len() as f64 / exact;
            assert!(
                (y.len() as f64 - want).abs() <= 1.0,
                "factor {factor}: {} samples, want {want}",
                y.len()
            );
        }
        // A tone at 500 Hz played 1.1× faster is at 550 Hz: count zero crossings.
        let tone: Vec<f32> = (0..8000)
            .map(|i| (2.0 * std::f32::consts::PI * 500.0 * i as f32 / 8000.0).sin())
            .collect();
        let fast = speed_perturb(&tone, rate, 1.1).unwrap();
        let crossings = |v: &[f32]| v.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        let f = crossings(&fast[100..fast.len() - 100]) as f64 * 8000.0 / (fast.len() - 200) as f64;
        assert!((f - 550.0).abs() < 5.0, "{f} Hz");
        assert!(speed_perturb(&x, rate, 0.0).is_err());
        assert!(PerturbConfig {
            speeds: vec![3.0],
            semitones: vec![]
        }
        .validate()
        .is_err());
    }

    #[test]
    fn stretching_keeps_the_ends_and_interpolates() {
        let m = FeatureMatrix {
            rows: 3,
            cols: 2,
            data: vec![0.0, 10.0, 1.0, 20.0, 2.0, 30.0],
        };
        let s = stretch_frames(&m, 5);
        assert_eq!((s.rows, s.cols), (5, 2));
        assert_eq!(
            s.data,
            vec![0.0, 10.0, 0.5, 15.0, 1.0, 20.0, 1.5, 25.0, 2.0, 30.0]
        );
        assert_eq!(stretch_frames(&m, 3), m);
        assert_eq!(stretch_frames(&m, 1).data, vec![0.0, 10.0]);
    }
}
