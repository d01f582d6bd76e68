//! Scoring on the simulated test windows: Deep SNP at the validation threshold and at 0.5, its
//! attention peaks against the true breakpoints, and the binary-segmentation baseline.

use deepfield_core::metrics::{classification_report, roc_auc, ClassificationReport};

use super::config::DeepSnpRunConfig;
use super::data::WindowSet;
use super::metrics::{BaselineScores, CutScores, DeepSnpScores, Localisation};
use crate::snp::changepoint;
use crate::snp::model::DeepSnp;
use crate::snp::predict::{attention_peak, predict};
use crate::snp::threshold::{calls, choose_f1_threshold};
use crate::{Error, Result};

/// What the test evaluation measured, and what the plots need.
pub struct Evaluation {
    pub deep_snp: DeepSnpScores,
    pub baseline: BaselineScores,
    /// Attention weights of every test window.
    pub attention: Vec<Vec<f64>>,
    /// Test windows holding a breakpoint.
    pub positives: Vec<usize>,
}

/// Localisation errors (probes) of peaks against the nearest true breakpoint.
fn loc_errors(peaks: &[usize], bps: &[Vec<usize>], which: &[usize]) -> Vec<f64> {
    which
        .iter()
        .filter_map(|&i| {
            bps[i]
                .iter()
                .map(|&b| (b as f64 - peaks[i] as f64).abs())
                .min_by(|a, b| a.total_cmp(b))
        })
        .collect()
}

/// Scores and split positions of the baseline on every window of a set.
pub fn baseline_scores(set: &WindowSet, min_seg: usize) -> (Vec<f64>, Vec<usize>) {
    (0..set.n())
        .map(|i| {
            let (l, b) = set.channels(i);
            changepoint::best_split(&l, &b, min_seg)
        })
        .unzip()
}

/// F1 of the breakpoint class (class 1 of a two-class report).
fn positive_f1(rep: &ClassificationReport) -> Result<f64> {
    rep.per_class
        .f1
        .get(1)
        .copied()
        .ok_or_else(|| Error::input("deep-snp: a two-class report without class 1"))
}

fn cut_scores(y: &[i64], pred: &[i64]) -> Result<(ClassificationReport, CutScores)> {
    let rep = classification_report(y, pred, 2)?;
    let scores = CutScores {
        accuracy: rep.accuracy,
        f1: positive_f1(&rep)?,
        f1_macro: rep.f1_macro,
        called: pred.iter().filter(|&&p| p == 1).count(),
    };
    Ok((rep, scores))
}

/// Evaluate the trained `model` and the baseline (threshold fitted on `train`) on `test`, with
/// the decision threshold chosen on `val`.
pub fn evaluate(
    cfg: &DeepSnpRunConfig,
    model: &DeepSnp,
    train: &WindowSet,
    val: &WindowSet,
    test: &WindowSet,
) -> Result<Evaluation> {
    // Decision threshold on the validation windows (never the test windows).
    let (val_probs, _) = predict(model, &val.dataset()?.x, 32)?;
    let chosen = choose_f1_threshold(&val_probs, &val.labels)?;

    let (probs, atts) = predict(model, &test.dataset()?.x, 32)?;
    let y: Vec<i64> = test.labels.iter().map(|&l| l as i64).collect();
    let pred = calls(&probs, chosen.threshold);
    let (_, at_t) = cut_scores(&y, &pred)?;
    // For transparency: the uncalibrated rule `p > 0.5`.
    let pred_half: Vec<i64> = probs.iter().map(|&p| i64::from(p > 0.5)).collect();
    let (_, at_half) = cut_scores(&y, &pred_half)?;
    let peaks: Vec<usize> = atts.iter().map(|a| attention_peak(a, test.len)).collect();
    let positives: Vec<usize> = (0..test.n()).filter(|&i| test.labels[i] == 1).collect();
    let hits =
        |p: &[i64]| -> Vec<usize> { positives.iter().copied().filter(|&i| p[i] == 1).collect() };
    let loc = |peaks: &[usize], which: &[usize]| {
        Localisation::of(&loc_errors(peaks, &test.breakpoints, which), test.len)
    };
    let deep_snp = DeepSnpScores {
        accuracy: at_t.accuracy,
        f1: at_t.f1,
        f1_macro: at_t.f1_macro,
        roc_auc: roc_auc(&y, &probs)?,
        threshold: chosen.threshold,
        threshold_rule: "F1-maximising on validation windows, p >= t".into(),
        val_f1_at_threshold: chosen.f1,
        called: at_t.called,
        at_0_5: at_half,
        localisation_all_positives: loc(&peaks, &positives),
        localisation_true_positives: loc(&peaks, &hits(&pred)),
    };

    // Baseline: threshold fitted on the training windows.
    let (train_scores, _) = baseline_scores(train, cfg.baseline_min_segment);
    let thr = changepoint::fit_threshold(&train_scores, &train.labels);
    let (scores, splits) = baseline_scores(test, cfg.baseline_min_segment);
    let bpred: Vec<i64> = scores.iter().map(|&s| i64::from(s > thr)).collect();
    let (_, b) = cut_scores(&y, &bpred)?;
    let baseline = BaselineScores {
        accuracy: b.accuracy,
        f1: b.f1,
        f1_macro: b.f1_macro,
        roc_auc: roc_auc(&y, &scores)?,
        threshold: thr,
        localisation_all_positives: loc(&splits, &positives),
        localisation_true_positives: loc(&splits, &hits(&bpred)),
    };
    Ok(Evaluation {
        deep_snp,
        baseline,
        attention: atts,
        positives,
    })
}
