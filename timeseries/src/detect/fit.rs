//! Training a detector on the windows of a series, and scoring every time step.

use tch::nn::VarStore;
use tch::{Kind, Tensor};

use deepfield_core::data::TensorDataset;
use deepfield_core::train::{History, OptimizerConfig, Task, TrainConfig, Trainer};

use super::{DetectConfig, Detector, DetectorKind};
use crate::data::reconstruction_windows;
use crate::Result;

/// A trained detector, its weights and its per-epoch training history.
pub struct TrainedDetector {
    pub vs: VarStore,
    pub detector: Detector,
    pub history: History,
}

/// Train `kind` on windows of `data` `[n, C]` (already scaled).
pub fn fit(
    kind: DetectorKind,
    cfg: &DetectConfig,
    data: &Tensor,
    seed: u64,
) -> Result<TrainedDetector> {
    deepfield_core::seed(seed);
    let device = deepfield_core::device();
    let mut vs = VarStore::new(device);
    let detector = Detector::build(kind, cfg, data.size()[1], &vs.root())?;
    let (x, _) = reconstruction_windows(data, cfg.window, cfg.train_stride)?;
    let ds = TensorDataset::new(x.shallow_clone(), x)?;
    let train = TrainConfig {
        epochs: cfg.epochs,
        batch_size: cfg.batch_size,
        optimizer: OptimizerConfig::adam(cfg.lr),
        seed,
        progress: false,
        ..Default::default()
    };
    let history = Trainer::new(train, Task::regression())?
        .fit_loss(&detector, &mut vs, &ds, None)
        .map_err(|e| match e {
            deepfield_core::Error::Input(m) => crate::Error::from(deepfield_core::Error::Input(
                format!("detector {}: {m}", kind.name()),
            )),
            other => other.into(),
        })?;
    Ok(TrainedDetector {
        vs,
        detector,
        history,
    })
}

/// Per-time-step scores (length `n`) of `data` `[n, C]`.
pub fn scores(detector: &Detector, data: &Tensor, window: usize) -> Result<Vec<f64>> {
    let device = deepfield_core::device();
    let (x, starts) = reconstruction_windows(data, window, 1)?;
    let mut out = Vec::with_capacity(data.size()[0] as usize);
    let n = x.size()[0];
    let mut s = 0;
    while s < n {
        let b = (n - s).min(1024);
        let xb = x.narrow(0, s, b).to_device(device);
        let r = tch::no_grad(|| detector.reconstruct(&xb))?;
        let last = window as i64 - 1;
        let e = r
            .select(1, last)
            .f_sub(&xb.select(1, last))?
            .f_square()?
            .f_sum_dim_intlist(-1, false, None)?;
        out.extend(Vec::<f64>::try_from(
            e.to_device(tch::Device::Cpu).to_kind(Kind::Double),
        )?);
        s += b;
    }
    let first = out.first().copied().unwrap_or(0.0);
    let mut all = vec![first; window - 1];
    all.extend(out);
    debug_assert_eq!(all.len(), starts.len() + window - 1);
    Ok(all)
}
