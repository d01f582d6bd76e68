//! Real background noise and synthetic rooms for the corpus generator.
//!
//! Noise is real audio from the shared data, at the model rate:
//! * `room`: the stretches of the Cough-Etiquette recordings (participants' own devices and
//!   rooms) outside the cough, found with the crate's energy segmenter
//!   ([`crate::segment::segment`]) and a 20 ms margin on both sides of every event;
//! * `babble`: FSDD spoken-digit recordings (English digits by other speakers), a standard
//!   competing-speech noise.
//!
//! Rooms: a seeded synthetic impulse response — a direct path plus Gaussian noise under an
//! exponential decay reaching −60 dB at RT60 — convolved by FFT.

use std::path::Path;

use deepfield_core::rng::Rng;
use realfft::RealFftPlanner;

use crate::resample::resample;
use crate::segment::{segment, SegmentConfig};
use crate::wav::{read_wav, wav_files};
use crate::{Error, Result};

/// Noise recordings of one kind at the model rate.
#[derive(Debug, Clone, Default)]
pub struct NoiseBank {
    pub room: Vec<Vec<f32>>,
    pub babble: Vec<Vec<f32>>,
}

fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
}

/// Load the noise of `$DEEPFIELD_DATA` at `rate`: every Cough-Etiquette clip's non-cough
/// stretches and `max_babble` FSDD recordings (seeded choice).
pub fn load_noise(data: &Path, rate: u32, max_babble: usize, seed: u64) -> Result<NoiseBank> {
    let missing = |dir: &Path, e: Error| {
        Error::input(format!(
            "{}: {e}. The corpus generator mixes in real noise from cough_etiquette/ \
             (*_short/*.wav) and fsdd/recordings/ of $DEEPFIELD_DATA; see their SOURCE.md",
            dir.display()
        ))
    };
    let mut bank = NoiseBank::default();
    let seg_cfg = SegmentConfig::default();
    let margin = (0.02 * rate as f64) as usize;
    for sub in ["none_short", "hand_short", "elbow_short"] {
        let dir = data.join("cough_etiquette").join(sub);
        let files = wav_files(&dir).map_err(|e| missing(&dir, e))?;
        for f in files {
            let a = read_wav(&f)?;
            let x = resample(&a.samples, a.sample_rate, rate)?;
            let events = segment(&x, rate, &seg_cfg)?;
            let mut keep = vec![true; x.len()];
            for e in &events {
                let (lo, hi) = (
                    e.start.saturating_sub(margin),
                    (e.end + margin).min(x.len()),
                );
                keep[lo.min(x.len())..hi]
                    .iter_mut()
                    .for_each(|k| *k = false);
            }
            let quiet: Vec<f32> = x.iter().zip(&keep).filter(|p| *p.1).map(|p| *p.0).collect();
            if quiet.len() >= (0.03 * rate as f64) as usize && rms(&quiet) > 1e-5 {
                bank.room.push(quiet);
            }
        }
    }
    let dir = data.join("fsdd").join("recordings");
    let mut files = wav_files(&dir).map_err(|e| missing(&dir, e))?;
    Rng::new(seed).shuffle(&mut files);
    for f in files.into_iter().take(max_babble) {
        let a = read_wav(&f)?;
        let x = resample(&a.samples, a.sample_rate, rate)?;
        if rms(&x) > 1e-5 {
            bank.babble.push(x);
        }
    }
    if bank.room.is_empty() || bank.babble.is_empty() {
        return Err(Error::input(format!(
            "no usable noise found under {} (cough_etiquette/, fsdd/recordings/)",
            data.display()
        )));
    }
    Ok(bank)
}

/// `len` samples of noise: random recordings of `pool` one after another from random offsets.
pub fn noise_of_length(pool: &[Vec<f32>], len: usize, rng: &mut Rng) -> Vec<f32> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len && !pool.is_empty() {
        let clip = &pool[rng.below(pool.len())];
        let start = rng.below(clip.len().max(1));
        out.extend_from_slice(&clip[start..(start + len - out.len()).min(clip.len())]);
    }
    out.resize(len, 0.0);
    out
}

/// `speech + g·noise` with `g` chosen for `snr_db` (signal RMS over noise RMS, in dB).
pub fn mix_at_snr(speech: &[f32], noise: &[f32], snr_db: f64) -> Vec<f32> {
    let (s, n) = (rms(speech), rms(noise));
    if n <= 0.0 || s <= 0.0 {
        return speech.to_vec();
    }
    let g = (s / (n * 10f64.powf(snr_db / 20.0))) as f32;
    speech.iter().zip(noise).map(|(a, b)| a + g * b).collect()
}

/// A synthetic room impulse response of `rt60` seconds at `rate`, unit energy.
pub fn synthetic_rir(rt60: f64, rate: u32, rng: &mut Rng) -> Vec<f32> {
    let n = ((rt60 * rate as f64) as usize).max(2);
    let decay = 6.9078 / (rt60 * rate as f64); // ln(1000): −60 dB at rt60
    let mut h: Vec<f32> = (0..n)
        .map(|i| (rng.normal() * (-decay * i as f64).exp() * 0.3) as f32)
        .collect();
    h[0] = 1.0;
    let e = h.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt() as f32;
    h.iter_mut().for_each(|v| *v /= e);
    h
}

/// `x * h` (full convolution cut to `x.len()`), by FFT; peak kept at the input's peak.
pub fn convolve(x: &[f32], h: &[f32]) -> Result<Vec<f32>> {
    if x.is_empty() || h.is_empty() {
        return Ok(x.to_vec());
    }
    let n = (x.len() + h.len() - 1).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let spec = |v: &[f32]| -> Result<Vec<realfft::num_complex::Complex<f32>>> {
        let mut buf = fwd.make_input_vec();
        buf[..v.len()].copy_from_slice(v);
        let mut out = fwd.make_output_vec();
        fwd.process(&mut buf, &mut out)
            .map_err(|e| Error::input(format!("convolution fft: {e}")))?;
        Ok(out)
    };
    let (a, b) = (spec(x)?, spec(h)?);
    let mut prod: Vec<_> = a.iter().zip(&b).map(|(p, q)| p * q).collect();
    // Both ends are real for real inputs; clear rounding so the inverse accepts them.
    if let Some(c) = prod.first_mut() {
        c.im = 0.0;
    }
    if let Some(c) = prod.last_mut() {
        c.im = 0.0;
    }
    let mut y = inv.make_output_vec();
    inv.process(&mut prod, &mut y)
        .map_err(|e| Error::input(format!("convolution ifft: {e}")))?;
    y.truncate(x.len());
    let peak_in = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let peak_out = y.iter().fold(0f32, |m, v| m.max(v.abs()));
    if peak_out > 0.0 {
        let g = peak_in / peak_out;
        y.iter_mut().for_each(|v| *v *= g);
    }
    Ok(y)
}
