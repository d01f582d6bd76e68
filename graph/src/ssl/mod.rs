//! Self-supervised node representation learning, the methods of the GraphFM benchmark, each
//! with its paper's defaults: [`dgi`], [`grace`], [`cca_ssg`], [`bgrl`], [`graphmae`].
//!
//! A method is a loss over a (sub)graph plus an embedding function; [`train`] runs any of them
//! full-batch or on neighbour-sampled mini-batches and measures time, memory and throughput.

pub mod augment;
pub mod bgrl;
pub mod cca_ssg;
pub mod dgi;
pub mod grace;
pub mod graphmae;

use deepfield_core::nn::LinearInit;
use deepfield_core::tch::{nn, nn::OptimizerConfig, Tensor};
use deepfield_core::Rng;
use serde::{Deserialize, Serialize};

use crate::adjacency::MessageGraph;
use crate::encoder::EncoderConfig;
use crate::error::{ensure_cfg, Result};
use crate::eval::probe::ProbeConfig;
use crate::sampler::batches;
use crate::train::{BatchMode, Meter, Prepared, TrainStats};

/// A self-supervised method.
pub trait SslMethod {
    /// The training loss on a (sub)graph with features `x` (sparse or dense).
    fn loss(&self, x: &Tensor, g: &MessageGraph) -> Result<Tensor>;
    /// Frozen node embeddings (evaluation mode).
    fn embed(&self, x: &Tensor, g: &MessageGraph) -> Tensor;
    /// Called after every optimiser step with the training progress in `[0, 1]` (BGRL's EMA).
    fn after_step(&mut self, _progress: f64) {}
}

/// Optimisation settings of a method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SslTrainConfig {
    pub epochs: usize,
    pub lr: f64,
    pub weight_decay: f64,
    /// Stop when the loss has not improved for this many epochs, restoring the best weights (DGI).
    pub patience: Option<usize>,
    /// Cosine decay of the learning rate to 0 over the epochs, `lr·(1 + cos(π·epoch/epochs))/2`
    /// (GraphMAE's `scheduler: True`).
    #[serde(default)]
    pub cosine: bool,
}

impl SslTrainConfig {
    /// The learning rate of `epoch` (0-based).
    pub fn lr_at(&self, epoch: usize) -> f64 {
        if self.cosine {
            let t = epoch as f64 / self.epochs.max(1) as f64;
            self.lr * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
        } else {
            self.lr
        }
    }
}

/// Which method, with its configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum SslConfig {
    Dgi(dgi::DgiConfig),
    Grace(grace::GraceConfig),
    CcaSsg(cca_ssg::CcaSsgConfig),
    Bgrl(bgrl::BgrlConfig),
    Graphmae(graphmae::GraphMaeConfig),
}

/// Method names accepted by [`SslConfig::paper`].
pub const METHODS: [&str; 5] = ["dgi", "grace", "cca-ssg", "bgrl", "graphmae"];

impl SslConfig {
    /// The paper defaults of `method` for `input` features.
    pub fn paper(method: &str, input: i64) -> Result<Self> {
        Ok(match method {
            "dgi" => SslConfig::Dgi(dgi::DgiConfig::paper(input)),
            "grace" => SslConfig::Grace(grace::GraceConfig::paper(input)),
            "cca-ssg" => SslConfig::CcaSsg(cca_ssg::CcaSsgConfig::paper(input)),
            "bgrl" => SslConfig::Bgrl(bgrl::BgrlConfig::paper(input)),
            "graphmae" => SslConfig::Graphmae(graphmae::GraphMaeConfig::paper(input)),
            other => {
                return Err(crate::GraphError::config(format!(
                    "unknown method `{other}` (one of {})",
                    METHODS.join(", ")
                )))
            }
        })
    }

