//! `amd-kinetic`: forecasting a long-term acid-mine-drainage kinetic test with an ANN (MLP),
//! an LSTM and an encoder–decoder LSTM, scored by the Nash–Sutcliffe efficiency per parameter.
//!
//! Paper: "The Application of Artificial Neural Network Model to Predicting the Acid Mine
//! Drainage from Long-Term Lab Scale Kinetic Test" — ANN, LSTM and ED-LSTM forecasts of pH, ORP,
//! conductivity, TDS, sulfate, Fe and Mn over 83 weekly samples, NSE ≈ 0.99 on training and
//! validation. The measurements are private, so the data comes from the documented simulator
//! [`crate::sim::amd`]; outliers are removed (Hampel filter) as the paper removed anomalous
//! readings; the last 30 % of the weeks are the validation span (chronological split), and each
//! model forecasts next week's seven parameters from the previous `lookback` weeks.

use std::path::Path;

use serde::{Deserialize, Serialize};

use deepfield_core::data::scale::Scaler;
use deepfield_core::report::{fmt_num, plots, Comparison, Report, ResultsDir};
use deepfield_core::repro::model_dir;
use deepfield_core::train::TrainConfig;

use super::points;
use crate::data::clean::OutlierRule;
use crate::data::WindowSpec;
use crate::forecast::{
    self, predict_levels, target_metrics, ForecastSetup, TargetMetrics, TargetMode,
};
use crate::models::baselines::{persistence, LinearAr};
use crate::models::ForecastModel;
use crate::sim::amd::{simulate, KineticTestConfig, PARAMETERS};
use crate::Result;

/// NSE the paper reports for training and validation.
pub const PAPER_NSE: f64 = 0.99;

/// Everything the run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmdConfig {
    pub simulator: KineticTestConfig,
    pub setup: ForecastSetup,
    pub models: Vec<ForecastModel>,
    pub train: TrainConfig,
    pub seed: u64,
}

impl AmdConfig {
    /// The full run (`quick`: fewer epochs).
    pub fn new(quick: bool, seed: u64) -> Self {
        AmdConfig {
            simulator: KineticTestConfig {
                seed,
                ..Default::default()
            },
            setup: ForecastSetup {
                time_column: "week".into(),
                inputs: PARAMETERS.iter().map(|s| s.to_string()).collect(),
                targets: PARAMETERS.iter().map(|s| s.to_string()).collect(),
                window: WindowSpec::new(4, 1),
                scaler: Scaler::Standard,
                target_mode: TargetMode::Difference,
                outliers: OutlierRule::default(),
                val_frac: 0.3,
                test_frac: 0.0,
                shuffle_windows: None,
            },
            models: vec![
                ForecastModel::Mlp {
                    hidden: vec![32, 32],
                    dropout: 0.0,
                },
                ForecastModel::Lstm {
                    hidden: 32,
                    layers: 1,
                    dropout: 0.0,
                },
                ForecastModel::EdLstm {
                    hidden: 32,
                    layers: 1,
                },
            ],
            train: super::train_config(
                if quick { 80 } else { 600 },
                16,
                3e-3,
                if quick { 40 } else { 100 },
            ),
            seed,
        }
    }
}

/// The reproduction.
pub struct AmdKinetic;

deepfield_core::reproduction!(AmdKinetic, "amd-kinetic", crate::REPRODUCTIONS, |opts| run(
    &AmdConfig::new(opts.quick, opts.seed),
    &opts.out
)
.map_err(crate::Error::into_core));

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ModelResult {
    model: String,
    train: Vec<TargetMetrics>,
    validation: Vec<TargetMetrics>,
    mean_nse_train: f64,
    mean_nse_validation: f64,
    epochs_run: usize,
}

fn mean_nse(m: &[TargetMetrics]) -> f64 {
    m.iter().map(|t| t.nse).sum::<f64>() / m.len().max(1) as f64
}

