//! The `stackvae-g` report, written from the typed metrics.

use std::path::Path;

use deepfield_core::report::plots::{self, Axis, BarChart};
use deepfield_core::report::{fmt_num, Comparison, Report, ResultsDir};

use super::data::LabelledSet;
use super::{DetectResult, StackVaeConfig, StackVaeMetrics, MULTIVARIATE};
use crate::detect::TrainedDetector;
use crate::Result;

/// The x axis of plots over the 5-channel set's steps.
fn step_axis() -> Axis {
    Axis::new("time step").unit("5 min")
}

/// `f1_multivariate.png`: best F1 and point-adjusted F1 on the 5-channel set, one bar per model
/// (the random-score baseline included) in each of the two groups.
pub(super) fn f1_plot(metrics: &StackVaeMetrics, results: &ResultsDir) -> Result<()> {
    let mut chart = BarChart::new(
        "Best F1 over thresholds on the 5-channel AWS set",
        Axis::new("F1"),
    )
    .groups(&["F1", "point-adjusted F1"]);
    for m in &metrics.summary {
        if let (Some(f1), Some(pa)) = (m.multivariate_f1, m.multivariate_f1_pa) {
            let name = if m.model == "random" {
                "random scores (baseline)"
            } else {
                &m.model
            };
            chart = chart.series(name, &[f1, pa]);
        }
    }
    if chart.series.is_empty() {
        return Ok(());
    }
    Ok(chart.render(&results.file("f1_multivariate.png"))?)
}

/// The 5-channel set's plots: StackVAE-G's score against the labelled windows with its best-F1
/// threshold (in score units, not rescaled), the learned adjacency, and the training loss.
pub(super) fn multivariate_plots(
    results: &ResultsDir,
    set: &LabelledSet,
    t: &TrainedDetector,
    scores: &[f64],
    r: &DetectResult,
) -> Result<()> {
    plots::score_vs_labels(
        &results.file("score_vs_labels.png"),
        &format!(
            "StackVAE-G score against labelled anomaly windows, 5-channel AWS set (threshold: best F1 = {})",
            fmt_num(r.f1.f1)
        ),
        step_axis(),
        scores,
        &set.labels,
        Some(r.f1.threshold),
    )?;
    if let Some(a) = t.detector.adjacency() {
        let a = a?;
        let n = a.size()[0] as usize;
        let v = Vec::<f64>::try_from(a.to_kind(tch::Kind::Double).flatten(0, -1))?;
        let m: Vec<Vec<f64>> = v.chunks(n.max(1)).map(<[f64]>::to_vec).collect();
        plots::heatmap(
            &results.file("adjacency.png"),
            &format!(
                "Learned adjacency (rows read from columns): {}",
                set.series.columns().join(", ")
            ),
            &m,
            "source channel",
            "target channel",
        )?;
    }
    plots::LinePlot::new(
        "StackVAE-G training loss (5-channel set)",
        Axis::new("epoch").integer(),
        "training loss",
    )
    .series([plots::Series::from_ys(
        "training loss",
        1.0,
        &t.history.train_losses(),
    )])
    .render(&results.file("training_loss.png"))?;
    Ok(())
}

/// A number, or "undefined".
fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".to_string(), fmt_num)
}

