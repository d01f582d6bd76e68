//! The `amd-kinetic` run: simulate the test, train and score every model under two split
//! protocols, save the best chronological model, plot, and write the report.

use std::path::Path;

use deepfield_core::report::ResultsDir;
use deepfield_core::repro::model_dir;
use deepfield_core::train::{write_histories_csv, History};

use super::{AmdConfig, AmdMetrics, ModelResult, ProtocolMetrics, PAPER_NSE};
use crate::forecast::{self, predict_levels, target_metrics, ForecastSetup};
use crate::models::baselines::{persistence, LinearAr};
use crate::repro::Steps;
use crate::sim::amd::simulate;
use crate::Result;

/// One protocol's trained models and what the plots need.
pub(super) struct ProtocolOut {
    pub prep: forecast::Prepared,
    pub metrics: ProtocolMetrics,
    pub preds_all: Vec<(&'static str, tch::Tensor)>,
    pub best: forecast::Trained,
    pub histories: Vec<(String, History)>,
}

/// Train and score every model and baseline under one split protocol.
fn protocol(
    cfg: &AmdConfig,
    name: &str,
    setup: &ForecastSetup,
    series: &crate::data::Series,
    steps: &mut Steps,
) -> Result<ProtocolOut> {
    let prep = setup.prepare(series)?;
    let names = &setup.targets;
    let all: Vec<usize> = (0..prep.windows.len()).collect();
    let (xtr, ytr, ltr) = prep.pick(&prep.train);
    let (xva, yva, lva) = prep.pick(&prep.val);
    let (xall, _, lall) = prep.pick(&all);
    let mut models = Vec::new();
    let mut preds_all = Vec::new();
    let mut histories = Vec::new();
    let mut best: Option<(f64, forecast::Trained)> = None;
    for (k, m) in cfg.models.iter().enumerate() {
        let t = forecast::train(
            &prep,
            m.clone(),
            &cfg.train,
            cfg.seed.wrapping_add(k as u64),
        )?;
        steps.done(&format!("{name} {}", m.name()), &t.history);
        let ptr = predict_levels(&t.model, &prep.target, &xtr, &ltr)?;
        let pva = predict_levels(&t.model, &prep.target, &xva, &lva)?;
        let r = ModelResult::new(
            m.name(),
            target_metrics(&ptr, &ytr, names)?,
            target_metrics(&pva, &yva, names)?,
            Some(t.history.epochs.len()),
        );
        preds_all.push((
            m.name(),
            predict_levels(&t.model, &prep.target, &xall, &lall)?,
        ));
        histories.push((format!("{name}/{}", m.name()), t.history.clone()));
        if best
            .as_ref()
            .is_none_or(|(b, _)| r.mean_nse_validation > *b)
        {
            best = Some((r.mean_nse_validation, t));
        }
        models.push(r);
    }
    let per = |l: &tch::Tensor| persistence(l, 1);
    let ar = LinearAr::fit(&xtr, &prep.dataset(&prep.train)?.y, 1.0)?;
    let ar_pred = |x: &tch::Tensor, l: &tch::Tensor| prep.target.inverse(&ar.predict(x)?, l);
    let baselines = vec![
        ModelResult::new(
            "persistence",
            target_metrics(&per(&ltr)?, &ytr, names)?,
            target_metrics(&per(&lva)?, &yva, names)?,
            None,
        ),
        ModelResult::new(
            "linear_ar",
            target_metrics(&ar_pred(&xtr, &ltr)?, &ytr, names)?,
            target_metrics(&ar_pred(&xva, &lva)?, &yva, names)?,
            None,
        ),
    ];
    let (_, best) = best.ok_or_else(|| crate::Error::config("amd-kinetic: no model configured"))?;
    let metrics = ProtocolMetrics {
        train_windows: prep.train.len(),
        validation_windows: prep.val.len(),
        models,
        baselines,
    };
    Ok(ProtocolOut {
        prep,
        metrics,
        preds_all,
        best,
        histories,
    })
}

/// Run the whole reproduction into `out` (config.json and metrics.json are the caller's).
pub fn run(cfg: &AmdConfig, out: &Path) -> Result<AmdMetrics> {
    let results = ResultsDir::at(out)?;
    let test = simulate(&cfg.simulator)?;
    let csv = results.file("kinetic_test.csv");
    deepfield_core::fsutil::write_atomic(&csv, test.to_csv()?.as_bytes())?;
    let series = test.series()?;
    let mut steps = Steps::new("amd-kinetic", 2 * cfg.models.len());
    let chrono = protocol(cfg, "chronological", &cfg.setup, &series, &mut steps)?;
    let random_setup = ForecastSetup {
        shuffle_windows: Some(cfg.seed),
        ..cfg.setup.clone()
    };
    let random = protocol(cfg, "random_windows", &random_setup, &series, &mut steps)?;
    steps.finish();
    let metrics = AmdMetrics {
        data: format!(
            "simulated 83-week kinetic test (deepfield_timeseries::sim::amd, seed {}), written to \
             kinetic_test.csv",
            cfg.simulator.seed
        ),
        weeks: series.len(),
        outliers_injected: test.outliers.len(),
        outliers_removed: chrono.prep.outliers_removed,
        chronological: chrono.metrics.clone(),
        random_windows: random.metrics.clone(),
        paper_nse: PAPER_NSE,
        seed: cfg.seed,
    };
    let prep = &chrono.prep;
    forecast::save(
        &model_dir(out),
        "amd-kinetic",
        &cfg.setup,
        prep,
        &chrono.best,
        &metrics,
    )?;
    let runs: Vec<(String, &History)> = chrono
        .histories
        .iter()
        .chain(&random.histories)
        .map(|(n, h)| (n.clone(), h))
        .collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;

    super::report::write_plots(cfg, &chrono, &results)?;
    super::report::write(cfg, &metrics, &chrono, &random, &results)?;
    Ok(metrics)
}
