//! `report.md` of an audio reproduction, from the typed config and metrics: what ran and on
//! which data, the results table, the comparison with the paper, the default model's
//! confusion matrix, the differences from the paper, the plots, and how to run the saved models.

use std::path::Path;

use deepfield_core::report::{fmt_num, Comparison, Report};

use super::config::{ExperimentConfig, ValSplit};
use super::metrics::{Anchors, AudioMetrics};
use super::plots::captions;
use crate::{Error, Result};

/// Text of the report that differs between reproductions.
pub struct ReportText<'a> {
    pub title: &'a str,
    pub intro: &'a str,
    pub differences: &'a [&'a str],
    /// What the combined decision groups are (e.g. "participant × etiquette").
    pub group_unit: &'a str,
    /// Where `eval` finds labels for a user's folder (file-name pattern, labels file).
    pub labels_hint: &'a str,
}

/// Write `report.md` into `dir`.
pub fn write_report(
    cfg: &ExperimentConfig,
    metrics: &AudioMetrics,
    anchors: &Anchors,
    text: &ReportText,
    data_dir: &Path,
    dir: &Path,
) -> Result<()> {
    let main = metrics
        .default()
        .ok_or_else(|| Error::input("no model in the results"))?;
    let paper = metrics
        .models
        .first()
        .ok_or_else(|| Error::input("no model in the results"))?;
    let mut r = Report::new(text.title);
    r.para(text.intro);
    what_ran(&mut r, cfg, metrics, text);
    recipes(&mut r, cfg);
    r.provenance(data_dir);
    results_table(&mut r, metrics);
    r.comparison(&[
        Comparison {
            metric: format!("epoch-level accuracy ({})", paper.name),
            ours: paper.accuracy,
            anchor: anchors.epoch,
            anchor_source: anchors.source.into(),
            note: anchors.note.into(),
        },
        Comparison {
            metric: format!(
                "combined accuracy per {} ({}, mean log-p)",
                text.group_unit, paper.name
            ),
            ours: paper.combined_mean_log_prob_accuracy,
            anchor: anchors.subject,
            anchor_source: anchors.source.into(),
            note: format!("{} groups", paper.combined_groups),
        },
    ]);
    r.heading(
        3,
        &format!("Confusion matrix ({}, rows = truth)", main.name),
    );
    let cm_rows: Vec<Vec<String>> = metrics
        .classes
        .iter()
        .zip(&main.confusion)
        .map(|(name, row)| {
            std::iter::once(name.clone())
                .chain(row.iter().map(|c| c.to_string()))
                .collect()
        })
        .collect();
    let mut hdr = vec!["true \\ predicted"];
    hdr.extend(metrics.classes.iter().map(String::as_str));
    r.table(&hdr, &cm_rows);
    r.heading(2, "Differences from the paper");
    r.bullet(
        &text
            .differences
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    );
    let plots = captions(&main.name);
    let plot_refs: Vec<(&str, &str)> = plots.iter().map(|(a, f)| (a.as_str(), *f)).collect();
    deepfield_core::domain::plots(&mut r, &plot_refs);
    usage(&mut r, metrics, text);
    r.write(&dir.join("report.md"))?;
    Ok(())
}

/// The "What ran" section.
fn what_ran(r: &mut Report, cfg: &ExperimentConfig, metrics: &AudioMetrics, text: &ReportText) {
    r.heading(2, "What ran");
    let f = &cfg.features;
    let mut items = vec![
        format!(
            "Data: `{}` — {} clips of {} groups; {} fold(s), every group only in training or only in test (test groups per fold: {}).",
            metrics.dataset,
            metrics.clips,
            metrics.groups,
            metrics.folds,
            metrics
                .test_groups
                .iter()
                .map(|g| g.join("+"))
                .collect::<Vec<_>>()
                .join(", ")
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
            "Models: {}. Adam lr {}, batch {}, up to {} epochs, early stopping on the loss of {} (best weights restored), seed {}. Per-epoch losses of every model and fold: `history.csv`.",
            cfg.entries().iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", "),
            cfg.train.optimizer.lr(),
            cfg.train.batch_size,
            cfg.train.epochs,
            match cfg.val_split {
                ValSplit::Stratified => format!(
                    "a stratified {:.0}% of each training fold's clips",
                    cfg.val_frac * 100.0
                ),
                ValSplit::Groups => format!(
                    "whole groups ({}s) held apart from training ({:.0}% of each training fold's groups, rounded up): training, validation and test groups are disjoint",
                    text.group_unit.split(' ').next().unwrap_or("group"),
                    cfg.val_frac * 100.0
                ),
            },
            cfg.seed
        ),
        format!(
            "Combined decision: per {} group of test clips, the class of the highest mean log-probability, and the majority vote.",
            text.group_unit
        ),
    ];
    if let Some(m) = cfg.max_per_group_label {
        items.push(format!("At most {m} clips per group and label."));
    }
    if !metrics.skipped_files.is_empty() {
        items.push(format!(
            "{} unreadable file(s) skipped: {}.",
            metrics.skipped_files.len(),
            metrics.skipped_files.join("; ")
        ));
    }
    r.bullet(&items);
}

