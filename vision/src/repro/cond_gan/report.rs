//! Plots and `report.md` of `cond-gan`.

use deepfield_core::report::plots::{Axis, BarChart, LinePlot, RefLine, Series};
use deepfield_core::report::{fmt_num, Comparison, Report, ResultsDir};
use deepfield_core::repro::ReproOptions;

use super::run::GanArtifacts;
use super::{CondGanConfig, CondGanMetrics};
use crate::Result;

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// `losses_<key>.png` per GAN and `accuracy_by_class_<dataset>.png` per dataset.
pub fn write_plots(m: &CondGanMetrics, arts: &[GanArtifacts], results: &ResultsDir) -> Result<()> {
    for a in arts {
        let xs: Vec<f64> = a.curves.step.iter().map(|&s| s as f64).collect();
        let pts = |ys: &[f64]| {
            xs.iter()
                .copied()
                .zip(ys.iter().copied())
                .collect::<Vec<_>>()
        };
        LinePlot::new(
            &format!(
                "{}: losses while training (means over logged intervals)",
                a.key
            ),
            Axis::new("generator/discriminator step").integer(),
            Axis::new("loss (nats) / D's mean output (probability)"),
        )
        .series([
            Series::new("discriminator loss", pts(&a.curves.d_loss)),
            Series::new("generator loss", pts(&a.curves.g_loss)),
            Series::new("mean D(real) (probability)", pts(&a.curves.d_real)),
            Series::new("mean D(generated) (probability)", pts(&a.curves.d_fake)),
        ])
        .render(&results.file(&format!("losses_{}.png", a.key)))?;
    }
    for d in &m.datasets {
        let mut chart = BarChart::new(
            &format!("{}: judge accuracy per requested class", d.dataset),
            Axis::new("fraction classified as the requested class"),
        )
        .groups(&d.classes)
        .x_axis(Axis::new("requested class"));
        chart = chart.series(
            "real held-apart images",
            &d.real_held_apart.per_class_accuracy,
        );
        for g in &d.gans {
            chart = chart.series(&g.variant, &g.generated.per_class_accuracy);
        }
        chart
            .reference(RefLine::new("chance", 1.0 / d.classes.len() as f64))
            .render(&results.file(&format!("accuracy_by_class_{}.png", d.dataset)))?;
    }
    Ok(())
}

