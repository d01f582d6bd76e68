//! `report.md` and the model-comparison plots of `pile-xai`.

use std::path::PathBuf;

use super::{DatasetResult, ModelResult, PileConfig, PileMetrics, SEED_DNN_MAE};
use crate::report::{fmt_num, plots, Comparison, Report, ResultsDir};
use crate::Result;

fn label(model: &str) -> &str {
    match model {
        "dnn" => "DNN (deepfield MLP)",
        "linear" => "linear (OLS)",
        "lightgbm" => "LightGBM",
        "xgboost" => "XGBoost",
        "catboost" => "CatBoost",
        other => other,
    }
}

fn pm(mean: f64, sd: f64) -> String {
    format!("{} ± {}", fmt_num(mean), fmt_num(sd))
}

fn row(m: &ModelResult) -> Vec<String> {
    let name = if m.version.is_empty() {
        label(&m.model).to_string()
    } else {
        format!("{} {}", label(&m.model), m.version)
    };
    vec![
        name,
        pm(m.mae.mean, m.mae.sd),
        pm(m.rmse.mean, m.rmse.sd),
        pm(m.r2.mean, m.r2.sd),
    ]
}

fn mae_plot(d: &DatasetResult, results: &ResultsDir) -> Result<()> {
    let names: Vec<&str> = d.models.iter().map(|m| label(&m.model)).collect();
    let mae: Vec<f64> = d.models.iter().map(|m| m.mae.mean).collect();
    let sd: Vec<f64> = d.models.iter().map(|m| m.mae.sd).collect();
    plots::BarChart::new(
        &format!(
            "{}: test MAE (mean ± SD over {} folds, same folds for every model)",
            d.dataset, d.folds
        ),
        plots::Axis::new("MAE").unit(&d.unit),
    )
    .groups(&names)
    .series_with_std("", &mae, &sd)
    .x_axis("model")
    .render(&results.file(&format!("mae_{}.png", d.dataset)))
}

/// The verdict sentence: does the DNN beat the trees on this table?
fn verdict(d: &DatasetResult, cfg: &PileConfig) -> String {
    let dnn = &d.models[0];
    let trees: Vec<&ModelResult> = d
        .models
        .iter()
        .filter(|m| cfg.gbdt.models.contains(&m.model))
        .collect();
    if trees.is_empty() {
        return "No tree model ran.".into();
    }
    let lost: Vec<String> = trees
        .iter()
        .filter(|t| !d.dnn_beats.contains(&t.model))
        .map(|t| format!("{} (MAE {})", label(&t.model), fmt_num(t.mae.mean)))
        .collect();
    if lost.is_empty() {
        format!(
            "Here the DNN (MAE {} {}) beats every tree model on mean test MAE, as the seed reports for its data.",
            fmt_num(dnn.mae.mean),
            d.unit
        )
    } else {
        format!(
            "Here the DNN (MAE {} {}) does **not** beat {} on mean test MAE; the seed's claim \
             (DNN better than XGBoost and CatBoost) does not carry over to this table.",
            fmt_num(dnn.mae.mean),
            d.unit,
            lost.join(", ")
        )
    }
}

