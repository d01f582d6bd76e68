//! Self-supervised node representation learning, the methods of the GraphFM benchmark, each
//! with its paper's defaults: [`dgi`], [`grace`], [`cca_ssg`], [`bgrl`], [`graphmae`].
//!
//! A method is a loss over a (sub)graph plus an embedding function; [`train`] runs any of them
//! full-batch or on neighbour-sampled mini-batches through core's one training loop and measures
//! time, memory and throughput.

pub mod augment;
pub mod bgrl;
pub mod cca_ssg;
pub mod dgi;
pub mod grace;
pub mod graphmae;

use deepfield_core::nn::LinearInit;
use deepfield_core::tch::{nn, Tensor};
use deepfield_core::train::{EarlyStopping, History, Schedule, StepOutput, TrainStep};
use serde::{Deserialize, Serialize};

use crate::adjacency::MessageGraph;
use crate::encoder::EncoderConfig;
use crate::error::{ensure_cfg, Result};
use crate::eval::probe::ProbeConfig;
use crate::train::{
    fit_measured, trainer, BatchMode, GraphBatch, GraphSource, Prepared, TrainStats,
};

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
    /// `epochs` of Adam at `lr` with `weight_decay`, no patience, a constant learning rate.
    pub fn adam(epochs: usize, lr: f64, weight_decay: f64) -> Self {
        SslTrainConfig {
            epochs,
            lr,
            weight_decay,
            patience: None,
            cosine: false,
        }
    }

    /// The learning-rate schedule: core's cosine annealing to 0 over the epochs
    /// (`CosineAnnealingLR(T_max = epochs)`: epoch `e` runs at `lr·(1 + cos(π·e/epochs))/2`) when
    /// `cosine`, else constant.
    pub fn schedule(&self) -> Schedule {
        if self.cosine {
            Schedule::Cosine {
                t_max: self.epochs.max(1),
                eta_min: 0.0,
            }
        } else {
            Schedule::Constant
        }
    }

    /// DGI's stopping rule as core's early stopping: stop once `patience` epochs in a row have
    /// not lowered the training loss (the official code's counter) and restore every variable of
    /// the best epoch. Core stops after *more than* its `patience` epochs without improvement,
    /// hence one less.
    pub fn early_stopping(&self) -> Option<EarlyStopping> {
        self.patience.map(|p| EarlyStopping {
            monitor: "train_loss".into(),
            patience: p.saturating_sub(1),
            min_delta: 0.0,
            restore_best: true,
        })
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

/// `$body` with `$c` bound to the method's own config, whichever method `$cfg` is (every
/// method's config has an `encoder` and a `train` field).
macro_rules! each_method {
    ($cfg:expr, $c:ident => $body:expr) => {
        match $cfg {
            SslConfig::Dgi($c) => $body,
            SslConfig::Grace($c) => $body,
            SslConfig::CcaSsg($c) => $body,
            SslConfig::Bgrl($c) => $body,
            SslConfig::Graphmae($c) => $body,
        }
    };
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
        each_method!(self, c => &c.encoder)
    }

    /// Its optimisation settings.
    pub fn train(&self) -> &SslTrainConfig {
        each_method!(self, c => &c.train)
    }

    /// Mutable optimisation settings (to shorten runs).
    pub fn train_mut(&mut self) -> &mut SslTrainConfig {
        each_method!(self, c => &mut c.train)
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
    /// Per-epoch record of the training (loss, learning rate, time).
    pub history: History,
    pub stats: TrainStats,
}

impl SslRun {
    /// Embeddings of the whole graph.
    pub fn embed(&self, data: &Prepared) -> Tensor {
        deepfield_core::tch::no_grad(|| self.method.embed(&data.x, &data.mg))
    }
}

/// A method's training step on the whole graph or a sampled subgraph. Each batch weighs 1 in the
/// epoch's loss (the mean of the batch losses, what DGI's patience watches); BGRL's EMA target
/// follows every optimiser step.
impl TrainStep<GraphBatch<'_>> for dyn SslMethod + '_ {
    fn step(&self, batch: &GraphBatch<'_>, _train: bool) -> deepfield_core::Result<StepOutput> {
        Ok(StepOutput::new(self.loss(batch.x(), batch.mg())?, 1))
    }

    fn after_optimizer_step(&mut self, progress: f64) -> deepfield_core::Result<()> {
        self.after_step(progress);
        Ok(())
    }
}

/// Train `cfg`'s method on `data` in `mode` with seed `seed`, through core's one loop
/// (`deepfield_core::train::Trainer::fit_steps`): Adam with the method's learning rate (cosine
/// decay for GraphMAE) and, for DGI, patience on the training loss with every variable of the
/// best epoch restored.
pub fn train(data: &Prepared, cfg: &SslConfig, mode: &BatchMode, seed: u64) -> Result<SslRun> {
    train_logged(data, cfg, mode, seed, None)
}

/// [`train`], printing a line per block of epochs under `log` when given ([`EpochLog`](crate::train::EpochLog)).
pub fn train_logged(
    data: &Prepared,
    cfg: &SslConfig,
    mode: &BatchMode,
    seed: u64,
    log: Option<&str>,
) -> Result<SslRun> {
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
    let mut vs = nn::VarStore::new(data.device);
    let mut method = cfg.build(&vs)?;
    let all: Vec<usize> = (0..data.graph.n_nodes()).collect();
    let mut source = GraphSource::new(data, &all, mode, seed ^ 0x551)?;
    let trainer = trainer(
        tc.epochs,
        tc.lr,
        tc.weight_decay,
        tc.schedule(),
        tc.early_stopping(),
    )?;
    let (history, stats) =
        fit_measured(&trainer, &mut method, &mut vs, &mut source, None, mode, log)?;
    Ok(SslRun {
        vs,
        method,
        losses: history.train_losses(),
        history,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::{LinearInit, ProbeConfig, SslConfig, SslTrainConfig};
    use deepfield_core::train::Scheduler;

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
        // The two views' rates stay top-level fields of GRACE's and BGRL's configs.
        let v = serde_json::to_value(SslConfig::paper("grace", 8).unwrap()).unwrap();
        assert_eq!(v["drop_edge"], serde_json::json!([0.2, 0.4]));
        assert_eq!(v["drop_feature"], serde_json::json!([0.3, 0.4]));
        assert!(v.get("views").is_none());
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

    /// Core's cosine schedule is GraphMAE's former `lr·(1 + cos(π·(epoch/epochs)))/2`: the f64
    /// values differ at most in the last bit (core rounds `π·e/E`, not `π·(e/E)`; 362 of 1500
    /// epochs), and rounded to f32, the precision Adam updates Cora's weights in, not at all.
    #[test]
    fn cosine_schedule_is_graphmaes_and_constant_stays() {
        let mut c = SslTrainConfig {
            epochs: 1500,
            lr: 1e-3,
            weight_decay: 0.0,
            patience: None,
            cosine: true,
        };
        let mut s = Scheduler::new(c.schedule(), c.lr);
        for e in 0..c.epochs {
            let t = e as f64 / c.epochs as f64;
            let want = c.lr * 0.5 * (1.0 + (std::f64::consts::PI * t).cos());
            assert_eq!(s.lr() as f32, want as f32, "epoch {e}");
            assert!((s.lr() - want).abs() <= 1e-18, "epoch {e}");
            s.step(e, None);
        }
        let mut s = Scheduler::new(c.schedule(), c.lr);
        for e in 0..750 {
            s.step(e, None);
        }
        assert!((s.lr() - 5e-4).abs() < 1e-12);
        c.cosine = false;
        let mut s = Scheduler::new(c.schedule(), c.lr);
        for e in 0..1499 {
            s.step(e, None);
        }
        assert_eq!(s.lr(), 1e-3);
    }

    #[test]
    fn dgi_patience_counts_epochs_without_improvement() {
        let mut c = SslTrainConfig {
            epochs: 10,
            lr: 1e-3,
            weight_decay: 0.0,
            patience: None,
            cosine: false,
        };
        assert!(c.early_stopping().is_none());
        c.patience = Some(20);
        let es = c.early_stopping().unwrap();
        assert_eq!((es.monitor.as_str(), es.patience), ("train_loss", 19));
        assert!(es.restore_best);
        c.patience = Some(0);
        assert_eq!(c.early_stopping().unwrap().patience, 0);
    }
}
