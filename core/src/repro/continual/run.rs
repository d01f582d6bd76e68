//! Runs every protocol × scenario × method × seed of the `continual` reproduction.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::Device;

use super::{paper, ContinualConfig, Method, ProtocolConfig, StreamKind};
use crate::continual::{
    permuted, run_stream, split, Agem, Ewc, EwcConfig, ExperienceReplay, FineTune, Joint, Lwf,
    LwfConfig, Scenario, Si, SiConfig, Strategy, TaskStream,
};
use crate::data::mnist::{files, load_files};
use crate::data::TensorDataset;
use crate::metrics::mean_std;
use crate::nn::mlp::MlpConfig;
use crate::rng::Rng;
use crate::Result;

/// Mean ± std over seeds of one protocol × scenario × method.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CellResult {
    pub protocol: String,
    pub scenario: Scenario,
    pub method: String,
    pub seeds: Vec<u64>,
    /// ACC of each seed (fraction).
    pub acc: Vec<f64>,
    pub acc_mean: f64,
    pub acc_std: f64,
    pub bwt_mean: f64,
    pub bwt_std: f64,
    pub fwt_mean: Option<f64>,
    /// Mean accuracy matrix over seeds.
    pub matrix_mean: Vec<Vec<f64>>,
    /// Average accuracy on the tasks so far after each task: mean and std over seeds.
    pub curve_mean: Vec<f64>,
    pub curve_std: Vec<f64>,
    /// The paper's accuracy (%) and its SEM, where it reports this cell.
    pub paper: Option<(f64, f64)>,
    /// Seconds of all seeds together.
    pub seconds: f64,
}

/// MNIST as flat `[N, 784]` inputs, the training set optionally cut to a seeded subset.
fn load_mnist(dir: &Path, train_samples: Option<usize>) -> Result<(TensorDataset, TensorDataset)> {
    let flat = |split| -> Result<TensorDataset> {
        let (img, lab) = files(dir, split);
        let d = load_files(&img, &lab)?;
        let n = d.len() as i64;
        TensorDataset::new(d.images.reshape([n, -1]), d.labels)
    };
    let mut train = flat(crate::data::mnist::Split::Train)?;
    let test = flat(crate::data::mnist::Split::Test)?;
    if let Some(k) = train_samples.filter(|&k| k < train.len()) {
        let mut idx = Rng::new(12345).permutation(train.len());
        idx.truncate(k);
        train = train.subset(&idx)?;
    }
    Ok((train, test))
}

fn build_stream(
    p: &ProtocolConfig,
    train: &TensorDataset,
    test: &TensorDataset,
    scenario: Scenario,
) -> Result<TaskStream> {
    match p.stream {
        StreamKind::Split { per_task } => split(train, test, per_task, scenario),
        StreamKind::Permuted {
            tasks,
            identity_first,
        } => permuted(train, test, tasks, 0, identity_first, scenario),
    }
}

fn strategy<'a>(
    method: Method,
    cfg: &ContinualConfig,
    p: &ProtocolConfig,
    scenario: Scenario,
    seed: u64,
) -> Result<Box<dyn Strategy<'a>>> {
    let ewc = |online| EwcConfig {
        lambda: p.ewc_lambda.get(scenario),
        online,
        gamma: cfg.online_gamma,
        fisher_samples: cfg.fisher_samples,
    };
    Ok(match method {
        Method::FineTune => Box::new(FineTune),
        Method::Joint => Box::new(Joint),
        Method::Ewc => Box::new(Ewc::new(ewc(false), seed)?),
        Method::OnlineEwc => Box::new(Ewc::new(ewc(true), seed)?),
        Method::Si => Box::new(Si::new(SiConfig {
            c: p.si_c.get(scenario),
            xi: cfg.si_xi,
        })?),
        Method::Lwf => Box::new(Lwf::new(LwfConfig {
            temperature: cfg.temperature,
        })?),
        Method::Replay => Box::new(ExperienceReplay::new(p.replay.clone(), seed)?),
        Method::AGem => Box::new(Agem::new(p.agem.clone(), seed)?),
    })
}

