//! The PNG plots of a results folder: the default model's confusion matrix and fold-1 training
//! curves, the MFCC image of one clip, and the accuracy bars of every model beside the paper.

use std::path::Path;

use deepfield_core::report::plots;

use super::config::ExperimentConfig;
use super::experiment::ExperimentOutput;
use super::metrics::AudioMetrics;
use crate::{Error, Result};

/// The plot files and their captions, in report order (`model` names the default model).
pub fn captions(model: &str) -> Vec<(String, &'static str)> {
    vec![
        (
            format!("confusion matrix ({model})"),
            "confusion_matrix.png",
        ),
        (
            format!("training curves (fold 1, {model})"),
            "training_curves.png",
        ),
        ("MFCC example".into(), "mfcc_example.png"),
        ("accuracy".into(), "accuracy.png"),
    ]
}

/// Write every plot into `dir`.
pub fn write_plots(
    cfg: &ExperimentConfig,
    out: &ExperimentOutput,
    metrics: &AudioMetrics,
    dir: &Path,
) -> Result<()> {
    let main = metrics
        .default()
        .ok_or_else(|| Error::input("no model in the results"))?;
    let classes = &metrics.classes;
    plots::confusion_matrix(
        &dir.join("confusion_matrix.png"),
        &main.confusion,
        classes,
        &format!(
            "{} out-of-fold confusion ({} test clips)",
            main.name,
            main.n()
        ),
    )?;
    if let Some(t) = out
        .fold1
        .iter()
        .find(|t| cfg.models.get(t.index).map(|m| m.key()) == Some(main.key.as_str()))
    {
        let h = &t.history;
        let val_acc = h.val_metric("accuracy");
        plots::training_curves(
            &dir.join("training_curves.png"),
            &h.train_losses(),
            Some(&h.val_losses()),
            Some(("validation accuracy", &val_acc)),
        )?;
    }
    let (clip, feats) = &out.example;
    let image: Vec<Vec<f64>> = (0..cfg.features.mfcc.n_mfcc)
        .map(|c| (0..feats.rows).map(|t| feats.row(t)[c] as f64).collect())
        .collect();
    plots::heatmap(
        &dir.join("mfcc_example.png"),
        &format!(
            "MFCC of {} (class {})",
            clip.path
                .file_name()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default(),
            classes
                .get(clip.label as usize)
                .cloned()
                .unwrap_or_default()
        ),
        &image,
        "frame (10 ms)",
        "coefficient (row 0 = c0, log energy)",
    )?;
    let mut labels = Vec::new();
    let mut values = Vec::new();
    for m in &metrics.models {
        labels.push(format!("{} epoch", m.name));
        values.push(m.accuracy);
        labels.push(format!("{} combined", m.name));
        values.push(m.combined_mean_log_prob_accuracy);
    }
    if let Some(a) = metrics.paper_epoch_accuracy {
        labels.push("paper epoch".into());
        values.push(a);
    }
    if let Some(a) = metrics.paper_subject_accuracy {
        labels.push("paper subject".into());
        values.push(a);
    }
    plots::bar_chart(
        &dir.join("accuracy.png"),
        "Accuracy (out-of-fold test)",
        &labels,
        &values,
        "accuracy",
    )?;
    Ok(())
}
