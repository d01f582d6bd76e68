//! The experiment both reproductions run: features of labelled clips → group-independent folds
//! (no participant/speaker in both training and test) → each model (and each recipe: SpecAugment,
//! speed/pitch copies of the training clips, per-speaker CMVN) trained with early stopping on a
//! validation part of the training fold — a stratified 15% of its clips, or whole speakers held
//! apart from training ([`ValSplit::Groups`]) → out-of-fold epoch predictions, metrics, and
//! subject-level decisions per (group, label).

use deepfield_core::data::split::{
    group_kfold, group_split, leave_one_group_out, stratified_split,
};
use deepfield_core::metrics::{classification_report, ClassificationReport};
use deepfield_core::tch::nn::VarStore;
use deepfield_core::train::{History, Task, Trainer};
use serde::{Deserialize, Serialize};

use super::progress::Progress;
use crate::augment::{perturbed_features, Augmented, PerturbConfig};
use crate::combine::{combine, Combined};
use crate::data::{featurise, padded_dataset, Clip};
use crate::features::{speaker_cmvn, FeatureMatrix, FrameScaler, FrontEnd};
use crate::model::ModelConfig;
use crate::predict::{argmax, log_probs};
use crate::{Error, Result};

pub use super::config::{train_config, ExperimentConfig, FoldPlan, ValSplit};

/// Out-of-fold results of one model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelResult {
    /// Display name (`BiLSTM`, `CNN`, `MLP (pooled)`, a recipe's name).
    pub name: String,
    /// Key for folders and tables (`bilstm`, `cnn`, `mlp`, a recipe's key).
    pub key: String,
    pub epoch: ClassificationReport,
    /// Decisions per (group, label) of test epochs.
    pub combined: Combined,
    /// Test accuracy of each fold.
    pub fold_accuracy: Vec<f64>,
    pub epochs_run: Vec<usize>,
}

/// One model as trained on fold 1: what its saved folder holds.
pub struct TrainedModel {
    /// Its row key (`model-<key>/`).
    pub key: String,
    /// The network.
    pub model: ModelConfig,
    /// Whether its features are normalised per speaker (saved in the front end config).
    pub speaker_cmvn: bool,
    pub vs: VarStore,
    pub scaler: FrameScaler,
    pub history: History,
}

/// What saving and reporting need.
pub struct ExperimentOutput {
    pub results: Vec<ModelResult>,
    /// Fold-1 weights, scaler and history of every model, in config order.
    pub fold1: Vec<TrainedModel>,
    /// Every training's history, named `<model key>/fold_<k>`.
    pub histories: Vec<(String, History)>,
    /// Groups of each fold's test part.
    pub test_groups: Vec<Vec<String>>,
    pub n_clips: usize,
    pub n_groups: usize,
    pub bad_files: Vec<(std::path::PathBuf, String)>,
    /// One example's features (for the MFCC image) and its clip.
    pub example: (Clip, FeatureMatrix),
    /// The progress lines printed while training (one per fold and model).
    pub progress: Vec<String>,
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

/// The (train, test) indices of every fold.
fn folds_of(cfg: &ExperimentConfig, groups: &[String]) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
    Ok(match &cfg.folds {
        FoldPlan::LeaveOneGroupOut => leave_one_group_out(groups)?
            .into_iter()
            .map(|f| (f.train, f.test))
            .collect(),
        FoldPlan::GroupKFold { k } => group_kfold(groups, *k)?
            .into_iter()
            .map(|f| (f.train, f.test))
            .collect(),
        FoldPlan::GroupHoldout { test_frac } => {
            let s = group_split(groups, 0.0, *test_frac, cfg.seed)?;
            vec![(s.train, s.test)]
        }
    })
}

/// Perturbed copies of every clip (`[clip][copy]`) for each distinct [`PerturbConfig`].
type CopyCache = Vec<(PerturbConfig, Vec<Vec<FeatureMatrix>>)>;