    /// The method's name.
    pub fn name(&self) -> &'static str {
        match self {
            SslConfig::Dgi(_) => "dgi",
            SslConfig::Grace(_) => "grace",
            SslConfig::CcaSsg(_) => "cca-ssg",
            SslConfig::Bgrl(_) => "bgrl",
            SslConfig::Graphmae(_) => "graphmae",
        }
    }

    /// Its encoder.
    pub fn encoder(&self) -> &EncoderConfig {
        match self {
            SslConfig::Dgi(c) => &c.encoder,
            SslConfig::Grace(c) => &c.encoder,
            SslConfig::CcaSsg(c) => &c.encoder,
            SslConfig::Bgrl(c) => &c.encoder,
            SslConfig::Graphmae(c) => &c.encoder,
        }
    }

    /// Its optimisation settings.
    pub fn train(&self) -> &SslTrainConfig {
        match self {
            SslConfig::Dgi(c) => &c.train,
            SslConfig::Grace(c) => &c.train,
            SslConfig::CcaSsg(c) => &c.train,
            SslConfig::Bgrl(c) => &c.train,
            SslConfig::Graphmae(c) => &c.train,
        }
    }

    /// Mutable optimisation settings (to shorten runs).
    pub fn train_mut(&mut self) -> &mut SslTrainConfig {
        match self {
            SslConfig::Dgi(c) => &mut c.train,
            SslConfig::Grace(c) => &mut c.train,
            SslConfig::CcaSsg(c) => &mut c.train,
            SslConfig::Bgrl(c) => &mut c.train,
            SslConfig::Graphmae(c) => &mut c.train,
        }
    }

    /// Its linear-probe settings.
    pub fn probe(&self) -> ProbeConfig {
        match self {
            // DGI's `LogReg` initialises Xavier-uniform with a zero bias.
            SslConfig::Dgi(_) => ProbeConfig {
                lr: 0.01,
                weight_decay: 0.0,
                epochs: 300,
                normalize: false,
                init: LinearInit::Glorot,
            },
            SslConfig::Grace(_) | SslConfig::Bgrl(_) => ProbeConfig {
                lr: 0.01,
                weight_decay: 1e-4,
                epochs: 300,
                normalize: true,
                init: LinearInit::Torch,
            },
            SslConfig::CcaSsg(_) => ProbeConfig {
                lr: 0.01,
                weight_decay: 1e-4,
                epochs: 300,
                normalize: false,
                init: LinearInit::Torch,
            },
            SslConfig::Graphmae(_) => ProbeConfig {
                lr: 0.01,
                weight_decay: 1e-4,
                epochs: 300,
                normalize: false,
                init: LinearInit::Torch,
            },
        }
    }

    /// Build the method's parameters in `vs`.
    pub fn build(&self, vs: &nn::VarStore) -> Result<Box<dyn SslMethod>> {
        Ok(match self {
            SslConfig::Dgi(c) => Box::new(c.init(&vs.root())?),
            SslConfig::Grace(c) => Box::new(c.init(&vs.root())?),
            SslConfig::CcaSsg(c) => Box::new(c.init(&vs.root())?),
            SslConfig::Bgrl(c) => Box::new(c.init(vs)?),
            SslConfig::Graphmae(c) => Box::new(c.init(&vs.root())?),
        })
    }
}

/// A trained method.
pub struct SslRun {
    pub vs: nn::VarStore,
    pub method: Box<dyn SslMethod>,
    pub losses: Vec<f64>,
    pub stats: TrainStats,
}

impl SslRun {
    /// Embeddings of the whole graph.
    pub fn embed(&self, data: &Prepared) -> Tensor {
        deepfield_core::tch::no_grad(|| self.method.embed(&data.x, &data.mg))
    }
}

