//! The `aamdm` run: per fold, train the autoencoder, the DDPM, the polishing module, the
//! diffusion GAN and the LSTM baseline; sample K futures per test window with every model;
//! score, save the fold's model, plot and report.

use std::path::Path;
use std::time::Instant;

use deepfield_core::data::TensorDataset;
use deepfield_core::models::save_model;
use deepfield_core::nn::seq2seq::{Seq2Seq, Seq2SeqConfig};
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::variant_dir;
use deepfield_core::train::{write_histories_csv, History, TrainConfig, Trainer};
use deepfield_core::Rng;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use super::{AamdmMetrics, AamdmReproConfig, FoldResult, Goals, ModelScore};
use crate::models::aamdm::train::{
    constant_velocity, copy_weights, lstm_predict, train_gan, EpsObjective, GanSettings, Latents,
    LstmObjective, ReconObjective,
};
use crate::models::aamdm::{Aamdm, AamdmConfig, Autoencoder, Denoiser, Discriminator, Sampler};
use crate::repro::Steps;
use crate::traj::scenes::{self, Fold};
use crate::traj::window::{co_present, fut_tensor, obs_tensor};
use crate::traj::{
    best_of_k, collision_rate, diversity, frame_step, windows, Window, OBS_LEN, PRED_LEN,
};
use crate::{Error, Result};

/// Model names in metrics, in table order.
pub const MODELS: [&str; 5] = [
    "aamdm",
    "aamdm_no_polish",
    "ddpm",
    "lstm_ed",
    "constant_velocity",
];

/// A fold's trained models and training histories.
pub struct TrainedFold {
    pub vs: VarStore,
    pub model: Aamdm,
    pub config: AamdmConfig,
    pub lstm: Seq2Seq,
    pub lstm_vs: VarStore,
    pub train_windows: usize,
    pub histories: Vec<(String, History)>,
    pub seconds: f64,
}

/// Predictions `[N, K, T, 2]` of every model on one fold's test windows.
pub struct FoldPredictions {
    pub obs: Tensor,
    pub fut: Tensor,
    pub preds: Vec<(String, Tensor)>,
}

