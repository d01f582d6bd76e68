//! A trained model on new recordings: restoring a saved classifier ([`load`], refusing folders
//! whose parts disagree), running it on batches ([`log_probs`]), and the `eval` command's pieces:
//! [`eval`] (a WAV file or a folder searched recursively, metrics where labels are known),
//! [`labels`] (the labels file) and [`output`] (the predictions file).
//!
//! A model folder is read by [`load`]: folders saved through the registry
//! ([`deepfield_core::models::save_model`] with an [`MfccClassifierConfig`]) and folders written
//! before it (`config.json` holding the same fields without a `kind`). A reproduction's results
//! folder given instead of a model folder means its default model, `model/`
//! ([`resolve_model_dir`]).

pub mod eval;
pub mod explain;
pub mod labels;
pub mod output;

use std::path::{Path, PathBuf};

use deepfield_core::checkpoint;
use deepfield_core::data::TensorDataset;
use deepfield_core::models::{restore_with_config, ModelConfig as _};
use deepfield_core::tch::{nn::VarStore, Device, Kind};
use serde::Serialize;

use crate::features::{speaker_cmvn, FeatureMatrix, FrontEnd};
use crate::model::{AudioModel, MfccClassifierConfig};
use crate::{Error, Result};

pub use eval::{evaluate, EvalOptions, EvalResult, LabelMetrics};
pub use explain::{explain_recordings, ExplainedRecordings};

/// A restored classifier: its config, the front end it describes, its weights and the network.
#[derive(Debug)]
pub struct Classifier {
    pub config: MfccClassifierConfig,
    pub front: FrontEnd,
    pub vs: VarStore,
    pub model: AudioModel,
}

/// `dir` itself when it holds a model, else its `model/` subfolder when that does (a
/// reproduction's results folder: `model/` is its default model).
pub fn resolve_model_dir(dir: &Path) -> PathBuf {
    let inner = deepfield_core::repro::model_dir(dir);
    if !checkpoint::weights_path(dir).is_file() && checkpoint::weights_path(&inner).is_file() {
        inner
    } else {
        dir.to_path_buf()
    }
}

/// The classifier config saved in `dir`: from the weights' metadata (registry folders), else
/// from `config.json` (`{"kind", "config"}`, or the fields directly in folders written before
/// the registry).
fn stored_config(dir: &Path) -> Result<MfccClassifierConfig> {
    let weights = checkpoint::weights_path(dir);
    if !weights.is_file() {
        return Err(Error::input(format!(
            "{}: not a model folder (no {}); give the `model/` folder of a results folder, \
             e.g. results/spoken-digits/model",
            dir.display(),
            checkpoint::WEIGHTS_FILE
        )));
    }
    let meta = checkpoint::read_metadata(&weights)?;
    let not_ours = |e: String| {
        Error::input(format!(
            "{}: not an audio classifier ({e})",
            dir.join(checkpoint::CONFIG_FILE).display()
        ))
    };
    let (kind, json) = match (
        meta.get(checkpoint::META_KIND),
        meta.get(checkpoint::META_CONFIG),
    ) {
        (Some(kind), Some(text)) => (
            Some(kind.clone()),
            serde_json::from_str::<serde_json::Value>(text)
                .map_err(|e| not_ours(format!("the weights' config is not JSON: {e}")))?,
        ),
        _ => {
            let v: serde_json::Value = checkpoint::load(dir)?;
            match v.get("kind").and_then(|k| k.as_str()) {
                Some(kind) => (
                    Some(kind.to_string()),
                    v.get("config").cloned().unwrap_or_default(),
                ),
                None => (None, v),
            }
        }
    };
    if let Some(kind) = kind.filter(|k| k != MfccClassifierConfig::KIND) {
        return Err(Error::input(format!(
            "{}: holds a `{kind}` model, not an audio classifier (`{}`)",
            dir.display(),
            MfccClassifierConfig::KIND
        )));
    }
    serde_json::from_value(json).map_err(|e| not_ours(e.to_string()))
}

/// Refuse a folder whose class names and network outputs disagree, naming both counts.
fn check_class_count(dir: &Path, config: &MfccClassifierConfig) -> Result<()> {
    let (names, outputs) = (config.class_names.len(), config.model.classes());
    if names as i64 != outputs {
        return Err(Error::input(format!(
            "{}: the model has {outputs} outputs but {names} class names ({}); the folder's \
             config does not belong to its weights — re-save the model, or fix `class_names`",
            dir.display(),
            config.class_names.join(", ")
        )));
    }
    Ok(())
}

/// Restore the classifier saved in `dir` on `device`. Reads folders saved through the registry
/// (`config.json` `{"kind": "audio.mfcc_classifier", "config": …}`) and older folders whose
/// `config.json` holds the config's fields directly (no `kind`, weights without metadata).
/// A folder whose class names are not one per network output is refused with both counts.
pub fn load(dir: &Path, device: Device) -> Result<Classifier> {
    let config = stored_config(dir)?;
    check_class_count(dir, &config)?;
    let (config, vs, model) = restore_with_config(dir, device, config)?;
    let front = FrontEnd::new(&config.features)?;
    Ok(Classifier {
        config,
        front,
        vs,
        model,
    })
}

