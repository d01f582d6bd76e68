//! Event segmentation: split a recording into individual events (coughs, words) by short-time
//! energy with hysteresis. An event starts when a frame's energy rises above `peak − high_db`
//! and ends when it falls below `peak − low_db` (`low_db > high_db`, so the two thresholds keep
//! one event from flickering on and off); events closer than `min_gap_s` are merged and events
//! shorter than `min_event_s` dropped. `peak` is the loudest frame of the recording, so the
//! thresholds follow the recording level. Boundaries can be saved as CSV.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ensure_config;
use crate::Result;

/// Segmentation parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmentConfig {
    /// Energy frame length, seconds.
    pub frame_s: f64,
    /// Energy frame step, seconds.
    pub hop_s: f64,
    /// Start threshold, dB below the loudest frame.
    pub high_db: f64,
    /// End threshold, dB below the loudest frame.
    pub low_db: f64,
    /// Events separated by less than this are merged, seconds.
    pub min_gap_s: f64,
    /// Shorter events are dropped, seconds.
    pub min_event_s: f64,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        SegmentConfig {
            frame_s: 0.02,
            hop_s: 0.01,
            high_db: 25.0,
            low_db: 35.0,
            min_gap_s: 0.15,
            min_event_s: 0.05,
        }
    }
}

/// One event: samples `start..end` of the recording.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Epoch {
    pub start: usize,
    pub end: usize,
    pub start_s: f64,
    pub end_s: f64,
}

impl SegmentConfig {
    /// Check the parameters.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.frame_s > 0.0 && self.hop_s > 0.0,
            "segment: frame_s and hop_s must be > 0"
        );
        ensure_config!(
            self.high_db > 0.0 && self.low_db >= self.high_db,
            "segment: need 0 < high_db ≤ low_db, got {} and {}",
            self.high_db,
            self.low_db
        );
        ensure_config!(
            self.min_gap_s >= 0.0 && self.min_event_s >= 0.0,
            "segment: min_gap_s and min_event_s must be ≥ 0"
        );
        Ok(())
    }
}

/// Short-time energy in dB (`10·log10(mean square + 1e-12)`) of frames `frame` long every `hop`.
pub fn frame_energy_db(x: &[f32], frame: usize, hop: usize) -> Vec<f64> {
    let (frame, hop) = (frame.max(1), hop.max(1));
    let n = if x.len() <= frame {
        1
    } else {
        1 + (x.len() - frame).div_ceil(hop)
    };
    (0..n)
        .map(|t| {
            let s = (t * hop).min(x.len());
            let e = (s + frame).min(x.len());
            let ms = x[s..e].iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / frame as f64;
            10.0 * (ms + 1e-12).log10()
        })
        .collect()
}

/// Split `x` (at `sample_rate`) into events.
pub fn segment(x: &[f32], sample_rate: u32, cfg: &SegmentConfig) -> Result<Vec<Epoch>> {
    cfg.validate()?;
    if x.is_empty() {
        return Ok(Vec::new());
    }
    let sr = sample_rate as f64;
    let frame = ((cfg.frame_s * sr).round() as usize).max(1);
    let hop = ((cfg.hop_s * sr).round() as usize).max(1);
    let db = frame_energy_db(x, frame, hop);
    let peak = db.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if peak <= -100.0 {
        return Ok(Vec::new()); // digital silence
    }
    let (high, low) = (peak - cfg.high_db, peak - cfg.low_db);
    // Hysteresis over frames: (first frame, one past the last frame).
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut open: Option<usize> = None;
    for (t, &e) in db.iter().enumerate() {
        match open {
            None if e >= high => {
                // extend back over the rising edge above the low threshold
                let mut s = t;
                while s > 0 && db[s - 1] >= low && runs.last().is_none_or(|r| r.1 < s) {
                    s -= 1;
                }
                open = Some(s);
            }
            Some(s) if e < low => {
                runs.push((s, t));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(s) = open {
        runs.push((s, db.len()));
    }
    let to_sample = |f: usize| (f * hop).min(x.len());
    let mut epochs: Vec<Epoch> = Vec::new();
    for (s, e) in runs {
        let (start, end) = (
            to_sample(s),
            (to_sample(e.saturating_sub(1)) + frame).min(x.len()),
        );
        match epochs.last_mut() {
            Some(last) if (start as f64 - last.end as f64) / sr < cfg.min_gap_s => {
                last.end = end.max(last.end);
            }
            _ => epochs.push(Epoch {
                start,
                end,
                start_s: 0.0,
                end_s: 0.0,
            }),
        }
    }
    epochs.retain(|e| (e.end - e.start) as f64 / sr >= cfg.min_event_s);
    for e in &mut epochs {
        e.start_s = e.start as f64 / sr;
        e.end_s = e.end as f64 / sr;
    }
    Ok(epochs)
}

/// Write epochs as CSV (`index,start_sample,end_sample,start_s,end_s`), atomically.
pub fn save_epochs(path: &Path, epochs: &[Epoch]) -> Result<()> {
    let rows = epochs.iter().enumerate().map(|(i, e)| {
        [
            i.to_string(),
            e.start.to_string(),
            e.end.to_string(),
            format!("{:.6}", e.start_s),
            format!("{:.6}", e.end_s),
        ]
    });
    deepfield_core::fsutil::write_csv(
        path,
        ["index", "start_sample", "end_sample", "start_s", "end_s"],
        rows,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_bursts_in_silence() {
        let sr = 8000;
        let mut x = vec![0f32; sr as usize * 2];
        for (i, v) in x.iter_mut().enumerate() {
            let t = i as f32 / sr as f32;
            if (0.3..0.5).contains(&t) || (1.2..1.5).contains(&t) {
                *v = (t * 2000.0).sin() * 0.5;
            } else {
                *v = ((i * 7919) % 13) as f32 * 1e-5; // faint noise
            }
        }
        let ep = segment(&x, sr, &SegmentConfig::default()).unwrap();
        assert_eq!(ep.len(), 2, "{ep:?}");
        assert!(
            (ep[0].start_s - 0.3).abs() < 0.03 && (ep[0].end_s - 0.5).abs() < 0.03,
            "{ep:?}"
        );
        assert!(
            (ep[1].start_s - 1.2).abs() < 0.03 && (ep[1].end_s - 1.5).abs() < 0.03,
            "{ep:?}"
        );
        assert!(segment(&vec![0.0; 100], sr, &SegmentConfig::default())
            .unwrap()
            .is_empty());
        let bad = SegmentConfig {
            low_db: 10.0,
            ..Default::default()
        };
        assert!(segment(&x, sr, &bad).is_err());
    }
}
