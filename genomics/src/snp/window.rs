//! Windowing of a SNP-array signal into fixed-length probe windows (Deep SNP uses 40,000 probes)
//! with a configurable stride, their breakpoint labels, and the network input encoding.
//!
//! Windows never cross a chromosome. A chromosome shorter than the window gives one window of its
//! own length when short windows are allowed and it has at least their minimum of probes
//! (prediction on real arrays: the model takes any length from its
//! [`min_probes`](super::DeepSnpConfig::min_probes) up); it is skipped otherwise (training needs
//! equal lengths), and [`windows_at_least`] lists what it skipped.
//!
//! Labels: 1 if a breakpoint lies at least `margin` probes inside the window, 0 if the window holds
//! no breakpoint at all, and *ambiguous* (`None`, left out of training and scoring) if its only
//! breakpoints are within `margin` of an edge, where no method could see both sides.
//!
//! Input encoding, channels first `[2, L]`: LRR clipped to [−4, 4], and `2·(BAF − 0.5)` in [−1, 1];
//! NaN (failed probes) becomes 0 in both channels (LRR of two copies, BAF of a heterozygote).

use serde::{Deserialize, Serialize};
use tch::Tensor;

use super::signal::SnpSignal;
use crate::{Error, Result};

/// Window settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowConfig {
    /// Probes per window.
    pub length: usize,
    /// Step between window starts.
    pub stride: usize,
    /// Breakpoints closer than this to an edge make a window ambiguous.
    pub margin: usize,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            length: 40_000,
            stride: 20_000,
            margin: 100,
        }
    }
}

impl WindowConfig {
    /// Check sizes.
    pub fn validate(&self) -> Result<()> {
        if self.length < 64 || self.stride == 0 || 2 * self.margin >= self.length {
            return Err(Error::config(format!(
                "window length must be ≥ 64, stride > 0 and 2·margin < length (got {self:?})"
            )));
        }
        Ok(())
    }
}

/// One window of probes `[start, start + len)` (global indices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub chrom: String,
    pub start: usize,
    pub len: usize,
    /// 1 breakpoint, 0 none, `None` ambiguous (or unknown without truth).
    pub label: Option<u8>,
    /// Breakpoints inside the window, relative to `start`.
    pub breakpoints: Vec<usize>,
}

/// The fewest probes of a short window ([`windows`] with `allow_short`).
pub const MIN_SHORT_WINDOW: usize = 64;

/// Cut `signal` into windows; with `breakpoints` (sorted global indices) they are labelled.
/// With `allow_short`, a chromosome shorter than the window but with at least
/// [`MIN_SHORT_WINDOW`] probes gives one window of its own length.
pub fn windows(
    signal: &SnpSignal,
    cfg: &WindowConfig,
    breakpoints: Option<&[usize]>,
    allow_short: bool,
) -> Result<Vec<Window>> {
    let min_short = allow_short.then_some(MIN_SHORT_WINDOW);
    Ok(windows_at_least(signal, cfg, breakpoints, min_short)?.0)
}

/// A chromosome that gave no window: its name and number of probes.
pub type ShortChromosome = (String, usize);

/// [`windows`], where a chromosome shorter than the window gives one window of its own length
/// when it has at least `min_short` probes (`None`: never). Also returns the chromosomes that
/// gave no window at all.
pub fn windows_at_least(
    signal: &SnpSignal,
    cfg: &WindowConfig,
    breakpoints: Option<&[usize]>,
    min_short: Option<usize>,
) -> Result<(Vec<Window>, Vec<ShortChromosome>)> {
    cfg.validate()?;
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for (chrom, r) in signal.chromosomes() {
        let n = r.len();
        let mut starts: Vec<usize> = Vec::new();
        if n < cfg.length {
            if min_short.is_some_and(|m| n >= m) {
                starts.push(r.start);
            } else {
                skipped.push((chrom.clone(), n));
            }
        } else {
            let mut s = 0;
            while s + cfg.length <= n {
                starts.push(r.start + s);
                s += cfg.stride;
            }
        }
        for start in starts {
            let len = cfg.length.min(n);
            let (bps, label) = match breakpoints {
                Some(b) => {
                    let lo = b.partition_point(|&x| x < start);
                    let hi = b.partition_point(|&x| x < start + len);
                    let inside: Vec<usize> = b[lo..hi].iter().map(|&x| x - start).collect();
                    let inner = inside
                        .iter()
                        .any(|&x| x >= cfg.margin && x + cfg.margin < len);
                    let label = if inner {
                        Some(1)
                    } else if inside.is_empty() {
                        Some(0)
                    } else {
                        None
                    };
                    (inside, label)
                }
                None => (Vec::new(), None),
            };
            out.push(Window {
                chrom: chrom.clone(),
                start,
                len,
                label,
                breakpoints: bps,
            });
        }
    }
    Ok((out, skipped))
}

