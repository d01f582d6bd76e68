//! Classify the beats of a user's WFDB record with a saved beat classifier
//! (`results/biosignal-ssl/model`).
//!
//! Beats are located by the record's annotation file (the R-peak positions of its beat
//! annotations); there is no QRS detector here, so a record without annotations is refused
//! with a message saying so.

use std::path::{Path, PathBuf};

use deepfield_core::models::restore_model;
use tch::{Device, Kind};

use super::beats::{aami_class, extract_beats, Lead, AAMI_CLASSES};
use super::encoder::BeatClassifierConfig;
use super::probe::{score, Scores};
use crate::wfdb::{read_annotations, Record};
use crate::{Error, Result};

/// One classified beat.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifiedBeat {
    /// R-peak sample index.
    pub sample: i64,
    pub time_s: f64,
    /// The annotation symbol.
    pub symbol: String,
    /// The annotation's AAMI class.
    pub truth: String,
    pub predicted: String,
    /// Class probabilities, in the model's class order.
    pub probabilities: Vec<f64>,
}

/// The beats of one record and, against its annotations, the scores.
#[derive(Debug, Clone)]
pub struct RecordClassification {
    pub record: String,
    pub classes: Vec<String>,
    pub beats: Vec<ClassifiedBeat>,
    /// Beats whose window leaves the record.
    pub skipped: usize,
    /// Macro-F1, accuracy and per-class F1 against the annotation symbols' AAMI classes.
    pub scores: Scores,
}

/// The annotation file beside a header (`x.hea` → `x.atr`).
pub fn default_annotations(hea: &Path) -> PathBuf {
    hea.with_extension("atr")
}

/// Classify every annotated beat of the record `hea` with the model folder `model`; write a
/// CSV (`sample,time_s,symbol,aami,predicted,p_<class>…`) to `out` when given.
pub fn classify_record(
    model: &Path,
    hea: &Path,
    annotations: Option<&Path>,
    out: Option<&Path>,
) -> Result<RecordClassification> {
    if hea.extension().and_then(|e| e.to_str()) != Some("hea") {
        return Err(Error::data(
            hea,
            "give the record's header file (<record>.hea; its .dat and .atr lie beside it)",
        ));
    }
    let (cfg, _vs, net) = restore_model::<BeatClassifierConfig>(model, Device::Cpu)?;
    let record = Record::read(hea)?;
    if (record.header.fs - cfg.fs).abs() > 1e-6 {
        return Err(Error::data(
            hea,
            format!(
                "sampled at {} Hz, but the model was trained on {} Hz records (resample the record first)",
                record.header.fs, cfg.fs
            ),
        ));
    }
    let atr = annotations.map_or_else(|| default_annotations(hea), Path::to_path_buf);
    if !atr.exists() {
        return Err(Error::data(
            &atr,
            "not found: beats are located by the record's beat annotations (R peaks); pass the \
             annotation file with --annotations (there is no QRS detector here)",
        ));
    }
    let ann = read_annotations(&atr)?;
    let lead = Lead::of(&record, &cfg.beats)?;
    let beats = extract_beats(&lead, &ann, &cfg.beats)?;
    let x = beats.tensor()?;
    let probs = tch::no_grad(|| -> Result<tch::Tensor> {
        use deepfield_core::Forward;
        Ok(net
            .try_forward_t(&x, None, false)?
            .f_softmax(1, Kind::Float)?)
    })?;
    let p: Vec<f32> = Vec::<f32>::try_from(probs.f_flatten(0, -1)?)?;
    let c = cfg.classes.len();
    let mut out_beats = Vec::with_capacity(beats.count());
    let (mut truth, mut pred) = (Vec::new(), Vec::new());
    for i in 0..beats.count() {
        let row: Vec<f64> = p[i * c..(i + 1) * c]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let k = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(k, _)| k);
        let t = aami_class(&beats.symbol[i]).unwrap_or(0);
        truth.push(t as i64);
        pred.push(k as i64);
        out_beats.push(ClassifiedBeat {
            sample: beats.sample[i],
            time_s: beats.sample[i] as f64 / record.header.fs,
            symbol: beats.symbol[i].clone(),
            truth: AAMI_CLASSES.get(t).map_or("?", |s| s).to_string(),
            predicted: cfg.classes.get(k).cloned().unwrap_or_default(),
            probabilities: row,
        });
    }
    let scores = score(&truth, &pred, c.max(AAMI_CLASSES.len()), None)?;
    if let Some(out) = out {
        let header: Vec<String> = ["sample", "time_s", "symbol", "aami", "predicted"]
            .iter()
            .map(|s| s.to_string())
            .chain(cfg.classes.iter().map(|k| format!("p_{k}")))
            .collect();
        let rows = out_beats.iter().map(|b| {
            let mut r = vec![
                b.sample.to_string(),
                format!("{:.4}", b.time_s),
                b.symbol.clone(),
                b.truth.clone(),
                b.predicted.clone(),
            ];
            r.extend(b.probabilities.iter().map(|v| format!("{v:.5}")));
            r
        });
        deepfield_core::fsutil::write_csv(out, header, rows)?;
    }
    Ok(RecordClassification {
        record: record.header.record.clone(),
        classes: cfg.classes.clone(),
        beats: out_beats,
        skipped: beats.dropped_at_edges,
        scores,
    })
}
