//! Mel-frequency cepstral coefficients (Davis & Mermelstein 1980): pre-emphasis → frames →
//! window → power spectrum → mel filterbank → log → DCT-II (orthonormal) → lifter.
//!
//! Two presets reproduce the reference implementations exactly in their algorithm:
//! [`MfccConfig::librosa`] (`librosa.feature.mfcc` defaults: 2048-point Hann frames, hop 512,
//! centred, 128 Slaney mel filters, `power_to_db` with an 80 dB floor, 20 coefficients) and
//! [`MfccConfig::python_speech_features`] (`python_speech_features.mfcc` defaults: 25 ms
//! rectangular frames, 10 ms step, pre-emphasis 0.97, 512-point FFT, 26 bin-quantised HTK
//! filters, natural log, 13 coefficients, lifter 22, log frame energy as c0).

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use super::dct::{dct2_ortho_matrix, lifter_weights};
use super::frames::{preemphasis, windowed_frame, FrameConfig, Framing, Window};
use super::mel::{MelConfig, MelFilterbank, MelNorm, MelScale};
use super::FeatureMatrix;
use crate::error::ensure_config;
use crate::{Error, Result};

/// How filterbank energies are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogMode {
    /// `10·log10(max(S, amin))`, then floored at `max − top_db` over the whole utterance
    /// (librosa `power_to_db`, `ref=1.0`).
    Db { amin: f64, top_db: Option<f64> },
    /// `ln(max(S, floor))` (python_speech_features replaces zeros by machine epsilon).
    Natural { floor: f64 },
}

/// All MFCC parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfccConfig {
    /// Rate the signal must have (Hz).
    pub sample_rate: u32,
    /// Pre-emphasis coefficient (0: off).
    pub preemphasis: f64,
    pub frame: FrameConfig,
    /// Divide the power spectrum by `n_fft` (python_speech_features `powspec`).
    pub power_by_nfft: bool,
    pub mel: MelConfig,
    pub log: LogMode,
    /// Cepstral coefficients kept.
    pub n_mfcc: usize,
    /// Sinusoidal lifter parameter (0: off).
    pub lifter: f64,
    /// Replace c0 by the log of the frame's total power (python_speech_features `appendEnergy`).
    pub energy_c0: bool,
}

impl MfccConfig {
    /// `librosa.feature.mfcc(y=y, sr=sr)` with every other argument at its default
    /// (librosa ≥ 0.10).
    pub fn librosa(sample_rate: u32) -> Self {
        MfccConfig {
            sample_rate,
            preemphasis: 0.0,
            frame: FrameConfig::default(),
            power_by_nfft: false,
            mel: MelConfig::default(),
            log: LogMode::Db {
                amin: 1e-10,
                top_db: Some(80.0),
            },
            n_mfcc: 20,
            lifter: 0.0,
            energy_c0: false,
        }
    }

    /// `python_speech_features.mfcc(signal, samplerate=sample_rate)` with every other argument at
    /// its default.
    pub fn python_speech_features(sample_rate: u32) -> Self {
        let round = |s: f64| (s * sample_rate as f64 + 0.5).floor() as usize;
        MfccConfig {
            sample_rate,
            preemphasis: 0.97,
            frame: FrameConfig {
                n_fft: 512,
                win_length: round(0.025),
                hop_length: round(0.01),
                window: Window::Rectangular,
                framing: Framing::PadEnd,
            },
            power_by_nfft: true,
            mel: MelConfig {
                n_mels: 26,
                fmin: 0.0,
                fmax: None,
                scale: MelScale::Htk,
                norm: MelNorm::None,
                quantized: true,
            },
            log: LogMode::Natural {
                floor: f64::EPSILON,
            },
            n_mfcc: 13,
            lifter: 22.0,
            energy_c0: true,
        }
    }

    /// The speech front end of the reproductions: python_speech_features' framing (25 ms / 10 ms,
    /// pre-emphasis 0.97, 13 coefficients, lifter 22, log energy as c0) with a Hamming window, 40
    /// HTK filters on continuous triangles, and the smallest power-of-two FFT holding a window.
    pub fn speech(sample_rate: u32) -> Self {
        let mut c = Self::python_speech_features(sample_rate);
        c.frame.window = Window::Hamming;
        c.frame.n_fft = c.frame.win_length.next_power_of_two();
        c.mel = MelConfig {
            n_mels: 40,
            fmin: 0.0,
            fmax: None,
            scale: MelScale::Htk,
            norm: MelNorm::None,
            quantized: false,
        };
        c
    }

