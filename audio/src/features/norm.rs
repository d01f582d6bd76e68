//! Feature normalisation: per-utterance cepstral mean and variance normalisation (CMVN), and a
//! per-coefficient standardiser fitted on the frames of a training set (saved with the model).

use serde::{Deserialize, Serialize};

use super::FeatureMatrix;
use crate::{Error, Result};

/// Per-utterance CMVN: every column to mean 0 and (population) standard deviation 1; a constant
/// column becomes 0.
pub fn cmvn(m: &FeatureMatrix) -> FeatureMatrix {
    let mut out = m.clone();
    if m.rows == 0 {
        return out;
    }
    for c in 0..m.cols {
        let col = (0..m.rows).map(|t| m.data[t * m.cols + c] as f64);
        let mean = col.clone().sum::<f64>() / m.rows as f64;
        let var = col.map(|v| (v - mean).powi(2)).sum::<f64>() / m.rows as f64;
        let sd = if var > 1e-20 { var.sqrt() } else { 1.0 };
        for t in 0..m.rows {
            let v = &mut out.data[t * m.cols + c];
            *v = ((*v as f64 - mean) / sd) as f32;
        }
    }
    out
}

/// Per-coefficient mean and standard deviation over every frame of a training set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameScaler {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl FrameScaler {
    /// Fit on the frames of `mats` (all with the same number of columns).
    pub fn fit<'a>(mats: impl IntoIterator<Item = &'a FeatureMatrix>) -> Result<Self> {
        let mut sum: Vec<f64> = Vec::new();
        let mut sq: Vec<f64> = Vec::new();
        let mut n = 0usize;
        for m in mats {
            if sum.is_empty() {
                sum = vec![0.0; m.cols];
                sq = vec![0.0; m.cols];
            }
            if m.cols != sum.len() {
                return Err(Error::input(format!(
                    "frame scaler: {} coefficients where {} were expected",
                    m.cols,
                    sum.len()
                )));
            }
            for t in 0..m.rows {
                for (c, &v) in m.row(t).iter().enumerate() {
                    sum[c] += v as f64;
                    sq[c] += (v as f64) * (v as f64);
                }
            }
            n += m.rows;
        }
        if n == 0 {
            return Err(Error::input("frame scaler: no frames to fit on"));
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| {
                let v = (q / n as f64 - m * m).max(0.0);
                if v > 1e-20 {
                    v.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        Ok(FrameScaler { mean, std })
    }

    /// Standardise `m` (must have the fitted number of columns).
    pub fn transform(&self, m: &FeatureMatrix) -> Result<FeatureMatrix> {
        if m.cols != self.mean.len() {
            return Err(Error::input(format!(
                "frame scaler: fitted on {} coefficients, got {}",
                self.mean.len(),
                m.cols
            )));
        }
        let mut out = m.clone();
        for (i, v) in out.data.iter_mut().enumerate() {
            let c = i % m.cols;
            *v = ((*v as f64 - self.mean[c]) / self.std[c]) as f32;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmvn_and_scaler() {
        let m = FeatureMatrix {
            rows: 3,
            cols: 2,
            data: vec![1.0, 5.0, 2.0, 5.0, 3.0, 5.0],
        };
        let c = cmvn(&m);
        let col0: Vec<f32> = (0..3).map(|t| c.data[t * 2]).collect();
        assert!((col0[0] + 1.224_744_9).abs() < 1e-6 && col0[1].abs() < 1e-7);
        assert_eq!(c.data[1], 0.0);
        let s = FrameScaler::fit([&m]).unwrap();
        assert_eq!(s.mean, vec![2.0, 5.0]);
        let t = s.transform(&m).unwrap();
        assert_eq!(t, c);
        let bad = FeatureMatrix {
            rows: 1,
            cols: 3,
            data: vec![0.0; 3],
        };
        assert!(s.transform(&bad).is_err());
        assert!(FrameScaler::fit([&m, &bad]).is_err());
    }
}
