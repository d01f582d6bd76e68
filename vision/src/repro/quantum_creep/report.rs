//! The `quantum-creep` plots and report.

use deepfield_core::report::plots::{Axis, BarChart, LinePlot, RefLine, Series};
use deepfield_core::report::{Report, ResultsDir};

use super::{dataset_name, QuantumCreepMetrics, QuantumCreepRunConfig, RunResult};
use crate::data::mnist::Dataset;
use crate::Result;
use deepfield_core::metrics::mean_std;

fn title_of(d: Dataset) -> &'static str {
    match d {
        Dataset::Mnist => "MNIST",
        Dataset::FashionMnist => "Fashion-MNIST",
    }
}

/// Per epoch, mean and std over seeds of `f` (runs of unequal length are cut to the shortest).
fn per_epoch(runs: &[&RunResult], f: impl Fn(&RunResult) -> &Vec<f64>) -> (Vec<f64>, Vec<f64>) {
    let n = runs.iter().map(|r| f(r).len()).min().unwrap_or(0);
    (0..n)
        .map(|e| mean_std(&runs.iter().map(|r| f(r)[e]).collect::<Vec<_>>()))
        .unzip()
}

/// `accuracy_<dataset>.png` (ours with error bars beside the repository's means) and
/// `curves_<dataset>.png` (test accuracy per epoch per level, mean ± std over seeds).
pub fn write_plots(
    cfg: &QuantumCreepRunConfig,
    m: &QuantumCreepMetrics,
    results: &ResultsDir,
) -> Result<()> {
    for &d in &cfg.datasets {
        let sums: Vec<_> = cfg.levels.iter().filter_map(|&l| m.summary(d, l)).collect();
        let groups: Vec<String> = sums.iter().map(|s| format!("level {}", s.level)).collect();
        let ours: Vec<f64> = sums.iter().map(|s| s.mean_accuracy).collect();
        let std: Vec<f64> = sums.iter().map(|s| s.std_accuracy).collect();
        let repo: Vec<f64> = sums
            .iter()
            .map(|s| s.repository_accuracy.unwrap_or(f64::NAN))
            .collect();
        let seeds = sums.first().map_or(0, |s| s.seeds);
        BarChart::new(
            &format!("{}: test accuracy by replacement level", title_of(d)),
            Axis::new("test accuracy").unit("%"),
        )
        .x_axis("replacement level (0 classical, 1 quantum convolutions, 2 fully quantum)")
        .groups(&groups)
        .series_with_std(&format!("ours (mean ± std, {seeds} seeds)"), &ours, &std)
        .series("authors' repository (mean, 5 seeds)", &repo)
        .reference(RefLine::chance(10.0))
        .render(&results.file(&format!("accuracy_{}.png", dataset_name(d))))?;

        let mut series = Vec::new();
        for &level in &cfg.levels {
            let runs: Vec<&RunResult> = m
                .runs
                .iter()
                .filter(|r| r.dataset == d && r.level == level)
                .collect();
            let (mean, std) = per_epoch(&runs, |r| &r.test_accuracy_per_epoch);
            if !mean.is_empty() {
                series.push(Series::from_ys(&format!("level {level}"), 1.0, &mean).with_std(std));
            }
        }
        LinePlot::new(
            &format!("{}: test accuracy during training", title_of(d)),
            Axis::new("epoch").integer(),
            Axis::new("test accuracy").unit("%"),
        )
        .series(series)
        .note("mean ± std over seeds; tested after every epoch as in the repository")
        .render(&results.file(&format!("curves_{}.png", dataset_name(d))))?;
    }
    Ok(())
}

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |x| format!("{x:.digits$}"))
}