    /// Check every parameter.
    pub fn validate(&self) -> Result<()> {
        let f = &self.frame;
        ensure_config!(self.sample_rate > 0, "mfcc: sample_rate must be > 0");
        ensure_config!(
            f.n_fft >= 2 && f.win_length > 0 && f.win_length <= f.n_fft && f.hop_length > 0,
            "mfcc: need 0 < win_length ≤ n_fft and hop_length > 0, got n_fft {}, win_length {}, hop_length {}",
            f.n_fft,
            f.win_length,
            f.hop_length
        );
        ensure_config!(
            self.n_mfcc > 0 && self.n_mfcc <= self.mel.n_mels,
            "mfcc: need 0 < n_mfcc ≤ n_mels, got {} and {}",
            self.n_mfcc,
            self.mel.n_mels
        );
        ensure_config!(
            (0.0..1.0).contains(&self.preemphasis),
            "mfcc: preemphasis must be in [0, 1), got {}",
            self.preemphasis
        );
        match self.log {
            LogMode::Db { amin, top_db } => ensure_config!(
                amin > 0.0 && top_db.is_none_or(|t| t >= 0.0),
                "mfcc: need amin > 0 and top_db ≥ 0"
            ),
            LogMode::Natural { floor } => {
                ensure_config!(floor > 0.0, "mfcc: log floor must be > 0")
            }
        }
        Ok(())
    }
}

/// A ready MFCC extractor (FFT plan, window, filters and DCT precomputed); cheap to reuse.
pub struct Mfcc {
    cfg: MfccConfig,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    offset: isize,
    mel: MelFilterbank,
    dct: Vec<Vec<f64>>,
    lifter: Vec<f64>,
}

impl std::fmt::Debug for Mfcc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mfcc").field("cfg", &self.cfg).finish()
    }
}

impl Mfcc {
    /// Build the extractor for `cfg`.
    pub fn new(cfg: &MfccConfig) -> Result<Self> {
        cfg.validate()?;
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(cfg.frame.n_fft);
        let (window, offset) = cfg.frame.fft_window();
        let mel = MelFilterbank::new(&cfg.mel, cfg.frame.n_fft, cfg.sample_rate)?;
        Ok(Mfcc {
            dct: dct2_ortho_matrix(cfg.mel.n_mels, cfg.n_mfcc),
            lifter: lifter_weights(cfg.n_mfcc, cfg.lifter),
            cfg: cfg.clone(),
            fft,
            window,
            offset,
            mel,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &MfccConfig {
        &self.cfg
    }

    /// MFCCs `[frames, n_mfcc]` of a mono signal at `cfg.sample_rate`.
    pub fn compute(&self, signal: &[f32]) -> Result<FeatureMatrix> {
        if signal.is_empty() {
            return Err(Error::input("mfcc: empty signal"));
        }
        let cfg = &self.cfg;
        let emph;
        let x: &[f32] = if cfg.preemphasis > 0.0 {
            emph = preemphasis(signal, cfg.preemphasis as f32);
            &emph
        } else {
            signal
        };
        let fr = &cfg.frame;
        let n_frames = fr.n_frames(x.len());
        let n_mels = self.mel.len();
        let mut logmel = vec![0f64; n_frames * n_mels];
        let mut energy = vec![0f64; if cfg.energy_c0 { n_frames } else { 0 }];
        let mut frame = self.fft.make_input_vec();
        let mut spec = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0f32; fr.n_fft / 2 + 1];
        let scale = if cfg.power_by_nfft {
            1.0 / fr.n_fft as f32
        } else {
            1.0
        };
        for t in 0..n_frames {
            let start = self.offset + (t * fr.hop_length) as isize;
            windowed_frame(x, start, &self.window, &mut frame);
            self.fft
                .process_with_scratch(&mut frame, &mut spec, &mut scratch)
                .map_err(|e| Error::input(format!("mfcc: fft failed: {e}")))?;
            for (p, c) in power.iter_mut().zip(&spec) {
                *p = c.norm_sqr() * scale;
            }
            self.mel
                .apply(&power, &mut logmel[t * n_mels..(t + 1) * n_mels]);
            if cfg.energy_c0 {
                energy[t] = power.iter().map(|&p| p as f64).sum();
            }
        }
        match cfg.log {
            LogMode::Db { amin, top_db } => {
                for v in logmel.iter_mut() {
                    *v = 10.0 * v.max(amin).log10();
                }
                if let Some(top) = top_db {
                    let max = logmel.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    for v in logmel.iter_mut() {
                        *v = v.max(max - top);
                    }
                }
            }
            LogMode::Natural { floor } => {
                for v in logmel.iter_mut() {
                    *v = v.max(floor).ln();
                }
                for e in energy.iter_mut() {
                    *e = e.max(floor).ln();
                }
            }
        }
        let n_mfcc = cfg.n_mfcc;
        let mut out = vec![0f32; n_frames * n_mfcc];
        for t in 0..n_frames {
            let row = &logmel[t * n_mels..(t + 1) * n_mels];
            for k in 0..n_mfcc {
                let c: f64 = self.dct[k].iter().zip(row).map(|(a, b)| a * b).sum();
                out[t * n_mfcc + k] = (c * self.lifter[k]) as f32;
            }
            if cfg.energy_c0 {
                out[t * n_mfcc] = energy[t] as f32;
            }
        }
        Ok(FeatureMatrix {
            rows: n_frames,
            cols: n_mfcc,
            data: out,
        })
    }
}
