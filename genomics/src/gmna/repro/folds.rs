//! Out-of-fold training of both `gmna` classifiers: multinomial Naive Bayes on every fold, the
//! CNN on the first `cnn_folds` folds (one line per block of epochs on stderr), and their scores.

use deepfield_core::data::split::Fold;
use deepfield_core::data::weights::{class_weights, ClassWeightMode};
use deepfield_core::metrics::{classification_report, ClassificationReport};
use deepfield_core::nn::cnn::CnnClassifierConfig;
use deepfield_core::train::{History, Task};
use tch::nn::VarStore;
use tch::Tensor;

use super::config::GmnaConfig;
use super::metrics::{FoldScores, ModelScores};
use crate::gmna::cnn;
use crate::gmna::naive_bayes::{argmax, MultinomialNb};
use crate::progress::fit_logged;
use crate::seq::SparseProfile;
use crate::{Error, Result};

/// Out-of-fold predictions of one classifier.
#[derive(Debug, Clone, Default)]
pub struct OutOfFold {
    /// Genomes that got an out-of-fold prediction, fold by fold.
    pub evaluated: Vec<usize>,
    /// Their class probabilities.
    pub probs: Vec<Vec<f64>>,
    /// How many of `evaluated` each fold holds.
    pub fold_sizes: Vec<usize>,
}

impl OutOfFold {
    fn push_fold(&mut self, test: &[usize], probs: Vec<Vec<f64>>) {
        self.evaluated.extend_from_slice(test);
        self.probs.extend(probs);
        self.fold_sizes.push(test.len());
    }

    /// Pooled and per-fold scores against the class ids `y`.
    pub fn scores(
        &self,
        y: &[i64],
        n_classes: usize,
    ) -> Result<(ClassificationReport, ModelScores)> {
        let report = |idx: &[usize], probs: &[Vec<f64>]| -> Result<ClassificationReport> {
            let t: Vec<i64> = idx.iter().map(|&i| y[i]).collect();
            let p: Vec<i64> = probs.iter().map(|p| argmax(p) as i64).collect();
            Ok(classification_report(&t, &p, n_classes)?)
        };
        let pooled = report(&self.evaluated, &self.probs)?;
        let mut per_fold = Vec::new();
        let mut start = 0;
        for (k, &n) in self.fold_sizes.iter().enumerate() {
            let r = report(
                &self.evaluated[start..start + n],
                &self.probs[start..start + n],
            )?;
            per_fold.push(FoldScores {
                fold: k + 1,
                genomes: n,
                accuracy: r.accuracy,
                balanced_accuracy: r.balanced_accuracy,
                f1_macro: r.f1_macro,
            });
            start += n;
        }
        let scores = ModelScores::new(&pooled, per_fold);
        Ok((pooled, scores))
    }
}

/// Naive Bayes fitted on each fold's training genomes, predicting its test genomes.
pub fn naive_bayes(
    cfg: &GmnaConfig,
    profiles: &[SparseProfile],
    y: &[usize],
    n_classes: usize,
    folds: &[Fold],
) -> Result<OutOfFold> {
    let mut out = OutOfFold::default();
    let bar = deepfield_core::progress::bar(folds.len() as u64, "naive Bayes folds");
    for f in folds {
        let xs: Vec<&SparseProfile> = f.train.iter().map(|&i| &profiles[i]).collect();
        let ys: Vec<usize> = f.train.iter().map(|&i| y[i]).collect();
        let model = MultinomialNb::fit(&xs, &ys, n_classes, cfg.nb_alpha)?;
        let probs = f
            .test
            .iter()
            .map(|&i| model.predict_proba(&profiles[i]))
            .collect::<Result<Vec<_>>>()?;
        out.push_fold(&f.test, probs);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(out)
}

/// The CNN's out-of-fold predictions, the first fold's trained parameters (the model that is
/// saved) and every fold's training history.
pub struct CnnFolds {
    pub out: OutOfFold,
    pub first: VarStore,
    pub histories: Vec<History>,
}

fn idx(ids: &[usize]) -> Tensor {
    deepfield_core::data::dataset::index_tensor(ids, tch::Device::Cpu)
}

/// Train the CNN `model_cfg` on the first `cfg.cnn_folds` folds of one-hot genomes `x` with
/// class ids `y`, predicting each fold's test genomes.
pub fn cnn_folds(
    cfg: &GmnaConfig,
    model_cfg: &CnnClassifierConfig,
    x: &Tensor,
    y: &[i64],
    n_classes: usize,
    folds: &[Fold],
) -> Result<CnnFolds> {
    let y_all = Tensor::from_slice(y);
    let mut out = OutOfFold::default();
    let (mut first, mut histories) = (None, Vec::new());
    let n_folds = cfg.cnn_folds.min(folds.len());
    for (k, f) in folds.iter().take(n_folds).enumerate() {
        let seed = cfg.seed.wrapping_add(k as u64);
        let ids = idx(&f.train);
        let ds = deepfield_core::data::TensorDataset::new(
            x.index_select(0, &ids),
            y_all.index_select(0, &ids),
        )?;
        let ys: Vec<i64> = f.train.iter().map(|&i| y[i]).collect();
        let task = Task::Classification {
            n_classes,
            class_weights: Some(class_weights(&ys, n_classes, ClassWeightMode::Balanced)?),
            label_smoothing: 0.0,
        };
        deepfield_core::seed(seed);
        let mut vs = VarStore::new(deepfield_core::device());
        let model = model_cfg.init(&vs.root())?;
        let mut tc = cfg.cnn.train.clone();
        tc.seed = seed;
        let name = format!("gmna cnn fold {}/{n_folds}", k + 1);
        let history = fit_logged(&name, tc, task, &model, &mut vs, &ds, None)?;
        let xt = x.index_select(0, &idx(&f.test)).to_device(vs.device());
        out.push_fold(&f.test, cnn::predict_proba(&model, &xt)?);
        histories.push(history);
        if first.is_none() {
            first = Some(vs);
        }
    }
    let first = first.ok_or_else(|| Error::config("gmna: no CNN fold ran (cnn_folds is 0)"))?;
    Ok(CnnFolds {
        out,
        first,
        histories,
    })
}
