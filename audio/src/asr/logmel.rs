//! Log-mel filterbank energies, the recogniser's input: the crate's framing, window and mel
//! filterbank ([`crate::features`]) without the DCT of the MFCC. Defaults are the usual ASR
//! front end: 16 kHz, 25 ms Hann windows every 10 ms, 512-point FFT, 40 HTK mel filters,
//! `ln(max(E, 1e-10))`.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use crate::error::ensure_config;
use crate::features::frames::{windowed_frame, FrameConfig, Framing, Window};
use crate::features::mel::{MelConfig, MelFilterbank, MelNorm, MelScale};
use crate::features::FeatureMatrix;
use crate::{Error, Result};

/// Log-mel parameters (saved with the model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogMelConfig {
    pub sample_rate: u32,
    pub n_fft: usize,
    pub win_length: usize,
    pub hop_length: usize,
    pub n_mels: usize,
    /// Floor before the logarithm.
    pub floor: f64,
}

impl Default for LogMelConfig {
    fn default() -> Self {
        LogMelConfig {
            sample_rate: 16_000,
            n_fft: 512,
            win_length: 400,
            hop_length: 160,
            n_mels: 40,
            floor: 1e-10,
        }
    }
}

impl LogMelConfig {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.sample_rate > 0
                && self.hop_length > 0
                && self.win_length > 0
                && self.win_length <= self.n_fft,
            "logmel: need sample_rate, hop > 0 and 0 < win_length ≤ n_fft"
        );
        ensure_config!(self.n_mels > 0, "logmel: n_mels must be > 0");
        ensure_config!(self.floor > 0.0, "logmel: floor must be > 0");
        Ok(())
    }
}

/// A ready extractor.
pub struct LogMel {
    cfg: LogMelConfig,
    frame: FrameConfig,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    offset: isize,
    mel: MelFilterbank,
}

impl LogMel {
    /// Build the extractor.
    pub fn new(cfg: &LogMelConfig) -> Result<Self> {
        cfg.validate()?;
        let frame = FrameConfig {
            n_fft: cfg.n_fft,
            win_length: cfg.win_length,
            hop_length: cfg.hop_length,
            window: Window::Hann,
            framing: Framing::PadEnd,
        };
        let mel_cfg = MelConfig {
            n_mels: cfg.n_mels,
            fmin: 0.0,
            fmax: None,
            scale: MelScale::Htk,
            norm: MelNorm::None,
            quantized: false,
        };
        let (window, offset) = frame.fft_window();
        Ok(LogMel {
            mel: MelFilterbank::new(&mel_cfg, cfg.n_fft, cfg.sample_rate)?,
            fft: RealFftPlanner::<f32>::new().plan_fft_forward(cfg.n_fft),
            cfg: cfg.clone(),
            frame,
            window,
            offset,
        })
    }

    /// `[frames, n_mels]` log energies of a signal at `sample_rate`.
    pub fn compute(&self, x: &[f32]) -> Result<FeatureMatrix> {
        if x.is_empty() {
            return Err(Error::input("logmel: empty signal"));
        }
        let n = self.frame.n_frames(x.len());
        let m = self.cfg.n_mels;
        let mut out = vec![0f32; n * m];
        let mut frame = self.fft.make_input_vec();
        let mut spec = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut power = vec![0f32; self.cfg.n_fft / 2 + 1];
        let mut row = vec![0f64; m];
        for t in 0..n {
            let start = self.offset + (t * self.cfg.hop_length) as isize;
            windowed_frame(x, start, &self.window, &mut frame);
            self.fft
                .process_with_scratch(&mut frame, &mut spec, &mut scratch)
                .map_err(|e| Error::input(format!("logmel: fft failed: {e}")))?;
            for (p, c) in power.iter_mut().zip(&spec) {
                *p = c.norm_sqr();
            }
            self.mel.apply(&power, &mut row);
            for (o, v) in out[t * m..(t + 1) * m].iter_mut().zip(&row) {
                *o = v.max(self.cfg.floor).ln() as f32;
            }
        }
        Ok(FeatureMatrix {
            rows: n,
            cols: m,
            data: out,
        })
    }
}
