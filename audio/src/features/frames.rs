//! Short-time analysis: pre-emphasis, framing (librosa's centred frames or
//! python_speech_features' frames padded at the end), analysis windows and the power spectrum.

use serde::{Deserialize, Serialize};

/// Analysis window (periodic form, as `scipy.signal.get_window(..., fftbins=True)` and librosa).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// `0.5 − 0.5 cos(2πn/N)` (librosa's default).
    #[default]
    Hann,
    /// `0.54 − 0.46 cos(2πn/N)`.
    Hamming,
    /// All ones (python_speech_features' default).
    Rectangular,
}

impl Window {
    /// The `n` window values.
    pub fn values(self, n: usize) -> Vec<f32> {
        let w = |a: f64, b: f64| -> Vec<f32> {
            (0..n)
                .map(|i| (a - b * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos()) as f32)
                .collect()
        };
        match self {
            Window::Hann => w(0.5, 0.5),
            Window::Hamming => w(0.54, 0.46),
            Window::Rectangular => vec![1.0; n],
        }
    }
}

/// Where frames start and how the signal is padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// librosa `center=True, pad_mode="constant"`: `n_fft/2` zeros on both sides, frame `t`
    /// centred at sample `t·hop`; `1 + len/hop` frames; the window sits centred in the FFT frame.
    #[default]
    Centered,
    /// python_speech_features `framesig`: frame `t` starts at `t·hop`; `1 + ceil((len − win)/hop)`
    /// frames (one if the signal is shorter than a window), zeros after the end; the window sits at
    /// the start of the FFT frame (zero-padded FFT).
    PadEnd,
}

/// Frame geometry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FrameConfig {
    /// FFT size.
    pub n_fft: usize,
    /// Window length in samples (≤ `n_fft`).
    pub win_length: usize,
    /// Step between frames in samples.
    pub hop_length: usize,
    pub window: Window,
    pub framing: Framing,
}

impl Default for FrameConfig {
    fn default() -> Self {
        FrameConfig {
            n_fft: 2048,
            win_length: 2048,
            hop_length: 512,
            window: Window::Hann,
            framing: Framing::Centered,
        }
    }
}

impl FrameConfig {
    /// Number of frames for a signal of `len` samples.
    pub fn n_frames(&self, len: usize) -> usize {
        match self.framing {
            Framing::Centered => 1 + len / self.hop_length,
            Framing::PadEnd => {
                if len <= self.win_length {
                    1
                } else {
                    1 + (len - self.win_length).div_ceil(self.hop_length)
                }
            }
        }
    }

    /// The window laid into an `n_fft` frame (centred for [`Framing::Centered`], at the start for
    /// [`Framing::PadEnd`]), and the signal offset of frame 0 (negative: before the signal).
    pub fn fft_window(&self) -> (Vec<f32>, isize) {
        let mut w = vec![0f32; self.n_fft];
        let vals = self.window.values(self.win_length);
        match self.framing {
            Framing::Centered => {
                let lpad = (self.n_fft - self.win_length) / 2;
                w[lpad..lpad + self.win_length].copy_from_slice(&vals);
                (w, -((self.n_fft / 2) as isize))
            }
            Framing::PadEnd => {
                w[..self.win_length].copy_from_slice(&vals);
                (w, 0)
            }
        }
    }
}

/// `y[0] = x[0]`, `y[n] = x[n] − coef·x[n−1]` (python_speech_features `preemphasis`).
pub fn preemphasis(x: &[f32], coef: f32) -> Vec<f32> {
    let mut y = Vec::with_capacity(x.len());
    if let Some(&first) = x.first() {
        y.push(first);
        y.extend(x.windows(2).map(|w| w[1] - coef * w[0]));
    }
    y
}

/// Copy the `n_fft` samples of a frame starting at `start` (may be negative or run past the end:
/// zeros there), multiplied by `window`.
pub fn windowed_frame(x: &[f32], start: isize, window: &[f32], out: &mut [f32]) {
    let n = window.len();
    let len = x.len() as isize;
    let lo = (-start).clamp(0, n as isize) as usize;
    let hi = (len - start).clamp(0, n as isize) as usize;
    out[..lo.min(n)].fill(0.0);
    if hi > lo {
        let src = &x[(start + lo as isize) as usize..(start + hi as isize) as usize];
        for ((o, s), w) in out[lo..hi].iter_mut().zip(src).zip(&window[lo..hi]) {
            *o = s * w;
        }
    }
    out[hi.max(lo)..].fill(0.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_counts_match_librosa_and_psf() {
        let c = FrameConfig::default();
        assert_eq!(c.n_frames(20480), 41); // librosa: 1 + 20480 // 512
        let p = FrameConfig {
            n_fft: 512,
            win_length: 200,
            hop_length: 80,
            window: Window::Rectangular,
            framing: Framing::PadEnd,
        };
        assert_eq!(p.n_frames(150), 1);
        assert_eq!(p.n_frames(201), 2);
        assert_eq!(p.n_frames(4000), 1 + (3800f64 / 80.0).ceil() as usize);
        assert_eq!(preemphasis(&[1.0, 2.0, 4.0], 0.5), vec![1.0, 1.5, 3.0]);
        let h = Window::Hann.values(4);
        assert_eq!(h, vec![0.0, 0.5, 1.0, 0.5]);
        let mut out = vec![9.0; 4];
        windowed_frame(&[1.0, 2.0, 3.0], -2, &[1.0; 4], &mut out);
        assert_eq!(out, vec![0.0, 0.0, 1.0, 2.0]);
        windowed_frame(&[1.0, 2.0, 3.0], 2, &[1.0; 4], &mut out);
        assert_eq!(out, vec![3.0, 0.0, 0.0, 0.0]);
        windowed_frame(&[1.0, 2.0, 3.0], 7, &[1.0; 4], &mut out);
        assert_eq!(out, vec![0.0; 4]);
    }
}
