//! The plots and `report.md` of `gemnet-oc`.

use std::path::Path;

use deepfield_core::report::plots::{self, Axis, BarSeries, Series};
use deepfield_core::report::Report;

use super::config::GemNetOcConfig;
use super::metrics::GemNetOcMetrics;
use super::runner::Extras;
use crate::Result;

/// Learning curves, force parity plots and the 300 K / 600 K comparison.
pub fn write_plots(out: &Path, m: &GemNetOcMetrics, x: &Extras) -> Result<Vec<(String, String)>> {
    let mut made = Vec::new();
    let series: Vec<Series> = x
        .histories
        .iter()
        .map(|(name, h)| Series::from_ys(name, 1.0, &h.val_metric("force_mae_mev_per_a")))
        .filter(|s| !s.points.is_empty())
        .collect();
    if !series.is_empty() {
        plots::line_plot(
            &out.join("learning_curves.png"),
            "Validation force MAE per epoch",
            Axis::new("epoch").integer(),
            Axis::new("force MAE").unit("meV/Å"),
            &series,
        )?;
        made.push(("learning curves".into(), "learning_curves.png".into()));
    }
    for (mol, model, truth, pred) in &x.parity {
        if truth.is_empty() || truth.len() != pred.len() {
            continue;
        }
        let file = format!("force_parity_{mol}_{model}.png");
        plots::pred_vs_true_in(
            &out.join(&file),
            &format!("{model} on {mol}: predicted vs DFT force components (test)"),
            "eV/Å",
            truth,
            pred,
        )?;
        made.push((format!("force parity, {model} on {mol}"), file));
    }
    if let Some(acac) = m.molecules.iter().find(|r| r.molecule == "acac") {
        let groups = vec!["test 300K".to_string(), "600K".to_string()];
        let bars: Vec<BarSeries> = acac
            .models
            .iter()
            .map(|r| {
                let v: Vec<f64> = groups
                    .iter()
                    .map(|g| r.tests.get(g).map_or(f64::NAN, |e| e.force_mae_mev_per_a))
                    .collect();
                BarSeries::new(&r.model, &v)
            })
            .collect();
        plots::grouped_bar_chart(
            &out.join("acac_300k_vs_600k.png"),
            "Acetylacetone force MAE: held-out 300 K vs 600 K (extrapolation)",
            &groups,
            &bars,
            Axis::new("force MAE").unit("meV/Å"),
        )?;
        made.push(("acac 300 K vs 600 K".into(), "acac_300k_vs_600k.png".into()));
    }
    Ok(made)
}

fn f2(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "–".into()
    }
}

