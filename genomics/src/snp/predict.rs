//! Inference with a trained Deep SNP model: load a model folder ([`super::detector`]), run it
//! on every window of a PennCNV signal file, write the calls. Nothing here depends on the
//! `deep-snp` reproduction ([`repro`](crate::snp::repro)), which trains the model and saves it
//! through [`save`].
//!
//! The network takes windows of at least [`DeepSnpConfig::min_probes`] probes (125 for the
//! default network). A chromosome shorter than the model's window gives one window of its own
//! length when it has that many probes; shorter ones are skipped and listed
//! ([`SignalPredictions::skipped`]); a file where every chromosome is too short is an error.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::changepoint;
use super::model::{DeepSnp, DeepSnpConfig};
use super::signal::{read_penncnv, SnpSignal};
use super::window::{self, MIN_SHORT_WINDOW};
use crate::{Error, Result};

pub use super::detector::{load, save, DeepSnpDetectorConfig};

/// Probabilities of a breakpoint and attention weights for inputs `[N, 2, L]`, in batches of
/// `batch` on the model's device ([`deepfield_core::device()`]).
pub fn predict(model: &DeepSnp, x: &Tensor, batch: i64) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    let n = x.size()[0];
    let (mut probs, mut atts) = (Vec::new(), Vec::new());
    let device = deepfield_core::device();
    for s in (0..n).step_by(batch.max(1) as usize) {
        let b = x.narrow(0, s, batch.min(n - s)).to_device(device);
        let (logits, w) = tch::no_grad(|| model.f_forward_attention(&b, false))?;
        let p = logits
            .softmax(-1, Kind::Double)
            .select(1, 1)
            .to_device(Device::Cpu);
        probs.extend(Vec::<f64>::try_from(&p)?);
        atts.extend(Vec::<Vec<f64>>::try_from(
            &w.to_kind(Kind::Double).to_device(Device::Cpu),
        )?);
    }
    Ok((probs, atts))
}

/// Probe index of the attention peak within a window of `len` probes.
pub fn attention_peak(weights: &[f64], len: usize) -> usize {
    let t = crate::gmna::naive_bayes::argmax(weights);
    DeepSnp::position_to_probe(t, weights.len(), len)
}

/// One window of a real signal file with the model's and the baseline's outputs.
#[derive(Debug, Clone, Serialize)]
pub struct WindowPrediction {
    pub sample: String,
    pub chrom: String,
    pub first_probe: usize,
    pub probes: usize,
    pub start_bp: u64,
    pub end_bp: u64,
    pub p_breakpoint: f64,
    /// `p_breakpoint ≥ threshold`.
    pub breakpoint_call: bool,
    /// The model's decision threshold (from its saved config).
    pub threshold: f64,
    /// Attention peak (bp position of the probe).
    pub attention_peak_bp: u64,
    pub baseline_score: f64,
    pub baseline_call: bool,
    pub baseline_split_bp: u64,
}

/// A chromosome of a signal file that was too short for the model: no window of it was run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedChromosome {
    /// The signal file.
    pub file: String,
    pub sample: String,
    pub chrom: String,
    /// Its probes in the file.
    pub probes: usize,
    /// The fewest probes the model takes.
    pub min_probes: usize,
}

impl std::fmt::Display for SkippedChromosome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: chromosome {} skipped: {} probes, the model needs at least {}",
            self.file, self.chrom, self.probes, self.min_probes
        )
    }
}

/// The windows of a signal file the model ran on, and the chromosomes it could not take.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignalPredictions {
    pub windows: Vec<WindowPrediction>,
    pub skipped: Vec<SkippedChromosome>,
}

/// The fewest probes of a window `config`'s network takes (and [`MIN_SHORT_WINDOW`] at least).
pub fn min_window(config: &DeepSnpConfig) -> Result<usize> {
    Ok(config.min_probes()?.max(MIN_SHORT_WINDOW))
}