/// Run on the ETH/UCY folder `dir`, writing `out` (config.json and metrics.json are the caller's).
pub fn run(cfg: &AamdmReproConfig, dir: &Path, out: &Path) -> Result<AamdmMetrics> {
    let results = ResultsDir::at(out)?;
    let device = deepfield_core::device::device();
    let mut per_file: Vec<(&str, Vec<Window>)> = Vec::new();
    for (i, (name, rows)) in scenes::read_all(dir)?.into_iter().enumerate() {
        let step = frame_step(&rows)
            .ok_or_else(|| Error::data(dir.join(name), "no pedestrian has two annotated frames"))?;
        per_file.push((name, windows(&rows, step, OBS_LEN, PRED_LEN, i)));
    }
    let folds: Vec<Fold> = cfg
        .folds
        .iter()
        .map(|f| scenes::fold(f))
        .collect::<Result<_>>()?;
    let missing: Vec<String> = folds
        .iter()
        .filter(|f| f.test_files.is_empty())
        .map(|f| f.name.to_string())
        .collect();
    let runnable: Vec<Fold> = folds
        .into_iter()
        .filter(|f| !f.test_files.is_empty())
        .collect();
    if runnable.is_empty() {
        return Err(Error::input(format!(
            "aamdm: none of the folds {:?} has its test files in {}",
            cfg.folds,
            dir.display()
        )));
    }
    let mut steps = Steps::new("aamdm", runnable.len() * 5);
    let mut folds_out = Vec::new();
    let mut histories: Vec<(String, History)> = Vec::new();
    for (fi, fold) in runnable.iter().enumerate() {
        let mut rng = Rng::new(cfg.seed ^ (0x5EED_0000 + fi as u64));
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (name, ws) in &per_file {
            if fold.test_files.contains(name) {
                test.extend(ws.iter().cloned());
            } else {
                train.extend(ws.iter().cloned());
            }
        }
        let available = test.len();
        if cfg.max_train_windows > 0 && train.len() > cfg.max_train_windows {
            let mut idx = rng.permutation(train.len());
            idx.truncate(cfg.max_train_windows);
            idx.sort_unstable();
            train = idx.into_iter().map(|i| train[i].clone()).collect();
        }
        test = subsample_groups(test, cfg.max_test_windows, &mut rng);
        if train.is_empty() || test.is_empty() {
            return Err(Error::input(format!(
                "aamdm: fold {} has no training or no test windows",
                fold.name
            )));
        }
        deepfield_core::device::seed(cfg.seed.wrapping_add(fi as u64));
        let t = train_fold(cfg, &train, device, fold.name, &mut steps)?;
        let (result, preds) = evaluate_fold(cfg, fold, &t, &test, available)?;
        if fi == 0 {
            super::report::fold_plots(&results, cfg, &result, &preds, &t.histories)?;
        }
        save_model(
            &variant_dir(out, fold.name, fi == 0),
            &t.vs,
            &t.config,
            Some(&result),
        )?;
        histories.extend(
            t.histories
                .into_iter()
                .map(|(n, h)| (format!("{}/{n}", fold.name), h)),
        );
        folds_out.push(result);
    }
    steps.finish();
    let runs: Vec<(String, &History)> = histories.iter().map(|(n, h)| (n.clone(), h)).collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;

    let average: Vec<ModelScore> = MODELS
        .iter()
        .filter_map(|m| average(&folds_out, m))
        .collect();
    let get = |m: &str| average.iter().find(|s| s.model == m);
    let goals = match (get("aamdm"), get("ddpm"), get("constant_velocity")) {
        (Some(a), Some(d), Some(c)) => {
            let (ra, rf) = (a.ade / d.ade, a.fde / d.fde);
            let speed = d.ms_per_trajectory / a.ms_per_trajectory;
            Goals {
                ade_ratio_to_ddpm: ra,
                fde_ratio_to_ddpm: rf,
                within_5_percent_of_ddpm: ra <= 1.05 && rf <= 1.05,
                speedup_over_ddpm: speed,
                at_least_10x_faster: speed >= 10.0,
                beats_constant_velocity: a.ade < c.ade && a.fde < c.fde,
            }
        }
        _ => return Err(Error::input("aamdm: a model is missing from the scores")),
    };
    let metrics = AamdmMetrics {
        data: format!("{} ({})", dir.display(), scenes::FILES.join(", ")),
        folds: folds_out,
        missing_folds: missing,
        average,
        goals,
        seed: cfg.seed,
    };
    super::report::summary_plots(&results, &metrics)?;
    super::report::write(cfg, &metrics, dir, &results)?;
    Ok(metrics)
}

/// One model's sampler: observed tracks in, sampled futures out.
type SampleFn<'a> = dyn Fn(&Tensor) -> Result<Tensor> + 'a;

/// Keep whole groups of co-present pedestrians, drawn at random, until `max` windows (0: all).
fn subsample_groups(ws: Vec<Window>, max: usize, rng: &mut Rng) -> Vec<Window> {
    if max == 0 || ws.len() <= max {
        return ws;
    }
    let mut groups = co_present(&ws);
    rng.shuffle(&mut groups);
    let mut keep: Vec<usize> = Vec::new();
    for g in groups {
        if keep.len() + g.len() > max && !keep.is_empty() {
            continue;
        }
        keep.extend(g);
        if keep.len() >= max {
            break;
        }
    }
    keep.sort_unstable();
    keep.into_iter().map(|i| ws[i].clone()).collect()
}

/// Observed and future offsets relative to the last observed position, divided by `scale`.
fn relative(ws: &[Window], scale: f64) -> Result<(Tensor, Tensor)> {
    let obs = obs_tensor(ws)?;
    let last = obs.select(1, -1).unsqueeze(1);
    let fut = fut_tensor(ws)?;
    Ok(((&obs - &last) / scale, (fut - last) / scale))
}

fn trainer(epochs: usize, cfg: &AamdmReproConfig, lr: f64, seed: u64) -> Result<Trainer> {
    let c = TrainConfig {
        epochs,
        batch_size: cfg.batch_size,
        optimizer: deepfield_core::train::OptimizerConfig::adam(lr),
        early_stopping: None,
        progress: false,
        seed,
        ..Default::default()
    };
    Ok(Trainer::new(c, deepfield_core::train::Task::default())?)
}

