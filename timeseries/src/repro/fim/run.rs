//! The `fim-mjp` run: simulate the prior, pretrain FIM once, then evaluate zero-shot on
//! held-apart processes at several observation densities and on the flashing ratchet.

use std::path::Path;
use std::time::Instant;

use tch::nn::VarStore;

use deepfield_core::data::TensorDataset;
use deepfield_core::models::save_model;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::model_dir;
use deepfield_core::train::{write_histories_csv, Task, Trainer};
use deepfield_core::Rng;

use super::{DensityResult, DfrResult, FimConfig, FimMetrics};
use crate::mjp::em::fit_em;
use crate::mjp::features::{encode_batch, targets};
use crate::mjp::infer::{infer_many, Inferred};
use crate::mjp::neural::fit_neural;
use crate::mjp::rates::{dfr, dfr_params, DfrParams, RateMatrix};
use crate::mjp::simulate::{Observation, ObservedProcess, Process};
use crate::models::fim_mjp::{fim_loss, FimMjp};
use crate::repro::Steps;
use crate::{Error, Result};

/// The rates every method found for one process.
pub(super) struct Estimates {
    pub truth: RateMatrix,
    pub fim: Inferred,
    pub mle: RateMatrix,
    pub neural: RateMatrix,
}

/// `n` processes from the prior and their observations under `obs`.
fn draw(
    cfg: &FimConfig,
    n: usize,
    obs: &Observation,
    rng: &mut Rng,
) -> Result<(Vec<Process>, Vec<ObservedProcess>)> {
    let mut ps = Vec::with_capacity(n);
    let mut os = Vec::with_capacity(n);
    for _ in 0..n {
        let p = cfg.prior.sample_process(rng)?;
        os.push(p.observe(obs, rng));
        ps.push(p);
    }
    Ok((ps, os))
}

/// Inputs and targets of processes as a data set.
fn dataset(cfg: &FimConfig, ps: &[Process], os: &[ObservedProcess]) -> Result<TensorDataset> {
    let x = encode_batch(
        &os.iter().collect::<Vec<_>>(),
        cfg.model.paths,
        cfg.model.time_unit,
    )?;
    let y = targets(&ps.iter().collect::<Vec<_>>());
    Ok(TensorDataset::new(x, y)?)
}

/// Train FIM on the prior; returns the model, its VarStore, the history, the constant rate.
fn pretrain(
    cfg: &FimConfig,
    rng: &mut Rng,
) -> Result<(FimMjp, VarStore, deepfield_core::train::History, f64)> {
    let obs = Observation::of_prior(&cfg.prior);
    let (tp, to) = draw(cfg, cfg.train_processes, &obs, rng)?;
    let (vp, vo) = draw(cfg, cfg.val_processes, &obs, rng)?;
    let off: Vec<f64> = tp.iter().flat_map(|p| p.rates.off_diagonal()).collect();
    let constant = off.iter().sum::<f64>() / off.len().max(1) as f64;
    let train = dataset(cfg, &tp, &to)?;
    let val = dataset(cfg, &vp, &vo)?;
    drop((tp, to, vp, vo));
    deepfield_core::device::seed(cfg.seed);
    let mut vs = VarStore::new(deepfield_core::device::device());
    let model = cfg.model.init(&vs.root())?;
    let mut tc = crate::repro::train_config(cfg.epochs, cfg.batch_size, cfg.lr, cfg.patience);
    tc.seed = cfg.seed;
    tc.grad_clip_norm = Some(5.0);
    let trainer = Trainer::new(tc, Task::regression())?;
    let history = trainer.fit_with(&model, &mut vs, &train, Some(&val), |out, b| {
        fim_loss(out, &b.y).map_err(Error::into_core)
    })?;
    Ok((model, vs, history, constant))
}

/// FIM (zero-shot), EM and the neural model on each observed process.
fn estimate(
    cfg: &FimConfig,
    model: &FimMjp,
    vs: &VarStore,
    processes: &[Process],
    observed: &[ObservedProcess],
    seed: u64,
) -> Result<Vec<Estimates>> {
    let fim = infer_many(model, vs.device(), &observed.iter().collect::<Vec<_>>())?;
    processes
        .iter()
        .zip(observed)
        .zip(fim)
        .enumerate()
        .map(|(i, ((p, o), f))| {
            Ok(Estimates {
                truth: p.rates.clone(),
                fim: f,
                mle: fit_em(o, &cfg.em)?.rates,
                neural: fit_neural(o, &cfg.neural, seed.wrapping_add(i as u64))?.rates,
            })
        })
        .collect()
}

/// Mean of `f` over the estimates.
fn mean_of(es: &[Estimates], f: impl Fn(&Estimates) -> Result<f64>) -> Result<f64> {
    let v: Vec<f64> = es.iter().map(f).collect::<Result<_>>()?;
    Ok(v.iter().sum::<f64>() / v.len().max(1) as f64)
}

/// The constant predictor's rate matrix on `k` states.
fn constant_matrix(k: usize, rate: f64) -> Result<RateMatrix> {
    RateMatrix::new(k, vec![rate; k * k])
}

