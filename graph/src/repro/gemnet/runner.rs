//! Train and score every model on every molecule; the mean-force baseline beside them.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use deepfield_core::models::{save_model, ModelConfig};
use deepfield_core::tch::nn::VarStore;
use deepfield_core::tch::Kind;
use deepfield_core::train::History;

use super::config::GemNetOcConfig;
use super::data::{structures, MoleculeData};
use super::metrics::{ModelResult, MoleculeResult};
use crate::molecule::{Frame, Structure};
use crate::potential::fit::{self, errors, setup_from, Errors, Predictions};
use crate::potential::Potential;
use crate::Result;

/// What the report draws besides the metrics.
pub struct Extras {
    /// `(molecule/model, history)` of every trained model.
    pub histories: Vec<(String, History)>,
    /// `(molecule, model, true force components, predicted)` on the first test set.
    pub parity: Vec<(String, String, Vec<f64>, Vec<f64>)>,
}

/// Mean force per atom index and mean energy of the training frames (every frame of a file
/// has the same atoms in the same order), as predictions for `items`.
fn mean_baseline(train: &[&Structure], items: &[&Structure]) -> Predictions {
    let n = train.first().map_or(0, |s| s.frame.len());
    let mut mean_f = vec![[0.0; 3]; n];
    let mut mean_e = 0.0;
    for s in train {
        mean_e += s.target.unwrap_or(0.0) / train.len() as f64;
        for (a, f) in s.frame.forces.iter().flatten().enumerate().take(n) {
            for (m, x) in mean_f[a].iter_mut().zip(f) {
                *m += x / train.len() as f64;
            }
        }
    }
    let mut p = Predictions::default();
    for s in items {
        p.energies.push(mean_e);
        for a in 0..s.frame.len() {
            p.forces.push(mean_f.get(a).copied().unwrap_or([0.0; 3]));
        }
    }
    p
}

fn n_params(vs: &VarStore) -> i64 {
    vs.trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum()
}

/// Run everything of `cfg` on `data`, saving models under `out`.
pub fn run_all(
    cfg: &GemNetOcConfig,
    data: &[MoleculeData],
    out: &Path,
) -> Result<(Vec<MoleculeResult>, Extras)> {
    let device = deepfield_core::device();
    let mut results = Vec::new();
    let mut extras = Extras {
        histories: Vec::new(),
        parity: Vec::new(),
    };
    for mol in data {
        let st = |frames: &[Frame]| structures(frames, cfg.cutoff, true, &mol.reference);
        let train = st(&mol.train)?;
        let val = st(&mol.val)?;
        let tests: Vec<(String, Vec<Structure>)> = mol
            .tests
            .iter()
            .map(|(n, f)| Ok((n.clone(), st(f)?)))
            .collect::<Result<_>>()?;
        let tr: Vec<&Structure> = train.iter().collect();
        let va: Vec<&Structure> = val.iter().collect();
        let setup = setup_from(&train, cfg.cutoff, &mol.reference)?;
        let mut models = Vec::new();
        let mut base = BTreeMap::new();
        for (name, set) in &tests {
            let items: Vec<&Structure> = set.iter().collect();
            base.insert(name.clone(), errors(&mean_baseline(&tr, &items), &items)?);
        }
        models.push(ModelResult {
            model: "mean-force baseline".into(),
            parameters: 0,
            best_epoch: None,
            epochs: 0,
            seconds: 0.0,
            tests: base,
        });
        for name in &cfg.models {
            deepfield_core::device::seed(cfg.seed);
            let mut vs = VarStore::new(device);
            let label = format!("{}/{name}", mol.name);
            eprintln!(
                "gemnet-oc: training {label} on {} frames ({} validation)",
                tr.len(),
                va.len()
            );
            let start = Instant::now();
            let (history, test_errors, parity, params) = if name == "schnet" {
                let mut c = cfg.schnet.clone();
                c.setup = setup.clone();
                let model = c.build(&vs.root())?;
                let r = train_and_test(&model, &mut vs, cfg, &tr, &va, &tests)?;
                save_model(&model_dir(out, &mol.name, name, cfg), &vs, &c, Some(&r.1))?;
                (r.0, r.1, r.2, n_params(&vs))
            } else {
                let mut c = cfg.gemnet.clone();
                c.setup = setup.clone();
                let model = c.build(&vs.root())?;
                let r = train_and_test(&model, &mut vs, cfg, &tr, &va, &tests)?;
                save_model(&model_dir(out, &mol.name, name, cfg), &vs, &c, Some(&r.1))?;
                (r.0, r.1, r.2, n_params(&vs))
            };
            let seconds = start.elapsed().as_secs_f64();
            for (set, e) in &test_errors {
                eprintln!(
                    "gemnet-oc: {label} {set}: energy MAE {:.2} meV, force MAE {:.2} meV/Å ({seconds:.0} s)",
                    e.energy_mae_mev, e.force_mae_mev_per_a
                );
            }
            models.push(ModelResult {
                model: name.clone(),
                parameters: params,
                best_epoch: history.best_epoch,
                epochs: history.epochs.len(),
                seconds,
                tests: test_errors,
            });
            extras
                .parity
                .push((mol.name.clone(), name.clone(), parity.0, parity.1));
            extras.histories.push((label, history));
        }
        results.push(MoleculeResult {
            molecule: mol.name.clone(),
            files: mol.files.clone(),
            train_frames: train.len(),
            val_frames: val.len(),
            test_frames: tests.iter().map(|(n, s)| (n.clone(), s.len())).collect(),
            energy_shift_ev_per_atom: setup.energy_shift,
            energy_scale_ev: setup.energy_scale,
            models,
        });
    }
    Ok((results, extras))
}

/// The headline model (the directional one on the first molecule) goes to `model/`, every
/// other one to `models/<molecule>-<model>/`.
fn model_dir(out: &Path, molecule: &str, model: &str, cfg: &GemNetOcConfig) -> std::path::PathBuf {
    let first = if cfg.ethanol.is_some() {
        "ethanol"
    } else {
        "acac"
    };
    let headline_model = if cfg.models.iter().any(|m| m == "gemnet") {
        "gemnet"
    } else {
        cfg.models.first().map_or("gemnet", String::as_str)
    };
    deepfield_core::repro::variant_dir(
        out,
        &format!("{molecule}-{model}"),
        molecule == first && model == headline_model,
    )
}

type Trained = (History, BTreeMap<String, Errors>, (Vec<f64>, Vec<f64>));

fn train_and_test(
    model: &dyn Potential,
    vs: &mut VarStore,
    cfg: &GemNetOcConfig,
    train: &[&Structure],
    val: &[&Structure],
    tests: &[(String, Vec<Structure>)],
) -> Result<Trained> {
    let mut fc = cfg.fit.clone();
    fc.seed = cfg.seed;
    let history = fit::fit(model, vs, train, val, &fc)?;
    let mut out = BTreeMap::new();
    let mut parity = (Vec::new(), Vec::new());
    for (i, (name, set)) in tests.iter().enumerate() {
        let items: Vec<&Structure> = set.iter().collect();
        let p = fit::predict(model, &items, 32, Kind::Float, vs.device())?;
        out.insert(name.clone(), errors(&p, &items)?);
        if i == 0 {
            parity.0 = items
                .iter()
                .flat_map(|s| s.frame.forces.iter().flatten().flatten().copied())
                .collect();
            parity.1 = p.forces.iter().flatten().copied().collect();
        }
    }
    Ok((history, out, parity))
}