/// `report.md`.
pub fn write(
    cfg: &QuantumCreepRunConfig,
    m: &QuantumCreepMetrics,
    results: &ResultsDir,
) -> Result<()> {
    let mut r = Report::new(
        "quantum-creep: Let the Quantum Creep In (levels 0/1/2 on MNIST and Fashion-MNIST)",
    );
    r.para(
        "Wang, Myers, Hollenberg & Parampalli (2024), \"Let the Quantum Creep In: Designing \
         Quantum Neural Network Models by Gradually Swapping Out Classical Components\" \
         (arXiv 2409.17583). A three-layer network — 3×3 convolution 1→32, 3×3 convolution \
         32→16, linear 12544→10, no activations — whose layers are swapped for quantum ones: \
         level 1 replaces both convolutions by *flipped quanvolutions* (each kernel a trainable \
         two-qubit state `exp(iΣθP)|00⟩`, each 3×3 patch a Hermitian observable, output the \
         exact expectation), level 2 also replaces the linear layer by a 7-qubit *data \
         re-uploading* layer (the flattened features as the generator of a 128×128 unitary, \
         alternating 10 times with trainable SU(128) gates, output the probabilities of the \
         first 10 basis states). Everything is simulated exactly as complex state vectors in \
         libtorch (gates are `matrix_exp` of Hermitian generators built from real parameters; \
         the data unitary is exp(iS/10) by the spectral decomposition of the symmetric S), with \
         gradients through the simulation. Levels 0 and 1 have no non-linearity at all (the \
         repository's network has no activation functions; a quanvolution's output is linear \
         in its patch), so both are linear classifiers of the image, which is why they sit at \
         the ~92 % of a multinomial logistic regression on MNIST.",
    );
    r.para(&format!(
        "Protocol (the authors' repository, `peiyong-addwater/Let-The-Quantum-Creep-In`): images \
         zero-padded 28→32 and normalised (x−0.5)/0.5 inside the model; Adam, lr {}, batch {}, \
         cross-entropy; test accuracy after the last epoch, mean over seeds. This run: \
         {} training and {} test images per dataset, {} epochs ({} for level 2), seeds {:?} \
         ({:?} for level 2), {} libtorch thread(s).",
        cfg.lr,
        cfg.batch_size,
        m.train_images,
        m.test_images,
        cfg.epochs,
        cfg.epochs_of(2),
        cfg.seeds,
        cfg.seeds_of(2),
        m.threads
    ));
    r.para(
        "Data: MNIST and Fashion-MNIST, the original IDX files (byte-identical to the \
         distributions; see `mnist/SOURCE.md`, `fashion_mnist/SOURCE.md` in the shared data \
         folder).",
    );
    r.heading(2, "Test accuracy beside the repository's means");
    let rows: Vec<Vec<String>> = m
        .summaries
        .iter()
        .map(|s| {
            vec![
                title_of(s.dataset).to_string(),
                s.level.to_string(),
                format!("{:.2} ± {:.2}", s.mean_accuracy, s.std_accuracy),
                s.seeds.to_string(),
                s.epochs.to_string(),
                fmt_opt(s.repository_accuracy, 1),
                fmt_opt(s.difference, 2),
                s.within_one_point
                    .map_or("–".into(), |w| if w { "yes" } else { "no" }.to_string()),
                s.parameters.to_string(),
                format!("{:.1}", s.seconds_per_epoch),
            ]
        })
        .collect();
    r.table(
        &[
            "dataset",
            "level",
            "ours, % (mean ± std)",
            "seeds",
            "epochs",
            "repository, %",
            "difference, points",
            "within 1 point",
            "parameters",
            "s / epoch",
        ],
        &rows,
    );
    let short = m
        .summaries
        .iter()
        .filter(|s| s.seeds < 5 || s.epochs < 50)
        .count();
    if short > 0 || m.train_images < 60_000 || m.test_images < 10_000 {
        r.para(&format!(
            "**Not the full protocol**: {short} of the {} rows ran fewer than 5 seeds or 50 \
             epochs, or on a subset of the images; those numbers are not comparable with the \
             repository's means at face value (compute on one CPU thread is the limit, see the \
             time per epoch).",
            m.summaries.len()
        ));
    }
    for &d in &cfg.datasets {
        r.image(
            &format!("{} test accuracy by level", title_of(d)),
            &format!("accuracy_{}.png", dataset_name(d)),
        );
        r.image(
            &format!("{} test accuracy during training", title_of(d)),
            &format!("curves_{}.png", dataset_name(d)),
        );
    }
    r.heading(2, "What differs from the repository, and why");
    r.bullet(&[
        "Quantum parameters are real, so every generator is Hermitian and every gate exactly \
         unitary. The repository's PyTorch script casts its N(0, 1) parameters to complex64, and \
         Adam then moves their imaginary parts, so its gates stop being unitary; its JAX \
         (equinox) version, whose saved runs are in the repository's `notebooks/eqx`, draws them \
         real as here."
            .into(),
        "The quanvolution is evaluated as one convolution with the kernel Re(ψ̄ψᵀ) restricted to \
         3×3 (divided by the input channels): ⟨ψ|H|ψ⟩ is linear in the patch, so this is the same \
         number as the repository's patch-by-patch expectation (checked against the direct \
         ψ†Hψ in `vision/tests/quantum.rs` to 1e-12), only faster."
            .into(),
        "The quanvolution bias is one value per output channel (the repository's [C_out, 1] is the \
         same thing broadcast)."
            .into(),
        "The repository tests after every epoch on the test set and reports the last epoch; so do \
         we (no validation split, no early stopping, no augmentation)."
            .into(),
        "The data unitary exp(iS/10) of level 2 is one 128×128 complex unitary per image and \
         step. We compute it from the eigendecomposition of the real symmetric S with the exact \
         (Daleckii–Krein) gradient instead of `matrix_exp`: the same unitary (to 1e-12 in \
         complex128, and closer to it than complex64 `matrix_exp` in complex64), about twice \
         as fast to train. Even so a level-2 epoch on 60,000 images takes minutes on one CPU \
         thread, which is why level 2 may run fewer epochs or seeds here (see the table)."
            .into(),
        "Level 2's outputs are probabilities (10 of 128 basis states, so small) plus an N(0, 1) \
         bias per class, as in the repository: at first the bias decides the class, and Adam at \
         lr 5e-4 needs thousands of steps to move it, so level 2 learns far more slowly per \
         epoch than levels 0 and 1; numbers after a few epochs are not its 50-epoch accuracy."
            .into(),
    ]);
    r.heading(2, "Files");
    r.bullet(&[
        "`model/<dataset>_level<k>/`: the first seed's network of each level, saved through the \
         registry (kind `vision.quantum_creep`); `deepfield-vision eval classify` restores it and \
         classifies 28×28 grey images (it pads and normalises inside)."
            .into(),
        "`history.csv`: loss and test metrics per epoch of every run; `metrics.json`: every run's \
         numbers."
            .into(),
    ]);
    results.write_report(&r)?;
    Ok(())
}
