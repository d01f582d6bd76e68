//! SHAP for the saved fold-1 DNN: global importance (beeswarm and mean |SHAP| bars) over test
//! rows of fold 1 and local explanations of a few of them, against a background drawn from
//! fold 1's training rows; the background and the feature ranges are saved beside the model
//! (`tabular.json`) for `serve`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Case, PileConfig};
use crate::data::split::Fold;
use crate::report::{plots, ResultsDir};
use crate::tabular::TabularModel;
pub use crate::tabular::{TabularInfo, TABULAR_INFO_FILE};
use crate::{Result, Rng};

/// One explained sample.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LocalExplanation {
    /// 1-based data row of the table.
    pub row: usize,
    pub values: Vec<f64>,
    pub shap: Vec<f64>,
    pub prediction: f64,
    pub truth: f64,
}

/// The SHAP outcome of one table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShapSummary {
    pub features: Vec<String>,
    /// Mean |SHAP| per feature over the explained samples (target units).
    pub mean_abs: Vec<f64>,
    /// v(∅): the mean prediction over the background.
    pub base: f64,
    pub samples: usize,
    pub background: usize,
    /// Largest |base + Σ SHAP − prediction| (the efficiency property).
    pub max_efficiency_error: f64,
    pub local: Vec<LocalExplanation>,
}

/// Explain the model saved in `model_dir`, write its `tabular.json` and the SHAP plots.
pub fn run(
    cfg: &PileConfig,
    case: &Case,
    model_dir: &Path,
    x: &[Vec<f64>],
    y: &[f64],
    fold: &Fold,
    results: &ResultsDir,
) -> Result<ShapSummary> {
    let mut train = fold.train.clone();
    Rng::new(cfg.seed ^ 0xba5e).shuffle(&mut train);
    let background: Vec<Vec<f64>> = train
        .iter()
        .take(cfg.shap_background)
        .map(|&i| x[i].clone())
        .collect();
    let train_rows: Vec<Vec<f64>> = fold.train.iter().map(|&i| x[i].clone()).collect();
    TabularInfo {
        features: TabularInfo::ranges(&case.features, &train_rows),
        target: case.target.into(),
        unit: case.unit.into(),
        background,
    }
    .save(model_dir)?;
    let model = TabularModel::load(model_dir)?;

    let mut test = fold.test.clone();
    Rng::new(cfg.seed ^ 0x7e57).shuffle(&mut test);
    test.truncate(cfg.shap_samples);
    let values: Vec<Vec<f64>> = test.iter().map(|&i| x[i].clone()).collect();
    let preds = model.predict(&values)?;
    let mut shap = Vec::with_capacity(test.len());
    let mut base = 0.0;
    let mut max_err = 0.0f64;
    for (k, row) in values.iter().enumerate() {
        let sv = model.explain(row, cfg.seed.wrapping_add(k as u64))?;
        max_err = max_err.max((sv.prediction() - preds[k]).abs());
        base = sv.base;
        shap.push(sv.values);
    }
    let m = case.features.len();
    let mean_abs: Vec<f64> = (0..m)
        .map(|j| shap.iter().map(|r| r[j].abs()).sum::<f64>() / shap.len().max(1) as f64)
        .collect();
    let local: Vec<LocalExplanation> = (0..cfg.local_samples.min(test.len()))
        .map(|k| LocalExplanation {
            row: test[k] + 1,
            values: values[k].clone(),
            shap: shap[k].clone(),
            prediction: preds[k],
            truth: y[test[k]],
        })
        .collect();

    let unit = format!("SHAP value ({})", case.unit);
    let key = case.key;
    plots::shap_beeswarm(
        &results.file(&format!("shap_beeswarm_{key}.png")),
        &format!(
            "{}: SHAP values of the DNN on {} test rows (fold 1)",
            case.title,
            test.len()
        ),
        &case.features,
        &shap,
        &values,
        unit.as_str(),
    )?;
    plots::shap_bars(
        &results.file(&format!("shap_importance_{key}.png")),
        &format!("{}: global importance, mean |SHAP| of the DNN", case.title),
        &case.features,
        &mean_abs,
        format!("mean |SHAP value| ({})", case.unit).as_str(),
    )?;
    for (k, l) in local.iter().enumerate() {
        plots::shap_bars(
            &results.file(&format!("shap_local_{key}_{}.png", k + 1)),
            &format!(
                "{}: data row {}, prediction {} vs true {} {} (base {})",
                case.title,
                l.row,
                crate::report::fmt_num(l.prediction),
                crate::report::fmt_num(l.truth),
                case.unit,
                crate::report::fmt_num(base)
            ),
            &case.features,
            &l.shap,
            unit.as_str(),
        )?;
    }
    Ok(ShapSummary {
        features: case.features.clone(),
        mean_abs,
        base,
        samples: test.len(),
        background: cfg.shap_background.min(fold.train.len()),
        max_efficiency_error: max_err,
        local,
    })
}