/// Train `cfg`'s method on `data` in `mode` with seed `seed`.
pub fn train(data: &Prepared, cfg: &SslConfig, mode: &BatchMode, seed: u64) -> Result<SslRun> {
    let tc = cfg.train();
    ensure_cfg!(
        tc.epochs > 0 && tc.lr > 0.0,
        "{}: epochs and lr must be > 0",
        cfg.name()
    );
    ensure_cfg!(
        cfg.encoder().input == data.graph.n_features() as i64,
        "{}: encoder input {} but the graph has {} features",
        cfg.name(),
        cfg.encoder().input,
        data.graph.n_features()
    );
    deepfield_core::seed(seed);
    let vs = nn::VarStore::new(data.device);
    let mut method = cfg.build(&vs)?;
    let mut opt = nn::Adam {
        wd: tc.weight_decay,
        ..Default::default()
    }
    .build(&vs, tc.lr)?;
    let sampler = Prepared::sampler(mode)?;
    let mut rng = Rng::new(seed ^ 0x551);
    let all: Vec<usize> = (0..data.graph.n_nodes()).collect();
    let mut losses = Vec::new();
    let mut best = (f64::INFINITY, 0usize);
    let mut best_weights: Vec<Tensor> = Vec::new();
    let mut meter = Meter::start();
    let mut epochs_run = 0;
    for epoch in 0..tc.epochs {
        let progress = epoch as f64 / tc.epochs as f64;
        opt.set_lr(tc.lr_at(epoch));
        let loss = match &sampler {
            None => {
                let loss = method.loss(&data.x, &data.mg)?;
                opt.backward_step(&loss);
                method.after_step(progress);
                meter.add_nodes(all.len());
                loss.double_value(&[])
            }
            Some((bs, s)) => {
                let (mut total, mut count) = (0.0, 0usize);
                for seeds in batches(&all, *bs, &mut rng) {
                    let sub = s.sample(&data.neighbours, &seeds, &mut rng)?;
                    let (x, mg) = data.subgraph(&sub)?;
                    let loss = method.loss(&x, &mg)?;
                    opt.backward_step(&loss);
                    method.after_step(progress);
                    meter.add_nodes(seeds.len());
                    total += loss.double_value(&[]);
                    count += 1;
                }
                total / count.max(1) as f64
            }
        };
        losses.push(loss);
        epochs_run += 1;
        if let Some(patience) = tc.patience {
            if loss < best.0 {
                best = (loss, epoch);
                best_weights = vs
                    .trainable_variables()
                    .iter()
                    .map(|t| t.detach().copy())
                    .collect();
            } else if epoch - best.1 >= patience {
                break;
            }
        }
    }
    let stats = meter.finish(mode, epochs_run);
    if !best_weights.is_empty() {
        deepfield_core::tch::no_grad(|| {
            for (v, b) in vs.trainable_variables().iter_mut().zip(&best_weights) {
                v.copy_(b);
            }
        });
    }
    Ok(SslRun {
        vs,
        method,
        losses,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::{LinearInit, ProbeConfig, SslConfig, SslTrainConfig};

    /// Configs saved before `init` was a field load with PyTorch's initialisation.
    #[test]
    fn configs_without_init_load_as_torch() {
        for method in ["grace", "bgrl"] {
            let mut v = serde_json::to_value(SslConfig::paper(method, 8).unwrap()).unwrap();
            assert_eq!(v["init"], "torch");
            v.as_object_mut().unwrap().remove("init");
            let c: SslConfig = serde_json::from_value(v).unwrap();
            assert_eq!(c, SslConfig::paper(method, 8).unwrap());
        }
        let p: ProbeConfig = serde_json::from_str(
            r#"{"lr": 0.01, "weight_decay": 0.0, "epochs": 10, "normalize": false}"#,
        )
        .unwrap();
        assert_eq!(p.init, LinearInit::Torch);
        assert_eq!(
            SslConfig::paper("dgi", 8).unwrap().probe().init,
            LinearInit::Glorot
        );
    }

    #[test]
    fn cosine_schedule_halves_at_mid_training_and_constant_stays() {
        let mut c = SslTrainConfig {
            epochs: 1500,
            lr: 1e-3,
            weight_decay: 0.0,
            patience: None,
            cosine: true,
        };
        assert_eq!(c.lr_at(0), 1e-3);
        assert!((c.lr_at(750) - 5e-4).abs() < 1e-12);
        assert!(c.lr_at(1499) < 1e-8 && c.lr_at(1499) > 0.0);
        c.cosine = false;
        assert_eq!(c.lr_at(1499), 1e-3);
    }
}