/// One protocol × scenario × method over every seed; the model of the first seed is saved
/// under `save` when given.
pub fn run_cell(
    cfg: &ContinualConfig,
    p: &ProtocolConfig,
    stream: &TaskStream,
    method: Method,
    save: Option<&Path>,
) -> Result<CellResult> {
    let mut matrices = Vec::new();
    let mut seconds = 0.0;
    for (k, &seed) in cfg.seeds.iter().enumerate() {
        tch::manual_seed(seed as i64);
        let mut vs = VarStore::new(Device::Cpu);
        let mlp_cfg = MlpConfig::new(784, p.hidden.clone(), stream.outputs);
        let model = mlp_cfg.init(&vs.root())?;
        let mut strat = strategy(method, cfg, p, stream.scenario, seed)?;
        let run = crate::continual::RunConfig {
            seed,
            ..p.run.clone()
        };
        let res = run_stream(&model, &mut vs, stream, strat.as_mut(), &run)?;
        seconds += res.seconds;
        if let (0, Some(dir)) = (k, save) {
            crate::models::save_model(dir, &vs, &mlp_cfg, Some(&res.matrix))?;
        }
        matrices.push(res.matrix);
    }
    let t = stream.len();
    let acc: Vec<f64> = matrices.iter().map(|m| m.acc()).collect();
    let bwt: Vec<f64> = matrices.iter().map(|m| m.bwt()).collect();
    let fwt: Vec<f64> = matrices.iter().filter_map(|m| m.fwt()).collect();
    let (acc_mean, acc_std) = mean_std(&acc);
    let (bwt_mean, bwt_std) = mean_std(&bwt);
    let matrix_mean = (0..t)
        .map(|i| {
            (0..t)
                .map(|j| matrices.iter().map(|m| m.r[i][j]).sum::<f64>() / matrices.len() as f64)
                .collect()
        })
        .collect();
    let (curve_mean, curve_std) = (0..t)
        .map(|i| mean_std(&matrices.iter().map(|m| m.acc_after(i)).collect::<Vec<_>>()))
        .unzip();
    Ok(CellResult {
        protocol: p.name.clone(),
        scenario: stream.scenario,
        method: method.name().into(),
        seeds: cfg.seeds.clone(),
        acc,
        acc_mean,
        acc_std,
        bwt_mean,
        bwt_std,
        fwt_mean: (!fwt.is_empty()).then(|| mean_std(&fwt).0),
        matrix_mean,
        curve_mean,
        curve_std,
        paper: paper::published(&p.name, stream.scenario, method.name()),
        seconds,
    })
}

/// Every cell of the config; the Class-IL split-MNIST replay model (first seed) is saved
/// under `out/model`.
pub fn run_all(cfg: &ContinualConfig, mnist: &Path, out: &Path) -> Result<Vec<CellResult>> {
    let mut cells = Vec::new();
    for p in &cfg.protocols {
        let (train, test) = load_mnist(mnist, p.train_samples)?;
        for &scenario in &cfg.scenarios {
            let stream = build_stream(p, &train, &test, scenario)?;
            for &method in &cfg.methods {
                let save = (p.name == "split-mnist"
                    && scenario == Scenario::ClassIl
                    && method == Method::Replay)
                    .then(|| super::super::model_dir(out));
                let cell = run_cell(cfg, p, &stream, method, save.as_deref())?;
                eprintln!(
                    "continual: {} {} {}: ACC {:.2} ± {:.2} % ({:.0} s)",
                    p.name,
                    scenario.label(),
                    cell.method,
                    100.0 * cell.acc_mean,
                    100.0 * cell.acc_std,
                    cell.seconds
                );
                cells.push(cell);
            }
        }
    }
    Ok(cells)
}
