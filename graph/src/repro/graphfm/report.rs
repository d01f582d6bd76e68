//! `report.md` and the plots, from the typed metrics.

use deepfield_core::report::plots::{Axis, BarChart, RefLine};
use deepfield_core::report::{fmt_num, plots, Comparison, Report};
use deepfield_core::tch::{Kind, Tensor};
use std::path::Path;

use super::anchors;
use super::metrics::{GraphFmMetrics, RunRecord, Stat};
use super::runner::BestEmbedding;
use super::GraphFmConfig;
use crate::io::GraphSource;
use crate::train::BatchMode;
use crate::{Graph, Result};

fn pca2(x: &Tensor) -> Result<Vec<(f64, f64)>> {
    let x = x.to_kind(Kind::Float);
    let xc = &x - x.mean_dim(0, true, Kind::Float);
    let (_, _, v) = xc.f_svd(true, true)?;
    let p = xc.mm(&v.narrow(1, 0, 2));
    let v = Vec::<f32>::try_from(p.flatten(0, -1))?;
    Ok(v.chunks(2).map(|c| (c[0] as f64, c[1] as f64)).collect())
}

/// The share of the largest class among the labelled nodes (`None` without labels).
fn largest_class_rate(graph: &Graph) -> Option<f64> {
    let mut counts = vec![0usize; graph.class_names.len()];
    for &l in &graph.labels {
        if let Some(c) = usize::try_from(l).ok().and_then(|l| counts.get_mut(l)) {
            *c += 1;
        }
    }
    let total: usize = counts.iter().sum();
    let top = counts.iter().copied().max()?;
    (total > 0).then(|| top as f64 / total as f64)
}

/// `accuracy.png`: each method's test accuracy, mean ± SD over its seeds, full- and mini-batch
/// side by side when both ran, under the largest-class rate.
fn accuracy_plot(out: &Path, records: &[RunRecord], graph: &Graph) -> Result<()> {
    let mut methods: Vec<&str> = Vec::new();
    for r in records {
        if !methods.contains(&r.method.as_str()) {
            methods.push(&r.method);
        }
    }
    let mut chart = BarChart::new(
        "Test accuracy per method (mean ± SD over seeds)",
        Axis::new("test accuracy"),
    )
    .groups(&methods)
    .x_axis("method");
    let mut notes: Vec<String> = Vec::new();
    for mode in ["full-batch", "mini-batch"] {
        let stats: Vec<Option<Stat>> = methods
            .iter()
            .map(|&m| {
                let v: Vec<f64> = records
                    .iter()
                    .filter(|r| r.method == m && r.mode == mode)
                    .map(|r| r.accuracy)
                    .collect();
                Stat::of(&v)
            })
            .collect();
        if stats.iter().all(Option::is_none) {
            continue;
        }
        // Grouped bars need a value per method: a mode that only some methods ran is left to
        // the table, with a note.
        if stats.iter().any(Option::is_none) {
            let ran: Vec<&str> = methods
                .iter()
                .zip(&stats)
                .filter(|(_, s)| s.is_some())
                .map(|(m, _)| *m)
                .collect();
            notes.push(format!(
                "{mode} ran for {} only (see the table)",
                ran.join(", ")
            ));
            continue;
        }
        let stats: Vec<Stat> = stats.into_iter().flatten().collect();
        let mean: Vec<f64> = stats.iter().map(|s| s.mean).collect();
        let std: Vec<f64> = stats
            .iter()
            .map(|s| if s.n > 1 { s.std } else { f64::NAN })
            .collect();
        let seeds = stats.iter().map(|s| s.n).max().unwrap_or(0);
        let name = format!("{mode} ({seeds} seed{})", if seeds == 1 { "" } else { "s" });
        chart = chart.series_with_std(&name, &mean, &std);
    }
    if chart.series.is_empty() {
        return Ok(());
    }
    if !notes.is_empty() {
        chart = chart.note(&notes.join("; "));
    }
    if let Some(rate) = largest_class_rate(graph) {
        chart = chart
            .reference(RefLine::new("largest class (labelled nodes)", rate).higher_is_better());
    }
    Ok(chart.render(&out.join("accuracy.png"))?)
}