/// The training recipes of the rows beyond the plain models (the ablation).
fn recipes(r: &mut Report, cfg: &ExperimentConfig) {
    if cfg.recipes.is_empty() {
        return;
    }
    r.heading(2, "Training recipes (ablation)");
    let rows: Vec<Vec<String>> = cfg
        .recipes
        .iter()
        .map(|x| {
            vec![
                x.name.clone(),
                x.model.name().to_string(),
                x.augment.describe(),
                format!("`model-{}/`", x.key),
            ]
        })
        .collect();
    r.table(
        &["row", "network", "augmentation / normalisation", "saved as"],
        &rows,
    );
    let mut items = Vec::new();
    if let Some(sa) = cfg
        .recipes
        .iter()
        .find_map(|x| x.augment.spec_augment.as_ref())
    {
        items.push(format!(
            "SpecAugment (Park et al. 2019) on every training batch, drawn per clip from a seeded stream: {} frequency mask(s) of up to {} of the {} coefficients of each of the {} feature blocks (the same band in static, Δ, ΔΔ), {} time mask(s) of up to {} frames and at most {:.0}% of the clip, time warp {}.",
            sa.freq_masks,
            sa.freq_width,
            cfg.features.n_features() / sa.feature_blocks.max(1),
            sa.feature_blocks,
            sa.time_masks,
            sa.time_width,
            sa.time_frac * 100.0,
            if sa.time_warp == 0 { "off".to_string() } else { format!("W = {} frames", sa.time_warp) }
        ));
    }
    if let Some(p) = cfg.recipes.iter().find_map(|x| x.augment.perturb.as_ref()) {
        items.push(format!(
            "Speed/pitch perturbation: every training clip (not the validation or test clips) gets {} extra copies — speed factors {:?} (resampling, Ko et al. 2015) and pitch shifts of {:?} semitones ({}).",
            p.copies(),
            p.speeds,
            p.semitones,
            crate::augment::PITCH_METHOD
        ));
    }
    if cfg.recipes.iter().any(|x| x.augment.speaker_cmvn) {
        items.push(
            "Per-speaker CMVN: each coefficient standardised over all frames of one speaker's (participant's) clips — in training per speaker and per perturbation, for the test speaker over all of their test clips (no labels used). At inference `eval`/`explain` do the same over the clips of each speaker named by the file names, or over all clips of the input when the names carry no speaker: give such a model several recordings of one speaker at once."
                .to_string(),
        );
    }
    r.bullet(&items);
}

/// The results table: one row per model.
fn results_table(r: &mut Report, metrics: &AudioMetrics) {
    r.heading(2, "Results (out-of-fold test clips)");
    let rows: Vec<Vec<String>> = metrics
        .models
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                fmt_num(m.accuracy),
                fmt_num(m.balanced_accuracy),
                fmt_num(m.f1_macro),
                m.per_class_f1
                    .iter()
                    .map(|v| fmt_num(*v))
                    .collect::<Vec<_>>()
                    .join(" / "),
                fmt_num(m.combined_mean_log_prob_accuracy),
                fmt_num(m.combined_majority_vote_accuracy),
                format!("`model-{}/`", m.key),
            ]
        })
        .collect();
    let f1_header = format!("F1 per class ({})", metrics.classes.join(" / "));
    r.table(
        &[
            "model",
            "epoch accuracy",
            "balanced acc.",
            "macro F1",
            f1_header.as_str(),
            "combined (mean log-p)",
            "combined (vote)",
            "saved as",
        ],
        &rows,
    );
}

/// How to run the saved models on a user's recordings.
fn usage(r: &mut Report, metrics: &AudioMetrics, text: &ReportText) {
    let id = &metrics.id;
    let default = metrics
        .default()
        .map_or(metrics.default_model.clone(), |m| m.name.clone());
    let others: Vec<String> = metrics
        .models
        .iter()
        .map(|m| format!("`--model results/{id}/model-{}` ({})", m.key, m.name))
        .collect();
    let command = format!(
        "cargo run --release -p deepfield-audio -- eval --model results/{id}/model your_recordings/ --out predictions.csv\n\
         cargo run --release -p deepfield-audio -- eval --model results/{id}/model one.wav"
    );
    let note = format!(
        "`model/` is the {default} (the best out-of-fold epoch accuracy of the table): `eval` runs it \
         when given `--model results/{id}/model`. Every model of the table is saved beside it; choose \
         one with {}. Each folder holds the fold-1 weights (safetensors, loadable in PyTorch), the \
         front-end config and the training-frame scaler. INPUT is a WAV file or a folder searched \
         recursively; {}",
        others.join(", "),
        text.labels_hint
    );
    deepfield_core::domain::usage(
        r,
        "Use the models on your recordings",
        &command,
        Some(&note),
    );
}
