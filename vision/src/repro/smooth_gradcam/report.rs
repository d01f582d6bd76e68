//! Plots and `report.md` of `smooth-gradcam`.

use tch::Kind;

use deepfield_core::report::plots::{
    grouped_bar_chart, image_grid, training_curves, Axis, BarChart, BarSeries, GridCell, LinePlot,
    RefLine, Series,
};
use deepfield_core::report::{fmt_num, Report, ResultsDir};

use super::run::{Outcome, METHODS};
use super::SmoothGradCamConfig;
use crate::Result;

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

fn cell(values: Vec<f64>, side: usize, overlay: Option<Vec<f64>>) -> GridCell {
    GridCell {
        height: side,
        width: side,
        image: values,
        overlay,
    }
}

/// `pointing_game.png`, `deletion_insertion.png`, `curves.png`, `gallery.png`,
/// `training.png`.
pub fn write_plots(cfg: &SmoothGradCamConfig, o: &Outcome, results: &ResultsDir) -> Result<()> {
    let m = &o.metrics;
    let names: Vec<String> = m.methods.iter().map(|r| r.name.clone()).collect();
    BarChart::new(
        "Pointing game on cluttered digits: map maximum on the digit",
        Axis::new("hit rate").unit("fraction of images"),
    )
    .bars(
        &names,
        &m.methods.iter().map(|r| r.pointing).collect::<Vec<_>>(),
    )
    .reference(RefLine::new("random pixel", m.pointing_random).higher_is_better())
    .render(&results.file("pointing_game.png"))?;
    grouped_bar_chart(
        &results.file("deletion_insertion.png"),
        "Deletion (lower is better) and insertion (higher) AUC of the true class's probability",
        &names,
        &[
            BarSeries::new(
                "deletion AUC",
                &m.methods.iter().map(|r| r.deletion_auc).collect::<Vec<_>>(),
            ),
            BarSeries::new(
                "insertion AUC",
                &m.methods
                    .iter()
                    .map(|r| r.insertion_auc)
                    .collect::<Vec<_>>(),
            ),
        ],
        Axis::new("area under the curve").unit("probability × fraction"),
    )?;
    let steps = cfg.steps as f64;
    let mut series = Vec::new();
    for r in &m.methods {
        let pts = |c: &[f64]| {
            c.iter()
                .enumerate()
                .map(|(i, p)| (i as f64 / steps, *p))
                .collect()
        };
        series.push(Series::new(
            &format!("{} deletion", r.name),
            pts(&r.deletion_curve),
        ));
        series.push(Series::new(
            &format!("{} insertion", r.name),
            pts(&r.insertion_curve),
        ));
    }
    LinePlot::new(
        "Deletion and insertion curves (mean over the explained images)",
        Axis::new("pixels removed / inserted, most salient first").unit("fraction"),
        Axis::new("probability of the true class"),
    )
    .series(series)
    .render(&results.file("curves.png"))?;

    let side = cfg.clutter.size as usize;
    let to_vec = |t: &tch::Tensor| Vec::<f64>::try_from(t.to_kind(Kind::Double).flatten(0, -1));
    let mut rows = Vec::new();
    for (i, _) in o.gallery_labels.iter().enumerate() {
        let img = to_vec(&o.gallery_images.get(i as i64))?;
        let mut row = vec![cell(img.clone(), side, None)];
        for maps in &o.gallery_maps {
            row.push(cell(img.clone(), side, Some(to_vec(&maps.get(i as i64))?)));
        }
        rows.push(row);
    }
    let mut titles = vec!["input".to_string()];
    titles.extend(METHODS.iter().map(|(_, n)| n.to_string()));
    let row_titles: Vec<String> = o
        .gallery_labels
        .iter()
        .map(|l| format!("digit {l}"))
        .collect();
    image_grid(
        &results.file("gallery.png"),
        &format!(
            "Maps of the true class at layer {} (viridis over the input)",
            cfg.layer
        ),
        &rows,
        &titles,
        &row_titles,
        3,
    )?;
    let mut rows = Vec::new();
    for (i, maps) in o.seed_views.maps.iter().enumerate() {
        let img = to_vec(&o.gallery_images.get(i as i64))?;
        let mut row = vec![cell(img.clone(), side, None)];
        for m in maps {
            row.push(cell(img.clone(), side, Some(to_vec(m)?)));
        }
        rows.push(row);
    }
    let mut titles = vec!["input".to_string()];
    titles.extend(o.seed_views.titles.iter().cloned());
    image_grid(
        &results.file("seed_views.png"),
        "Smooth Grad-CAM++ of the true class by layer, of one feature map, and of one neuron",
        &rows,
        &titles,
        &row_titles,
        3,
    )?;
    let acc: Vec<f64> = o
        .history
        .epochs
        .iter()
        .map(|e| e.val_metrics.get("accuracy").copied().unwrap_or(f64::NAN))
        .collect();
    let val_loss: Vec<f64> = o.history.epochs.iter().filter_map(|e| e.val_loss).collect();
    training_curves(
        &results.file("training.png"),
        &o.history.train_losses(),
        (val_loss.len() == acc.len()).then_some(val_loss.as_slice()),
        acc.iter()
            .all(|a| a.is_finite())
            .then_some(("validation accuracy", acc.as_slice())),
    )?;
    Ok(())
}

