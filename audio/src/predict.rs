//! A trained model on new recordings: a folder of WAV files (labels from a CSV or from the file
//! name pattern of the training set; accuracy and confusion matrix when labels exist) or one file.
//!
//! A model folder is read by [`load`]: folders saved through the registry
//! ([`deepfield_core::models::save_model`] with an [`MfccClassifierConfig`]) and folders written
//! before it (`config.json` holding the same fields without a `kind`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use deepfield_core::checkpoint;
use deepfield_core::data::TensorDataset;
use deepfield_core::metrics::{classification_report, ClassificationReport};
use deepfield_core::models::restore_model;
use deepfield_core::tch::{nn::VarStore, Device, Kind};
use serde::Serialize;

use crate::data::padded_dataset;
use crate::features::{FeatureMatrix, FrontEnd};
use crate::model::{AudioModel, MfccClassifierConfig};
use crate::{Error, Result};

/// A restored classifier: its config, the front end it describes, its weights and the network.
#[derive(Debug)]
pub struct Classifier {
    pub config: MfccClassifierConfig,
    pub front: FrontEnd,
    pub vs: VarStore,
    pub model: AudioModel,
}

/// Restore the classifier saved in `dir` on `device`. Reads folders saved through the registry
/// (`config.json` `{"kind": "audio.mfcc_classifier", "config": …}`) and older folders whose
/// `config.json` holds the config's fields directly (no `kind`, weights without metadata).
pub fn load(dir: &Path, device: Device) -> Result<Classifier> {
    let json: serde_json::Value = checkpoint::load(dir)?;
    let (config, vs, model) = if json.get("kind").is_some() {
        restore_model::<MfccClassifierConfig>(dir, device)?
    } else {
        // The layout before the model registry: the config's fields at the top level.
        let config: MfccClassifierConfig = serde_json::from_value(json).map_err(|e| {
            Error::input(format!(
                "{}: not an audio classifier ({e})",
                dir.join(checkpoint::CONFIG_FILE).display()
            ))
        })?;
        deepfield_core::models::restore_with_config(dir, device, config)?
    };
    let front = FrontEnd::new(&config.features)?;
    Ok(Classifier {
        config,
        front,
        vs,
        model,
    })
}

/// Log-probabilities of every sample of `ds` (CPU rows), in batches of 256 on the model's device
/// ([`deepfield_core::device`]).
pub fn log_probs(model: &AudioModel, ds: &TensorDataset) -> Result<Vec<Vec<f64>>> {
    let device = deepfield_core::device();
    let mut rows = Vec::with_capacity(ds.len());
    deepfield_core::tch::no_grad(|| -> Result<()> {
        for b in ds.batches(256, None) {
            let mask = b.mask.as_ref().map(|m| m.to_device(device));
            let lp = model
                .log_probs(&b.x.to_device(device), mask.as_ref())?
                .to_device(Device::Cpu)
                .to_kind(Kind::Double);
            let c = lp.size()[1] as usize;
            let flat = Vec::<f64>::try_from(lp.view([-1]))?;
            rows.extend(flat.chunks(c).map(|r| r.to_vec()));
        }
        Ok(())
    })?;
    Ok(rows)
}

/// Index of the largest value (core's).
pub use deepfield_core::metrics::argmax;

/// One file's prediction.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub file: PathBuf,
    pub predicted: String,
    /// Probability of the predicted class.
    pub confidence: f64,
    pub probabilities: Vec<f64>,
    /// The true class, when known.
    pub label: Option<String>,
}

