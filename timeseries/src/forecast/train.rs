//! Training a forecaster on prepared windows and turning its outputs back into levels.

use tch::nn::VarStore;
use tch::Tensor;

use deepfield_core::train::{History, Task, TrainConfig, Trainer};

use super::{Prepared, TargetTransform};
use crate::models::{ForecastModel, Forecaster};
use crate::{ensure_input, Result};

/// A trained forecaster and its history.
pub struct Trained {
    pub vs: VarStore,
    pub model: Forecaster,
    pub history: History,
}

/// Train `model` on the training windows (validation windows for early stopping if any).
pub fn train(
    prep: &Prepared,
    model: ForecastModel,
    cfg: &TrainConfig,
    seed: u64,
) -> Result<Trained> {
    deepfield_core::seed(seed);
    let device = deepfield_core::device();
    let vs = VarStore::new(device);
    let net = prep.forecaster(model).init(&vs.root())?;
    let mut vs = vs;
    let train = prep.dataset(&prep.train)?.to_device(device);
    let val = if prep.val.is_empty() {
        None
    } else {
        Some(prep.dataset(&prep.val)?.to_device(device))
    };
    let mut tc = cfg.clone();
    tc.seed = seed;
    if val.is_none() {
        tc.early_stopping = None;
    }
    let history = Trainer::new(tc, Task::regression())?.fit(&net, &mut vs, &train, val.as_ref())?;
    Ok(Trained {
        vs,
        model: net,
        history,
    })
}

/// Level forecasts `[N, H, T]` (CPU) of scaled windows `x` with last values `last`.
pub fn predict_levels(
    model: &Forecaster,
    target: &TargetTransform,
    x: &Tensor,
    last: &Tensor,
) -> Result<Tensor> {
    let device = deepfield_core::device();
    let mut outs = Vec::new();
    let n = x.size()[0];
    let mut s = 0;
    while s < n {
        let b = (n - s).min(512);
        let z = tch::no_grad(|| model.try_forward(&x.narrow(0, s, b).to_device(device), false))?;
        outs.push(z.to_device(tch::Device::Cpu));
        s += b;
    }
    ensure_input!(!outs.is_empty(), "predict: no window");
    target.inverse(&Tensor::f_cat(&outs, 0)?, last)
}
