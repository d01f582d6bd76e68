//! The assembler: given a task (classes) and a resource budget (parameters or FLOPs), choose
//! an architecture inside the supernet and materialise it as a stand-alone [`FactoryNet`],
//! copying the supernet's slices — no training.
//!
//! Choice: the architectures whose cost fits the budget, reduced to the maximal ones (no other
//! fitting architecture is at least as wide and deep in every stage), the `search_top` most
//! costly of those scored on a few of the task's examples through the supernet itself, the
//! best kept. (NN-Factory's assembler is a trained generative model mapping task and sparsity
//! to module masks; this search over the supernet is the simpler stand-in, see the repro.)

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::compact::{FactoryNet, FactoryNetConfig};
use super::net::{Arch, Cost};
use super::supernet::{check_classes, Supernet};
use super::task::accuracy;
use crate::data::TensorDataset;
use crate::models::ModelConfig;
use crate::{ensure_config, Error, Forward, Result};

/// A resource budget for one image's forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "max", rename_all = "snake_case")]
pub enum Budget {
    /// At most this many parameters.
    Params(u64),
    /// At most this many FLOPs (2 per multiply-accumulate plus element-wise work, as
    /// [`crate::profile`] counts them).
    Flops(u64),
}

impl Budget {
    /// A positive limit.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.max() > 0,
            "factory: a budget must be > 0, got {self:?}"
        );
        Ok(())
    }

    /// The limit.
    pub fn max(&self) -> u64 {
        match *self {
            Budget::Params(m) | Budget::Flops(m) => m,
        }
    }

    /// What `cost` uses of the budget's resource.
    pub fn used(&self, cost: &Cost) -> u64 {
        match self {
            Budget::Params(_) => cost.params,
            Budget::Flops(_) => cost.flops,
        }
    }

    /// `params`/`FLOPs`.
    pub fn unit(&self) -> &'static str {
        match self {
            Budget::Params(_) => "parameters",
            Budget::Flops(_) => "FLOPs",
        }
    }

    /// `params ≤ 12000`.
    pub fn label(&self) -> String {
        match self {
            Budget::Params(m) => format!("params<={m}"),
            Budget::Flops(m) => format!("flops<={m}"),
        }
    }
}

/// How hard the assembler looks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssemblyOptions {
    /// Candidates scored on the task's examples (1: take the most costly that fits).
    pub search_top: usize,
    /// Task examples they are scored on.
    pub search_images: usize,
}

impl Default for AssemblyOptions {
    fn default() -> Self {
        AssemblyOptions {
            search_top: 6,
            search_images: 256,
        }
    }
}

/// What an assembly chose and what it took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssemblyReport {
    pub classes: Vec<i64>,
    pub budget: Budget,
    pub arch: Arch,
    pub cost: Cost,
    /// Architectures that fit the budget, the maximal ones among them, and those scored.
    pub fitting: usize,
    pub maximal: usize,
    pub scored: usize,
    /// Accuracy (%) of the chosen architecture on the search examples (NaN when none scored).
    pub search_accuracy: f64,
    /// Wall time of the whole assembly, of the search and of copying the weights.
    pub seconds: f64,
    pub search_seconds: f64,
    pub copy_seconds: f64,
}

/// An assembled model with its variables.
pub struct Assembled {
    pub config: FactoryNetConfig,
    pub vs: VarStore,
    pub model: FactoryNet,
    pub report: AssemblyReport,
}

fn dominates(a: &Arch, b: &Arch) -> bool {
    a != b
        && a.widths.iter().zip(&b.widths).all(|(x, y)| x >= y)
        && a.depths.iter().zip(&b.depths).all(|(x, y)| x >= y)
}

/// The architectures of `supernet` that fit `budget` for `outputs` logits, maximal ones only,
/// most costly first; with their costs. None fitting is an error naming the smallest cost.
pub fn candidates(
    supernet: &Supernet,
    budget: Budget,
    outputs: i64,
) -> Result<(usize, Vec<(Arch, Cost)>)> {
    budget.validate()?;
    let cfg = supernet.config();
    let fitting: Vec<(Arch, Cost)> = cfg
        .architectures()
        .into_iter()
        .map(|a| {
            let c = cfg.cost(&a, outputs);
            (a, c)
        })
        .filter(|(_, c)| budget.used(c) <= budget.max())
        .collect();
    if fitting.is_empty() {
        let least = budget.used(&cfg.cost(&cfg.smallest(), outputs));
        return Err(Error::config(format!(
            "factory: a budget of {} {} is below the smallest model this supernet can assemble \
             for {outputs} classes ({least} {}); give at least {least}",
            budget.max(),
            budget.unit(),
            budget.unit()
        )));
    }
    let mut maximal: Vec<(Arch, Cost)> = fitting
        .iter()
        .filter(|(a, _)| !fitting.iter().any(|(b, _)| dominates(b, a)))
        .cloned()
        .collect();
    maximal.sort_by_key(|(_, c)| std::cmp::Reverse(budget.used(c)));
    Ok((fitting.len(), maximal))
}