struct ProtocolOut {
    prep: forecast::Prepared,
    models: Vec<ModelResult>,
    baselines: Vec<Baseline>,
    preds_all: Vec<(&'static str, tch::Tensor)>,
    best: forecast::Trained,
}

/// Train and score every model and baseline under one split protocol.
fn protocol(
    cfg: &AmdConfig,
    setup: &ForecastSetup,
    series: &crate::data::Series,
) -> Result<ProtocolOut> {
    let prep = setup.prepare(series)?;
    let names = &setup.targets;
    let all: Vec<usize> = (0..prep.windows.len()).collect();
    let (xtr, ytr, ltr) = prep.pick(&prep.train);
    let (xva, yva, lva) = prep.pick(&prep.val);
    let (xall, _, lall) = prep.pick(&all);
    let mut models = Vec::new();
    let mut preds_all = Vec::new();
    let mut best: Option<(f64, forecast::Trained)> = None;
    for (k, m) in cfg.models.iter().enumerate() {
        let t = forecast::train(
            &prep,
            m.clone(),
            &cfg.train,
            cfg.seed.wrapping_add(k as u64),
        )?;
        let ptr = predict_levels(&t.model, &prep.target, &xtr, &ltr)?;
        let pva = predict_levels(&t.model, &prep.target, &xva, &lva)?;
        let (train, validation) = (
            target_metrics(&ptr, &ytr, names)?,
            target_metrics(&pva, &yva, names)?,
        );
        let r = ModelResult {
            model: m.name().into(),
            mean_nse_train: mean_nse(&train),
            mean_nse_validation: mean_nse(&validation),
            train,
            validation,
            epochs_run: t.history.epochs.len(),
        };
        preds_all.push((
            m.name(),
            predict_levels(&t.model, &prep.target, &xall, &lall)?,
        ));
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
        (
            "persistence",
            target_metrics(&per(&ltr)?, &ytr, names)?,
            target_metrics(&per(&lva)?, &yva, names)?,
        ),
        (
            "linear_ar",
            target_metrics(&ar_pred(&xtr, &ltr)?, &ytr, names)?,
            target_metrics(&ar_pred(&xva, &lva)?, &yva, names)?,
        ),
    ];
    let (_, best) = best.ok_or_else(|| crate::Error::config("amd-kinetic: no model configured"))?;
    Ok(ProtocolOut {
        prep,
        models,
        baselines,
        preds_all,
        best,
    })
}

fn protocol_json(p: &ProtocolOut) -> serde_json::Value {
    let mut b = serde_json::Map::new();
    for (n, tr, va) in &p.baselines {
        b.insert(n.to_string(), serde_json::json!({"train": tr, "validation": va, "mean_nse_train": mean_nse(tr), "mean_nse_validation": mean_nse(va)}));
    }
    serde_json::json!({"train_windows": p.prep.train.len(), "validation_windows": p.prep.val.len(), "models": p.models, "baselines": b})
}

/// Run the whole reproduction into `out`.
pub fn run(cfg: &AmdConfig, out: &Path) -> Result<serde_json::Value> {
    let results = ResultsDir::at(out)?;
    let test = simulate(&cfg.simulator)?;
    let csv = results.file("kinetic_test.csv");
    deepfield_core::fsutil::write_atomic(&csv, test.to_csv()?.as_bytes())?;
    let series = test.series()?;
    let chrono = protocol(cfg, &cfg.setup, &series)?;
    let random_setup = ForecastSetup {
        shuffle_windows: Some(cfg.seed),
        ..cfg.setup.clone()
    };
    let random = protocol(cfg, &random_setup, &series)?;
    let metrics = serde_json::json!({
        "id": "amd-kinetic",
        "weeks": series.len(),
        "outliers_injected": test.outliers.len(),
        "outliers_removed": chrono.prep.outliers_removed,
        "chronological": protocol_json(&chrono),
        "random_windows": protocol_json(&random),
        "paper_nse": PAPER_NSE,
        "seed": cfg.seed,
    });
    let prep = &chrono.prep;
    forecast::save(
        &model_dir(out),
        "amd-kinetic",
        &cfg.setup,
        prep,
        &chrono.best,
        &metrics,
    )?;
    deepfield_core::fsutil::write_json(&results.file("config.json"), cfg)?;
    deepfield_core::fsutil::write_json(&results.file("metrics.json"), &metrics)?;

    // One forecast plot per parameter, the training curves of the saved model, NSE bars.
    let names = &cfg.setup.targets;
    let weeks: Vec<f64> = prep.series.time().iter().map(|&t| t as f64).collect();
    let all: Vec<usize> = (0..prep.windows.len()).collect();
    let xw: Vec<f64> = all
        .iter()
        .map(|&i| weeks[prep.windows.target_rows(i).start])
        .collect();
    let split_week = weeks[prep.spans.train_end.min(weeks.len() - 1)];
    for (k, name) in names.iter().enumerate() {
        let observed: Vec<(f64, f64)> = weeks
            .iter()
            .copied()
            .zip(prep.series.values()[k].iter().copied())
            .collect();
        let series: Vec<plots::Series> = chrono
            .preds_all
            .iter()
            .map(|(n, p)| Ok(plots::Series::new(n, points(&xw, p, k as i64)?)))
            .collect::<Result<_>>()?;
        plots::forecast(
            &results.file(&format!("forecast_{k}_{}.png", slug(name))),
            &format!("{name}: one-week-ahead forecasts (validation after the line)"),
            &observed,
            &series,
            Some(split_week),
        )?;
    }
    let h = &chrono.best.history;
    plots::training_curves(
        &results.file("training_curves.png"),
        &h.train_losses(),
        Some(&h.val_losses()),
        None,
    )?;
    let labels: Vec<String> = chrono
        .models
        .iter()
        .map(|r| r.model.clone())
        .chain(chrono.baselines.iter().map(|b| b.0.to_string()))
        .collect();
    let vals: Vec<f64> = chrono
        .models
        .iter()
        .map(|r| r.mean_nse_validation)
        .chain(chrono.baselines.iter().map(|b| mean_nse(&b.2)))
        .collect();
    plots::bar_chart(
        &results.file("nse_validation.png"),
        "Mean validation NSE over the 7 parameters (chronological split)",
        &labels,
        &vals,
        "NSE",
    )?;
    write_report(cfg, &metrics, &chrono, &random, &results)?;
    Ok(metrics)
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

type Baseline = (&'static str, Vec<TargetMetrics>, Vec<TargetMetrics>);

fn nse_rows(p: &ProtocolOut, validation: bool) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = p
        .models
        .iter()
        .map(|m| {
            let t = if validation { &m.validation } else { &m.train };
            std::iter::once(m.model.clone())
                .chain(t.iter().map(|t| fmt_num(t.nse)))
                .chain([fmt_num(mean_nse(t))])
                .collect()
        })
        .collect();
    for (n, tr, va) in &p.baselines {
        let t = if validation { va } else { tr };
        rows.push(
            std::iter::once(format!("{n} (baseline)"))
                .chain(t.iter().map(|t| fmt_num(t.nse)))
                .chain([fmt_num(mean_nse(t))])
                .collect(),
        );
    }
    rows
}

fn write_report(
    cfg: &AmdConfig,
    metrics: &serde_json::Value,
    chrono: &ProtocolOut,
    random: &ProtocolOut,
    results: &ResultsDir,
) -> Result<()> {
    let prep = &chrono.prep;
    let models = &chrono.models;
    let mut r = Report::new("amd-kinetic — forecasting an acid-mine-drainage kinetic test (NSE)");
    r.para("Reproduces *The Application of Artificial Neural Network Model to Predicting the Acid Mine Drainage from Long-Term Lab Scale Kinetic Test*: ANN, LSTM and encoder–decoder LSTM forecasts of pH, ORP, conductivity (EC), TDS, sulfate, Fe and Mn over 83 weekly samples, judged by the Nash–Sutcliffe efficiency (paper: NSE ≈ 0.99 on training and validation).");
    r.heading(
        2,
        "Data: a documented simulator (the paper's data is private)",
    );
    r.para("The 83 weekly samples come from `deepfield_timeseries::sim::amd` (written to `kinetic_test.csv`): shrinking-core pyrite oxidation accelerated at low pH, carbonate neutralisation that runs out after a lag, silicate buffering and pore-water acid storage, pH from an empirical titration curve, Fe from ferric solubility, Mn from carbonate impurities and acid leaching, ORP from pH and Fe, EC from the ionic load and TDS ≈ 0.67·EC. Weekly sampling noise (pH ±0.04, ORP ±6 mV, 2 % log-normal on the rest) and rare gross lab errors are added; the pipeline's Hampel filter removes outliers before training, as the paper removed anomalous readings.");
    r.key_values(&[
        ("weeks", metrics["weeks"].to_string()),
        ("gross errors injected / cells replaced by the outlier filter", format!("{} / {}", metrics["outliers_injected"], metrics["outliers_removed"])),
        ("chronological protocol", format!("training weeks 1–{}, validation weeks {}–{} ({} / {} windows); scalers on the training weeks only", prep.spans.train_end, prep.spans.train_end + 1, prep.spans.n, prep.train.len(), prep.val.len())),
        ("random-window protocol", format!("the same windows split 70/30 at random ({} / {}), the looser protocol that a paper reporting NSE 0.99 on both spans most likely used", random.prep.train.len(), random.prep.val.len())),
        ("windows", format!("lookback {} weeks → next week, all 7 parameters in and out", cfg.setup.window.lookback)),
        ("targets", "change from the last observed week, scaled by the training SD of weekly changes (levels would force the networks to extrapolate past the training range once the test turns acidic)".to_string()),
        ("training", format!("Adam lr {}, batch {}, up to {} epochs, early stopping on validation loss (patience {})", cfg.train.optimizer.lr(), cfg.train.batch_size, cfg.train.epochs, cfg.train.early_stopping.as_ref().map_or(0, |e| e.patience))),
    ]);
    let mut header = vec!["model"];
    header.extend(PARAMETERS.iter().copied());
    header.push("mean");
    r.heading(2, "NSE per parameter — random-window protocol (validation)");
    r.table(&header, &nse_rows(random, true));
    r.heading(
        2,
        "NSE per parameter — chronological protocol (validation = the last 30 % of weeks)",
    );
    r.table(&header, &nse_rows(chrono, true));
    r.heading(3, "Chronological protocol, training span");
    r.table(&header, &nse_rows(chrono, false));
    let mut cmp: Vec<Comparison> = Vec::new();
    for m in &random.models {
        cmp.push(
            Comparison::new(
                &format!("{} mean NSE, random-window validation", m.model),
                m.mean_nse_validation,
            )
            .with_anchor(PAPER_NSE, "paper (all models)")
            .with_note("simulated data"),
        );
    }
    for m in models {
        cmp.push(
            Comparison::new(
                &format!("{} mean NSE, chronological validation", m.model),
                m.mean_nse_validation,
            )
            .with_anchor(PAPER_NSE, "paper (all models)")
            .with_note("forecasting unseen later weeks: harder"),
        );
    }
    r.comparison(&cmp);
    r.para("Honest reading: on weekly data this smooth, persistence is already a strong forecaster; the networks are judged against it and against a ridge linear autoregression on the same windows. NSE over a span where a parameter barely moves (Mn and pH at the acidic plateau) is dominated by sampling noise and is low for every model, persistence included.");
    r.heading(2, "RMSE / MAE per parameter (validation, original units)");
    let rows: Vec<Vec<String>> = models
        .iter()
        .flat_map(|m| {
            m.validation.iter().map(move |t| {
                vec![
                    m.model.clone(),
                    t.target.clone(),
                    fmt_num(t.rmse),
                    fmt_num(t.mae),
                    fmt_num(t.mape),
                ]
            })
        })
        .collect();
    r.table(&["model", "parameter", "RMSE", "MAE", "MAPE"], &rows);
    r.heading(2, "Plots");
    for (k, name) in PARAMETERS.iter().enumerate() {
        r.image(
            &format!("{name} forecasts"),
            &format!("forecast_{k}_{}.png", slug(name)),
        );
    }
    r.image("training curves of the saved model", "training_curves.png");
    r.image("mean validation NSE", "nse_validation.png");
    deepfield_core::domain::usage(
        &mut r,
        "Use the model on your data",
        "cargo run --release -p deepfield-timeseries --bin deepfield-timeseries -- \\\n  eval --model results/amd-kinetic/model --csv your_kinetic_test.csv --out forecasts.csv",
        Some("The CSV needs a `week` column and the seven parameter columns named as in `kinetic_test.csv`; `model/` holds the model with the best validation NSE."),
    );
    Ok(r.write(&results.file("report.md"))?)
}
