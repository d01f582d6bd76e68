//! Beats of an ECG record: one window of the chosen lead around each annotated R peak, labelled
//! by the AAMI class of its annotation symbol (ANSI/AAMI EC57: N, S, V, F, Q).

use serde::{Deserialize, Serialize};

use crate::wfdb::{Annotation, Record};
use crate::{ensure_config, Error, Result};

/// The AAMI EC57 beat classes, in class-index order.
pub const AAMI_CLASSES: [&str; 5] = ["N", "S", "V", "F", "Q"];

/// The AAMI class index of an MIT-BIH beat symbol, `None` for non-beat annotations
/// (rhythm changes `+`, noise `~`, artefacts `|`, …).
///
/// N: normal, left/right bundle branch block, atrial/nodal escape (`N L R e j`);
/// S: supraventricular ectopic (`A a J S`); V: ventricular ectopic (`V E`); F: fusion (`F`);
/// Q: paced, fusion of paced and normal, unclassifiable (`/ f Q`).
pub fn aami_class(symbol: &str) -> Option<usize> {
    Some(match symbol {
        "N" | "L" | "R" | "e" | "j" => 0,
        "A" | "a" | "J" | "S" => 1,
        "V" | "E" => 2,
        "F" => 3,
        "/" | "f" | "Q" => 4,
        _ => return None,
    })
}

/// Which lead and how much signal around each R peak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BeatConfig {
    /// The lead, by its header description (`MLII`, the lead both shared records share).
    pub lead: String,
    /// Seconds before the R peak.
    pub before_s: f64,
    /// Seconds after the R peak.
    pub after_s: f64,
    /// Average this many consecutive samples (360 Hz → 180 Hz with 2): a low-pass and a
    /// cheaper encoder.
    pub downsample: usize,
}

impl Default for BeatConfig {
    fn default() -> Self {
        BeatConfig {
            lead: "MLII".into(),
            before_s: 0.25,
            after_s: 0.45,
            downsample: 2,
        }
    }
}

impl BeatConfig {
    /// Check the fields.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(!self.lead.is_empty(), "beats: lead must be named");
        ensure_config!(
            self.before_s > 0.0 && self.after_s > 0.0 && self.before_s + self.after_s < 5.0,
            "beats: before_s and after_s must be > 0 (and together < 5 s)"
        );
        ensure_config!(
            (1..=16).contains(&self.downsample),
            "beats: downsample must be in 1..=16"
        );
        Ok(())
    }

    /// Samples before and after the R peak at the downsampled rate of a record sampled at `fs`.
    pub fn span(&self, fs: f64) -> (usize, usize) {
        let r = fs / self.downsample as f64;
        (
            ((self.before_s * r).round() as usize).max(1),
            ((self.after_s * r).round() as usize).max(1),
        )
    }

    /// Window length at the downsampled rate.
    pub fn window(&self, fs: f64) -> usize {
        let (b, a) = self.span(fs);
        b + a
    }
}

/// One lead of a record, downsampled, in physical units.
#[derive(Debug, Clone)]
pub struct Lead {
    pub record: String,
    /// Sampling rate after downsampling (Hz).
    pub fs: f64,
    /// The record's own sampling rate (Hz).
    pub fs_original: f64,
    pub values: Vec<f32>,
    /// Physical units (mV).
    pub units: String,
}

impl Lead {
    /// The lead `cfg.lead` of `record`, averaged over `cfg.downsample` samples.
    pub fn of(record: &Record, cfg: &BeatConfig) -> Result<Lead> {
        let h = &record.header;
        let i = h.signal_index(&cfg.lead)?;
        let x = record.physical(i)?;
        let d = cfg.downsample;
        let values = x
            .chunks_exact(d)
            .map(|c| c.iter().sum::<f32>() / d as f32)
            .collect();
        Ok(Lead {
            record: h.record.clone(),
            fs: h.fs / d as f64,
            fs_original: h.fs,
            values,
            units: h.signals[i].units.clone(),
        })
    }
}

