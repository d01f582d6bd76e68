//! Delta (and delta-delta) features by linear regression over `±N` frames with the edge frames
//! repeated (HTK; python_speech_features `delta`):
//! `d_t = Σ_{n=1..N} n (c_{t+n} − c_{t−n}) / (2 Σ n²)`.

use super::FeatureMatrix;

/// Deltas of every column of `m` over `±width` frames (`width ≥ 1`).
pub fn deltas(m: &FeatureMatrix, width: usize) -> FeatureMatrix {
    let (rows, cols) = (m.rows, m.cols);
    let width = width.max(1);
    let denom = 2.0 * (1..=width).map(|n| (n * n) as f64).sum::<f64>();
    let mut data = vec![0f32; rows * cols];
    if rows == 0 {
        return FeatureMatrix { rows, cols, data };
    }
    let at = |t: isize| -> usize { t.clamp(0, rows as isize - 1) as usize };
    for t in 0..rows as isize {
        for c in 0..cols {
            let mut acc = 0f64;
            for n in 1..=width as isize {
                let (a, b) = (at(t + n), at(t - n));
                acc += n as f64 * (m.data[a * cols + c] as f64 - m.data[b * cols + c] as f64);
            }
            data[t as usize * cols + c] = (acc / denom) as f32;
        }
    }
    FeatureMatrix { rows, cols, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ramp_has_unit_delta_inside() {
        let m = FeatureMatrix {
            rows: 6,
            cols: 1,
            data: (0..6).map(|i| i as f32).collect(),
        };
        let d = deltas(&m, 2);
        assert_eq!(d.data[2], 1.0);
        assert_eq!(d.data[3], 1.0);
        // edges repeat the first/last frame: (1·(1−0) + 2·(2−0)) / 10
        assert!((d.data[0] - 0.5).abs() < 1e-7);
    }
}
