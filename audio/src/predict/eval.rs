//! `eval`: a saved classifier on a user's recordings — one WAV file or a folder searched
//! recursively — with metrics where true labels are known (from `--labels`, else from file names
//! following the training set's pattern) and the predictions written to a CSV.

use std::path::{Path, PathBuf};

use deepfield_core::metrics::{classification_report, classification_report_present};
use serde::Serialize;

use super::labels::{read_labels, LabelTable};
use super::output::write_predictions;
use super::{argmax, load, log_probs, Classifier, Prediction};
use crate::data::padded_dataset;
use crate::features::FeatureMatrix;
use crate::{Error, Result};

/// What `eval` reads besides the model and the input.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvalOptions<'a> {
    /// A CSV/TSV of true labels (`file` column and a label column).
    pub labels: Option<&'a Path>,
    /// The label column of `labels` (default `label`).
    pub label_column: Option<&'a str>,
    /// Write the predictions here.
    pub out: Option<&'a Path>,
}

/// Metrics over the recordings with a known label. Macro averages are over the classes present
/// in the labels or the predictions (scikit-learn's default), not over every class the model
/// knows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelMetrics {
    /// Labelled recordings.
    pub n: usize,
    pub accuracy: f64,
    /// Mean recall over the classes present in the labels.
    pub balanced_accuracy: f64,
    pub precision_macro: f64,
    pub recall_macro: f64,
    pub f1_macro: f64,
    /// The classes the macro averages are over.
    pub classes: Vec<String>,
    /// `confusion[true][predicted]` over all of the model's classes.
    pub confusion: Vec<Vec<u64>>,
}

/// Label metrics of `y` against `p` (class indices into `names`), see [`LabelMetrics`].
pub fn label_metrics(y: &[i64], p: &[i64], names: &[String]) -> Result<LabelMetrics> {
    // Over every class the model knows (which also checks the indices), for the confusion.
    let r = classification_report(y, p, names.len())?;
    let (present, macros) = classification_report_present(y, p)?;
    Ok(LabelMetrics {
        n: r.n,
        accuracy: r.accuracy,
        balanced_accuracy: r.balanced_accuracy,
        precision_macro: macros.precision_macro,
        recall_macro: macros.recall_macro,
        f1_macro: macros.f1_macro,
        classes: present.iter().map(|&c| names[c as usize].clone()).collect(),
        confusion: r.confusion,
    })
}

/// Predictions over an input.
#[derive(Debug, Clone, Serialize)]
pub struct EvalResult {
    /// The model folder that ran (a results folder resolves to its `model/`).
    pub model_dir: PathBuf,
    pub class_names: Vec<String>,
    pub predictions: Vec<Prediction>,
    /// Metrics over the recordings with a known label.
    pub metrics: Option<LabelMetrics>,
    /// Unreadable recordings, with the reason.
    pub skipped: Vec<(PathBuf, String)>,
    /// Rows of the labels file that match no recording of the input.
    pub unmatched_labels: usize,
}

/// The recordings of `input` with their ids: a file as given, or every `.wav` under a folder
/// (recursively) with its path relative to the folder.
pub fn recordings(input: &Path) -> Result<Vec<(String, PathBuf)>> {
    if input.is_file() {
        return Ok(vec![(input.display().to_string(), input.to_path_buf())]);
    }
    if !input.is_dir() {
        return Err(Error::input(format!(
            "{}: no such file or folder",
            input.display()
        )));
    }
    let files = crate::wav::wav_files_recursive(input)?;
    if files.is_empty() {
        return Err(Error::input(format!(
            "{}: no .wav files in this folder or its subfolders",
            input.display()
        )));
    }
    Ok(files
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(input).unwrap_or(&f);
            let id = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            (id, f)
        })
        .collect())
}