/// The labelled beat windows of one record.
#[derive(Debug, Clone, Default)]
pub struct Beats {
    /// R-peak sample index at the record's own rate.
    pub sample: Vec<i64>,
    /// AAMI class index ([`AAMI_CLASSES`]), `-1` for a beat symbol of no AAMI class (never
    /// happens with MIT-BIH symbols).
    pub class: Vec<i64>,
    /// The annotation symbol.
    pub symbol: Vec<String>,
    /// Windows, `len` values each, mean-subtracted, concatenated.
    pub windows: Vec<f32>,
    /// Window length.
    pub len: usize,
    /// Beat annotations dropped because their window leaves the record.
    pub dropped_at_edges: usize,
}

impl Beats {
    /// Number of beats.
    pub fn count(&self) -> usize {
        self.sample.len()
    }

    /// The beats at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Beats {
        let mut out = Beats {
            len: self.len,
            ..Default::default()
        };
        for &i in idx {
            out.sample.push(self.sample[i]);
            out.class.push(self.class[i]);
            out.symbol.push(self.symbol[i].clone());
            out.windows
                .extend_from_slice(&self.windows[i * self.len..(i + 1) * self.len]);
        }
        out
    }

    /// Append the beats of `other` (same window length).
    pub fn extend(&mut self, other: &Beats) {
        self.sample.extend_from_slice(&other.sample);
        self.class.extend_from_slice(&other.class);
        self.symbol.extend_from_slice(&other.symbol);
        self.windows.extend_from_slice(&other.windows);
        self.dropped_at_edges += other.dropped_at_edges;
    }

    /// Beats per AAMI class.
    pub fn class_counts(&self) -> [usize; 5] {
        let mut c = [0; 5];
        for &k in &self.class {
            if let Ok(k) = usize::try_from(k) {
                if k < 5 {
                    c[k] += 1;
                }
            }
        }
        c
    }

    /// The windows as a `[n, 1, len]` float tensor.
    pub fn tensor(&self) -> Result<tch::Tensor> {
        let n = self.count() as i64;
        Ok(tch::Tensor::from_slice(&self.windows).f_reshape([n, 1, self.len as i64])?)
    }
}

/// A window of `lead` centred (as `cfg` says) on `center` at the downsampled rate, mean-subtracted;
/// `None` when it leaves the signal.
pub fn window_at(lead: &[f32], center: usize, before: usize, after: usize) -> Option<Vec<f32>> {
    let start = center.checked_sub(before)?;
    let w = lead.get(start..center + after)?;
    let mean = w.iter().sum::<f32>() / w.len() as f32;
    Some(w.iter().map(|v| v - mean).collect())
}

/// Every beat annotation of `annotations` (AAMI-mappable symbols) as a window of `lead`.
pub fn extract_beats(lead: &Lead, annotations: &[Annotation], cfg: &BeatConfig) -> Result<Beats> {
    cfg.validate()?;
    let (before, after) = cfg.span(lead.fs_original);
    let mut out = Beats {
        len: before + after,
        ..Default::default()
    };
    for a in annotations {
        let Some(class) = aami_class(a.symbol()) else {
            continue;
        };
        let Ok(r) = usize::try_from(a.sample) else {
            out.dropped_at_edges += 1;
            continue;
        };
        match window_at(&lead.values, r / cfg.downsample, before, after) {
            Some(w) => {
                out.sample.push(a.sample);
                out.class.push(class as i64);
                out.symbol.push(a.symbol().to_string());
                out.windows.extend_from_slice(&w);
            }
            None => out.dropped_at_edges += 1,
        }
    }
    if out.count() == 0 {
        return Err(Error::input(format!(
            "record {}: no beat annotations (N, S, V, F, Q classes) with a full window",
            lead.record
        )));
    }
    Ok(out)
}