/// Write `report.md` and the MAE plots.
pub fn write(
    cfg: &PileConfig,
    metrics: &PileMetrics,
    data_dirs: &[PathBuf],
    results: &ResultsDir,
) -> Result<()> {
    let mut r = Report::new("pile-xai — DNN vs gradient-boosted trees, explained with SHAP");
    r.para(
        "Reproduces the workflow of the pile-driving vibration study (a DNN regressor compared \
         with XGBoost and CatBoost, SHAP global and local explanations, a small web app). Its \
         Bangkok pile-driving records are private, so the workflow runs on public engineering \
         and physical-science regression tables from the data directory.",
    );
    r.heading(2, "What ran");
    r.bullet(&[
        format!(
            "{}-fold cross-validation with fixed folds (seed {}); every model sees the same training and test rows of each fold.",
            cfg.folds, cfg.seed
        ),
        format!(
            "DNN: MLP → {:?} → 1 (ReLU), Adam lr {}, batch {}, up to {} epochs with early stopping on a {:.0}% validation share of the training fold; inputs and target standardised on the training part (concrete: age as ln(1 + days)).",
            cfg.hidden, cfg.train.optimizer.lr(), cfg.train.batch_size, cfg.train.epochs, cfg.val_frac * 100.0
        ),
        format!(
            "Trees ({}) through the Python environment in the same command: {} rounds, learning rate {}, raw features, no tuning.",
            cfg.gbdt.models.join(", "), cfg.gbdt.trees, cfg.gbdt.learning_rate
        ),
        "Linear regression (OLS) on the same folds as a floor.".into(),
        format!(
            "SHAP: KernelSHAP (every coalition enumerated, so exact Shapley values) of fold 1's DNN on {} test rows, background {} training rows of fold 1.",
            cfg.shap_samples, cfg.shap_background
        ),
    ]);
    for dir in data_dirs {
        r.provenance(dir);
    }
    for d in &metrics.datasets {
        mae_plot(d, results)?;
        r.heading(
            2,
            &format!("{} ({} rows, target in {})", d.dataset, d.samples, d.unit),
        );
        let rows: Vec<Vec<String>> = d.models.iter().map(row).collect();
        r.table(
            &[
                "model",
                &format!("MAE ({})", d.unit),
                &format!("RMSE ({})", d.unit),
                "R²",
            ],
            &rows,
        );
        r.para(&verdict(d, cfg));
        let per_fold: Vec<Vec<String>> = (0..d.folds)
            .map(|k| {
                std::iter::once((k + 1).to_string())
                    .chain(d.models.iter().map(|m| fmt_num(m.per_fold[k].mae)))
                    .collect()
            })
            .collect();
        let mut head = vec!["fold".to_string()];
        head.extend(d.models.iter().map(|m| format!("{} MAE", label(&m.model))));
        let head: Vec<&str> = head.iter().map(String::as_str).collect();
        r.heading(3, "MAE per fold");
        r.table(&head, &per_fold);
        r.image("test MAE per model", &format!("mae_{}.png", d.dataset));
        r.heading(3, "SHAP");
        let s = &d.shap;
        let mut order: Vec<usize> = (0..s.features.len()).collect();
        order.sort_by(|&a, &b| s.mean_abs[b].total_cmp(&s.mean_abs[a]));
        r.table(
            &["feature", &format!("mean |SHAP| ({})", d.unit)],
            &order
                .iter()
                .map(|&j| vec![s.features[j].clone(), fmt_num(s.mean_abs[j])])
                .collect::<Vec<_>>(),
        );
        r.para(&format!(
            "Base value (mean prediction over the background) {} {}; largest |base + Σ SHAP − prediction| {} (efficiency).",
            fmt_num(s.base),
            d.unit,
            fmt_num(s.max_efficiency_error)
        ));
        r.image("SHAP beeswarm", &format!("shap_beeswarm_{}.png", d.dataset));
        r.image(
            "global SHAP importance",
            &format!("shap_importance_{}.png", d.dataset),
        );
        for (k, l) in s.local.iter().enumerate() {
            r.image(
                &format!("local explanation of data row {}", l.row),
                &format!("shap_local_{}_{}.png", d.dataset, k + 1),
            );
        }
        r.para(&format!(
            "Model: `{}/` (fold 1's DNN with `tabular.json`: feature ranges and SHAP background).",
            d.model_dir
        ));
    }
    let first = &metrics.datasets[0];
    r.heading(2, "Against the seed");
    r.comparison(&[Comparison {
        metric: format!("DNN test MAE ({})", first.dataset),
        ours: first.models[0].mae.mean,
        anchor: Some(SEED_DNN_MAE),
        anchor_source: "seed, private pile-driving vibration data".into(),
        note: "not comparable: other data and units; the seed's claim is the ranking (DNN < XGBoost, CatBoost in MAE)".into(),
    }]);
    r.heading(2, "Use the model");
    r.code(
        "sh",
        "deepfield-core eval --model results/pile-xai/model your.csv --out predictions.csv\n\
         deepfield-core serve --model results/pile-xai/model   # http://127.0.0.1:8080",
    );
    r.write(&results.file("report.md"))
}