/// `report.md`.
pub fn write(
    cfg: &CondGanConfig,
    m: &CondGanMetrics,
    opts: &ReproOptions,
    results: &ResultsDir,
) -> Result<()> {
    let mut r = Report::new("cond-gan — label-conditional GANs: conditional DCGAN and AC-GAN");
    r.para(
        "The conditional-GAN family that text-to-image synthesis grew from (Frolov et al. 2021, \
         \"Adversarial Text-to-Image Synthesis: A Review\"), conditioned on class labels \
         instead of sentences: a conditional DCGAN (Radford et al. 2016 architecture, Mirza & \
         Osindero 2014 conditioning: a label embedding beside the noise, one-hot label maps \
         beside the image) and an auxiliary-classifier GAN (Odena et al. 2017: the \
         discriminator sees the image only and also predicts its class). A separately trained \
         LeNet-5 judges the generated images: the fraction classified as the class asked for, \
         and the Fréchet distance between its penultimate-layer (84-unit) features of the \
         generated images and of the real test images. The same two numbers for real training \
         images held apart from all training are the floor.",
    );
    for &d in &cfg.datasets {
        if let Ok(dir) = opts.dataset(&d.spec()) {
            r.provenance(&dir);
        }
    }
    r.heading(2, "Results");
    let mut rows = Vec::new();
    for d in &m.datasets {
        rows.push(vec![
            d.dataset.clone(),
            "real held-apart images (floor)".to_string(),
            pct(d.real_held_apart.accuracy),
            fmt_num(d.real_held_apart.frechet),
            d.real_held_apart.images.to_string(),
            "–".to_string(),
            "–".to_string(),
        ]);
        for g in &d.gans {
            let worst = g
                .generated
                .per_class_accuracy
                .iter()
                .copied()
                .fold(f64::INFINITY, f64::min);
            rows.push(vec![
                d.dataset.clone(),
                g.variant.clone(),
                format!("{} (worst class {})", pct(g.generated.accuracy), pct(worst)),
                fmt_num(g.generated.frechet),
                g.generated.images.to_string(),
                format!("{} / {}", g.g_parameters, g.d_parameters),
                format!("{} steps, {:.0} s", g.steps, g.train_seconds),
            ]);
        }
    }
    r.table(
        &[
            "data",
            "images",
            "judge accuracy on the requested class (%)",
            "Fréchet distance to the test images (judge fc2 features)",
            "images scored",
            "parameters G / D",
            "training",
        ],
        &rows,
    );
    let judges: Vec<String> = m
        .datasets
        .iter()
        .map(|d| {
            format!(
                "{}: the LeNet-5 judge scores {} % on the {} real test images ({} training \
                 images; the GANs trained on {}).",
                d.dataset,
                pct(d.judge_test_accuracy),
                d.test_images,
                d.judge_train_images,
                d.train_images
            )
        })
        .collect();
    r.bullet(&judges);
    for d in &m.datasets {
        r.image(
            &format!("{}: accuracy per requested class", d.dataset),
            &format!("accuracy_by_class_{}.png", d.dataset),
        );
        for g in &d.gans {
            r.image(
                &format!("{} samples, one row per class", g.key),
                &format!("samples_{}.png", g.key),
            );
            r.image(
                &format!("{} losses", g.key),
                &format!("losses_{}.png", g.key),
            );
        }
    }
    r.heading(2, "Beside the papers and the issue's goal");
    let mut comps = Vec::new();
    if let Some(d) = m.datasets.iter().find(|d| d.dataset == "mnist") {
        for g in &d.gans {
            comps.push(
                Comparison::new(
                    &format!("MNIST {}: judge accuracy on generated images, %", g.variant),
                    100.0 * g.generated.accuracy,
                )
                .with_anchor(95.0, "issue goal ≥ 95")
                .with_note(if g.generated.accuracy >= 0.95 {
                    "met"
                } else {
                    "not met"
                }),
            );
        }
    }
    r.comparison(&comps);
    r.para(
        "Neither paper reports numbers on MNIST or Fashion-MNIST: DCGAN shows MNIST samples \
         and measures its features by classification on CIFAR-10 and SVHN, and AC-GAN reports \
         Inception scores (CIFAR-10 8.25) and the fraction of 128×128 ImageNet samples an \
         Inception network classifies as their class. The classifier-on-generated-images \
         measure here is that last one, scaled down: a LeNet-5 judge instead of Inception. \
         Likewise the Fréchet distance is FID's formula (Heusel et al. 2017) in the judge's \
         84-dimensional feature space, so its values are not comparable with published FIDs \
         (Inception pool features, 2048 dimensions); compare each generator with the floor \
         of real held-apart images of the same count.",
    );
    r.heading(2, "What differs from the papers");
    r.bullet(&[
        format!(
            "Networks sized for 28×28 grey images (generator: dense layer to {}×7×7, two 4×4 \
             stride-2 transposed convolutions; discriminator: convolutions of {} and {} maps), \
             noise of {} dimensions; DCGAN's 64×64 and AC-GAN's 32×32/128×128 networks are \
             larger.",
            2 * cfg.g_width,
            cfg.d_width,
            2 * cfg.d_width,
            cfg.z_dim
        ),
        format!(
            "Training: DCGAN's Adam (lr 2e-4, β₁ 0.5), batch {}, {} passes over {} \
             training images (the remaining images after {} were held apart{}); one \
             discriminator step per generator step, non-saturating generator loss, no label \
             smoothing, AC-GAN's discriminator without dropout.",
            cfg.batch_size,
            cfg.epochs,
            m.datasets.first().map_or(0, |d| d.train_images),
            cfg.held_apart,
            if cfg.max_train.is_some() {
                ", then cut to max_train"
            } else {
                ""
            }
        ),
        "Conditioning on class labels, not text: the survey's text-conditional models \
         (GAN-INT-CLS, StackGAN, AttnGAN) put a sentence embedding where the label embedding \
         is here."
            .to_string(),
        "The judge's accuracy does not see variety within a class (a generator that draws one \
         image per class, i.e. collapsed modes, scores 100 % if that image is recognisable); \
         the Fréchet distance does, through the covariance term, and so does the sample grid."
            .to_string(),
        format!(
            "One seed ({}); GAN results vary between seeds, more than classifier results do.",
            m.seed
        ),
    ]);
    if m.quick {
        r.para(
            "This is a quick run (MNIST only, small networks, few steps): a smoke test, not the \
             reproduction's numbers.",
        );
    }
    r.heading(2, "Files");
    r.bullet(&[
        "`model/`: the first GAN's generator (`deepfield-vision eval generate --model model \
         --class 3 --n 64 --out grid.png`); `models/<data>_<variant>/generator` and \
         `discriminator`: the others; `models/<data>_judge`: the LeNet-5 judges \
         (`deepfield-vision eval classify`)."
            .to_string(),
        "`metrics.json`, `metrics.csv`, `history.csv` (per-epoch losses of each GAN and the \
         judges), `config.json`."
            .to_string(),
    ]);
    results.write_report(&r)?;
    Ok(())
}
