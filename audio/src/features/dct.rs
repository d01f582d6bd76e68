//! DCT-II with orthonormal scaling (`scipy.fftpack.dct(type=2, norm="ortho")`), truncated to the
//! first coefficients, and cepstral liftering.

/// The first `n_out` rows of the orthonormal DCT-II matrix of size `n_in`: row `k` is
/// `s_k · cos(π k (2n + 1) / (2 n_in))` with `s_0 = √(1/n_in)` and `s_k = √(2/n_in)`.
pub fn dct2_ortho_matrix(n_in: usize, n_out: usize) -> Vec<Vec<f64>> {
    let n = n_in as f64;
    (0..n_out)
        .map(|k| {
            let s = if k == 0 {
                (1.0 / n).sqrt()
            } else {
                (2.0 / n).sqrt()
            };
            (0..n_in)
                .map(|i| {
                    s * (std::f64::consts::PI * k as f64 * (2.0 * i as f64 + 1.0) / (2.0 * n)).cos()
                })
                .collect()
        })
        .collect()
}

/// Sinusoidal lifter weights `1 + (L/2)·sin(π n / L)` for `n = 0..n_coeffs` (HTK and
/// python_speech_features; `L ≤ 0` gives all ones).
pub fn lifter_weights(n_coeffs: usize, lifter: f64) -> Vec<f64> {
    (0..n_coeffs)
        .map(|i| {
            if lifter > 0.0 {
                1.0 + lifter / 2.0 * (std::f64::consts::PI * i as f64 / lifter).sin()
            } else {
                1.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthonormal_rows() {
        let m = dct2_ortho_matrix(8, 8);
        for a in 0..8 {
            for b in 0..8 {
                let dot: f64 = (0..8).map(|i| m[a][i] * m[b][i]).sum();
                assert!((dot - if a == b { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        let l = lifter_weights(3, 22.0);
        assert_eq!(l[0], 1.0);
        assert!((l[1] - (1.0 + 11.0 * (std::f64::consts::PI / 22.0).sin())).abs() < 1e-12);
        assert_eq!(lifter_weights(2, 0.0), vec![1.0, 1.0]);
    }
}
