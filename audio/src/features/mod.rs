//! Features: MFCCs and what surrounds them — frames and windows, mel filterbanks, DCT, deltas,
//! per-utterance and training-set normalisation, and the full front end
//! ([`FeatureConfig`]: WAV → resample → MFCC → deltas → CMVN).

pub mod dct;
pub mod deltas;
pub mod frames;
pub mod mel;
pub mod mfcc;
pub mod norm;
pub mod pipeline;
pub mod speaker;

pub use mfcc::{LogMode, Mfcc, MfccConfig};
pub use norm::{cmvn, FrameScaler};
pub use pipeline::{FeatureConfig, FrontEnd};
pub use speaker::speaker_cmvn;

/// A row-major `[rows, cols]` matrix of `f32`: one row per frame, one column per coefficient.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureMatrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl FeatureMatrix {
    /// Row `t`.
    pub fn row(&self, t: usize) -> &[f32] {
        &self.data[t * self.cols..(t + 1) * self.cols]
    }

    /// Column-wise concatenation of matrices with equal row counts.
    pub fn hstack(parts: &[&FeatureMatrix]) -> FeatureMatrix {
        let rows = parts.first().map_or(0, |p| p.rows);
        let cols = parts.iter().map(|p| p.cols).sum();
        let mut data = Vec::with_capacity(rows * cols);
        for t in 0..rows {
            for p in parts {
                data.extend_from_slice(p.row(t));
            }
        }
        FeatureMatrix { rows, cols, data }
    }

    /// As nested rows of `f64` (for plots and JSON).
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        (0..self.rows)
            .map(|t| self.row(t).iter().map(|&v| v as f64).collect())
            .collect()
    }
}