/// Features of `files` as a model trained with per-speaker CMVN expects them
/// ([`crate::features::FeatureConfig::speaker_cmvn`]; other models get `feats` back): each
/// file's speaker is read from its name by the model's label rule, and files whose names carry
/// none are one speaker together.
pub fn normalise_speakers(
    config: &MfccClassifierConfig,
    files: &[&Path],
    feats: Vec<FeatureMatrix>,
) -> Result<Vec<FeatureMatrix>> {
    if !config.features.speaker_cmvn {
        return Ok(feats);
    }
    let groups: Vec<String> = files
        .iter()
        .map(|f| {
            config
                .label_rule
                .parse(f)
                .map(|(_, g)| g)
                .unwrap_or_default()
        })
        .collect();
    speaker_cmvn(&feats, &groups)
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

/// One recording's prediction.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    /// The id written to the predictions file: the path relative to the evaluated folder, or
    /// the file as given.
    pub id: String,
    pub file: PathBuf,
    pub predicted: String,
    /// Probability of the predicted class.
    pub confidence: f64,
    pub probabilities: Vec<f64>,
    /// The true class, when known.
    pub label: Option<String>,
}

/// Classify one WAV file with the model saved in `model_dir` (its label from the file name when
/// it follows the training set's pattern).
pub fn classify_file(model_dir: &Path, file: &Path) -> Result<Prediction> {
    let r = evaluate(model_dir, file, &EvalOptions::default())?;
    r.predictions
        .into_iter()
        .next()
        .ok_or_else(|| Error::input(format!("{}: no prediction", file.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::LabelRule;
    use crate::features::{FeatureConfig, FrameScaler};
    use crate::model::ModelConfig;
    use deepfield_core::models::save_model;
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
            let e = evaluate(&old_dir, &rec, &EvalOptions::default()).unwrap();
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

    /// A tone written as a WAV file at `path` (0.4 s at 8 kHz).
    fn tone(path: &Path) {
        let samples: Vec<f32> = (0..3200)
            .map(|i| {
                let t = i as f32 / 8000.0;
                0.5 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
            })
            .collect();
        crate::wav::write_wav_i16(path, &samples, 8000).unwrap();
    }

    /// Issue 4: a folder whose class names are fewer than the network's outputs is refused by
    /// `classify`/`eval` with an error naming the folder and both counts (in the old layout, and
    /// in registry metadata written by hand); a file-name label beyond the class names is no label.
    #[test]
    fn class_names_fewer_than_outputs_are_refused_naming_the_folder_and_both_counts() {
        let tmp = tempfile::tempdir().unwrap();
        let wav = tmp.path().join("7_someone_0.wav");
        tone(&wav);
        let features = FeatureConfig::speech(8000);
        let f = features.n_features();
        let mut config = MfccClassifierConfig {
            id: "test".into(),
            features,
            label_rule: LabelRule::FsddDigit,
            class_names: vec!["a".into(), "b".into()],
            scaler: FrameScaler {
                mean: vec![0.0; f],
                std: vec![1.0; f],
            },
            model: ModelConfig::mlp(f as i64, 3),
        };
        let vs = VarStore::new(Device::Cpu);
        let _ = config.model.init(&vs.root()).unwrap();
        // Old layout: the fields in config.json, no kind.
        let old = tmp.path().join("old model");
        checkpoint::save::<_, ()>(&old, &vs, &config, None).unwrap();
        // Registry layout whose metadata disagrees (written by hand: save_model refuses it).
        let new = tmp.path().join("new model");
        let json = serde_json::json!({"kind": MfccClassifierConfig::KIND, "config": &config});
        let meta = std::collections::BTreeMap::from([
            (
                checkpoint::META_KIND.to_string(),
                MfccClassifierConfig::KIND.to_string(),
            ),
            (
                checkpoint::META_CONFIG.to_string(),
                json["config"].to_string(),
            ),
        ]);
        checkpoint::save::<_, ()>(&new, &vs, &json, None).unwrap();
        checkpoint::save_weights_with_metadata(&checkpoint::weights_path(&new), &vs, &meta)
            .unwrap();
        for dir in [&old, &new] {
            let e = classify_file(dir, &wav).unwrap_err().to_string();
            assert!(
                e.contains(&dir.display().to_string())
                    && e.contains("3 outputs")
                    && e.contains("2 class names"),
                "{e}"
            );
            let e = evaluate(dir, tmp.path(), &EvalOptions::default())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("3 outputs") && e.contains("2 class names"),
                "{e}"
            );
        }
        // Three class names for three outputs, but a file-name rule with ten classes: the file
        // named like digit 7 has no usable label (it used to index past the class names).
        config.class_names.push("c".into());
        let ok = tmp.path().join("ok");
        save_model::<_, ()>(&ok, &vs, &config, None).unwrap();
        let p = classify_file(&ok, &wav).unwrap();
        assert_eq!((p.label, p.probabilities.len()), (None, 3));
        // A results folder means its model/; a folder without weights is named.
        let results = tmp.path().join("results");
        save_model::<_, ()>(&results.join("model"), &vs, &config, None).unwrap();
        assert_eq!(resolve_model_dir(&results), results.join("model"));
        assert!(classify_file(&results, &wav).is_ok());
        let e = classify_file(tmp.path(), &wav).unwrap_err().to_string();
        assert!(
            e.contains("not a model folder (no model.safetensors)"),
            "{e}"
        );
    }
}
