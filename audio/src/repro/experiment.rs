//! The experiment both reproductions run: features of labelled clips → group-independent folds
//! (no participant/speaker in both training and test) → each model trained with early stopping on
//! a stratified 15% of the training clips → out-of-fold epoch predictions, metrics, and
//! subject-level decisions per (group, label).

use deepfield_core::data::split::{
    group_kfold, group_split, leave_one_group_out, stratified_split,
};
use deepfield_core::metrics::{classification_report, ClassificationReport};
use deepfield_core::tch::nn::VarStore;
use deepfield_core::train::{EarlyStopping, History, OptimizerConfig, Task, TrainConfig, Trainer};
use serde::{Deserialize, Serialize};

use crate::combine::{combine, Combined};
use crate::data::{featurise, padded_dataset, Clip, LabelRule};
use crate::features::{FeatureConfig, FeatureMatrix, FrameScaler, FrontEnd};
use crate::model::ModelConfig;
use crate::predict::{argmax, log_probs};
use crate::{Error, Result};

/// How clips are split into test folds, always by whole groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FoldPlan {
    /// One fold per group (core `leave_one_group_out`).
    LeaveOneGroupOut,
    /// `k` folds of whole groups balanced by size (core `group_kfold`).
    GroupKFold { k: usize },
    /// One split: `ceil(test_frac · groups)` seeded groups only in test (core `group_split`).
    GroupHoldout { test_frac: f64 },
}

/// Everything one run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    pub features: FeatureConfig,
    pub label_rule: LabelRule,
    /// The models, the paper's first (its fold-1 weights are saved).
    pub models: Vec<ModelConfig>,
    pub train: TrainConfig,
    pub folds: FoldPlan,
    /// Fraction of each training fold held out (stratified) for early stopping.
    pub val_frac: f64,
    /// Keep at most this many clips per (group, label) (quick runs); `None`: all.
    pub max_per_group_label: Option<usize>,
    pub seed: u64,
}

impl ExperimentConfig {
    /// The speech set-up both reproductions share: MFCC front end at `sample_rate`, the BiLSTM
    /// (the paper's model, first) with CNN and MLP baselines over `classes` classes, trained for
    /// up to `epochs` epochs ([`train_config`]), 15% of each training fold for validation.
    pub fn speech(
        sample_rate: u32,
        classes: i64,
        label_rule: LabelRule,
        epochs: usize,
        folds: FoldPlan,
        max_per_group_label: Option<usize>,
        seed: u64,
    ) -> Self {
        let features = FeatureConfig::speech(sample_rate);
        let f = features.n_features() as i64;
        ExperimentConfig {
            models: vec![
                ModelConfig::bilstm(f, classes),
                ModelConfig::cnn(f, classes),
                ModelConfig::mlp(f, classes),
            ],
            features,
            label_rule,
            train: train_config(epochs, seed),
            folds,
            val_frac: 0.15,
            max_per_group_label,
            seed,
        }
    }
}

/// The training set-up shared by the reproductions: Adam 1e-3, batch 32, gradient clipping 5,
/// up to `epochs` epochs with early stopping on the validation loss (patience 8, best weights).
pub fn train_config(epochs: usize, seed: u64) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 32,
        optimizer: OptimizerConfig::adam(1e-3),
        grad_clip_norm: Some(5.0),
        early_stopping: Some(EarlyStopping::new("val_loss", 8)),
        seed,
        progress: false,
        ..Default::default()
    }
}

/// Out-of-fold results of one model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelResult {
    pub name: String,
    pub epoch: ClassificationReport,
    /// Decisions per (group, label) of test epochs.
    pub combined: Combined,
    /// Test accuracy of each fold.
    pub fold_accuracy: Vec<f64>,
    pub epochs_run: Vec<usize>,
}

/// What saving and reporting need.
pub struct ExperimentOutput {
    pub results: Vec<ModelResult>,
    /// Fold-1 weights of the first model, its scaler and its training history.
    pub first: (VarStore, FrameScaler, History),
    /// Groups of each fold's test part.
    pub test_groups: Vec<Vec<String>>,
    pub n_clips: usize,
    pub n_groups: usize,
    pub bad_files: Vec<(std::path::PathBuf, String)>,
    /// One example's features (for the MFCC image) and its clip.
    pub example: (Clip, FeatureMatrix),
}

/// Keep at most `max` clips per (group, label), in order.
fn limit_clips(clips: &[Clip], max: Option<usize>) -> Vec<Clip> {
    let Some(max) = max else {
        return clips.to_vec();
    };
    let mut seen: std::collections::HashMap<(String, i64), usize> = Default::default();
    clips
        .iter()
        .filter(|c| {
            let n = seen.entry((c.group.clone(), c.label)).or_default();
            *n += 1;
            *n <= max
        })
        .cloned()
        .collect()
}

