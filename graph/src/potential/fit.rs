//! Training a [`Potential`] on energies and forces through core's trainer, and scoring it.
//!
//! The loss of a batch is `w_E · mean((Ê − E)² / N²) + w_F · mean((F̂ − F)²)`: the per-atom
//! energy error and the force components, in eV and eV/Å (the weighting of NequIP/MACE, which
//! put λ_F/λ_E ≈ 100 on per-atom energies). Forces come from [`energy_and_forces`] with
//! `create_graph`, so the loss trains through the double backward.

use deepfield_core::rng::Rng;
use deepfield_core::tch::nn::VarStore;
use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_core::train::{
    EarlyStopping, FnSource, History, OptimizerConfig, Schedule, StepOutput, TrainConfig,
    TrainStep, Trainer, Validation,
};
use serde::{Deserialize, Serialize};

use super::{energy_and_forces, param_kind, Potential, PotentialSetup};
use crate::molecule::{MoleculeBatch, ReferenceEnergies, Structure};
use crate::{GraphError, Result};

/// How a potential is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FitConfig {
    /// Epochs (the best epoch on the validation loss is kept).
    pub epochs: usize,
    /// Structures per batch.
    pub batch_size: usize,
    /// Adam learning rate, annealed by a cosine to 1 % over the epochs.
    pub lr: f64,
    /// Weight of the per-atom energy MSE (eV²).
    pub energy_weight: f64,
    /// Weight of the force-component MSE ((eV/Å)²).
    pub force_weight: f64,
    /// Clip the gradient norm (GemNet clips at 10).
    pub grad_clip: f64,
    /// Seed of the batch order.
    pub seed: u64,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            epochs: 300,
            batch_size: 16,
            lr: 1e-3,
            energy_weight: 1.0,
            force_weight: 100.0,
            grad_clip: 10.0,
            seed: 0,
        }
    }
}

impl FitConfig {
    /// Check the values.
    pub fn validate(&self) -> deepfield_core::Result<()> {
        deepfield_core::ensure_config!(
            self.epochs >= 1 && self.batch_size >= 1,
            "fit: epochs and batch_size must be >= 1"
        );
        deepfield_core::ensure_config!(
            self.lr > 0.0 && self.energy_weight >= 0.0 && self.force_weight >= 0.0,
            "fit: lr must be > 0 and the loss weights >= 0"
        );
        deepfield_core::ensure_config!(
            self.energy_weight + self.force_weight > 0.0,
            "fit: energy_weight + force_weight must be > 0"
        );
        Ok(())
    }
}

/// The setup (shift, scale, references) a potential takes from its training structures.
pub fn setup_from(
    train: &[Structure],
    cutoff: f64,
    reference: &ReferenceEnergies,
) -> Result<PotentialSetup> {
    let (mut e_sum, mut atoms, mut f2, mut nf) = (0.0, 0.0, 0.0, 0.0);
    for s in train {
        let e = s
            .target
            .ok_or_else(|| GraphError::invalid("a training frame has no energy"))?;
        e_sum += e;
        atoms += s.frame.len() as f64;
        for f in s.frame.forces.iter().flatten().flatten() {
            f2 += f * f;
            nf += 1.0;
        }
    }
    if train.is_empty() || nf == 0.0 {
        return Err(GraphError::invalid("no training frames with forces"));
    }
    Ok(PotentialSetup {
        cutoff,
        energy_shift: e_sum / atoms,
        energy_scale: (f2 / nf).sqrt().max(1e-6),
        reference: reference.clone(),
        ..Default::default()
    })
}

/// A potential with its loss weights: core's [`TrainStep`] over molecule batches.
pub struct PotentialStep<'a> {
    pub model: &'a dyn Potential,
    pub energy_weight: f64,
    pub force_weight: f64,
}

impl PotentialStep<'_> {
    /// The weighted loss of `batch` (`create_graph` for training).
    pub fn loss(&self, batch: &MoleculeBatch, create_graph: bool) -> Result<Tensor> {
        let (e, f) = energy_and_forces(self.model, batch, create_graph)?;
        let (Some(te), Some(tf)) = (&batch.energy, &batch.forces) else {
            return Err(GraphError::invalid(
                "training frames need energies and forces",
            ));
        };
        let le = ((e - te) / &batch.n_atoms).square().mean(e_kind(te));
        let lf = (f - tf).square().mean(e_kind(tf));
        Ok(le * self.energy_weight + lf * self.force_weight)
    }
}

fn e_kind(t: &Tensor) -> Option<Kind> {
    Some(t.kind())
}

impl TrainStep<MoleculeBatch> for PotentialStep<'_> {
    fn step(&self, batch: &MoleculeBatch, train: bool) -> deepfield_core::Result<StepOutput> {
        let loss = self.loss(batch, train).map_err(GraphError::into_core)?;
        Ok(StepOutput::new(loss, batch.n_molecules))
    }
}

/// Batches of `items` in order (`batch_size` each) in the model's kind on `device`.
pub fn batches(
    items: &[&Structure],
    batch_size: usize,
    kind: Kind,
    device: Device,
) -> Result<Vec<MoleculeBatch>> {
    items
        .chunks(batch_size.max(1))
        .map(|c| MoleculeBatch::new(c, kind, device))
        .collect()
}

/// Predicted atomisation energies (eV, one per structure) and forces (eV/Å, per atom, in frame
/// order) of `items`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Predictions {
    pub energies: Vec<f64>,
    pub forces: Vec<[f64; 3]>,
}