/// `embeddings_pca.png` (when there are embeddings), `accuracy.png` and
/// `accuracy_vs_throughput.png` in `out`.
pub fn write_plots(
    out: &Path,
    records: &[RunRecord],
    graph: &Graph,
    best: Option<&BestEmbedding>,
) -> Result<()> {
    if let Some(b) = best {
        let pts = pca2(&b.embeddings)?;
        let (p, l): (Vec<_>, Vec<_>) = pts
            .into_iter()
            .zip(&graph.labels)
            .filter(|(_, &l)| l >= 0)
            .map(|(p, &l)| (p, l as usize))
            .unzip();
        plots::scatter_classes(
            &out.join("embeddings_pca.png"),
            &format!("{} embeddings (PCA), coloured by class", b.method),
            &p,
            &l,
            &graph.class_names,
        )?;
    }
    // Accuracy vs throughput: one point per (method, mode) run.
    let mut names: Vec<String> = Vec::new();
    let mut pts = Vec::new();
    let mut cls = Vec::new();
    for r in records {
        let name = format!("{} ({})", r.method, r.mode);
        let i = names.iter().position(|n| n == &name).unwrap_or_else(|| {
            names.push(name.clone());
            names.len() - 1
        });
        pts.push((r.stats.nodes_per_s.max(1e-3).log10(), r.accuracy));
        cls.push(i);
    }
    accuracy_plot(out, records, graph)?;
    if !pts.is_empty() {
        plots::scatter_classes_with_axes(
            &out.join("accuracy_vs_throughput.png"),
            "test accuracy vs training throughput",
            ("log10(training nodes/s)", "test accuracy"),
            &pts,
            &cls,
            &names,
        )?;
    }
    Ok(())
}

/// `mean ± std`, or `value (1 seed)` when a single seed measured it.
fn cell(s: Option<Stat>, pct: bool) -> String {
    let scale = if pct { 100.0 } else { 1.0 };
    let num = |v: f64| {
        if pct {
            format!("{:.1}", scale * v)
        } else {
            fmt_num(v)
        }
    };
    match s {
        Some(s) if s.n == 1 => format!("{} (1 seed)", num(s.mean)),
        Some(s) => format!("{} ± {}", num(s.mean), num(s.std)),
        None => "—".into(),
    }
}

fn data_section(r: &mut Report, source: &GraphSource) {
    match source {
        GraphSource::Planetoid(dir) => {
            r.provenance(dir);
        }
        GraphSource::CsvPair { nodes, edges } => {
            r.heading(2, "Data").bullet(&[
                format!("Nodes: `{}`", nodes.display()),
                format!("Edges: `{}`", edges.display()),
            ]);
        }
    }
}

