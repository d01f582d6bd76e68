//! The PNG plots of a results folder: the default model's confusion matrix and fold-1 training
//! curves (with the chance level), the MFCC image of one clip, and the accuracy of every model
//! per clip and per group (± SD over folds) against chance, the majority class and the paper.

use std::path::Path;

use deepfield_core::report::plots::{self, Axis, BarChart, RefLine};

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
        (
            "accuracy per model, one clip and combined per group (± SD over folds); dashed: chance, majority class, paper".into(),
            "accuracy.png",
        ),
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
    if let Some(t) = out.fold1.iter().find(|t| t.key == main.key) {
        let h = &t.history;
        plots::TrainingCurves::new(&h.train_losses())
            .val_loss(&h.val_losses())
            .loss_axis("cross-entropy")
            .metric("validation accuracy", &h.val_metric("accuracy"))
            .metric_reference(RefLine::chance(chance(classes.len())))
            .render(&dir.join("training_curves.png"))?;
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
    accuracy_plot(metrics, &dir.join("accuracy.png"))?;
    Ok(())
}

/// Chance accuracy of `classes` classes.
fn chance(classes: usize) -> f64 {
    1.0 / classes.max(1) as f64
}

/// The share of the largest class among the test clips of `m` (`None` without clips).
fn majority_rate(m: &super::metrics::ModelMetrics) -> Option<f64> {
    let rows: Vec<u64> = m.confusion.iter().map(|r| r.iter().sum()).collect();
    let total: u64 = rows.iter().sum();
    let top = rows.iter().copied().max()?;
    (total > 0).then(|| top as f64 / total as f64)
}

/// `accuracy.png`: per model, the clip accuracy (± SD over folds) and the accuracy of the
/// decision combined over each group's clips; chance, the majority class (when it is above
/// chance) and the paper's published numbers as reference lines (only the baselines get the
/// "beats" note: the paper's numbers are targets on other data, not baselines).
fn accuracy_plot(metrics: &AudioMetrics, path: &Path) -> Result<()> {
    if metrics.models.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = metrics.models.iter().map(|m| m.name.as_str()).collect();
    let clip: Vec<f64> = metrics.models.iter().map(|m| m.accuracy).collect();
    let clip_std: Vec<f64> = metrics
        .models
        .iter()
        .map(|m| {
            if m.fold_accuracy.len() > 1 {
                deepfield_core::metrics::mean_std(&m.fold_accuracy).1
            } else {
                f64::NAN
            }
        })
        .collect();
    let combined: Vec<f64> = metrics
        .models
        .iter()
        .map(|m| m.combined_mean_log_prob_accuracy)
        .collect();
    let chance = chance(metrics.classes.len());
    let mut chart = BarChart::new(
        &format!(
            "Out-of-fold test accuracy, {} fold(s) (error bars: SD over folds)",
            metrics.folds
        ),
        Axis::new("accuracy"),
    )
    .groups(&names)
    .series_with_std("one clip", &clip, &clip_std)
    .series("combined per group", &combined)
    .x_axis("model")
    .reference(RefLine::chance(chance));
    if let Some(rate) = metrics.models.first().and_then(majority_rate) {
        if rate > chance + 0.01 {
            chart = chart.reference(RefLine::new("majority class", rate).higher_is_better());
        }
    }
    if let Some(a) = metrics.paper_epoch_accuracy {
        chart = chart.reference(RefLine::new("paper, one clip (published)", a));
    }
    if let Some(a) = metrics.paper_subject_accuracy {
        chart = chart.reference(RefLine::new("paper, per subject (published)", a));
    }
    Ok(chart.render(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_majority_rate_is_the_largest_true_class_share() {
        let m = super::super::metrics::ModelMetrics {
            name: "BiLSTM".into(),
            key: "bilstm".into(),
            accuracy: 0.5,
            balanced_accuracy: 0.5,
            f1_macro: 0.5,
            per_class_f1: vec![0.5; 3],
            // Rows are the truth: 6, 3 and 1 clips.
            confusion: vec![vec![4, 1, 1], vec![1, 2, 0], vec![0, 0, 1]],
            combined_mean_log_prob_accuracy: 0.5,
            combined_majority_vote_accuracy: 0.5,
            combined_groups: 2,
            fold_accuracy: vec![0.5],
            epochs_run: vec![3],
        };
        assert!((majority_rate(&m).unwrap() - 0.6).abs() < 1e-12);
        let empty = super::super::metrics::ModelMetrics {
            confusion: vec![vec![0, 0], vec![0, 0]],
            ..m
        };
        assert_eq!(majority_rate(&empty), None);
        assert!((chance(4) - 0.25).abs() < 1e-12);
    }
}
