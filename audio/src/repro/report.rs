//! Writing a reproduction's `results/<id>/`: metrics.json, config.json, the model folder, plots
//! (confusion matrix, training curves, an MFCC image, accuracy bars) and report.md with our
//! numbers beside the paper's.

use std::path::Path;

use deepfield_core::fsutil::write_json;
use deepfield_core::report::{fmt_num, plots, Comparison, Report, ResultsDir};
use serde_json::json;

use super::experiment::{ExperimentConfig, ExperimentOutput};
use crate::model::MfccClassifierConfig;
use crate::Result;

/// The paper's numbers this run is compared with.
pub struct Anchors {
    /// Epoch-level accuracy.
    pub epoch: Option<f64>,
    /// Subject-level (combined) accuracy.
    pub subject: Option<f64>,
    pub source: &'static str,
    pub note: &'static str,
}

/// Text of the report that differs between reproductions.
pub struct ReportText<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub intro: &'a str,
    pub differences: &'a [&'a str],
    /// What the combined decision groups are (e.g. "participant × etiquette").
    pub group_unit: &'a str,
    pub eval_example: &'a str,
}

/// Write everything; returns the metrics.
pub fn write(
    cfg: &ExperimentConfig,
    out: &ExperimentOutput,
    anchors: &Anchors,
    text: &ReportText,
    data_dir: &Path,
    dir: &Path,
) -> Result<serde_json::Value> {
    let results = ResultsDir::at(dir)?;
    let class_names = cfg.label_rule.class_names();
    let models: Vec<serde_json::Value> = out
        .results
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "accuracy": r.epoch.accuracy,
                "balanced_accuracy": r.epoch.balanced_accuracy,
                "f1_macro": r.epoch.f1_macro,
                "per_class_f1": r.epoch.per_class.f1,
                "confusion": r.epoch.confusion,
                "combined_mean_log_prob_accuracy": r.combined.mean_log_prob_accuracy,
                "combined_majority_vote_accuracy": r.combined.majority_vote_accuracy,
                "combined_groups": r.combined.groups.len(),
                "fold_accuracy": r.fold_accuracy,
                "epochs_run": r.epochs_run,
            })
        })
        .collect();
    let metrics = json!({
        "id": text.id,
        "seed": cfg.seed,
        "clips": out.n_clips,
        "groups": out.n_groups,
        "folds": out.test_groups.len(),
        "test_groups": out.test_groups,
        "classes": class_names,
        "models": models,
        "paper_epoch_accuracy": anchors.epoch,
        "paper_subject_accuracy": anchors.subject,
        "skipped_files": out.bad_files.iter().map(|(p, e)| format!("{}: {e}", p.display())).collect::<Vec<_>>(),
    });
    let (vs, scaler, history) = &out.first;
    let saved = MfccClassifierConfig {
        id: text.id.into(),
        features: cfg.features.clone(),
        label_rule: cfg.label_rule,
        class_names: class_names.clone(),
        scaler: scaler.clone(),
        model: cfg.models[0].clone(),
    };
    deepfield_core::models::save_model(
        &deepfield_core::repro::model_dir(dir),
        vs,
        &saved,
        Some(&metrics),
    )?;
    write_json(&results.file("config.json"), cfg)?;
    results.write_metrics(&metrics)?;

    let main = &out.results[0];
    plots::confusion_matrix(
        &results.file("confusion_matrix.png"),
        &main.epoch.confusion,
        &class_names,
        &format!(
            "{} out-of-fold confusion ({} test clips)",
            main.name, main.epoch.n
        ),
    )?;
    let val_acc = history.val_metric("accuracy");
    plots::training_curves(
        &results.file("training_curves.png"),
        &history.train_losses(),
        Some(&history.val_losses()),
        Some(("validation accuracy", &val_acc)),
    )?;
    let (clip, feats) = &out.example;
    let n_mfcc = cfg.features.mfcc.n_mfcc;
    let image: Vec<Vec<f64>> = (0..n_mfcc)
        .map(|c| (0..feats.rows).map(|t| feats.row(t)[c] as f64).collect())
        .collect();
    plots::heatmap(
        &results.file("mfcc_example.png"),
        &format!(
            "MFCC of {} (class {})",
            clip.path
                .file_name()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default(),
            class_names
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
    for r in &out.results {
        labels.push(format!("{} epoch", r.name));
        values.push(r.epoch.accuracy);
        labels.push(format!("{} combined", r.name));
        values.push(r.combined.mean_log_prob_accuracy);
    }
    if let Some(a) = anchors.epoch {
        labels.push("paper epoch".into());
        values.push(a);
    }
    if let Some(a) = anchors.subject {
        labels.push("paper subject".into());
        values.push(a);
    }
    plots::bar_chart(
        &results.file("accuracy.png"),
        "Accuracy (out-of-fold test)",
        &labels,
        &values,
        "accuracy",
    )?;

    let mut r = Report::new(text.title);
    r.para(text.intro);
    r.heading(2, "What ran");
    let f = &cfg.features;
    r.bullet(&[
        format!(
            "{} clips of {} groups; {} fold(s), every group only in training or only in test (test groups per fold: {}).",
            out.n_clips,
            out.n_groups,
            out.test_groups.len(),
            out.test_groups.iter().map(|g| g.join("+")).collect::<Vec<_>>().join(", ")
        ),
        format!(
            "Front end: resample to {} Hz, {} ms frames every {} ms ({:?} window, {}-point FFT), pre-emphasis {}, {} mel filters ({:?}), {} MFCC (lifter {}, c0 = log energy: {}), Δ order {}, → {} features per frame; standardised with training-frame statistics.",
            f.mfcc.sample_rate,
            f.mfcc.frame.win_length as f64 * 1000.0 / f.mfcc.sample_rate as f64,
            f.mfcc.frame.hop_length as f64 * 1000.0 / f.mfcc.sample_rate as f64,
            f.mfcc.frame.window,
            f.mfcc.frame.n_fft,
            f.mfcc.preemphasis,
            f.mfcc.mel.n_mels,
            f.mfcc.mel.scale,
            f.mfcc.n_mfcc,
            f.mfcc.lifter,
            f.mfcc.energy_c0,
            f.delta_order,
            f.n_features()
        ),
        format!(
            "Models: {}. Adam lr {}, batch {}, up to {} epochs, early stopping on the loss of a stratified {:.0}% of each training fold (best weights restored), seed {}.",
            cfg.models.iter().map(|m| m.name()).collect::<Vec<_>>().join(", "),
            cfg.train.optimizer.lr(),
            cfg.train.batch_size,
            cfg.train.epochs,
            cfg.val_frac * 100.0,
            cfg.seed
        ),
        format!(
            "Combined decision: per {} group of test clips, the class of the highest mean log-probability, and the majority vote.",
            text.group_unit
        ),
    ]);
    if let Some(m) = cfg.max_per_group_label {
        r.para(&format!("**Quick run**: at most {m} clips per group and label, few epochs; the numbers are a smoke test, not the reproduction."));
    }
    r.provenance(data_dir);
    r.heading(2, "Results (out-of-fold test clips)");
    let rows: Vec<Vec<String>> = out
        .results
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                fmt_num(m.epoch.accuracy),
                fmt_num(m.epoch.balanced_accuracy),
                fmt_num(m.epoch.f1_macro),
                m.epoch
                    .per_class
                    .f1
                    .iter()
                    .map(|v| fmt_num(*v))
                    .collect::<Vec<_>>()
                    .join(" / "),
                fmt_num(m.combined.mean_log_prob_accuracy),
                fmt_num(m.combined.majority_vote_accuracy),
            ]
        })
        .collect();
    let f1_header = format!("F1 per class ({})", class_names.join(" / "));
    r.table(
        &[
            "model",
            "epoch accuracy",
            "balanced acc.",
            "macro F1",
            f1_header.as_str(),
            "combined (mean log-p)",
            "combined (vote)",
        ],
        &rows,
    );
    let mut cmp = vec![Comparison {
        metric: "epoch-level accuracy (BiLSTM)".into(),
        ours: main.epoch.accuracy,
        anchor: anchors.epoch,
        anchor_source: anchors.source.into(),
        note: anchors.note.into(),
    }];
    cmp.push(Comparison {
        metric: format!(
            "combined accuracy per {} (BiLSTM, mean log-p)",
            text.group_unit
        ),
        ours: main.combined.mean_log_prob_accuracy,
        anchor: anchors.subject,
        anchor_source: anchors.source.into(),
        note: format!("{} groups", main.combined.groups.len()),
    });
    r.comparison(&cmp);
    r.heading(3, "Confusion matrix (BiLSTM, rows = truth)");
    let mut cm_rows = Vec::new();
    for (i, row) in main.epoch.confusion.iter().enumerate() {
        let mut v = vec![class_names[i].clone()];
        v.extend(row.iter().map(|c| c.to_string()));
        cm_rows.push(v);
    }
    let mut hdr = vec!["true \\ predicted"];
    hdr.extend(class_names.iter().map(String::as_str));
    r.table(&hdr, &cm_rows);
    r.heading(2, "Differences from the paper");
    r.bullet(
        &text
            .differences
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    );
    deepfield_core::domain::plots(
        &mut r,
        &[
            ("confusion matrix", "confusion_matrix.png"),
            ("training curves (fold 1, BiLSTM)", "training_curves.png"),
            ("MFCC example", "mfcc_example.png"),
            ("accuracy", "accuracy.png"),
        ],
    );
    deepfield_core::domain::usage(
        &mut r,
        "Use the model on your recordings",
        text.eval_example,
        Some("The saved model is the BiLSTM of fold 1 (`model/`: safetensors weights loadable in PyTorch, the front-end config and the training-frame scaler)."),
    );
    results.write_report(&r)?;
    Ok(metrics)
}