/// Append the `[2 × len]` encoding of a window to `buf`.
pub fn encode_into(signal: &SnpSignal, w: &Window, buf: &mut Vec<f32>) {
    let r = w.start..w.start + w.len;
    buf.extend(signal.lrr[r.clone()].iter().map(|&x| {
        if x.is_finite() {
            x.clamp(-4.0, 4.0)
        } else {
            0.0
        }
    }));
    buf.extend(signal.baf[r].iter().map(|&x| {
        if x.is_finite() {
            2.0 * (x.clamp(0.0, 1.0) - 0.5)
        } else {
            0.0
        }
    }));
}

/// Inputs `[N, 2, L]` of windows of equal length.
pub fn tensor(signal: &SnpSignal, ws: &[&Window]) -> Result<Tensor> {
    let len = ws
        .first()
        .map(|w| w.len)
        .ok_or_else(|| Error::input("no windows"))?;
    if ws.iter().any(|w| w.len != len) {
        return Err(Error::input("windows of different lengths in one batch"));
    }
    let mut buf = Vec::with_capacity(ws.len() * 2 * len);
    for w in ws {
        encode_into(signal, w, &mut buf);
    }
    Ok(Tensor::from_slice(&buf).view([ws.len() as i64, 2, len as i64]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signal(lrr: Vec<f32>, baf: Vec<f32>) -> SnpSignal {
        let n = lrr.len();
        SnpSignal {
            sample: "t".into(),
            names: (0..n).map(|i| format!("p{i}")).collect(),
            chrom: vec!["1".into(); n],
            pos: (0..n as u64).collect(),
            lrr,
            baf,
        }
    }

    #[test]
    fn encoding_clips_and_imputes() {
        let s = signal(
            vec![-5.0, -0.5, f32::NAN, 4.5, 0.25],
            vec![0.0, 0.25, f32::NAN, 1.2, 0.5],
        );
        let w = Window {
            chrom: "1".into(),
            start: 1,
            len: 4,
            label: None,
            breakpoints: vec![],
        };
        let mut buf = vec![9.0];
        encode_into(&s, &w, &mut buf);
        // Appended after what was there: LRR of probes 1..5, then 2·(BAF − 0.5).
        assert_eq!(buf, [9.0, -0.5, 0.0, 4.0, 0.25, -0.5, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn tensor_stacks_windows_channels_first() {
        let n = 200;
        let s = signal(
            (0..n).map(|i| i as f32 / 100.0).collect(),
            (0..n).map(|i| (i % 2) as f32).collect(),
        );
        let cfg = WindowConfig {
            length: 100,
            stride: 50,
            margin: 10,
        };
        let ws = windows(&s, &cfg, None, false).unwrap();
        assert_eq!(ws.iter().map(|w| w.start).collect::<Vec<_>>(), [0, 50, 100]);
        let refs: Vec<&Window> = ws.iter().collect();
        let t = tensor(&s, &refs).unwrap();
        assert_eq!(t.size(), [3, 2, 100]);
        // Window 1, LRR channel, probe 3 = global probe 53; BAF channel alternates ±1.
        assert!((t.double_value(&[1, 0, 3]) - 0.53).abs() < 1e-6);
        assert_eq!(t.double_value(&[1, 1, 0]), -1.0);
        assert_eq!(t.double_value(&[1, 1, 1]), 1.0);
        assert!(tensor(&s, &[]).is_err());
        let short = Window {
            len: 64,
            ..ws[0].clone()
        };
        assert!(tensor(&s, &[&ws[0], &short]).is_err());
    }

    #[test]
    fn invalid_settings_are_rejected() {
        for (length, stride, margin) in [(63, 10, 0), (100, 0, 0), (100, 10, 50)] {
            let cfg = WindowConfig {
                length,
                stride,
                margin,
            };
            assert!(cfg.validate().is_err(), "{cfg:?}");
        }
        assert!(WindowConfig::default().validate().is_ok());
    }
}