/// Plots and `report.md`.
pub fn write(cfg: &SmoothGradCamConfig, o: &Outcome, results: &ResultsDir) -> Result<()> {
    write_plots(cfg, o, results)?;
    let m = &o.metrics;
    let mut r = Report::new(
        "smooth-gradcam — CAM, Grad-CAM, Grad-CAM++, Smooth Grad-CAM++ and Score-CAM, scored",
    );
    r.para(
        "Omeiza, Speakman, Cintas & Weldemariam, \"Smooth Grad-CAM++: An Enhanced Inference \
         Level Visualization Technique for Deep Convolutional Neural Network Models\" (2019) \
         average Grad-CAM++'s gradient powers over noisy copies of the input and show sharper, \
         better-placed maps — qualitatively. Here the maps of five methods for one trained CNN \
         are scored where the object's position is known: MNIST digits pasted at random places \
         on a cluttered canvas, with the pointing game (Zhang et al. 2016) and the deletion and \
         insertion areas (Petsiuk et al. 2018).",
    );
    r.provenance(&deepfield_core::data::data_dir()?.join("mnist"));
    r.bullet(&[
        format!(
            "Canvases {}×{}: one 28×28 MNIST digit at a uniformly random place plus {} \
             fragments ({}×{} crops of other digits) as clutter. {} training and {} validation \
             canvases from the training digits (validation from the last 5 000), {} test \
             canvases from the test digits; the first {} test canvases are explained.",
            cfg.clutter.size,
            cfg.clutter.size,
            cfg.clutter.fragments,
            cfg.clutter.fragment,
            cfg.clutter.fragment,
            cfg.train_images,
            cfg.val_images,
            cfg.test_images,
            m.explained
        ),
        format!(
            "Model: core's 2-D CnnClassifier, conv blocks {:?} (3×3, ReLU, 2×2 max pooling \
             after all but the last), global average pooling, one linear layer; {} parameters, \
             {} epochs of Adam. Test accuracy {} %.",
            cfg.channels,
            m.parameters,
            m.epochs_run,
            pct(m.test_accuracy)
        ),
        format!(
            "Maps of the true class at `{}` (CAM: the last block), min–max normalised, bilinearly upsampled to the \
             canvas. Smooth Grad-CAM++: {} noisy copies, σ = {} (input in [0, 1]). Pointing \
             game: a hit when the map's maximum lies in the digit's ink box grown by {} px. \
             Deletion/insertion: {} steps, removed pixels set to 0 (the background).",
            cfg.layer, cfg.smooth_samples, cfg.smooth_std, cfg.tolerance, cfg.steps
        ),
    ]);
    r.heading(2, "Results");
    let rows: Vec<Vec<String>> = m
        .methods
        .iter()
        .map(|x| {
            vec![
                x.name.clone(),
                pct(x.pointing),
                fmt_num(x.deletion_auc),
                fmt_num(x.insertion_auc),
                format!("{:.1}", 1000.0 * x.seconds_per_image),
            ]
        })
        .collect();
    r.table(
        &[
            "method",
            "pointing game (%)",
            "deletion AUC ↓",
            "insertion AUC ↑",
            "ms / image (incl. scoring)",
        ],
        &rows,
    );
    r.para(&format!(
        "Floors: a map peaking at a random pixel hits {} % of the time (expected), one always \
         peaking at the canvas centre {} %.",
        pct(m.pointing_random),
        pct(m.pointing_centre)
    ));
    let get = |k: &str| m.get(k).map_or(f64::NAN, |x| x.pointing);
    r.para(&format!(
        "**Goal — Smooth Grad-CAM++ ≥ Grad-CAM++ on the pointing game: {}** ({} % vs {} %).",
        if m.smooth_ge_gradcampp {
            "met"
        } else {
            "not met"
        },
        pct(get("smooth_gradcampp")),
        pct(get("gradcampp"))
    ));
    r.image("Pointing game", "pointing_game.png");
    r.image("Deletion and insertion AUC", "deletion_insertion.png");
    r.image("Deletion and insertion curves", "curves.png");
    r.image("Gallery", "gallery.png");
    r.para(
        "The seed paper's own views with Smooth Grad-CAM++: a map per layer, the map of the \
         last block's feature map with the largest classifier weight for the class, and the map \
         (at the middle block) of that feature map's most active neuron.",
    );
    r.image("Layers, a feature map and a neuron", "seed_views.png");
    r.image("Training", "training.png");
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        "The paper evaluates visually on ImageNet models (VGG-16, ResNet); no ImageNet model or \
         data is used here: the CNN is small and trained on cluttered digits, where the object \
         box is known and the pointing game can be scored."
            .to_string(),
        "Smooth Grad-CAM++ averages the first, second and third derivatives over the noisy \
         copies (the paper's formula); torchcam's implementation multiplies by the last sample's \
         gradient instead — see core::explain::cam."
            .to_string(),
        "The gradient methods explain the second-to-last block: at the last one, under global \
         average pooling and one linear layer, ∂y/∂A is the class's weight over H·W whatever \
         the input, so noise cannot change Grad-CAM++ and Grad-CAM equals CAM. CAM itself is \
         computed at the last block, the only map its weights apply to."
            .to_string(),
    ]);
    results.write_report(&r)?;
    Ok(())
}
