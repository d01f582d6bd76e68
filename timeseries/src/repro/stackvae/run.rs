//! The `stackvae-g` run: every detector and the random baseline on every labelled set, the
//! 5-channel and a univariate detector saved, plots, `history.csv` and the report.

use std::path::Path;

use deepfield_core::data::scale::{FittedScaler, StandardScaler};
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::model_dir;
use deepfield_core::train::{write_histories_csv, History};
use deepfield_core::Rng;

use super::data::{labelled_sets, LabelledSet};
use super::{
    DetectResult, ModelSummary, StackVaeConfig, StackVaeMetrics, MULTIVARIATE, MULTIVARIATE_SET,
};
use crate::anomaly::best_f1;
use crate::detect::{self, DetectorKind, DetectorPipelineConfig, Scaling, TrainedDetector};
use crate::repro::Steps;
use crate::Result;

/// The folder of the univariate detector in the results.
pub const UNIVARIATE_MODEL: &str = "model_univariate";

/// Run on the NAB folder `dir`, writing `out` (config.json and metrics.json are the caller's).
pub fn run(cfg: &StackVaeConfig, dir: &Path, out: &Path) -> Result<StackVaeMetrics> {
    let results = ResultsDir::at(out)?;
    let sets = labelled_sets(cfg, dir)?;
    let usable = sets.iter().filter(|s| s.labels.iter().any(|&l| l)).count();
    let mut steps = Steps::new("stackvae-g", usable * cfg.detectors.len());
    let mut rows: Vec<DetectResult> = Vec::new();
    let mut histories: Vec<(String, History)> = Vec::new();
    let mut saved_univariate = false;
    for (si, set) in sets.iter().enumerate() {
        let LabelledSet {
            name,
            series: s,
            labels,
        } = set;
        if !labels.iter().any(|&l| l) {
            continue;
        }
        let raw = s.to_tensor()?;
        let scaler = StandardScaler::fit(&raw)?;
        let data = scaler.transform(&raw)?;
        let mut rng = Rng::new(cfg.seed ^ 0xBA5E ^ si as u64);
        let random: Vec<f64> = (0..labels.len()).map(|_| rng.uniform()).collect();
        rows.push(DetectResult {
            dataset: name.clone(),
            model: "random".into(),
            f1: best_f1(&random, labels, false, cfg.thresholds)?,
            f1_point_adjusted: best_f1(&random, labels, true, cfg.thresholds)?,
        });
        for (k, kind) in cfg.detectors.iter().enumerate() {
            let t = detect::fit(
                *kind,
                &cfg.detect,
                &data,
                cfg.seed.wrapping_add((si * 10 + k) as u64),
            )?;
            steps.done(&format!("{name} {}", kind.name()), &t.history);
            histories.push((format!("{name}/{}", kind.name()), t.history.clone()));
            let sc = detect::scores(&t.detector, &data, cfg.detect.window)?;
            let r = DetectResult {
                dataset: name.clone(),
                model: kind.name().into(),
                f1: best_f1(&sc, labels, false, cfg.thresholds)?,
                f1_point_adjusted: best_f1(&sc, labels, true, cfg.thresholds)?,
            };
            let saved = |scaling: Scaling| DetectorPipelineConfig {
                id: "stackvae-g".into(),
                detector: *kind,
                config: cfg.detect.clone(),
                time_column: "timestamp".into(),
                columns: s.columns().to_vec(),
                scaler: FittedScaler::Standard(scaler.clone()),
                threshold: r.f1.threshold,
                scaling,
            };
            if *kind == DetectorKind::StackVaeG {
                if si == 0 {
                    multivariate_outputs(&results, set, &t, &sc, &r)?;
                    detect::save(&model_dir(out), &saved(Scaling::Saved), &t, &r)?;
                } else if !saved_univariate {
                    detect::save(&out.join(UNIVARIATE_MODEL), &saved(Scaling::Input), &t, &r)?;
                    saved_univariate = true;
                }
            }
            rows.push(r);
        }
    }
    steps.finish();
    let runs: Vec<(String, &History)> = histories.iter().map(|(n, h)| (n.clone(), h)).collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;

    let mut models: Vec<String> = vec!["random".into()];
    models.extend(cfg.detectors.iter().map(|k| k.name().to_string()));
    let mean = |m: &str, pa: bool| {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| r.model == m && r.dataset != MULTIVARIATE_SET)
            .map(|r| if pa { r.f1_point_adjusted.f1 } else { r.f1.f1 })
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let multi = |m: &str, pa: bool| {
        rows.iter()
            .find(|r| r.model == m && r.dataset == MULTIVARIATE_SET)
            .map(|r| if pa { r.f1_point_adjusted.f1 } else { r.f1.f1 })
    };
    let summary: Vec<ModelSummary> = models
        .iter()
        .map(|m| ModelSummary {
            model: m.clone(),
            multivariate_f1: multi(m, false),
            multivariate_f1_pa: multi(m, true),
            univariate_mean_f1: mean(m, false),
            univariate_mean_f1_pa: mean(m, true),
        })
        .collect();
    let metrics = StackVaeMetrics {
        data: format!(
            "{}: {} (5 channels) and {} univariate series",
            dir.display(),
            MULTIVARIATE.join(", "),
            sets.len() - 1
        ),
        summary,
        per_dataset: rows.clone(),
        univariate_series: sets.len() - 1,
        seed: cfg.seed,
    };
    super::report::f1_plot(&metrics, &results)?;
    super::report::write(cfg, &metrics, dir, saved_univariate, &results)?;
    Ok(metrics)
}

/// The multivariate set's plots (score against labels, adjacency, training loss) and its CSV
/// in the format the saved detector reads.
fn multivariate_outputs(
    results: &ResultsDir,
    set: &LabelledSet,
    t: &TrainedDetector,
    sc: &[f64],
    r: &DetectResult,
) -> Result<()> {
    super::report::multivariate_plots(results, set, t, sc, r)?;
    let s = &set.series;
    let header = std::iter::once("timestamp").chain(s.columns().iter().map(String::as_str));
    let rows = (0..s.len()).map(|i| {
        std::iter::once(crate::data::time::format_timestamp(s.time()[i]))
            .chain(s.values().iter().map(|c| c[i].to_string()))
            .collect::<Vec<_>>()
    });
    deepfield_core::fsutil::write_csv(&results.file("aws_cpu_5ch.csv"), header, rows)?;
    Ok(())
}
