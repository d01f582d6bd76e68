//! The `hlop` report (report.md): ACC/BWT per strategy beside the paper, accuracy matrices as
//! heat maps, accuracy over tasks, and the Hebbian-vs-SVD subspace check.

use std::path::Path;

use super::{HlopMetrics, HlopReproConfig, PAPER};
use crate::continual::metrics::plot_accuracy_over_tasks;
use crate::report::Report;
use crate::repro::ReproOptions;
use crate::Result;

fn pct(v: f64) -> String {
    format!("{:.2}", 100.0 * v)
}

/// Write report.md and the plots into `opts.out`.
pub fn write(
    cfg: &HlopReproConfig,
    m: &HlopMetrics,
    data: &Path,
    opts: &ReproOptions,
) -> Result<()> {
    let out = &opts.out;
    let mut r = Report::new(
        "hlop: Hebbian Learning based Orthogonal Projection on permuted MNIST (spiking MLP)",
    );
    if opts.quick {
        r.para("**Quick run**: few tasks, a subset of the images and a small network; the numbers are not the paper's.");
    }
    r.para(&format!(
        "What ran: {} permuted-MNIST tasks (every task a fixed pixel permutation, one shared \
         10-way head), {} training and {} test images per task; a spiking MLP {}-{}-{} (LIF β \
         {}, T = {}, {:?} encoding) trained by BPTT with surrogate gradients, {} iterations \
         per task, batch {}, Adam (lr {}). Strategies: {}.",
        cfg.tasks,
        if cfg.train_images == 0 {
            "60,000".to_string()
        } else {
            cfg.train_images.to_string()
        },
        if cfg.test_images == 0 {
            "10,000".to_string()
        } else {
            cfg.test_images.to_string()
        },
        cfg.model.input,
        cfg.model
            .hidden
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
            .join("-"),
        cfg.model.output,
        cfg.model.neuron.beta,
        cfg.model.steps,
        cfg.model.encoding,
        cfg.run.iterations,
        cfg.run.batch_size,
        cfg.run.lr,
        m.results
            .iter()
            .map(|s| s.strategy.label())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let rows: Vec<Vec<String>> = m
        .results
        .iter()
        .map(|s| {
            let paper = PAPER.iter().find(|(n, _, _)| *n == s.strategy.label());
            vec![
                s.strategy.label().to_string(),
                pct(s.acc),
                pct(s.bwt),
                paper
                    .map(|p| format!("{:.2}", p.1))
                    .unwrap_or_else(|| "—".into()),
                paper
                    .map(|p| format!("{:.2}", p.2))
                    .unwrap_or_else(|| "—".into()),
                format!("{:.0}", s.seconds),
            ]
        })
        .collect();
    r.table(
        &[
            "strategy",
            "ACC (%)",
            "BWT (points)",
            "paper ACC",
            "paper BWT",
            "seconds",
        ],
        &rows,
    );
    r.para(
        "Paper numbers: Table 1 of Xiao et al. (PMNIST, DSR-trained spiking MLP), as recalled \
         for this report — check them against the paper before citing. The paper's replay row \
         belongs to other data sets, so replay has no paper number here.",
    );
    let curves: Vec<(String, Vec<f64>, Option<Vec<f64>>)> = m
        .results
        .iter()
        .map(|s| {
            (
                s.strategy.label().to_string(),
                (0..s.matrix.tasks())
                    .map(|i| s.matrix.acc_after(i))
                    .collect(),
                None,
            )
        })
        .collect();
    plot_accuracy_over_tasks(
        &out.join("acc_over_tasks.png"),
        "Permuted MNIST: average accuracy over the tasks seen",
        &curves,
    )?;
    r.image("average accuracy over tasks seen", "acc_over_tasks.png");
    for s in &m.results {
        let file = format!(
            "matrix_{}.png",
            s.strategy.label().to_lowercase().replace(' ', "-")
        );
        s.matrix.plot_heatmap(
            &out.join(&file),
            &format!("{}: accuracy on task j after task i", s.strategy.label()),
        )?;
        r.image(&format!("{} accuracy matrix", s.strategy.label()), &file);
    }
    if let Some(h) = m.results.iter().find(|s| !s.subspaces.is_empty()) {
        r.heading(2, "Hebbian subspaces vs SVD (after task 1)");
        r.para(
            "For every projected layer: the principal angles between the fixed Hebbian subspace \
             and the top-k right singular vectors of the same layer's input activity on task-1 \
             training images, and the share of that activity's energy each subspace captures \
             (the SVD's share is the best any k-dimensional subspace can reach).",
        );
        let rows: Vec<Vec<String>> = h
            .subspaces
            .iter()
            .map(|c| {
                vec![
                    c.layer.clone(),
                    format!("{} of {}", c.k, c.dim),
                    format!("{:.1}", c.median_angle),
                    format!("{:.1}", c.mean_angle),
                    format!("{:.1}", c.max_angle),
                    pct(c.energy_hebbian),
                    pct(c.energy_svd),
                ]
            })
            .collect();
        r.table(
            &[
                "layer",
                "k",
                "median angle (°)",
                "mean angle (°)",
                "max angle (°)",
                "energy in Hebbian (%)",
                "energy in SVD (%)",
            ],
            &rows,
        );
    }
    r.provenance(data);
    r.write(&out.join("report.md"))
}