/// Write `report.md` into `out`.
pub fn write_report(
    cfg: &GraphFmConfig,
    m: &GraphFmMetrics,
    source: &GraphSource,
    out: &Path,
    best: Option<&str>,
) -> Result<()> {
    let stats = &m.graph_stats;
    let mut r = Report::new(&format!(
        "graphfm — self-supervised GNNs on `{}` (GraphFM benchmark)",
        m.graph
    ));
    r.para(
        "Reproduces the setting of Xu et al., *GraphFM: A Comprehensive Benchmark for Graph Foundation Model* (2024): \
         self-supervised GNNs learn node representations without labels; a linear probe (node classification), \
         cosine-similarity link prediction and k-means clustering score them. Supervised GCN and GAT are the reference rows.",
    );
    r.heading(2, "What ran");
    r.bullet(&[
        format!("Graph `{}`: {} nodes, {} undirected edges, {} features ({:.2}% non-zero, kept sparse), {} classes, {} components.",
            m.graph, stats.nodes, stats.edges, stats.features, 100.0 * stats.feature_density, stats.classes, stats.components),
        format!("{} seed(s) from {}; {} split; features row-normalised: {}.", cfg.seeds, cfg.seed,
            if cfg.given_split { "the split given with the data" } else { "seeded random splits of the same sizes" }, cfg.normalize_features),
        match &cfg.preset {
            Some(p) => format!("Settings preset `{p}`: the methods' papers' settings for this dataset (Cora's are the built-in ones; see `config.json` and the crate's `presets` for each change)."),
            None => "No dataset preset: every method with its papers' Cora settings.".to_string(),
        },
        format!("Epochs: supervised {}, self-supervised {}.", cfg.supervised_epochs,
            cfg.ssl_epochs.map_or("the papers' values (on Cora: DGI ≤ 1000 with patience 20, GRACE 200, CCA-SSG 50, BGRL 500, GraphMAE 1500)".to_string(), |e| format!("at most {e} (short run: numbers are not the papers')"))),
        format!("Link prediction: {}% / {}% of the edges held out (val / test), removed from the message-passing graph, the encoder retrained on the rest, pairs scored by cosine similarity; as many non-edges sampled as negatives; {}.", 100.0 * cfg.edge_val, 100.0 * cfg.edge_test,
            match cfg.link_seeds { Some(k) if k < cfg.seeds => format!("on the first {k} seed(s) only (each costs a second training run)"), _ => "on every seed".into() }),
        format!("Mini-batch mode (first seed): {}{}.", match &cfg.mini_batch { Some(BatchMode::Mini { batch_size, fanouts }) => format!("GraphSAGE neighbour sampling, {batch_size} seed nodes per batch, fan-outs {fanouts:?}; the self-supervised loss is computed on each sampled subgraph"), _ => "off".into() },
            cfg.mini_epochs.map_or(String::new(), |e| format!("; self-supervised mini-batch runs capped at {e} epochs"))),
        format!("Device {}, {} libtorch threads. Peak memory is the process's peak RSS during training (CPU).", m.device, m.threads),
        if cfg.overrides.is_empty() {
            "No overrides of the methods' settings.".to_string()
        } else {
            format!("Changed settings (`overrides`): `{}`.", serde_json::to_string(&cfg.overrides).unwrap_or_default())
        },
    ]);
    data_section(&mut r, source);
    r.heading(2, "Methods × tasks (full-batch, mean ± std over seeds)");
    let mut rows = Vec::new();
    for (name, mm) in &m.methods {
        let f = mm.full_batch.as_ref();
        rows.push(vec![
            name.clone(),
            cell(f.map(|f| f.accuracy), true),
            cell(f.and_then(|f| f.link_auc), true),
            cell(f.and_then(|f| f.link_ap), true),
            cell(f.and_then(|f| f.nmi), false),
            cell(f.and_then(|f| f.ari), false),
        ]);
    }
    r.table(
        &[
            "method",
            "node classification acc. (%)",
            "link AUC (%)",
            "link AP (%)",
            "clustering NMI",
            "clustering ARI",
        ],
        &rows,
    );
    match &m.benchmark {
        Some(b) => {
            r.heading(
                2,
                &format!("Beside the published numbers ({b}, standard split)"),
            );
            let mut comps = Vec::new();
            for (method, v, src) in anchors::published(b) {
                if let Some(f) = m.methods.get(method).and_then(|x| x.full_batch.as_ref()) {
                    comps.push(
                        Comparison::new(
                            &format!("{method} test accuracy (%)"),
                            100.0 * f.accuracy.mean,
                        )
                        .with_anchor(v, src)
                        .with_note(if cfg.ssl_epochs.is_some() {
                            "short run"
                        } else {
                            ""
                        }),
                    );
                }
            }
            r.comparison(&comps);
        }
        None => {
            r.heading(2, "Published numbers");
            r.para(&format!(
                "Not compared: the published accuracies were measured on Cora, CiteSeer and PubMed with their standard \
                 public splits, and this run's data (`{}`: {} nodes, {} features, {} classes{}) is none of them.",
                m.graph,
                stats.nodes,
                stats.features,
                stats.classes,
                if cfg.given_split { "" } else { ", random splits" }
            ));
        }
    }
    r.heading(2, "Full-batch vs mini-batch (first seed)");
    let mut rows = Vec::new();
    for (name, mm) in &m.methods {
        for mode in ["full-batch", "mini-batch"] {
            let Some(f) = mm.mode(mode) else { continue };
            rows.push(vec![
                name.clone(),
                mode.into(),
                format!("{:.1}", 100.0 * f.accuracy.mean),
                fmt_num(f.seconds.mean),
                format!("{:.0}", f.nodes_per_s.mean),
                f.peak_mib
                    .map_or("n/a".into(), |v| format!("{:.0}", v.mean)),
            ]);
        }
    }
    r.table(
        &[
            "method",
            "mode",
            "accuracy (%)",
            "train seconds",
            "training nodes/s",
            "peak RSS (MiB)",
        ],
        &rows,
    );
    r.para("Mini-batch rows are from the first seed only (full-batch rows of this table average all seeds). On a graph as small as Cora a 2-hop sampled neighbourhood of 1024 seeds covers most of the graph, so mini-batch epochs cost several full-batch epochs; mini-batching pays off on graphs that do not fit in memory.");
    r.heading(2, "Plots");
    if let Some(b) = best {
        r.image(&format!("{b} embeddings, PCA"), "embeddings_pca.png");
    }
    r.image(
        "test accuracy per method (± SD over seeds); dashed: the largest class",
        "accuracy.png",
    );
    r.image("accuracy vs throughput", "accuracy_vs_throughput.png");
    r.para("Per-epoch losses (and validation accuracies) of every trained model: `history.csv`.");
    deepfield_core::domain::usage(
        &mut r,
        "Use the trained models",
        "deepfield-graph eval --model results/graphfm/model DIR_IN_PLANETOID_LAYOUT --out predictions.csv\n\
        deepfield-graph eval --model results/graphfm/model --nodes nodes.csv --edges edges.csv --labels labels.csv --out predictions.csv\n\
        deepfield-graph run --graph DIR --out results/my-graph   # the same benchmark on another graph",
        Some("`model/` is the supervised GCN (first seed); `encoders/<method>/` hold the self-supervised encoders (safetensors + config.json). The model runs only on graphs with the same feature columns and classes."),
    );
    r.write(&out.join("report.md"))?;
    Ok(())
}