/// The perturbed copies of every clip under `cfg`, computed once per distinct config.
fn copies_for<'c>(
    cache: &'c mut CopyCache,
    cfg: &PerturbConfig,
    front: &FrontEnd,
    clips: &[Clip],
) -> Result<&'c [Vec<FeatureMatrix>]> {
    let at = match cache.iter().position(|(c, _)| c == cfg) {
        Some(i) => i,
        None => {
            let copies = clips
                .iter()
                .map(|c| perturbed_features(front, &c.path, cfg))
                .collect::<Result<Vec<_>>>()?;
            cache.push((cfg.clone(), copies));
            cache.len() - 1
        }
    };
    Ok(&cache[at].1)
}

/// The (fit, validation) clips of one training fold.
fn inner_split(
    cfg: &ExperimentConfig,
    train_idx: &[usize],
    labels: &[i64],
    groups: &[String],
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let inner = match cfg.val_split {
        ValSplit::Stratified => {
            let l: Vec<i64> = train_idx.iter().map(|&i| labels[i]).collect();
            stratified_split(&l, cfg.val_frac, 0.0, seed)?
        }
        ValSplit::Groups => {
            let g: Vec<&String> = train_idx.iter().map(|&i| &groups[i]).collect();
            group_split(&g, cfg.val_frac, 0.0, seed)?
        }
    };
    Ok((
        inner.train.iter().map(|&j| train_idx[j]).collect(),
        inner.val.iter().map(|&j| train_idx[j]).collect(),
    ))
}