/// Largest relative error of the DFR parameters.
fn max_rel(p: &DfrParams, truth: &DfrParams) -> f64 {
    [
        (p.v - truth.v) / truth.v,
        (p.r - truth.r) / truth.r,
        (p.b - truth.b) / truth.b,
    ]
    .iter()
    .map(|e| e.abs())
    .fold(0.0, |a, b| if b.is_nan() { f64::NAN } else { a.max(b) })
}

/// Run, writing `out` (config.json and metrics.json are the caller's).
pub fn run(cfg: &FimConfig, out: &Path) -> Result<FimMetrics> {
    let results = ResultsDir::at(out)?;
    let mut rng = Rng::new(cfg.seed ^ 0xF1_3A_11);
    let mut steps = Steps::new("fim-mjp", 2 + cfg.eval_keep.len());
    let start = Instant::now();
    let (model, vs, history, constant) = pretrain(cfg, &mut rng)?;
    let train_seconds = start.elapsed().as_secs_f64();
    steps.done("FIM pretraining on the prior", &history);
    write_histories_csv(
        &results.file("history.csv"),
        &[("fim_mjp".to_string(), &history)],
    )?;
    let parameters: i64 = vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum();
    let best_val_loss = history
        .val_losses()
        .into_iter()
        .fold(f64::INFINITY, f64::min);

    // Held-apart processes at each density.
    let scheme = Observation::of_prior(&cfg.prior);
    let mut densities = Vec::new();
    let mut sparse_estimates = Vec::new();
    for (li, &keep) in cfg.eval_keep.iter().enumerate() {
        let mut erng = Rng::new(cfg.seed ^ 0xE7A1 ^ ((li as u64) << 20));
        let (ps, os) = draw(cfg, cfg.eval_processes, &scheme.with_keep(keep), &mut erng)?;
        let es = estimate(cfg, &model, &vs, &ps, &os, cfg.seed)?;
        let per_path = os
            .iter()
            .map(ObservedProcess::mean_observations)
            .sum::<f64>()
            / os.len().max(1) as f64;
        let wins = es
            .iter()
            .map(|e| Ok(e.fim.rates.rmse(&e.truth)? <= e.mle.rmse(&e.truth)?))
            .collect::<Result<Vec<bool>>>()?;
        densities.push(DensityResult {
            keep,
            observations_per_path: per_path,
            processes: es.len(),
            fim: mean_of(&es, |e| e.fim.rates.rmse(&e.truth))?,
            mle: mean_of(&es, |e| e.mle.rmse(&e.truth))?,
            neural: mean_of(&es, |e| e.neural.rmse(&e.truth))?,
            constant: mean_of(&es, |e| {
                constant_matrix(e.truth.k(), constant)?.rmse(&e.truth)
            })?,
            fim_beats_mle: wins.iter().filter(|&&w| w).count() as f64 / wins.len().max(1) as f64,
        });
        steps.done(&format!("evaluation at keep {keep}"), &Default::default());
        if li == 0 {
            sparse_estimates = es;
        }
    }

    // The discrete flashing ratchet.
    let truth = dfr(cfg.dfr)?;
    let process = Process {
        rates: truth.clone(),
        init: vec![1.0 / 6.0; 6],
        noise: cfg.dfr_noise,
    };
    let dfr_obs = Observation {
        paths: cfg.dfr_paths,
        ..scheme.with_keep(cfg.dfr_keep)
    };
    let observed = process.observe(&dfr_obs, &mut Rng::new(cfg.seed ^ 0xDF2));
    crate::mjp::csv::write_observations(&results.file("dfr_observations.csv"), &observed)?;
    let est = estimate(cfg, &model, &vs, &[process], &[observed], cfg.seed)?;
    let mut dfr_rows = Vec::new();
    let mut dfr_rates = Vec::new();
    if let Some(e) = est.first() {
        for (name, q) in [
            ("fim", &e.fim.rates),
            ("mle_em", &e.mle),
            ("neural", &e.neural),
        ] {
            let params = dfr_params(q)?;
            dfr_rows.push(DfrResult {
                method: name.into(),
                rmse: q.rmse(&truth)?,
                params,
                max_rel_error: max_rel(&params, &cfg.dfr),
            });
            dfr_rates.push((name, q.clone()));
        }
    }
    steps.done("flashing ratchet", &Default::default());
    steps.finish();

    save_model(
        &model_dir(out),
        &vs,
        &cfg.model,
        Some(&serde_json::json!({
            "best_val_loss": best_val_loss,
            "densities": densities,
        })),
    )?;
    let sparse_goal_met = densities
        .iter()
        .min_by(|a, b| a.keep.total_cmp(&b.keep))
        .is_some_and(|d| d.fim <= d.mle);
    let metrics = FimMetrics {
        data: "synthetic (simulated in the run; no download): processes from the FIM-MJP-style \
               prior and the discrete flashing ratchet"
            .into(),
        parameters,
        epochs_trained: history.epochs.len(),
        best_val_loss,
        train_seconds,
        constant_rate: constant,
        densities,
        dfr: dfr_rows,
        sparse_goal_met,
        seed: cfg.seed,
    };
    super::report::plots(
        &results,
        &metrics,
        &history,
        &sparse_estimates,
        &truth,
        &cfg.dfr,
        &dfr_rates,
    )?;
    super::report::write(cfg, &metrics, &results)?;
    Ok(metrics)
}