/// Run a model on every window of a signal read from `file` (which names it in messages):
/// chromosomes shorter than the model's window give one window of their length when the network
/// takes that many probes, and are skipped (listed) otherwise. No window at all is an error.
pub fn predict_signal_with(
    model: &DeepSnp,
    config: &DeepSnpDetectorConfig,
    signal: &SnpSignal,
    file: &Path,
) -> Result<SignalPredictions> {
    let min = min_window(&config.model)?;
    let (ws, short) = window::windows_at_least(signal, &config.windows, None, Some(min))?;
    let skipped: Vec<SkippedChromosome> = short
        .into_iter()
        .map(|(chrom, probes)| SkippedChromosome {
            file: file.display().to_string(),
            sample: signal.sample.clone(),
            chrom,
            probes,
            min_probes: min,
        })
        .collect();
    if ws.is_empty() {
        return Err(Error::input(format!(
            "{}: no chromosome has the {min} probes the model needs ({})",
            file.display(),
            if skipped.is_empty() {
                "the file has no probes".to_string()
            } else {
                skipped
                    .iter()
                    .map(|s| format!("chromosome {}: {} probes", s.chrom, s.probes))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )));
    }
    let mut out = Vec::new();
    for w in &ws {
        let x = window::tensor(signal, &[w])?;
        let (p, att) = predict(model, &x, 1)?;
        let peak = attention_peak(&att[0], w.len);
        let r = w.start..w.start + w.len;
        let (score, split) = changepoint::best_split(
            &signal.lrr[r.clone()],
            &signal.baf[r],
            config.baseline_min_segment,
        );
        out.push(WindowPrediction {
            sample: signal.sample.clone(),
            chrom: w.chrom.clone(),
            first_probe: w.start,
            probes: w.len,
            start_bp: signal.pos[w.start],
            end_bp: signal.pos[w.start + w.len - 1],
            p_breakpoint: p[0],
            breakpoint_call: p[0] >= config.decision_threshold,
            threshold: config.decision_threshold,
            attention_peak_bp: signal.pos[w.start + peak],
            baseline_score: score,
            baseline_call: score > config.baseline_threshold,
            baseline_split_bp: signal.pos[(w.start + split).min(w.start + w.len - 1)],
        });
    }
    Ok(SignalPredictions {
        windows: out,
        skipped,
    })
}

/// CSV text of window predictions (sample and chromosome names quoted where needed).
pub fn predictions_csv(preds: &[WindowPrediction]) -> Result<String> {
    const HEADER: [&str; 12] = [
        "sample",
        "chrom",
        "first_probe",
        "probes",
        "start_bp",
        "end_bp",
        "p_breakpoint",
        "breakpoint_call",
        "attention_peak_bp",
        "baseline_score",
        "baseline_call",
        "baseline_split_bp",
    ];
    let rows = preds.iter().map(|p| {
        [
            p.sample.clone(),
            p.chrom.clone(),
            p.first_probe.to_string(),
            p.probes.to_string(),
            p.start_bp.to_string(),
            p.end_bp.to_string(),
            format!("{:.6}", p.p_breakpoint),
            p.breakpoint_call.to_string(),
            p.attention_peak_bp.to_string(),
            format!("{:.4}", p.baseline_score),
            p.baseline_call.to_string(),
            p.baseline_split_bp.to_string(),
        ]
    });
    Ok(deepfield_core::fsutil::csv_string(HEADER, rows)?)
}

/// Run the model folder `model` on a user's PennCNV signal file; write the CSV to `out` if given
/// (atomically: nothing is written when the file cannot be read or has no usable chromosome).
pub fn predict_signal(
    model: &Path,
    signal: &Path,
    out: Option<&Path>,
) -> Result<SignalPredictions> {
    let (config, _vs, m) = load(model, deepfield_core::device())?;
    let s = read_penncnv(signal)?;
    let preds = predict_signal_with(&m, &config, &s, signal)?;
    if let Some(o) = out {
        deepfield_core::fsutil::write_atomic(o, predictions_csv(&preds.windows)?.as_bytes())?;
    }
    Ok(preds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snp::WindowConfig;
    use deepfield_core::checkpoint;
    use deepfield_core::models::ModelConfig as _;
    use deepfield_core::Forward;
    use tch::nn::VarStore;

    #[test]
    fn predictions_csv_quotes_sample_names() {
        let p = WindowPrediction {
            sample: "child, \"A\"".into(),
            chrom: "1".into(),
            first_probe: 0,
            probes: 200,
            start_bp: 1000,
            end_bp: 9000,
            p_breakpoint: 0.25,
            breakpoint_call: false,
            threshold: 0.5,
            attention_peak_bp: 4000,
            baseline_score: 1.5,
            baseline_call: true,
            baseline_split_bp: 4100,
        };
        let text = predictions_csv(&[p]).unwrap();
        let mut lines = text.lines();
        assert!(lines
            .next()
            .unwrap()
            .starts_with("sample,chrom,first_probe,"));
        assert_eq!(
            lines.next().unwrap(),
            "\"child, \"\"A\"\"\",1,0,200,1000,9000,0.250000,false,4000,1.5000,true,4100"
        );
        assert_eq!(lines.next(), None);
    }

    fn detector() -> DeepSnpDetectorConfig {
        DeepSnpDetectorConfig {
            model: DeepSnpConfig::default(),
            windows: WindowConfig {
                length: 1024,
                stride: 512,
                margin: 10,
            },
            decision_threshold: 0.3,
            baseline_min_segment: 20,
            baseline_threshold: 1.25,
        }
    }

    /// A small signal: two chromosomes of 2,048 and 700 probes.
    fn signal() -> SnpSignal {
        let n = 2748;
        let mut rng = deepfield_core::Rng::new(3);
        SnpSignal {
            sample: "s".into(),
            names: (0..n).map(|i| format!("rs{i}")).collect(),
            chrom: (0..n)
                .map(|i| if i < 2048 { "1" } else { "2" }.to_string())
                .collect(),
            pos: (0..n as u64).map(|i| 1000 + 50 * i).collect(),
            lrr: (0..n).map(|_| rng.normal() as f32 * 0.2).collect(),
            baf: (0..n).map(|_| rng.uniform() as f32).collect(),
        }
    }

    #[test]
    fn saved_detector_restores_through_the_registry_and_predicts_alike() {
        tch::manual_seed(0);
        let device = deepfield_core::device();
        let dir = tempfile::tempdir().unwrap();
        let config = detector();
        let vs = VarStore::new(device);
        let model = config.build(&vs.root()).unwrap();
        save(
            dir.path(),
            &vs,
            &config,
            Some(&serde_json::json!({"f1": 0.9})),
        )
        .unwrap();

        let x = Tensor::randn([3, 2, 1024], (Kind::Float, device));
        let want = model.forward_t(&x, None, false);
        let restored = crate::models()
            .unwrap()
            .restore(dir.path(), device)
            .unwrap();
        assert_eq!(restored.kind, "genomics.deep_snp");
        assert_eq!(
            serde_json::from_value::<DeepSnpDetectorConfig>(restored.config).unwrap(),
            config
        );
        assert!(restored.model.forward_t(&x, None, false).equal(&want));

        let (config2, _vs, model2) = load(dir.path(), device).unwrap();
        assert_eq!(config2, config);
        assert!(model2.forward_t(&x, None, false).equal(&want));

        // The signal path gives the same calls from the saved model as from the trained one.
        let s = signal();
        let f = Path::new("s.txt");
        let a = predict_signal_with(&model, &config, &s, f).unwrap().windows;
        let b = predict_signal_with(&model2, &config2, &s, f)
            .unwrap()
            .windows;
        // chr1: 3 windows of 1,024 probes; chr2: one short window of 700.
        assert_eq!(a.len(), 4);
        assert_eq!(predictions_csv(&a).unwrap(), predictions_csv(&b).unwrap());
        assert!(a.iter().all(|w| w.threshold == 0.3));
    }

    #[test]
    fn folders_saved_before_the_registry_still_load() {
        tch::manual_seed(1);
        let device = deepfield_core::device();
        let dir = tempfile::tempdir().unwrap();
        let config = detector();
        let vs = VarStore::new(device);
        let model = config.build(&vs.root()).unwrap();
        // The layout `deep-snp` wrote before: the whole run config, the thresholds beside it,
        // weights without metadata.
        let older = serde_json::json!({
            "config": {
                "sim": {"probes_per_chromosome": 16000},
                "windows": config.windows,
                "model": config.model,
                "train": {"epochs": 12, "batch_size": 16},
                "train_windows": 240,
                "baseline_min_segment": 20,
                "seed": 0
            },
            "baseline_threshold": 1.25,
            "decision_threshold": 0.3
        });
        checkpoint::save::<_, ()>(dir.path(), &vs, &older, None).unwrap();
        assert!(
            !checkpoint::read_metadata(&checkpoint::weights_path(dir.path()))
                .unwrap()
                .contains_key(checkpoint::META_KIND)
        );
        let (config2, _vs, model2) = load(dir.path(), device).unwrap();
        assert_eq!(config2, config);
        let s = signal();
        let f = Path::new("s.txt");
        assert_eq!(
            predictions_csv(&predict_signal_with(&model, &config, &s, f).unwrap().windows).unwrap(),
            predictions_csv(
                &predict_signal_with(&model2, &config2, &s, f)
                    .unwrap()
                    .windows
            )
            .unwrap()
        );

        // Older still: no decision threshold saved, so the cut is 0.5.
        let mut oldest = older.clone();
        oldest.as_object_mut().unwrap().remove("decision_threshold");
        checkpoint::save::<_, ()>(dir.path(), &vs, &oldest, None).unwrap();
        assert_eq!(load(dir.path(), device).unwrap().0.decision_threshold, 0.5);

        // Not a Deep SNP folder: a clear error.
        checkpoint::save::<_, ()>(dir.path(), &vs, &serde_json::json!({"x": 1}), None).unwrap();
        let e = load(dir.path(), device).unwrap_err().to_string();
        assert!(e.contains("config.json"), "{e}");
    }

    /// Issue 6: a chromosome of 64–126 probes failed the whole file in the conv stack
    /// (`block 2 turns size 1 into 0`). It is skipped and reported now; the rest is predicted.
    #[test]
    fn a_chromosome_too_short_for_the_network_is_skipped_and_reported() {
        tch::manual_seed(2);
        let device = deepfield_core::device();
        let tmp = tempfile::tempdir().unwrap();
        let config = detector();
        let vs = VarStore::new(device);
        let _model = config.build(&vs.root()).unwrap();
        let dir = tmp.path().join("model");
        save(&dir, &vs, &config, None::<&()>).unwrap();

        // chr1: 2,048 probes (3 windows); chr2: 100 probes, between the 64 of a short window
        // and the 125 the network takes; chr3: 300 probes (one short window).
        let mut s = signal();
        let n = s.len();
        for (i, c) in s.chrom.iter_mut().enumerate() {
            *c = match i {
                i if i < 2048 => "1",
                i if i < 2148 => "2",
                _ => "3",
            }
            .to_string();
        }
        assert_eq!(n - 2148, 600);
        let file = tmp.path().join("short chr, \"x\".txt");
        super::super::signal::write_penncnv(&file, &s).unwrap();
        let out = tmp.path().join("w.csv");
        let p = predict_signal(&dir, &file, Some(&out)).unwrap();
        let chroms: Vec<(&str, usize)> = p
            .windows
            .iter()
            .map(|w| (w.chrom.as_str(), w.probes))
            .collect();
        assert_eq!(chroms, [("1", 1024), ("1", 1024), ("1", 1024), ("3", 600)]);
        assert_eq!(p.skipped.len(), 1);
        let k = &p.skipped[0];
        assert_eq!((k.chrom.as_str(), k.probes, k.min_probes), ("2", 100, 125));
        let msg = k.to_string();
        assert!(
            msg.contains("short chr, \"x\".txt")
                && msg.contains("chromosome 2")
                && msg.contains("100 probes")
                && msg.contains("at least 125"),
            "{msg}"
        );
        let (_, rows) = deepfield_core::testing::read_csv(&out);
        assert_eq!(rows.len(), 4);

        // Nothing the network can take: a clear error naming the file and the minimum, no output.
        let mut tiny = s.clone();
        for v in [&mut tiny.names, &mut tiny.chrom] {
            v.truncate(100);
        }
        tiny.pos.truncate(100);
        tiny.lrr.truncate(100);
        tiny.baf.truncate(100);
        let tiny_file = tmp.path().join("tiny.txt");
        super::super::signal::write_penncnv(&tiny_file, &tiny).unwrap();
        let tiny_out = tmp.path().join("tiny.csv");
        let e = predict_signal(&dir, &tiny_file, Some(&tiny_out))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("tiny.txt")
                && e.contains("125 probes")
                && e.contains("chromosome 1: 100 probes"),
            "{e}"
        );
        assert!(!tiny_out.exists());
    }
}