/// Run every model over every fold; `id` names the run in its progress lines.
pub fn run(id: &str, cfg: &ExperimentConfig, clips: &[Clip]) -> Result<ExperimentOutput> {
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
    let folds = folds_of(cfg, &groups)?;
    let entries = cfg.entries();
    let n_models = entries.len();
    // Per-speaker CMVN uses each speaker's own clips (the test speaker's too, without labels).
    let cmvn_features = if entries.iter().any(|e| e.augment.speaker_cmvn) {
        Some(speaker_cmvn(&data.features, &groups)?)
    } else {
        None
    };
    let mut copy_cache: CopyCache = Vec::new();
    let mut oof: Vec<Vec<(usize, Vec<f64>)>> = vec![Vec::new(); n_models];
    let mut fold_acc = vec![Vec::new(); n_models];
    let mut epochs_run = vec![Vec::new(); n_models];
    let mut fold1 = Vec::with_capacity(n_models);
    let mut histories = Vec::new();
    let mut test_groups = Vec::new();
    let mut progress = Progress::new(id, folds.len() * n_models);
    let device = deepfield_core::device();
    for (k, (train_idx, test_idx)) in folds.iter().enumerate() {
        let mut tg: Vec<String> = test_idx.iter().map(|&i| groups[i].clone()).collect();
        tg.sort();
        tg.dedup();
        test_groups.push(tg);
        let fold_seed = cfg.seed.wrapping_add(k as u64);
        let (fit, val) = inner_split(cfg, train_idx, &labels, &groups, fold_seed)?;
        for (m, entry) in entries.iter().enumerate() {
            let aug = &entry.augment;
            let base: &[FeatureMatrix] = match (&cmvn_features, aug.speaker_cmvn) {
                (Some(c), true) => c,
                _ => &data.features,
            };
            let scaler = FrameScaler::fit(fit.iter().map(|&i| &base[i]))?;
            // Perturbed copies normalised per (speaker, perturbation): each perturbation of a
            // speaker is a speaker of its own, as Kaldi names speed-perturbed speakers.
            let mut normalised_copies: Vec<FeatureMatrix> = Vec::new();
            let mut fit_feats: Vec<&FeatureMatrix> = fit.iter().map(|&i| &base[i]).collect();
            let mut fit_labels: Vec<i64> = fit.iter().map(|&i| labels[i]).collect();
            if let Some(p) = &aug.perturb {
                let copies = copies_for(&mut copy_cache, p, &front, &data.clips)?;
                for &i in &fit {
                    fit_labels.extend(std::iter::repeat_n(labels[i], copies[i].len()));
                }
                if aug.speaker_cmvn {
                    let mut owned = Vec::new();
                    let mut g = Vec::new();
                    for &i in &fit {
                        for (j, c) in copies[i].iter().enumerate() {
                            owned.push(c.clone());
                            g.push(format!("{}#{j}", groups[i]));
                        }
                    }
                    normalised_copies = speaker_cmvn(&owned, &g)?;
                } else {
                    fit_feats.extend(fit.iter().flat_map(|&i| copies[i].iter()));
                }
            }
            fit_feats.extend(normalised_copies.iter());
            let make = |idx: &[usize]| {
                let f: Vec<&FeatureMatrix> = idx.iter().map(|&i| &base[i]).collect();
                let l: Vec<i64> = idx.iter().map(|&i| labels[i]).collect();
                padded_dataset(&f, &l, &scaler)
            };
            let fit_ds = padded_dataset(&fit_feats, &fit_labels, &scaler)?;
            let (val_ds, test_ds) = (make(&val)?, make(test_idx)?);
            let model_seed = fold_seed.wrapping_mul(31).wrapping_add(m as u64);
            deepfield_core::seed(model_seed);
            let mut vs = VarStore::new(device);
            let model = entry.model.init(&vs.root())?;
            let mut tc = cfg.train.clone();
            tc.seed = fold_seed;
            let trainer = Trainer::new(tc, Task::classification(n_classes))?;
            let history = match &aug.spec_augment {
                Some(sa) => {
                    let augmented = Augmented::new(&model, sa.clone(), model_seed)?;
                    trainer.fit(&augmented, &mut vs, &fit_ds, Some(&val_ds))?
                }
                None => trainer.fit(&model, &mut vs, &fit_ds, Some(&val_ds))?,
            };
            epochs_run[m].push(history.epochs.len());
            let lp = log_probs(&model, &test_ds)?;
            let pred: Vec<i64> = lp.iter().map(|r| argmax(r) as i64).collect();
            let truth: Vec<i64> = test_idx.iter().map(|&i| labels[i]).collect();
            let acc = deepfield_core::metrics::accuracy(&truth, &pred)?;
            fold_acc[m].push(acc);
            oof[m].extend(test_idx.iter().copied().zip(lp));
            progress.trained(k + 1, folds.len(), &entry.name, history.epochs.len(), acc);
            histories.push((format!("{}/fold_{}", entry.key, k + 1), history.clone()));
            if k == 0 {
                fold1.push(TrainedModel {
                    key: entry.key.clone(),
                    model: entry.model.clone(),
                    speaker_cmvn: aug.speaker_cmvn,
                    vs,
                    scaler,
                    history,
                });
            }
        }
    }
    let progress = progress.finish();
    let mut results = Vec::with_capacity(n_models);
    for (m, entry) in entries.iter().enumerate() {
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
            name: entry.name.clone(),
            key: entry.key.clone(),
            epoch: classification_report(&y, &pred, n_classes)?,
            combined: combine(&lps, &y, &keys)?,
            fold_accuracy: fold_acc[m].clone(),
            epochs_run: epochs_run[m].clone(),
        });
    }
    if fold1.is_empty() {
        return Err(Error::input("no fold ran"));
    }
    let mut uniq = groups.clone();
    uniq.sort();
    uniq.dedup();
    Ok(ExperimentOutput {
        results,
        fold1,
        histories,
        test_groups,
        n_clips: data.clips.len(),
        n_groups: uniq.len(),
        example: (data.clips[0].clone(), data.features[0].clone()),
        bad_files: data.bad,
        progress,
    })
}