/// Predictions over a folder.
#[derive(Debug, Clone, Serialize)]
pub struct FolderEval {
    pub class_names: Vec<String>,
    pub predictions: Vec<Prediction>,
    /// Metrics over the files with a known label.
    pub metrics: Option<ClassificationReport>,
    /// Unreadable files and files with an unusable label, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Labels from a CSV with columns `file` (name or path relative to the folder) and `label`
/// (class name or index).
pub fn read_label_csv(path: &Path, class_names: &[String]) -> Result<HashMap<String, i64>> {
    let table = deepfield_core::fsutil::read_csv_records(path)?;
    let header: Vec<String> = table.header.iter().map(|s| s.to_lowercase()).collect();
    let (fc, lc) = match (
        header.iter().position(|h| h == "file"),
        header.iter().position(|h| h == "label"),
    ) {
        (Some(f), Some(l)) => (f, l),
        _ => {
            return Err(Error::input(format!(
                "{}: needs `file` and `label` columns, header is {header:?}",
                path.display()
            )))
        }
    };
    let mut out = HashMap::new();
    for row in &table.rows {
        let (Some(file), Some(label)) = (row.fields.get(fc), row.fields.get(lc)) else {
            return Err(Error::input(format!(
                "{} line {}: too few fields",
                path.display(),
                row.line
            )));
        };
        let idx = class_names
            .iter()
            .position(|c| c == label)
            .map(|i| i as i64)
            .or_else(|| {
                label
                    .parse::<i64>()
                    .ok()
                    .filter(|&k| k >= 0 && (k as usize) < class_names.len())
            })
            .ok_or_else(|| {
                Error::input(format!(
                    "{} line {}: label {label:?} is not one of {class_names:?}",
                    path.display(),
                    row.line
                ))
            })?;
        let name = Path::new(file)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.insert(name, idx);
    }
    Ok(out)
}

/// Run the model saved in `model_dir` on every WAV of `dir`. Labels come from `labels_csv` when
/// given, else from the file names (training-set pattern). Writes
/// `file,predicted,confidence[,label]` to `out` when given.
pub fn evaluate_folder(
    model_dir: &Path,
    dir: &Path,
    labels_csv: Option<&Path>,
    out: Option<&Path>,
) -> Result<FolderEval> {
    let Classifier {
        config: saved,
        front,
        model,
        ..
    } = load(model_dir, deepfield_core::device())?;
    let names = saved.class_names.clone();
    let csv_labels = labels_csv.map(|p| read_label_csv(p, &names)).transpose()?;
    let files = crate::wav::wav_files(dir)?;
    if files.is_empty() {
        return Err(Error::input(format!(
            "{}: no .wav files in this folder",
            dir.display()
        )));
    }
    let mut skipped = Vec::new();
    let mut kept: Vec<(PathBuf, FeatureMatrix, Option<i64>)> = Vec::new();
    for f in files {
        let label = match &csv_labels {
            Some(m) => f
                .file_name()
                .and_then(|n| m.get(n.to_string_lossy().as_ref()).copied()),
            None => saved.label_rule.parse(&f).map(|(l, _)| l),
        };
        match front.from_file(&f) {
            Ok(m) => kept.push((f, m, label)),
            Err(e) => skipped.push((f, e.to_string())),
        }
    }
    if kept.is_empty() {
        return Err(Error::input(format!(
            "{}: none of the WAV files could be read: {}",
            dir.display(),
            skipped
                .iter()
                .map(|(p, e)| format!("{}: {e}", p.display()))
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let feats: Vec<&FeatureMatrix> = kept.iter().map(|k| &k.1).collect();
    let ds = padded_dataset(&feats, &vec![0; feats.len()], &saved.scaler)?;
    let lps = log_probs(&model, &ds)?;
    let mut predictions = Vec::with_capacity(kept.len());
    let (mut y, mut p) = (Vec::new(), Vec::new());
    for ((file, _, label), lp) in kept.into_iter().zip(lps) {
        let probs: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
        let k = argmax(&lp);
        if let Some(l) = label {
            y.push(l);
            p.push(k as i64);
        }
        predictions.push(Prediction {
            file,
            predicted: names[k].clone(),
            confidence: probs[k],
            probabilities: probs,
            label: label.map(|l| names[l as usize].clone()),
        });
    }
    let metrics = if y.is_empty() {
        None
    } else {
        Some(classification_report(&y, &p, names.len())?)
    };
    if let Some(out) = out {
        write_predictions_csv(out, &predictions)?;
    }
    Ok(FolderEval {
        class_names: names,
        predictions,
        metrics,
        skipped,
    })
}

/// Write `file,predicted,confidence[,label]` (the `label` column when any file has one),
/// atomically; file names with commas or quotes are quoted.
fn write_predictions_csv(out: &Path, predictions: &[Prediction]) -> Result<()> {
    let with_label = predictions.iter().any(|p| p.label.is_some());
    let mut header = vec!["file", "predicted", "confidence"];
    if with_label {
        header.push("label");
    }
    let rows = predictions.iter().map(|pr| {
        let name = pr
            .file
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut row = vec![name, pr.predicted.clone(), format!("{:.6}", pr.confidence)];
        if with_label {
            row.push(pr.label.clone().unwrap_or_default());
        }
        row
    });
    deepfield_core::fsutil::write_csv(out, header, rows)?;
    Ok(())
}

/// Classify one WAV file with the model saved in `model_dir`.
pub fn classify_file(model_dir: &Path, file: &Path) -> Result<Prediction> {
    let Classifier {
        config: saved,
        front,
        model,
        ..
    } = load(model_dir, deepfield_core::device())?;
    let m = front.from_file(file)?;
    let ds = padded_dataset(&[&m], &[0], &saved.scaler)?;
    let lp = log_probs(&model, &ds)?
        .pop()
        .ok_or_else(|| Error::input("no prediction"))?;
    let probs: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
    let k = argmax(&lp);
    Ok(Prediction {
        file: file.to_path_buf(),
        predicted: saved.class_names[k].clone(),
        confidence: probs[k],
        probabilities: probs,
        label: saved
            .label_rule
            .parse(file)
            .map(|(l, _)| saved.class_names[l as usize].clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::LabelRule;
    use crate::features::{FeatureConfig, FrameScaler};
    use crate::model::ModelConfig;
    use deepfield_core::models::save_model;
    use deepfield_core::models::ModelConfig as _;
    use deepfield_core::tch::{Kind, Tensor};
    use deepfield_core::Forward;

    /// The `config.json` of model folders written before the registry (`SavedModel` of the
    /// reproductions, saved with `checkpoint::save`: no `kind`, weights without metadata).
    #[derive(Serialize)]
    struct OldSavedModel {
        id: String,
        features: FeatureConfig,
        label_rule: LabelRule,
        class_names: Vec<String>,
        scaler: FrameScaler,
        model: ModelConfig,
    }

    #[test]
    fn classifiers_restore_through_the_registry_and_old_folders_still_load() {
        deepfield_core::seed(5);
        let reg = crate::models().unwrap();
        assert!(reg.contains(MfccClassifierConfig::KIND));
        assert!(reg.contains("rnn"), "core's kinds stay registered");
        let tmp = tempfile::tempdir().unwrap();
        // A labelled recording: 0.4 s of a decaying tone in noise, named like FSDD.
        let rec = tmp.path().join("rec");
        std::fs::create_dir(&rec).unwrap();
        let wav = rec.join("3_someone_0.wav");
        let samples: Vec<f32> = (0..3200)
            .map(|i| {
                let t = i as f32 / 8000.0;
                0.5 * (-4.0 * t).exp() * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
                    + 0.01 * ((i * 7919 % 101) as f32 / 50.0 - 1.0)
            })
            .collect();
        crate::wav::write_wav_i16(&wav, &samples, 8000).unwrap();

        let features = FeatureConfig::speech(8000);
        let f = features.n_features();
        let x = Tensor::randn([3, 7, f as i64], (Kind::Float, Device::Cpu));
        let mask = Tensor::from_slice(&[true, true, true, true, true, true, true])
            .repeat([3])
            .view([3, 7]);
        let _ = mask.narrow(0, 2, 1).narrow(1, 4, 3).fill_(0);
        for (i, net) in [
            ModelConfig::bilstm(f as i64, 10),
            ModelConfig::cnn(f as i64, 10),
            ModelConfig::mlp(f as i64, 10),
        ]
        .into_iter()
        .enumerate()
        {
            let config = MfccClassifierConfig {
                id: "test".into(),
                features: features.clone(),
                label_rule: LabelRule::FsddDigit,
                class_names: LabelRule::FsddDigit.class_names(),
                // Binary fractions: serde_json's default float parsing is not always exact.
                scaler: FrameScaler {
                    mean: (0..f).map(|k| k as f64 * 0.25).collect(),
                    std: vec![2.0; f],
                },
                model: net.clone(),
            };
            let vs = VarStore::new(Device::Cpu);
            let model = config.build(&vs.root()).unwrap();
            let want = model.predict(&x, Some(&mask));
            let metrics = serde_json::json!({"accuracy": 0.5});
            let new_dir = tmp.path().join(format!("new{i}"));
            save_model(&new_dir, &vs, &config, Some(&metrics)).unwrap();
            let old_dir = tmp.path().join(format!("old{i}"));
            let old = OldSavedModel {
                id: config.id.clone(),
                features: config.features.clone(),
                label_rule: config.label_rule,
                class_names: config.class_names.clone(),
                scaler: config.scaler.clone(),
                model: net,
            };
            checkpoint::save(&old_dir, &vs, &old, Some(&metrics)).unwrap();

            // Any kind, through the registry (what `inspect`/`predict` use).
            let restored = reg.restore(&new_dir, Device::Cpu).unwrap();
            assert_eq!(restored.kind, "audio.mfcc_classifier");
            assert!(restored.model.predict(&x, Some(&mask)).equal(&want));
            // Typed, and the old layout through its fallback.
            for dir in [&new_dir, &old_dir] {
                let c = load(dir, Device::Cpu).unwrap();
                assert_eq!(c.config, config, "{}", dir.display());
                assert!(c.model.predict(&x, Some(&mask)).equal(&want));
            }
            // The old layout names no kind, so the registry cannot restore it.
            assert!(reg.restore(&old_dir, Device::Cpu).is_err());
            // `classify`/`eval` give the same answer from both folders.
            let a = classify_file(&new_dir, &wav).unwrap();
            let b = classify_file(&old_dir, &wav).unwrap();
            assert_eq!(a.probabilities, b.probabilities);
            assert_eq!(a.label.as_deref(), Some("3"));
            let e = evaluate_folder(&old_dir, &rec, None, None).unwrap();
            assert_eq!(e.predictions[0].probabilities, a.probabilities);
            assert_eq!(e.metrics.unwrap().n, 1);
        }

        // A config that disagrees with its network is refused on save and on load.
        let mut bad = MfccClassifierConfig {
            id: "bad".into(),
            features: features.clone(),
            label_rule: LabelRule::CoughEtiquette,
            class_names: LabelRule::CoughEtiquette.class_names(),
            scaler: FrameScaler {
                mean: vec![0.0; f],
                std: vec![1.0; f],
            },
            model: ModelConfig::mlp(f as i64, 10),
        };
        let vs = VarStore::new(Device::Cpu);
        let e = save_model::<_, ()>(&tmp.path().join("bad"), &vs, &bad, None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("audio.mfcc_classifier") && e.contains("3 class names"),
            "{e}"
        );
        bad.model = ModelConfig::mlp(f as i64 + 1, 3);
        assert!(bad
            .check()
            .unwrap_err()
            .to_string()
            .contains("features per frame"));
    }

    fn prediction(file: &str, label: Option<&str>) -> Prediction {
        Prediction {
            file: PathBuf::from("recordings").join(file),
            predicted: "hand".into(),
            confidence: 0.75,
            probabilities: vec![0.25, 0.75],
            label: label.map(str::to_string),
        }
    }

    #[test]
    fn predictions_csv_quotes_awkward_file_names() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("predictions.csv");
        let odd = "a,b \"c\".wav";
        let preds = [
            prediction(odd, Some("none, really")),
            prediction("plain.wav", None),
        ];
        write_predictions_csv(&out, &preds).unwrap();
        let mut r = csv::Reader::from_path(&out).unwrap();
        assert_eq!(
            r.headers().unwrap(),
            vec!["file", "predicted", "confidence", "label"]
        );
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], vec![odd, "hand", "0.750000", "none, really"]);
        assert_eq!(rows[1], vec!["plain.wav", "hand", "0.750000", ""]);

        // Without any label there is no label column.
        write_predictions_csv(&out, &preds[1..]).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text, "file,predicted,confidence\nplain.wav,hand,0.750000\n");
    }

    #[test]
    fn label_csv_reads_quoted_names_and_reports_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("labels.csv");
        let names: Vec<String> = ["none", "hand", "elbow"].map(String::from).to_vec();
        std::fs::write(
            &p,
            "File,Label\n\"a,b \"\"c\"\".wav\",hand\n\nsub/x.wav, 2\n",
        )
        .unwrap();
        let m = read_label_csv(&p, &names).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["a,b \"c\".wav"], 1);
        assert_eq!(m["x.wav"], 2);

        std::fs::write(&p, "file,label\nx.wav,none\n\ny.wav,sneeze\n").unwrap();
        let e = read_label_csv(&p, &names).unwrap_err().to_string();
        assert!(
            e.contains("labels.csv line 4") && e.contains("sneeze"),
            "{e}"
        );
        std::fs::write(&p, "file,label\nx.wav\n").unwrap();
        let e = read_label_csv(&p, &names).unwrap_err().to_string();
        assert!(e.contains("labels.csv line 2: too few fields"), "{e}");
        std::fs::write(&p, "name,class\nx.wav,none\n").unwrap();
        let e = read_label_csv(&p, &names).unwrap_err().to_string();
        assert!(e.contains("needs `file` and `label`"), "{e}");
    }
}