/// Assemble a model for `classes` within `budget` from `supernet` (its variables `supernet_vs`).
/// `search` holds task examples labelled by position in `classes` ([`super::task_data`]) to
/// score candidates on; without it the most costly fitting architecture is taken.
pub fn assemble(
    supernet: &Supernet,
    supernet_vs: &VarStore,
    classes: &[i64],
    budget: Budget,
    search: Option<&TensorDataset>,
    opts: &AssemblyOptions,
) -> Result<Assembled> {
    let start = Instant::now();
    let cfg = supernet.config();
    check_classes(classes, cfg.classes)?;
    let k = classes.len() as i64;
    let (fitting, maximal) = candidates(supernet, budget, k)?;
    let shortlist = &maximal[..maximal.len().min(opts.search_top.max(1))];
    let mut best = (0usize, f64::NAN);
    let mut scored = 0;
    if let (Some(data), true) = (search, shortlist.len() > 1) {
        let n = data.len().min(opts.search_images.max(1));
        let idx: Vec<usize> = (0..n).collect();
        let few = data.subset(&idx)?;
        let mut top = f64::NEG_INFINITY;
        for (i, (arch, _)) in shortlist.iter().enumerate() {
            let acc = accuracy(&few, &|x| supernet.forward_arch(x, arch, Some(classes)))?;
            scored += 1;
            if acc > top {
                top = acc;
                best = (i, acc);
            }
        }
    }
    let search_seconds = start.elapsed().as_secs_f64();
    let (arch, cost) = shortlist[best.0].clone();
    let config = FactoryNetConfig {
        input_channels: cfg.input_channels,
        image_size: cfg.image_size,
        arch,
        classes: classes.to_vec(),
        source_classes: cfg.classes,
    };
    let copy = Instant::now();
    let (vs, model) = materialise(supernet_vs, &config)?;
    let copy_seconds = copy.elapsed().as_secs_f64();
    let report = AssemblyReport {
        classes: classes.to_vec(),
        budget,
        arch: config.arch.clone(),
        cost,
        fitting,
        maximal: maximal.len(),
        scored,
        search_accuracy: best.1,
        seconds: start.elapsed().as_secs_f64(),
        search_seconds,
        copy_seconds,
    };
    Ok(Assembled {
        config,
        vs,
        model,
        report,
    })
}

/// Build the compact model of `config` and fill every one of its variables with the matching
/// slice of the supernet's (`supernet_vs`): the first channels and blocks, the head rows of
/// `config.classes`.
pub fn materialise(
    supernet_vs: &VarStore,
    config: &FactoryNetConfig,
) -> Result<(VarStore, FactoryNet)> {
    let vs = VarStore::new(supernet_vs.device());
    let model = config.build(&vs.root())?;
    let source = supernet_vs.variables();
    let rows = Tensor::from_slice(&config.classes).to_device(supernet_vs.device());
    tch::no_grad(|| -> Result<()> {
        for (name, mut dst) in vs.variables() {
            let src = source.get(&name).ok_or_else(|| {
                Error::config(format!(
                    "factory: the supernet has no variable `{name}` for this architecture"
                ))
            })?;
            let mut t = if name.starts_with("head.") {
                src.f_index_select(0, &rows)?
            } else {
                src.shallow_clone()
            };
            for (d, &n) in dst.size().iter().enumerate() {
                ensure_config!(
                    t.size()[d] >= n,
                    "factory: `{name}` is {:?} in the supernet, smaller than the {:?} asked for",
                    src.size(),
                    dst.size()
                );
                t = t.f_narrow(d as i64, 0, n)?;
            }
            dst.f_copy_(&t)?;
        }
        Ok(())
    })?;
    Ok((vs, model))
}

/// The cost of one image through `model` as [`crate::profile`] records it: the recorded
/// layers' MACs and FLOPs and the trainable parameters of `vs`.
pub fn profiled_cost(model: &dyn Forward, vs: &VarStore, input: [i64; 4]) -> Result<Cost> {
    let x = Tensor::zeros(input, (Kind::Float, vs.device()));
    let rec = crate::profile::Recorder::new();
    let _ = tch::no_grad(|| rec.run(|| model.try_forward_t(&x, None, false)))?;
    let layers = rec.layers();
    Ok(Cost {
        params: crate::profile::report::trainable_params(vs),
        macs: layers.iter().map(|l| l.macs).sum(),
        flops: layers.iter().map(|l| l.flops).sum(),
    })
}
