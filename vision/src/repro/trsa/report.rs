//! Plots and `report.md` of `trsa`.

use deepfield_core::report::plots::{heatmap, Axis, LinePlot, RefLine, Series};
use deepfield_core::report::{Report, ResultsDir};

use super::{TrsaConfig, TrsaMetrics};
use crate::Result;

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// `identification.png`, `layer_similarity.png` and `report.md`.
pub fn write(cfg: &TrsaConfig, m: &TrsaMetrics, results: &ResultsDir) -> Result<()> {
    let series: Vec<Series> = m
        .methods
        .iter()
        .map(|c| {
            Series::new(
                &c.name,
                m.noise_levels
                    .iter()
                    .zip(&c.accuracy)
                    .map(|(s, a)| (*s, *a))
                    .collect(),
            )
        })
        .collect();
    LinePlot::new(
        "Identifying LeNet-5's layer from a noisy measurement of its representation",
        Axis::new("measurement noise σ").unit("× the layer's response s.d."),
        Axis::new("identification accuracy").unit("fraction of measurements"),
    )
    .series(series)
    .reference(RefLine::new("chance", m.chance).higher_is_better())
    .render(&results.file("identification.png"))?;
    heatmap(
        &results.file("layer_similarity.png"),
        "Whitened cosine between the layers' clean RDMs",
        &m.layer_similarity,
        Axis::new(&format!("layer ({})", m.layers.join(", "))),
        Axis::new("layer"),
    )?;

    let mut r = Report::new("trsa — layer identification by RSA, topological RSA and topology");
    r.para(
        "Lin & Kriegeskorte, \"The Topology and Geometry of Neural Representations\" (PNAS 2024) \
         propose topological RSA: geo-topological transforms of representational dissimilarity \
         matrices that keep the geometry of small-to-medium distances and collapse the rest, \
         and show that it identifies layers and regions robustly under noise. This is their \
         layer-identification test in miniature, on a network of ours.",
    );
    r.provenance(&deepfield_core::data::data_dir()?.join("mnist"));
    r.bullet(&[
        format!(
            "LeNet-5 trained on {} MNIST training digits ({} epochs, Adam); test accuracy {} %.",
            cfg.train_images,
            cfg.train.epochs,
            pct(m.test_accuracy)
        ),
        format!(
            "Stimuli: {} test digits ({} per class). Model RDMs: squared Euclidean distances of \
             each layer's clean responses ({}).",
            m.stimuli,
            cfg.per_class,
            m.layers.join(", ")
        ),
        format!(
            "Measurement: a layer's responses plus Gaussian noise of σ = level × the layer's \
             response s.d., two independent repetitions, crossnobis RDM between them; {} \
             measurements per layer and level. Identified = the layer whose transformed clean \
             RDM has the highest whitened cosine with the transformed measured RDM.",
            cfg.trials
        ),
        format!(
            "Transforms: none (RSA); geo-topological with quantiles {} and {} (tRSA); binarised \
             at the {} quantile (topology).",
            cfg.gt_low, cfg.gt_up, cfg.topology_quantile
        ),
    ]);
    r.heading(2, "Identification accuracy (%)");
    let mut headers = vec!["method".to_string()];
    headers.extend(m.noise_levels.iter().map(|s| format!("σ = {s}")));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = m
        .methods
        .iter()
        .map(|c| {
            let mut row = vec![c.name.clone()];
            row.extend(c.accuracy.iter().map(|a| pct(*a)));
            row
        })
        .collect();
    r.table(&header_refs, &rows);
    r.para(&format!("Chance: {} %.", pct(m.chance)));
    r.image("Identification accuracy vs noise", "identification.png");
    r.image("Similarity of the layers' RDMs", "layer_similarity.png");
    r.heading(2, "What differs from the paper");
    r.bullet(&[
        "The paper identifies layers of ImageNet networks and brain regions from simulated and \
         real fMRI-like data with many stimuli; here a small LeNet-5 on 10 digit classes, noise \
         added directly to the responses."
            .to_string(),
        "The transforms' quantiles are fixed here, not fitted; the paper explores the (l, u) \
         plane."
            .to_string(),
    ]);
    results.write_report(&r)?;
    Ok(())
}