/// Write `report.md`.
pub(super) fn write(
    cfg: &StackVaeConfig,
    metrics: &StackVaeMetrics,
    dir: &Path,
    univariate_saved: bool,
    results: &ResultsDir,
) -> Result<()> {
    let get = |m: &str, pa: bool| {
        metrics
            .model(m)
            .and_then(|s| {
                if pa {
                    s.multivariate_f1_pa
                } else {
                    s.multivariate_f1
                }
            })
            .unwrap_or(f64::NAN)
    };
    let mut r = Report::new("stackvae-g — anomaly detection on NAB with StackVAE-G");
    r.para("Reproduces *StackVAE-G: An efficient and interpretable model for time series anomaly detection* (Li, Hu, Chen, Chen & Feng, AI Open 2022): a VAE applied block-wise to every channel with weights shared across channels, a graph-learning module that learns a sparse channel adjacency, and a graph layer that mixes channel latents; anomaly score = reconstruction error. Baselines: a plain VAE over the flattened window, and an LSTM encoder–decoder autoencoder (both from deepfield-core).");
    r.provenance(dir);
    r.bullet(&[
        format!("Multivariate set: {} resampled onto a common 5-minute grid over their shared two weeks; a step is labelled anomalous within {} minutes of any channel's labelled NAB anomaly point (NAB's wide scoring windows would label almost half of the merged set).", MULTIVARIATE.join(", "), cfg.label_radius_minutes),
        format!("Univariate: {} labelled NAB series.", metrics.univariate_series),
        format!("Windows of {} steps, hidden {}, latent {} per channel, top-{} neighbours, Adam lr {}, {} epochs, batch {}; unsupervised (labels only for scoring).", cfg.detect.window, cfg.detect.hidden, cfg.detect.latent, cfg.detect.stackvae.top_k, cfg.detect.lr, cfg.detect.epochs, cfg.detect.batch_size),
        "F1 is the best over score thresholds (as in the paper's evaluation); PA = point-adjusted. The random row scores every step uniformly at random and goes through the same search.".into(),
    ]);
    r.heading(2, "Results");
    let trows: Vec<Vec<String>> = metrics
        .summary
        .iter()
        .map(|m| {
            vec![
                m.model.clone(),
                num(m.multivariate_f1),
                num(m.multivariate_f1_pa),
                num(m.univariate_mean_f1),
                num(m.univariate_mean_f1_pa),
            ]
        })
        .collect();
    r.table(
        &[
            "model",
            "5-ch F1",
            "5-ch PA-F1",
            "univariate mean F1",
            "univariate mean PA-F1",
        ],
        &trows,
    );
    r.comparison(&[
        Comparison::new("StackVAE-G F1, 5-channel set", get("stackvae_g", false)).with_anchor(get("random", false), "random scores, same search"),
        Comparison::new("StackVAE-G PA-F1, 5-channel set", get("stackvae_g", true)).with_anchor(get("random", true), "random scores, same search").with_note("the paper reports point-adjusted F1 on SMAP/MSL/SMD-type data, not NAB; no NAB anchor exists"),
    ]);
    r.heading(3, "Per data set");
    let prow: Vec<Vec<String>> = metrics
        .per_dataset
        .iter()
        .map(|x| {
            vec![
                x.dataset.clone(),
                x.model.clone(),
                fmt_num(x.f1.f1),
                fmt_num(x.f1.precision),
                fmt_num(x.f1.recall),
                fmt_num(x.f1_point_adjusted.f1),
            ]
        })
        .collect();
    r.table(
        &["data set", "model", "F1", "precision", "recall", "PA-F1"],
        &prow,
    );
    deepfield_core::domain::plots(
        &mut r,
        &[
            ("score against labelled windows", "score_vs_labels.png"),
            ("learned adjacency", "adjacency.png"),
            (
                "best F1 and point-adjusted F1 on the multivariate set, per model",
                "f1_multivariate.png",
            ),
            ("training loss", "training_loss.png"),
        ],
    );
    deepfield_core::domain::usage(
        &mut r,
        "Use the model on your data",
        "deepfield-timeseries eval --model results/stackvae-g/model aws_cpu_5ch.csv --out scores.csv\n\
         deepfield-timeseries eval --model results/stackvae-g/model_univariate your_series.csv \\\n  --column value --labels labels.csv --out scores.csv\n\
         deepfield-timeseries eval --model results/stackvae-g/model your_series.csv --fit --labels labels.csv",
        Some(if univariate_saved {
            "`model/` scores files with a `timestamp` column and the five channel columns named as in `aws_cpu_5ch.csv`. `model_univariate/` scores any single value column (`--column`), standardised with the series' own mean and SD. `--fit` trains a fresh detector of the saved kind and settings on your series without labels (the protocol above). `--labels` (a CSV of `timestamp,label`) or `--label-column` add precision, recall and F1 as flagged and point-adjusted, and the best F1 over thresholds. The output keeps your time and id columns and adds `score`, `anomaly` (and `label`)."
        } else {
            "`model/` scores files with a `timestamp` column and the five channel columns named as in `aws_cpu_5ch.csv` (this run had no univariate series, so no `model_univariate/`). `--fit` trains a fresh detector of the saved kind on your series; `--labels` adds precision, recall and F1."
        }),
    );
    Ok(r.write(&results.file("report.md"))?)
}