/// Run the model saved in `model_dir` on `input` (a WAV file or a folder, searched recursively).
/// A folder's unreadable files are skipped and listed; a single file that cannot be read is an
/// error.
pub fn evaluate(model_dir: &Path, input: &Path, opts: &EvalOptions) -> Result<EvalResult> {
    let model_dir = super::resolve_model_dir(model_dir);
    let Classifier {
        config: saved,
        front,
        model,
        ..
    } = load(&model_dir, deepfield_core::device())?;
    let names = saved.class_names.clone();
    let table: Option<LabelTable> = opts
        .labels
        .map(|p| read_labels(p, opts.label_column, &names))
        .transpose()?;
    let single = input.is_file();
    let files = recordings(input)?;
    let unmatched_labels = table
        .as_ref()
        .map_or(0, |t| t.unmatched(files.iter().map(|(id, _)| id.as_str())));
    let mut skipped = Vec::new();
    let mut kept: Vec<(String, PathBuf, FeatureMatrix, Option<i64>)> = Vec::new();
    for (id, f) in files {
        let label = match &table {
            Some(t) => t.get(&id),
            None => saved
                .label_rule
                .parse(&f)
                .map(|(l, _)| l)
                .filter(|&l| (l as usize) < names.len()),
        };
        match front.from_file(&f) {
            Ok(m) => kept.push((id, f, m, label)),
            Err(e) if single => return Err(e),
            Err(e) => skipped.push((f, e.to_string())),
        }
    }
    if kept.is_empty() {
        return Err(Error::input(format!(
            "{}: none of the WAV files could be read: {}",
            input.display(),
            skipped
                .iter()
                .map(|(_, e)| e.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    if saved.features.speaker_cmvn {
        let files: Vec<&Path> = kept.iter().map(|k| k.1.as_path()).collect();
        let feats: Vec<FeatureMatrix> = kept.iter().map(|k| k.2.clone()).collect();
        let normed = super::normalise_speakers(&saved, &files, feats)?;
        for (k, m) in kept.iter_mut().zip(normed) {
            k.2 = m;
        }
    }
    let feats: Vec<&FeatureMatrix> = kept.iter().map(|k| &k.2).collect();
    let ds = padded_dataset(&feats, &vec![0; feats.len()], &saved.scaler)?;
    let lps = log_probs(&model, &ds)?;
    let mut predictions = Vec::with_capacity(kept.len());
    let (mut y, mut p) = (Vec::new(), Vec::new());
    for ((id, file, _, label), lp) in kept.into_iter().zip(lps) {
        let probs: Vec<f64> = lp.iter().map(|v| v.exp()).collect();
        let k = argmax(&lp);
        let predicted = names.get(k).cloned().ok_or_else(|| {
            Error::input(format!(
                "{}: the model answered class {k} but names only {} classes",
                model_dir.display(),
                names.len()
            ))
        })?;
        if let Some(l) = label {
            y.push(l);
            p.push(k as i64);
        }
        predictions.push(Prediction {
            id,
            file,
            predicted,
            confidence: probs[k],
            probabilities: probs,
            label: label.and_then(|l| names.get(l as usize).cloned()),
        });
    }
    let metrics = if y.is_empty() {
        None
    } else {
        Some(label_metrics(&y, &p, &names)?)
    };
    if let Some(out) = opts.out {
        write_predictions(out, &names, &predictions)?;
    }
    Ok(EvalResult {
        model_dir,
        class_names: names,
        predictions,
        metrics,
        skipped,
        unmatched_labels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_averages_cover_the_classes_present_only() {
        let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
        // Truth: classes 1 and 2 only; one 2 predicted as 3.
        let m = label_metrics(&[1, 1, 2, 2], &[1, 1, 2, 3], &names).unwrap();
        assert_eq!(m.classes, ["1", "2", "3"]);
        assert_eq!(m.accuracy, 0.75);
        // Recall 1, 0.5, 0 (class 3 has no support): scikit-learn's macro recall is 0.5.
        assert!((m.recall_macro - 0.5).abs() < 1e-12, "{m:?}");
        assert!((m.balanced_accuracy - 0.75).abs() < 1e-12);
        // F1: 1, 2/3, 0 → 5/9 (over all 10 classes it would be 1/6).
        assert!((m.f1_macro - 5.0 / 9.0).abs() < 1e-12, "{m:?}");
        // One labelled recording still gives numbers.
        let one = label_metrics(&[4], &[4], &names).unwrap();
        assert_eq!((one.n, one.accuracy, one.f1_macro), (1, 1.0, 1.0));
        assert_eq!(one.classes, ["4"]);
    }

    #[test]
    fn folders_are_searched_recursively_with_relative_ids() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["none_short", "hand_short/deeper"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        for f in [
            "none_short/b.wav",
            "hand_short/deeper/a, \"x\".WAV",
            "top.wav",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        std::fs::write(d.join("labels.csv"), "x").unwrap();
        let ids: Vec<String> = recordings(d).unwrap().into_iter().map(|r| r.0).collect();
        assert_eq!(
            ids,
            [
                "hand_short/deeper/a, \"x\".WAV",
                "none_short/b.wav",
                "top.wav"
            ]
        );
        let one = d.join("top.wav");
        assert_eq!(recordings(&one).unwrap()[0].0, one.display().to_string());
        let e = recordings(&d.join("none_short/nothing"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no such file or folder"), "{e}");
        let empty = tempfile::tempdir().unwrap();
        std::fs::create_dir(empty.path().join("sub")).unwrap();
        let e = recordings(empty.path()).unwrap_err().to_string();
        assert!(
            e.contains("no .wav files in this folder or its subfolders"),
            "{e}"
        );
    }
}