/// Run every model over every fold.
pub fn run(cfg: &ExperimentConfig, clips: &[Clip]) -> Result<ExperimentOutput> {
    let n_classes = cfg.label_rule.class_names().len();
    let front = FrontEnd::new(&cfg.features)?;
    let clips = limit_clips(clips, cfg.max_per_group_label);
    let data = featurise(&front, &clips);
    for (p, e) in &data.bad {
        eprintln!("skipping {}: {e}", p.display());
    }
    if data.clips.is_empty() {
        return Err(Error::input("no readable recordings"));
    }
    let labels: Vec<i64> = data.clips.iter().map(|c| c.label).collect();
    let groups: Vec<String> = data.clips.iter().map(|c| c.group.clone()).collect();
    let folds: Vec<(Vec<usize>, Vec<usize>)> = match &cfg.folds {
        FoldPlan::LeaveOneGroupOut => leave_one_group_out(&groups)?
            .into_iter()
            .map(|f| (f.train, f.test))
            .collect(),
        FoldPlan::GroupKFold { k } => group_kfold(&groups, *k)?
            .into_iter()
            .map(|f| (f.train, f.test))
            .collect(),
        FoldPlan::GroupHoldout { test_frac } => {
            let s = group_split(&groups, 0.0, *test_frac, cfg.seed)?;
            vec![(s.train, s.test)]
        }
    };
    let n_models = cfg.models.len();
    let mut oof: Vec<Vec<(usize, Vec<f64>)>> = vec![Vec::new(); n_models];
    let mut fold_acc = vec![Vec::new(); n_models];
    let mut epochs_run = vec![Vec::new(); n_models];
    let mut first = None;
    let mut test_groups = Vec::new();
    let device = deepfield_core::device();
    for (k, (train_idx, test_idx)) in folds.iter().enumerate() {
        let mut tg: Vec<String> = test_idx.iter().map(|&i| groups[i].clone()).collect();
        tg.sort();
        tg.dedup();
        test_groups.push(tg);
        let fold_seed = cfg.seed.wrapping_add(k as u64);
        let train_labels: Vec<i64> = train_idx.iter().map(|&i| labels[i]).collect();
        let inner = stratified_split(&train_labels, cfg.val_frac, 0.0, fold_seed)?;
        let fit: Vec<usize> = inner.train.iter().map(|&j| train_idx[j]).collect();
        let val: Vec<usize> = inner.val.iter().map(|&j| train_idx[j]).collect();
        let scaler = FrameScaler::fit(fit.iter().map(|&i| &data.features[i]))?;
        let make = |idx: &[usize]| {
            let f: Vec<&FeatureMatrix> = idx.iter().map(|&i| &data.features[i]).collect();
            let l: Vec<i64> = idx.iter().map(|&i| labels[i]).collect();
            padded_dataset(&f, &l, &scaler)
        };
        let (fit_ds, val_ds, test_ds) = (make(&fit)?, make(&val)?, make(test_idx)?);
        for (m, mcfg) in cfg.models.iter().enumerate() {
            deepfield_core::seed(fold_seed.wrapping_mul(31).wrapping_add(m as u64));
            let mut vs = VarStore::new(device);
            let model = mcfg.init(&vs.root())?;
            let mut tc = cfg.train.clone();
            tc.seed = fold_seed;
            let trainer = Trainer::new(tc, Task::classification(n_classes))?;
            let history = trainer.fit(&model, &mut vs, &fit_ds, Some(&val_ds))?;
            epochs_run[m].push(history.epochs.len());
            let lp = log_probs(&model, &test_ds)?;
            let pred: Vec<i64> = lp.iter().map(|r| argmax(r) as i64).collect();
            let truth: Vec<i64> = test_idx.iter().map(|&i| labels[i]).collect();
            fold_acc[m].push(deepfield_core::metrics::accuracy(&truth, &pred)?);
            oof[m].extend(test_idx.iter().copied().zip(lp));
            if m == 0 && first.is_none() {
                first = Some((vs, scaler.clone(), history));
            }
        }
    }
    let mut results = Vec::with_capacity(n_models);
    for (m, mcfg) in cfg.models.iter().enumerate() {
        let mut rows = std::mem::take(&mut oof[m]);
        rows.sort_by_key(|r| r.0);
        let y: Vec<i64> = rows.iter().map(|r| labels[r.0]).collect();
        let pred: Vec<i64> = rows.iter().map(|r| argmax(&r.1) as i64).collect();
        let keys: Vec<String> = rows
            .iter()
            .map(|r| format!("{}/{}", groups[r.0], labels[r.0]))
            .collect();
        let lps: Vec<Vec<f64>> = rows.into_iter().map(|r| r.1).collect();
        results.push(ModelResult {
            name: mcfg.name().into(),
            epoch: classification_report(&y, &pred, n_classes)?,
            combined: combine(&lps, &y, &keys)?,
            fold_accuracy: fold_acc[m].clone(),
            epochs_run: epochs_run[m].clone(),
        });
    }
    let mut uniq = groups.clone();
    uniq.sort();
    uniq.dedup();
    Ok(ExperimentOutput {
        results,
        first: first.ok_or_else(|| Error::input("no fold ran"))?,
        test_groups,
        n_clips: data.clips.len(),
        n_groups: uniq.len(),
        example: (data.clips[0].clone(), data.features[0].clone()),
        bad_files: data.bad,
    })
}
