//! The records of `biosignal-ssl`: each record's lead, its beats, and the time-ordered split.
//!
//! Per record, the first `train_fraction` of the recording is the training span (pretraining
//! signal and labelled beats), the rest after a `gap_s` gap the test span: a beat's window lies
//! wholly inside one span, so no test beat is a neighbour of a training beat.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::BioSslConfig;
use crate::biosignal::{extract_beats, Beats, Lead};
use crate::wfdb::{read_annotations, Record};
use crate::Result;

/// One record, split.
pub struct SplitRecord {
    pub lead: Lead,
    /// End of the training span, in samples of the (downsampled) lead.
    pub boundary: usize,
    pub train: Beats,
    pub test: Beats,
    pub summary: RecordSummary,
}

/// What the report and metrics say about a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordSummary {
    pub record: String,
    /// Sampling rate of the record (Hz).
    pub fs: f64,
    pub duration_s: f64,
    /// Header comments (age, sex, medication, notes).
    pub comments: Vec<String>,
    /// Beats per AAMI class (N, S, V, F, Q) in the whole record, train span, test span.
    pub beats: [usize; 5],
    pub train: [usize; 5],
    pub test: [usize; 5],
    /// Beats in the gap or too close to the record's ends.
    pub unused: usize,
    /// Where the training span ends (s).
    pub boundary_s: f64,
}

/// Read and split every record of `cfg`.
pub fn load(cfg: &BioSslConfig, dir: &Path) -> Result<Vec<SplitRecord>> {
    let mut out = Vec::new();
    for name in &cfg.records {
        let record = Record::read(&dir.join(format!("{name}.hea")))?;
        let ann = read_annotations(&dir.join(format!("{name}.atr")))?;
        let lead = Lead::of(&record, &cfg.beats)?;
        let all = extract_beats(&lead, &ann, &cfg.beats)?;
        let (before, after) = cfg.beats.span(lead.fs_original);
        let boundary = (cfg.train_fraction * lead.values.len() as f64) as usize;
        let gap = (cfg.gap_s * lead.fs).round() as usize;
        let d = cfg.beats.downsample as i64;
        let (mut tr, mut te) = (Vec::new(), Vec::new());
        for (i, &s) in all.sample.iter().enumerate() {
            let c = (s / d) as usize;
            if c + after <= boundary {
                tr.push(i);
            } else if c >= boundary + gap + before {
                te.push(i);
            }
        }
        let (train, test) = (all.select(&tr), all.select(&te));
        let summary = RecordSummary {
            record: name.clone(),
            fs: record.header.fs,
            duration_s: record.len() as f64 / record.header.fs,
            comments: record.header.comments.clone(),
            beats: all.class_counts(),
            train: train.class_counts(),
            test: test.class_counts(),
            unused: all.count() - tr.len() - te.len() + all.dropped_at_edges,
            boundary_s: boundary as f64 / lead.fs,
        };
        out.push(SplitRecord {
            lead,
            boundary,
            train,
            test,
            summary,
        });
    }
    Ok(out)
}

/// The beats of every record's span, concatenated (records in order).
pub fn pooled(records: &[SplitRecord], test: bool) -> Beats {
    let mut b = Beats {
        len: records.first().map_or(0, |r| r.train.len),
        ..Default::default()
    };
    for r in records {
        b.extend(if test { &r.test } else { &r.train });
    }
    b
}