/// Run `model` over `items` (gradients on for the forces, none kept).
pub fn predict(
    model: &dyn Potential,
    items: &[&Structure],
    batch_size: usize,
    kind: Kind,
    device: Device,
) -> Result<Predictions> {
    let mut p = Predictions::default();
    for b in batches(items, batch_size, kind, device)? {
        let (e, f) = deepfield_core::tch::with_grad(|| energy_and_forces(model, &b, false))?;
        let e: Vec<f64> = Vec::try_from(e.detach().to_kind(Kind::Double).to_device(Device::Cpu))?;
        let f: Vec<f64> = Vec::try_from(
            f.detach()
                .to_kind(Kind::Double)
                .to_device(Device::Cpu)
                .view([-1]),
        )?;
        p.energies.extend(e);
        p.forces.extend(f.chunks(3).map(|c| [c[0], c[1], c[2]]));
    }
    Ok(p)
}

/// Mean absolute errors of predictions against the structures' labels, in meV and meV/Å.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Errors {
    pub energy_mae_mev: f64,
    pub force_mae_mev_per_a: f64,
    pub energy_rmse_mev: f64,
    pub force_rmse_mev_per_a: f64,
}

/// The errors of `p` on `items` (which must carry energies and forces).
pub fn errors(p: &Predictions, items: &[&Structure]) -> Result<Errors> {
    let (mut ea, mut e2, mut fa, mut f2, mut nf) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let mut atom = 0;
    for (s, pe) in items.iter().zip(&p.energies) {
        let (Some(t), Some(tf)) = (s.target, s.frame.forces.as_ref()) else {
            return Err(GraphError::invalid(
                "scoring needs frames with energies and forces",
            ));
        };
        ea += (pe - t).abs();
        e2 += (pe - t).powi(2);
        for g in tf {
            let pf = p
                .forces
                .get(atom)
                .ok_or_else(|| GraphError::invalid("fewer predicted forces than atoms"))?;
            for (x, y) in pf.iter().zip(g) {
                fa += (x - y).abs();
                f2 += (x - y).powi(2);
                nf += 1.0;
            }
            atom += 1;
        }
    }
    let n = items.len().max(1) as f64;
    let nf = nf.max(1.0);
    Ok(Errors {
        energy_mae_mev: 1000.0 * ea / n,
        force_mae_mev_per_a: 1000.0 * fa / nf,
        energy_rmse_mev: 1000.0 * (e2 / n).sqrt(),
        force_rmse_mev_per_a: 1000.0 * (f2 / nf).sqrt(),
    })
}

/// The loss of [`PotentialStep`] from predictions `p` of `items` (summed over the items the
/// way the batches average it: per-atom energy MSE and force-component MSE).
pub fn weighted_loss(p: &Predictions, items: &[&Structure], ew: f64, fw: f64) -> f64 {
    let (mut le, mut lf, mut nf) = (0.0f64, 0.0f64, 0.0f64);
    let mut atom = 0;
    for (s, pe) in items.iter().zip(&p.energies) {
        let n = s.frame.len() as f64;
        le += ((pe - s.target.unwrap_or(*pe)) / n).powi(2);
        for g in s.frame.forces.iter().flatten() {
            if let Some(pf) = p.forces.get(atom) {
                lf += pf.iter().zip(g).map(|(x, y)| (x - y).powi(2)).sum::<f64>();
                nf += 3.0;
            }
            atom += 1;
        }
    }
    ew * le / items.len().max(1) as f64 + fw * lf / nf.max(1.0)
}

/// Train `model` (its weights in `vs`) on `train`, keeping the epoch with the lowest validation
/// loss; the history's validation metrics are `energy_mae_mev` and `force_mae_mev_per_a`.
pub fn fit(
    model: &dyn Potential,
    vs: &mut VarStore,
    train: &[&Structure],
    val: &[&Structure],
    cfg: &FitConfig,
) -> Result<History> {
    cfg.validate()?;
    let (kind, device) = (param_kind(vs), vs.device());
    let tc = TrainConfig {
        epochs: cfg.epochs,
        batch_size: cfg.batch_size,
        optimizer: OptimizerConfig::Adam {
            lr: cfg.lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        },
        schedule: Schedule::Cosine {
            t_max: cfg.epochs,
            eta_min: cfg.lr * 0.01,
        },
        grad_clip_norm: Some(cfg.grad_clip),
        early_stopping: Some(EarlyStopping {
            monitor: "val_loss".into(),
            patience: cfg.epochs,
            min_delta: 0.0,
            restore_best: true,
        }),
        seed: cfg.seed,
        shuffle: true,
        drop_last: false,
        progress: false,
    };
    let trainer = Trainer::new(tc, deepfield_core::train::Task::default())?;
    let mut rng = Rng::new(cfg.seed);
    let bs = cfg.batch_size;
    let mut source = FnSource(
        move |_epoch: usize| -> deepfield_core::Result<Vec<MoleculeBatch>> {
            let mut order: Vec<&Structure> = train.to_vec();
            rng.shuffle(&mut order);
            batches(&order, bs, kind, device).map_err(GraphError::into_core)
        },
    );
    let mut validate = |m: &PotentialStep<'_>| -> deepfield_core::Result<Validation> {
        let run = || -> Result<Validation> {
            let p = predict(m.model, val, bs.max(32), kind, device)?;
            let e = errors(&p, val)?;
            Ok(Validation {
                loss: Some(weighted_loss(&p, val, m.energy_weight, m.force_weight)),
                metrics: [
                    ("energy_mae_mev".to_string(), e.energy_mae_mev),
                    ("force_mae_mev_per_a".to_string(), e.force_mae_mev_per_a),
                ]
                .into(),
            })
        };
        run().map_err(GraphError::into_core)
    };
    let mut step = PotentialStep {
        model,
        energy_weight: cfg.energy_weight,
        force_weight: cfg.force_weight,
    };
    Ok(trainer.fit_steps(&mut step, vs, &mut source, Some(&mut validate), &mut [])?)
}
