//! Inference with a trained Deep SNP model: load a model folder, run it on every window of a
//! PennCNV signal file, write the calls. Nothing here depends on the `deep-snp` reproduction
//! ([`repro`](crate::snp::repro)), which trains the model and saves it through [`save`].
//!
//! A model folder holds one registered model ([`deepfield_core::models`]) of kind
//! [`DeepSnpDetectorConfig::KIND`] (`genomics.deep_snp`): `model.safetensors` (weights, with the
//! kind and the config in its metadata), `config.json` (`{"kind", "config"}`) and
//! `metrics.json`. The config is everything prediction needs besides the weights: the network,
//! the window size, the decision threshold chosen on the validation windows, and the
//! change-point baseline's settings. `deepfield-genomics inspect DIR` describes such a folder;
//! [`crate::models`] restores it behind `Box<dyn Forward>` (logits of `[B, 2, L]` windows).
//!
//! Folders written before the registry (`config.json` holding the whole run config, the
//! thresholds beside it, no kind) still load through [`load`].

use std::path::Path;

use deepfield_core::models::{self, ModelConfig};
use serde::{Deserialize, Serialize};
use tch::nn::{self, VarStore};
use tch::{Device, Kind, Tensor};

use super::changepoint;
use super::model::{DeepSnp, DeepSnpConfig};
use super::signal::{read_penncnv, SnpSignal};
use super::window::{self, WindowConfig};
use crate::{Error, Result};

/// A trained Deep SNP breakpoint detector as saved: the network's config and the settings its
/// predictions depend on. Registered as `genomics.deep_snp`; [`build`](ModelConfig::build) makes
/// the network ([`DeepSnpConfig::init`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepSnpDetectorConfig {
    /// The network.
    pub model: DeepSnpConfig,
    /// How a signal is cut into windows (the window length the model was trained on).
    pub windows: WindowConfig,
    /// A breakpoint is called when `p(breakpoint) ≥ decision_threshold`, the F1-maximising cut on
    /// the validation windows ([`super::threshold::choose_f1_threshold`]).
    pub decision_threshold: f64,
    /// Change-point baseline: shortest segment a split may leave.
    pub baseline_min_segment: usize,
    /// Change-point baseline: score threshold fitted on the training windows.
    pub baseline_threshold: f64,
}

impl ModelConfig for DeepSnpDetectorConfig {
    const KIND: &'static str = "genomics.deep_snp";
    const DESCRIPTION: &'static str =
        "Deep SNP: CNN + attention over LRR/BAF windows [B, 2, L] -> breakpoint logits [B, 2]";
    type Model = DeepSnp;

    fn validate(&self) -> deepfield_core::Result<()> {
        self.windows.validate()?;
        if !(0.0..=1.0).contains(&self.decision_threshold) {
            return Err(deepfield_core::Error::config(format!(
                "decision_threshold must be in [0, 1], got {}",
                self.decision_threshold
            )));
        }
        if !self.baseline_threshold.is_finite() {
            return Err(deepfield_core::Error::config(
                "baseline_threshold must be finite",
            ));
        }
        Ok(())
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<DeepSnp> {
        Ok(self.model.init(path)?)
    }
}

/// Save a trained detector into the model folder `dir` (see the [module docs](self)).
pub fn save<M: Serialize>(
    dir: &Path,
    vs: &VarStore,
    config: &DeepSnpDetectorConfig,
    metrics: Option<&M>,
) -> Result<()> {
    Ok(models::save_model(dir, vs, config, metrics)?)
}

/// Load the model folder `dir` on `device`: its config, parameters and network. Reads folders
/// written by [`save`] and older ones.
pub fn load(dir: &Path, device: Device) -> Result<(DeepSnpDetectorConfig, VarStore, DeepSnp)> {
    let Some(older) = crate::older::older_config::<OlderFolder>(dir)? else {
        return Ok(models::restore_model::<DeepSnpDetectorConfig>(dir, device)?);
    };
    Ok(models::restore_with_config(
        dir,
        device,
        older.into_config(),
    )?)
}

/// `config.json` of a folder saved before the registry: the `deep-snp` run config (of which
/// prediction needs the network, the windows and the baseline's segment length) and the
/// thresholds.
#[derive(Deserialize)]
struct OlderFolder {
    config: OlderRun,
    baseline_threshold: f64,
    /// Models saved before the validation threshold existed cut at 0.5.
    #[serde(default = "one_half")]
    decision_threshold: f64,
}

/// The fields of the run config that prediction reads (defaults: the run config's).
#[derive(Deserialize)]
#[serde(default)]
struct OlderRun {
    model: DeepSnpConfig,
    windows: WindowConfig,
    baseline_min_segment: usize,
}

impl Default for OlderRun {
    fn default() -> Self {
        OlderRun {
            model: DeepSnpConfig::default(),
            windows: WindowConfig::default(),
            baseline_min_segment: 20,
        }
    }
}

fn one_half() -> f64 {
    0.5
}

impl OlderFolder {
    fn into_config(self) -> DeepSnpDetectorConfig {
        DeepSnpDetectorConfig {
            model: self.config.model,
            windows: self.config.windows,
            decision_threshold: self.decision_threshold,
            baseline_min_segment: self.config.baseline_min_segment,
            baseline_threshold: self.baseline_threshold,
        }
    }
}

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

/// Run a model on every window of a signal (short chromosomes: one window of their length).
pub fn predict_signal_with(
    model: &DeepSnp,
    config: &DeepSnpDetectorConfig,
    signal: &SnpSignal,
) -> Result<Vec<WindowPrediction>> {
    let ws = window::windows(signal, &config.windows, None, true)?;
    if ws.is_empty() {
        return Err(Error::input(format!(
            "{}: no chromosome has the 64 probes a window needs",
            signal.sample
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
    Ok(out)
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

/// Run the model folder `model` on a user's PennCNV signal file; write the CSV to `out` if given.
pub fn predict_signal(
    model: &Path,
    signal: &Path,
    out: Option<&Path>,
) -> Result<Vec<WindowPrediction>> {
    let (config, _vs, m) = load(model, deepfield_core::device())?;
    let s = read_penncnv(signal)?;
    let preds = predict_signal_with(&m, &config, &s)?;
    if let Some(o) = out {
        deepfield_core::fsutil::write_atomic(o, predictions_csv(&preds)?.as_bytes())?;
    }
    Ok(preds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::checkpoint;
    use deepfield_core::Forward;

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
        let a = predict_signal_with(&model, &config, &s).unwrap();
        let b = predict_signal_with(&model2, &config2, &s).unwrap();
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
        assert_eq!(
            predictions_csv(&predict_signal_with(&model, &config, &s).unwrap()).unwrap(),
            predictions_csv(&predict_signal_with(&model2, &config2, &s).unwrap()).unwrap()
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
}
