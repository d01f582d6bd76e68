//! Frame-level audio low-level descriptors (LLDs) in the spirit of the seed's openSMILE set
//! (Thao et al. 2019 use the eGeMAPS/IS13 LLDs): 13 MFCCs with log energy as c0, their deltas
//! and delta-deltas (the crate's speech front end), plus the zero-crossing rate of each frame —
//! 40 descriptors per 10 ms frame.

use std::path::Path;

use crate::features::{FeatureConfig, FeatureMatrix, FrontEnd};
use crate::resample::resample;
use crate::wav::read_wav_limited;
use crate::{Error, Result};

/// Descriptors per frame: 39 MFCC-based + zero-crossing rate.
pub const N_LLD: usize = 40;

/// The LLD extractor: the speech front end at `sample_rate` and its framing for the ZCR.
#[derive(Debug)]
pub struct Lld {
    front: FrontEnd,
}

impl Lld {
    /// The extractor at `sample_rate` Hz (FSDD: 8 kHz).
    pub fn new(sample_rate: u32) -> Result<Self> {
        Ok(Lld {
            front: FrontEnd::new(&FeatureConfig::speech(sample_rate))?,
        })
    }

    /// The front end's config.
    pub fn features(&self) -> &FeatureConfig {
        self.front.config()
    }

    /// LLDs of a signal at the model rate: `[frames, 40]`.
    pub fn from_signal(&self, x: &[f32]) -> Result<FeatureMatrix> {
        let mfcc = self.front.from_signal(x)?;
        let frame = &self.front.config().mfcc.frame;
        let (win, hop) = (frame.win_length.max(1), frame.hop_length.max(1));
        let mut data = Vec::with_capacity(mfcc.rows * N_LLD);
        for t in 0..mfcc.rows {
            let start = (t * hop).min(x.len());
            let end = (start + win).min(x.len());
            let seg = &x[start..end];
            let crossings = seg
                .windows(2)
                .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
                .count();
            let zcr = crossings as f32 / seg.len().max(2).saturating_sub(1) as f32;
            data.extend_from_slice(mfcc.row(t));
            data.push(zcr);
        }
        Ok(FeatureMatrix {
            rows: mfcc.rows,
            cols: mfcc.cols + 1,
            data,
        })
    }

    /// LLDs of a WAV file (resampled to the model rate); errors name the file.
    pub fn from_file(&self, path: &Path) -> Result<FeatureMatrix> {
        let cfg = self.front.config();
        let (audio, _) = read_wav_limited(path, cfg.max_seconds)?;
        let rate = cfg.mfcc.sample_rate;
        let x = if audio.sample_rate == rate {
            audio.samples
        } else {
            resample(&audio.samples, audio.sample_rate, rate)?
        };
        self.from_signal(&x).map_err(|e| match e {
            Error::BadAudio { .. } => e,
            other => Error::bad_audio(path, other.to_string()),
        })
    }
}

/// The first `frames` rows of `m`, zero-padded at the end (after standardisation zero is the
/// training mean): `frames × cols` values, row-major.
pub fn fixed_frames(m: &FeatureMatrix, frames: usize) -> Vec<f32> {
    let mut out = vec![0.0; frames * m.cols];
    let n = m.rows.min(frames) * m.cols;
    out[..n].copy_from_slice(&m.data[..n]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zcr_of_a_tone_and_shapes() {
        let rate = 8000;
        let f = 1000.0;
        let x: Vec<f32> = (0..4000)
            .map(|i| (2.0 * std::f32::consts::PI * f * i as f32 / rate as f32 + 0.1).sin())
            .collect();
        let m = Lld::new(rate).unwrap().from_signal(&x).unwrap();
        assert_eq!(m.cols, N_LLD);
        assert!(m.rows > 40);
        // A 1 kHz tone at 8 kHz crosses zero 2000 times a second: 0.25 per sample.
        let zcr = m.row(10)[N_LLD - 1];
        assert!((zcr - 0.25).abs() < 0.02, "zcr {zcr}");
        let fixed = fixed_frames(&m, 100);
        assert_eq!(fixed.len(), 100 * N_LLD);
        assert_eq!(&fixed[m.rows * N_LLD..], vec![0.0; (100 - m.rows) * N_LLD]);
    }
}