/// Train every model of one fold on `train`.
pub(crate) fn train_fold(
    cfg: &AamdmReproConfig,
    train: &[Window],
    device: Device,
    fold: &str,
    steps: &mut Steps,
) -> Result<TrainedFold> {
    let start = Instant::now();
    let mut mcfg = cfg.model.clone();
    let (_, fut_abs_rel) = relative(train, 1.0)?;
    mcfg.scale = f64::try_from(fut_abs_rel.to_kind(Kind::Double).std(true))?.max(1e-3);
    let (x, y) = relative(train, mcfg.scale)?;
    let data = TensorDataset::new(x.to_device(device), y.to_device(device))?;
    let seed = cfg.seed;
    let mut hist = Vec::new();

    // Autoencoder (the embedded space).
    let mut vs_ae = VarStore::new(device);
    let ae = Autoencoder::new(&(vs_ae.root() / "ae"), &mcfg)?;
    let h = trainer(cfg.ae_epochs, cfg, cfg.lr, seed)?.fit_loss(
        &ReconObjective(&ae),
        &mut vs_ae,
        &data,
        None,
    )?;
    steps.done(&format!("{fold} autoencoder"), &h);
    hist.push(("autoencoder".to_string(), h));
    let (latents, mean, std) = Latents::fit(&ae, &data.y, 4)?;
    mcfg.latent_mean = mean;
    mcfg.latent_std = std;
    let (gen_sched, polish_sched, ddpm_sched) = mcfg.schedules()?;

    // The DDPM baseline and the polishing module (ε networks).
    let mut vs_ddpm = VarStore::new(device);
    let ddpm = Denoiser::new(&(vs_ddpm.root() / "ddpm"), &mcfg, 0)?;
    let obj = EpsObjective {
        latents: &latents,
        net: &ddpm,
        sched: &ddpm_sched,
    };
    let h = trainer(cfg.ddpm_epochs, cfg, cfg.lr, seed + 1)?.fit_loss(
        &obj,
        &mut vs_ddpm,
        &data,
        None,
    )?;
    steps.done(&format!("{fold} ddpm"), &h);
    hist.push(("ddpm".to_string(), h));
    let mut vs_polish = VarStore::new(device);
    let polish = Denoiser::new(&(vs_polish.root() / "polish"), &mcfg, 0)?;
    if let Some(ps) = &polish_sched {
        let obj = EpsObjective {
            latents: &latents,
            net: &polish,
            sched: ps,
        };
        let h = trainer(cfg.polish_epochs.max(1), cfg, cfg.lr, seed + 2)?.fit_loss(
            &obj,
            &mut vs_polish,
            &data,
            None,
        )?;
        steps.done(&format!("{fold} polishing module"), &h);
        hist.push(("polish".to_string(), h));
    }

    // The generation module: denoising diffusion GAN.
    let vs_gen = VarStore::new(device);
    let gen = Denoiser::new(&(vs_gen.root() / "gen"), &mcfg, mcfg.noise_dim)?;
    let vs_disc = VarStore::new(device);
    let disc = Discriminator::new(&(vs_disc.root() / "disc"), &mcfg)?;
    let gs = GanSettings {
        epochs: cfg.gan_epochs,
        batch_size: cfg.batch_size,
        lr_g: cfg.gan_lr_g,
        lr_d: cfg.gan_lr_d,
        r1_gamma: cfg.r1_gamma,
        seed: seed + 3,
    };
    let h = train_gan(
        &gen, &vs_gen, &disc, &vs_disc, &latents, &gen_sched, &data, &gs,
    )?;
    steps.done(&format!("{fold} diffusion GAN"), &h);
    hist.push(("ddgan".to_string(), h));

    // The whole model in one store.
    let vs = VarStore::new(device);
    let model = mcfg.init(&vs.root())?;
    for part in [&vs_ae, &vs_ddpm, &vs_polish, &vs_gen] {
        copy_weights(&vs, part)?;
    }

    // LSTM encoder–decoder baseline.
    let mut vs_lstm = VarStore::new(device);
    let lstm = Seq2SeqConfig::new(4, cfg.lstm_hidden, mcfg.pred_len, 2)
        .init(&(vs_lstm.root() / "lstm"))?;
    let h = trainer(cfg.lstm_epochs, cfg, cfg.lr, seed + 4)?.fit_loss(
        &LstmObjective(&lstm),
        &mut vs_lstm,
        &data,
        None,
    )?;
    steps.done(&format!("{fold} lstm"), &h);
    hist.push(("lstm_ed".to_string(), h));
    Ok(TrainedFold {
        vs,
        model,
        config: mcfg,
        lstm,
        lstm_vs: vs_lstm,
        histories: hist,
        train_windows: train.len(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Sample every model on `test`, in batches, timing the sampling.
fn predict_all(f: &dyn Fn(&Tensor) -> Result<Tensor>, obs: &Tensor) -> Result<(Tensor, f64)> {
    let n = obs.size()[0];
    let mut parts = Vec::new();
    let start = Instant::now();
    for s in (0..n).step_by(256) {
        let b = 256.min(n - s);
        parts.push(f(&obs.narrow(0, s, b))?.to_device(Device::Cpu));
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0 / n as f64;
    Ok((Tensor::cat(&parts, 0), ms))
}

/// Score every model of a trained fold on its test windows.
pub fn evaluate_fold(
    cfg: &AamdmReproConfig,
    fold: &Fold,
    t: &TrainedFold,
    test: &[Window],
    available: usize,
) -> Result<(FoldResult, FoldPredictions)> {
    let device = t.vs.device();
    let obs = obs_tensor(test)?;
    let fut = fut_tensor(test)?;
    let groups = co_present(test);
    let k = cfg.samples as i64;
    let obs_d = obs.to_device(device);
    let mut scores = Vec::new();
    let mut preds = Vec::new();
    let scale = t.config.scale;
    for name in MODELS {
        let f: Box<SampleFn> = match name {
            "aamdm" => Box::new(|o: &Tensor| t.model.sample(Sampler::Aamdm, o, k)),
            "aamdm_no_polish" => {
                Box::new(|o: &Tensor| t.model.sample(Sampler::GenerationOnly, o, k))
            }
            "ddpm" => Box::new(|o: &Tensor| t.model.sample(Sampler::Ddpm, o, k)),
            "lstm_ed" => Box::new(|o: &Tensor| lstm_predict(&t.lstm, o, scale)),
            _ => Box::new(|o: &Tensor| Ok(constant_velocity(o, PRED_LEN as i64))),
        };
        let (p, ms) = predict_all(&*f, &obs_d)?;
        let (ade, fde) = best_of_k(&p, &fut)?;
        scores.push(ModelScore {
            model: name.to_string(),
            ade,
            fde,
            diversity: diversity(&p)?,
            collision_rate: collision_rate(&p, &groups, cfg.collision_threshold)?.rate(),
            ms_per_trajectory: ms,
        });
        preds.push((name.to_string(), p));
    }
    let gt = collision_rate(&fut.unsqueeze(1), &groups, cfg.collision_threshold)?.rate();
    let result = FoldResult {
        fold: fold.name.to_string(),
        test_files: fold.test_files.iter().map(|s| s.to_string()).collect(),
        train_windows: t.train_windows,
        test_windows: test.len(),
        test_windows_available: available,
        scale,
        ground_truth_collision_rate: gt,
        scores,
        training_seconds: t.seconds,
    };
    Ok((result, FoldPredictions { obs, fut, preds }))
}

/// Mean of `model`'s scores over the folds.
fn average(folds: &[FoldResult], model: &str) -> Option<ModelScore> {
    let s: Vec<&ModelScore> = folds.iter().filter_map(|f| f.get(model)).collect();
    if s.is_empty() {
        return None;
    }
    let m = |f: fn(&ModelScore) -> f64| s.iter().map(|x| f(x)).sum::<f64>() / s.len() as f64;
    Some(ModelScore {
        model: model.to_string(),
        ade: m(|x| x.ade),
        fde: m(|x| x.fde),
        diversity: m(|x| x.diversity),
        collision_rate: m(|x| x.collision_rate),
        ms_per_trajectory: m(|x| x.ms_per_trajectory),
    })
}
