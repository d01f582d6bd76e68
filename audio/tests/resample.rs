//! Resampling accuracy on sines: in-band sines come back as the exact sine at the new rate, and
//! out-of-band content is removed when down-sampling (no aliasing).

use deepfield_audio::resample::resample;

fn sine(n: usize, rate: f64, f: f64) -> Vec<f32> {
    (0..n)
        .map(|i| (0.5 * (2.0 * std::f64::consts::PI * f * i as f64 / rate).sin()) as f32)
        .collect()
}

/// Worst error over the interior (away from the zero-padded edges).
fn interior_error(y: &[f32], rate: f64, f: f64, margin: usize) -> f64 {
    let exact = sine(y.len(), rate, f);
    y[margin..y.len() - margin]
        .iter()
        .zip(&exact[margin..])
        .map(|(a, b)| (a - b).abs() as f64)
        .fold(0.0, f64::max)
}

#[test]
fn sines_survive_down_and_up_sampling() {
    for (from, to, f) in [
        (44100u32, 16000u32, 1000.0),
        (8000, 16000, 440.0),
        (16000, 8000, 3000.0),
        (44100, 22050, 5000.0),
    ] {
        let x = sine(from as usize / 2, from as f64, f);
        let y = resample(&x, from, to).unwrap();
        assert_eq!(y.len(), (x.len() * to as usize).div_ceil(from as usize));
        let err = interior_error(&y, to as f64, f, to as usize / 50);
        assert!(err < 2e-3, "{from} → {to} Hz, {f} Hz sine: max error {err}");
    }
}

#[test]
fn down_sampling_removes_content_above_the_new_nyquist() {
    // 7 kHz at 44.1 kHz → 8 kHz (Nyquist 4 kHz): a naive decimator would alias it to 1 kHz.
    let x = sine(44100, 44100.0, 7000.0);
    let y = resample(&x, 44100, 8000).unwrap();
    let m = 400;
    let rms = (y[m..y.len() - m]
        .iter()
        .map(|v| (*v as f64).powi(2))
        .sum::<f64>()
        / (y.len() - 2 * m) as f64)
        .sqrt();
    let db = 20.0 * (rms / (0.5 / 2f64.sqrt())).log10();
    assert!(db < -60.0, "alias level {db:.1} dB");
}