/// `report.md`.
pub fn write_report(
    out: &Path,
    cfg: &GemNetOcConfig,
    m: &GemNetOcMetrics,
    data_dir: &Path,
    plots: &[(String, String)],
) -> Result<()> {
    let mut r = Report::new("gemnet-oc: SchNet vs a GemNet-OC-style directional potential on rMD17 ethanol and acetylacetone");
    r.para(
        "Seed paper: Gasteiger et al., \"GemNet-OC: Developing Graph Neural Networks for Large and \
         Diverse Molecular Simulation Datasets\" (TMLR 2022), with GemNet (NeurIPS 2021), DimeNet++ \
         (2020) and SchNet (Schütt et al., NeurIPS 2017). Both models predict the energy; forces are \
         −∂E/∂x by autograd and the loss is w_E·MSE(per-atom energy) + w_F·MSE(force components).",
    );
    r.heading(2, "What ran");
    r.bullet(&[
        format!(
            "models: {} (SchNet: {} features, {} interactions, {} Gaussians; directional: atom {} / edge {} / triplet {}, {} blocks, {} radial × {} angular basis); cut-off {} Å",
            cfg.models.join(", "),
            cfg.schnet.features,
            cfg.schnet.interactions,
            cfg.schnet.gaussians,
            cfg.gemnet.atom_features,
            cfg.gemnet.edge_features,
            cfg.gemnet.triplet_features,
            cfg.gemnet.blocks,
            cfg.gemnet.radial,
            cfg.gemnet.spherical,
            cfg.cutoff
        ),
        format!(
            "training: Adam lr {} with cosine decay to 1 %, batch {}, {} epochs, w_E = {}, w_F = {}, gradient clip {}; the epoch with the lowest validation loss is kept; seed {}",
            cfg.fit.lr, cfg.fit.batch_size, cfg.fit.epochs, cfg.fit.energy_weight, cfg.fit.force_weight, cfg.fit.grad_clip, cfg.seed
        ),
        format!("device {}, {} thread(s)", m.device, m.threads),
    ]);
    r.provenance(data_dir);
    r.heading(2, "Splits");
    let mut items = Vec::new();
    for mol in &m.molecules {
        items.push(format!(
            "{}: {} training / {} validation frames; test sets {}; files {} (energies made atomisation energies by subtracting the isolated atoms; shift {:.4} eV/atom, output scale {:.3} eV)",
            mol.molecule,
            mol.train_frames,
            mol.val_frames,
            mol.test_frames.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "),
            mol.files.join(", "),
            mol.energy_shift_ev_per_atom,
            mol.energy_scale_ev
        ));
    }
    items.push(
        "The upstream test files are not in the data folder, so every split is drawn (seeded) from the \
         given training files. The literature trains ethanol on 1,000 rMD17 frames and tests on the rest \
         of rMD17 (~99,000 frames); here fewer frames train and the test set is small. Acetylacetone \
         trains on 300 K frames only and is tested on held-out 300 K frames and on the 600 K frames \
         (extrapolation to hotter, more distorted geometries)."
            .into(),
    );
    r.bullet(&items);
    r.heading(2, "Results (test sets)");
    let mut rows = Vec::new();
    for mol in &m.molecules {
        for res in &mol.models {
            for (set, e) in &res.tests {
                rows.push(vec![
                    mol.molecule.clone(),
                    res.model.clone(),
                    set.clone(),
                    f2(e.energy_mae_mev),
                    f2(e.force_mae_mev_per_a),
                    f2(e.energy_rmse_mev),
                    f2(e.force_rmse_mev_per_a),
                    res.parameters.to_string(),
                    res.best_epoch
                        .map_or("–".into(), |b| format!("{b}/{}", res.epochs)),
                    format!("{:.0}", res.seconds),
                ]);
            }
        }
    }
    r.table(
        &[
            "molecule",
            "model",
            "test set",
            "E MAE (meV)",
            "F MAE (meV/Å)",
            "E RMSE (meV)",
            "F RMSE (meV/Å)",
            "parameters",
            "best epoch",
            "train s",
        ],
        &rows,
    );
    r.heading(2, "Goals");
    let mut goals = Vec::new();
    for (mol, ratio) in &m.force_ratio_schnet_over_gemnet {
        goals.push(format!(
            "{mol}: SchNet force MAE / directional force MAE = {ratio:.2} — goal ≥ 2×: {}",
            if *ratio >= 2.0 { "met" } else { "not met" }
        ));
    }
    for mol in &m.molecules {
        for res in mol.models.iter().filter(|r| r.epochs > 0) {
            if res.best_epoch.is_some_and(|b| b + 2 >= res.epochs) {
                goals.push(format!(
                    "{} on {}: the best validation epoch is {} of {}: still improving when training stopped, so longer training would lower its errors (the comparison is at equal epochs).",
                    res.model,
                    mol.molecule,
                    res.best_epoch.unwrap_or_default(),
                    res.epochs
                ));
            }
        }
    }
    goals.push(
        "Our SchNet against the published SchNet on rMD17 with 1,000 training frames: no published \
         SchNet, DimeNet++ or GemNet number for rMD17 at 1,000 frames could be verified from the \
         sources reachable here (the GemNet and DimeNet papers report the original MD17, and with \
         larger training sets), so no anchor is printed rather than an unverified one. The \
         comparison is therefore ours-vs-ours plus the mean-force baseline."
            .into(),
    );
    r.bullet(&goals);
    r.heading(2, "What differs from the papers");
    r.bullet(&[
        "No quadruplet interactions (GemNet-Q) and no GemNet-OC atom-to-atom / edge-to-atom interactions over a second cut-off; the triplet interaction uses GemNet-OC's basis down-projection with Legendre polynomials of the angle (m = 0 spherical harmonics) and the radial basis applied to the incoming message.".into(),
        format!(
            "Smaller directional model than GemNet-T ({}/{}/{} atom/edge/triplet vs 128/128/64, {} blocks vs 4), {} epochs with batch {} instead of GemNet's batch 1 over ~10⁶ steps, all for CPU training time on two shared cores.",
            cfg.gemnet.atom_features, cfg.gemnet.edge_features, cfg.gemnet.triplet_features, cfg.gemnet.blocks, cfg.fit.epochs, cfg.fit.batch_size
        ),
        "SchNet uses a 5 Å cut-off with a cosine cut-off function (SchNetPack), Gaussian spacing 0.1 Å.".into(),
        "Training and test frames come from the 1,000 ethanol / 500 + 500 acetylacetone frames of the BOTNet data release, not from the full rMD17 files.".into(),
    ]);
    r.heading(2, "Plots");
    for (alt, file) in plots {
        r.image(alt, file);
    }
    r.para("Models: `model/` (the directional model on the first molecule), the others in `models/<molecule>-<model>/`; `deepfield-graph predict --model DIR FILE.xyz --out pred.xyz` writes energies and forces for new frames. Per-epoch records: `history.csv`.");
    Ok(r.write(&out.join("report.md"))?)
}
