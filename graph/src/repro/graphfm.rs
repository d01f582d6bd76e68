//! `graphfm`: the GraphFM benchmark's methods × tasks table on Cora (or any graph in a supported
//! layout). Paper: Yuhao Xu, Xinqi Liu, Keyu Duan, Yi Fang, Yu-Neng Chuang, Daochen Zha & Qiaoyu
//! Tan, "GraphFM: A Comprehensive Benchmark for Graph Foundation Model", 2024 — self-supervised
//! GNNs produce node representations, scored by node classification (linear probe), link
//! prediction and node clustering, with full-batch vs mini-batch training compared on accuracy,
//! peak memory and throughput. Supervised GCN and GAT are the reference rows.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::report::{fmt_num, plots, Comparison, Report, ResultsDir};
use deepfield_core::repro::model_dir;
use deepfield_core::tch::{Device, Kind, Tensor};
use serde::{Deserialize, Serialize};

use crate::eval::{cluster, linkpred, probe};
use crate::io::{GraphSource, CORA};
use crate::predict::{self, NodeClassifierConfig};
use crate::split::{edge_split, same_size_split, NodeSplit};
use crate::ssl::{self, SslConfig};
use crate::supervised::{self, SupervisedConfig};
use crate::train::{BatchMode, Prepared, TrainStats};
use crate::{Graph, GraphError, Result};

/// Published Cora node-classification accuracies (%, standard split) quoted by the issue.
pub const ANCHORS: [(&str, f64, &str); 4] = [
    ("gcn", 81.5, "Kipf & Welling 2017"),
    ("gat", 83.0, "Veličković et al. 2018"),
    ("graphmae", 84.2, "Hou et al. 2022"),
    ("cca-ssg", 84.0, "Zhang et al. 2021"),
];
/// Further published anchors from the methods' own papers (%, Cora, standard split).
pub const EXTRA_ANCHORS: [(&str, f64, &str); 1] = [("dgi", 82.3, "Veličković et al. 2019")];

/// Everything a run needs; saved as `config.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphFmConfig {
    /// `gcn`, `gat` (supervised) and any of [`ssl::METHODS`].
    pub methods: Vec<String>,
    pub seeds: usize,
    pub seed: u64,
    /// Scale every feature row to sum 1.
    pub normalize_features: bool,
    /// Use the split given with the data (else seeded random splits of the same sizes).
    pub given_split: bool,
    /// Override every method's epochs (None: the papers' values).
    pub ssl_epochs: Option<usize>,
    pub supervised_epochs: usize,
    pub link_prediction: bool,
    /// Link prediction (which retrains every encoder without the held-out edges) on the first
    /// this many seeds only (None: every seed).
    pub link_seeds: Option<usize>,
    pub edge_val: f64,
    pub edge_test: f64,
    /// The mini-batch mode compared with full-batch training (on the first seed).
    pub mini_batch: Option<BatchMode>,
    /// Cap on the self-supervised epochs in mini-batch mode (None: as full-batch).
    pub mini_epochs: Option<usize>,
    /// Per-method changes to the papers' settings, by method name: any fields of the method's
    /// config (`SslConfig` or `SupervisedConfig`), nested objects merged, e.g.
    /// `{"bgrl": {"train": {"epochs": 2000, "cosine": true}, "drop_edge": [0.5, 0.5]}}`.
    /// Unknown settings are errors.
    pub overrides: BTreeMap<String, serde_json::Value>,
}

impl Default for GraphFmConfig {
    fn default() -> Self {
        GraphFmConfig {
            methods: ["gcn", "gat", "dgi", "grace", "cca-ssg", "bgrl", "graphmae"]
                .map(String::from)
                .to_vec(),
            seeds: 5,
            seed: 0,
            normalize_features: true,
            given_split: true,
            ssl_epochs: None,
            supervised_epochs: 200,
            link_prediction: true,
            // GraphMAE's 1500 epochs make every extra link-prediction seed cost ~15 CPU minutes.
            link_seeds: Some(1),
            edge_val: 0.05,
            edge_test: 0.1,
            mini_batch: Some(BatchMode::Mini {
                batch_size: 1024,
                fanouts: vec![10, 10],
            }),
            // Cora's 2708 nodes make 3 sampled batches per epoch, each nearly the whole graph.
            mini_epochs: Some(300),
            overrides: BTreeMap::new(),
        }
    }
}

impl GraphFmConfig {
    /// The quick variant: one seed, short runs.
    pub fn quick(seed: u64) -> Self {
        GraphFmConfig {
            seeds: 1,
            seed,
            ssl_epochs: Some(20),
            supervised_epochs: 100,
            mini_epochs: Some(5),
            ..Default::default()
        }
    }

    fn ssl_config(&self, method: &str, input: i64) -> Result<SslConfig> {
        let mut c = self.overridden(method, SslConfig::paper(method, input)?)?;
        if c.name() != method {
            return Err(GraphError::config(format!(
                "graphfm: the overrides of `{method}` may not change its method"
            )));
        }
        if let Some(e) = self.ssl_epochs {
            c.train_mut().epochs = e.min(c.train().epochs);
        }
        Ok(c)
    }

    fn supervised_config(
        &self,
        method: &str,
        input: i64,
        classes: i64,
    ) -> Result<SupervisedConfig> {
        let mut c = if method == "gat" {
            SupervisedConfig::gat(input, classes)
        } else {
            SupervisedConfig::gcn(input, classes)
        };
        c.epochs = self.supervised_epochs;
        self.overridden(method, c)
    }

    /// `base` with this config's overrides for `method`, if any.
    fn overridden<T: Serialize + serde::de::DeserializeOwned>(
        &self,
        method: &str,
        base: T,
    ) -> Result<T> {
        match self.overrides.get(method) {
            Some(patch) => deepfield_core::overrides::apply(&base, patch)
                .map_err(|e| GraphError::config(format!("graphfm: {method}: {e}"))),
            None => Ok(base),
        }
    }
}

/// One (method, seed, mode) outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub method: String,
    pub seed: u64,
    pub mode: String,
    pub accuracy: f64,
    pub nmi: Option<f64>,
    pub ari: Option<f64>,
    pub link_auc: Option<f64>,
    pub link_ap: Option<f64>,
    pub stats: TrainStats,
}

/// The reproduction.
pub struct GraphFm;

deepfield_core::reproduction!(GraphFm, "graphfm", crate::REPRODUCTIONS, |opts| {
    let cfg = if opts.quick {
        GraphFmConfig::quick(opts.seed)
    } else {
        GraphFmConfig {
            seed: opts.seed,
            ..Default::default()
        }
    };
    let dir = opts.dataset(&CORA)?;
    run(&cfg, &GraphSource::Planetoid(dir), &opts.out).map_err(into_core)
});

/// Our error as core's (for the [`Reproduction`] trait).
pub fn into_core(e: GraphError) -> deepfield_core::Error {
    match e {
        GraphError::Core(c) => c,
        other => deepfield_core::Error::domain("graph", other),
    }
}

/// Run the benchmark on the graph of `source`, writing `out`.
pub fn run(cfg: &GraphFmConfig, source: &GraphSource, out: &Path) -> Result<serde_json::Value> {
    run_resumable(cfg, source, out, false)
}

/// The finished (method, seed, mode) runs of an interrupted run in `out` (`runs.json`, written
/// after every run), when they were made with the same config.
fn finished_runs(cfg: &GraphFmConfig, out: &Path) -> Result<Vec<RunRecord>> {
    let (cfg_path, runs_path) = (out.join("config.json"), out.join(RUNS_FILE));
    if !runs_path.exists() || !cfg_path.exists() {
        return Ok(Vec::new());
    }
    let old: GraphFmConfig = deepfield_core::fsutil::read_json(&cfg_path)?;
    if &old != cfg {
        return Err(GraphError::config(format!(
            "graphfm: {} holds a run with another config; resume with the same settings or \
             choose another output folder",
            out.display()
        )));
    }
    Ok(deepfield_core::fsutil::read_json(&runs_path)?)
}

/// Every finished run, rewritten (atomically) after each one.
const RUNS_FILE: &str = "runs.json";

/// [`run`], optionally skipping the runs an interrupted run with the same config in `out`
/// already finished (`resume`).
pub fn run_resumable(
    cfg: &GraphFmConfig,
    source: &GraphSource,
    out: &Path,
    resume: bool,
) -> Result<serde_json::Value> {
    let mut graph = source.load()?;
    if cfg.normalize_features {
        graph.features.row_normalize();
    }
    if graph.n_classes() < 2 {
        return Err(GraphError::invalid(
            "graphfm: node classification needs labels of at least two classes",
        ));
    }
    for m in cfg.methods.iter().chain(cfg.overrides.keys()) {
        if m != "gcn" && m != "gat" && !ssl::METHODS.contains(&m.as_str()) {
            return Err(GraphError::config(format!(
                "graphfm: unknown method `{m}` (gcn, gat, {})",
                ssl::METHODS.join(", ")
            )));
        }
    }
    let results = ResultsDir::at(out)?;
    let device = deepfield_core::device();
    let stats = graph.stats();
    let (nf, nc) = (graph.n_features() as i64, graph.n_classes() as i64);
    let labels = graph.labels.clone();
    let data = Prepared::new(graph.clone(), device)?;
    let mut records: Vec<RunRecord> = if resume {
        finished_runs(cfg, out)?
    } else {
        Vec::new()
    };
    deepfield_core::fsutil::write_json(&results.file("config.json"), cfg)?;
    let mut best_emb: Option<(f64, String, Tensor)> = None;
    let mut saved_gcn = false;

    for s in 0..cfg.seeds {
        let seed = cfg.seed + s as u64;
        let split = match (&graph.split, cfg.given_split) {
            (Some(sp), true) => sp.clone(),
            (given, _) => same_size_split(&labels, nc as usize, given.as_ref(), seed)?,
        };
        let link = if cfg.link_prediction && s < cfg.link_seeds.unwrap_or(cfg.seeds) {
            let es = edge_split(
                graph.n_nodes(),
                &graph.edges,
                cfg.edge_val,
                cfg.edge_test,
                seed,
            )?;
            let lp_data = Prepared::new(graph.with_edges(es.train.clone())?, device)?;
            Some((es, lp_data))
        } else {
            None
        };
        for method in &cfg.methods {
            let mut modes = vec![BatchMode::Full];
            if s == 0 {
                modes.extend(cfg.mini_batch.clone());
            }
            for mode in modes {
                let done = records
                    .iter()
                    .any(|r| &r.method == method && r.seed == seed && r.mode == mode.label());
                if done {
                    eprintln!("graphfm: seed {seed} {method} {} done before", mode.label());
                    continue;
                }
                eprintln!("graphfm: seed {seed} {method} {}", mode.label());
                let rec = if method == "gcn" || method == "gat" {
                    let mut sc = cfg.supervised_config(method, nf, nc)?;
                    sc.seed = seed;
                    sc.mode = mode.clone();
                    let r = supervised::train(&data, &split, &sc)?;
                    if method == "gcn" && !saved_gcn && mode == BatchMode::Full {
                        let saved = NodeClassifierConfig {
                            encoder: sc.encoder.clone(),
                            features: graph.n_features(),
                            normalize_features: cfg.normalize_features,
                            class_names: graph.class_names.clone(),
                        };
                        predict::save(
                            &model_dir(out),
                            &r.vs,
                            &saved,
                            Some(&serde_json::json!({"test_accuracy": r.test_acc})),
                        )?;
                        saved_gcn = true;
                    }
                    RunRecord {
                        method: method.clone(),
                        seed,
                        mode: mode.label().into(),
                        accuracy: r.test_acc,
                        nmi: None,
                        ari: None,
                        link_auc: None,
                        link_ap: None,
                        stats: r.stats,
                    }
                } else {
                    ssl_record(
                        cfg,
                        method,
                        &data,
                        &split,
                        &labels,
                        nc as usize,
                        seed,
                        &mode,
                        link.as_ref(),
                        &mut best_emb,
                        out,
                    )?
                };
                eprintln!(
                    "  accuracy {:.4} in {:.1}s",
                    rec.accuracy, rec.stats.seconds
                );
                records.push(rec);
                deepfield_core::fsutil::write_json(&results.file(RUNS_FILE), &records)?;
            }
        }
    }
    if best_emb.is_none() {
        best_emb = saved_best_embedding(cfg, &records, &data, out)?;
    }
    let metrics = summarise(cfg, &records, &stats, &graph.name);
    results.write_metrics(&metrics)?;
    write_plots(&results, &records, &labels, &graph, best_emb.as_ref())?;
    write_report(
        cfg,
        &metrics,
        &records,
        source,
        &results,
        &stats,
        best_emb.as_ref().map(|b| b.1.as_str()),
    )?;
    Ok(metrics)
}

/// For a resumed run whose self-supervised runs all finished before: the first seed's
/// embeddings of the method with the best probe accuracy, from its saved encoder.
fn saved_best_embedding(
    cfg: &GraphFmConfig,
    records: &[RunRecord],
    data: &Prepared,
    out: &Path,
) -> Result<Option<(f64, String, Tensor)>> {
    let best = records
        .iter()
        .filter(|r| r.seed == cfg.seed && r.mode == BatchMode::Full.label())
        .filter(|r| out.join("encoders").join(&r.method).is_dir())
        .max_by(|a, b| a.accuracy.total_cmp(&b.accuracy));
    let Some(r) = best else {
        return Ok(None);
    };
    let dir = out.join("encoders").join(&r.method);
    let sc: SslConfig = deepfield_core::checkpoint::load(&dir)?;
    let mut vs = deepfield_core::tch::nn::VarStore::new(data.device);
    let method = sc.build(&vs)?;
    deepfield_core::checkpoint::load_weights(
        &deepfield_core::checkpoint::weights_path(&dir),
        &mut vs,
    )?;
    let emb = deepfield_core::tch::no_grad(|| method.embed(&data.x, &data.mg));
    Ok(Some((
        r.accuracy,
        r.method.clone(),
        emb.to_device(Device::Cpu),
    )))
}

#[allow(clippy::too_many_arguments)]
fn ssl_record(
    cfg: &GraphFmConfig,
    method: &str,
    data: &Prepared,
    split: &NodeSplit,
    labels: &[i64],
    k: usize,
    seed: u64,
    mode: &BatchMode,
    link: Option<&(crate::split::EdgeSplit, Prepared)>,
    best_emb: &mut Option<(f64, String, Tensor)>,
    out: &Path,
) -> Result<RunRecord> {
    let mut sc = cfg.ssl_config(method, data.graph.n_features() as i64)?;
    if let (BatchMode::Mini { .. }, Some(e)) = (mode, cfg.mini_epochs) {
        sc.train_mut().epochs = e.min(sc.train().epochs);
    }
    let r = ssl::train(data, &sc, mode, seed)?;
    let emb = r.embed(data);
    let p = probe::linear_probe(&emb, labels, k, split, &sc.probe(), seed)?;
    let full = *mode == BatchMode::Full;
    let (mut nmi, mut ari, mut auc, mut ap) = (None, None, None, None);
    if full {
        let c = cluster::evaluate(&emb, labels, k, seed)?;
        nmi = Some(c.nmi);
        ari = Some(c.ari);
        if let Some((es, lp_data)) = link {
            let lr = ssl::train(lp_data, &sc, mode, seed)?;
            let s = linkpred::evaluate(&lr.embed(lp_data), &es.test_pos, &es.test_neg)?;
            auc = Some(s.auc);
            ap = Some(s.ap);
        }
        if seed == cfg.seed {
            deepfield_core::checkpoint::save(
                &out.join("encoders").join(method),
                &r.vs,
                &sc,
                Some(&serde_json::json!({"probe_test_accuracy": p.test_acc})),
            )?;
        }
        if best_emb.as_ref().is_none_or(|b| p.test_acc > b.0) {
            *best_emb = Some((p.test_acc, method.to_string(), emb.to_device(Device::Cpu)));
        }
    }
    Ok(RunRecord {
        method: method.into(),
        seed,
        mode: mode.label().into(),
        accuracy: p.test_acc,
        nmi,
        ari,
        link_auc: auc,
        link_ap: ap,
        stats: r.stats,
    })
}

/// A metric read off a run record.
type Field = (&'static str, Box<dyn Fn(&RunRecord) -> Option<f64>>);

fn collect(
    records: &[RunRecord],
    method: &str,
    mode: &str,
    f: impl Fn(&RunRecord) -> Option<f64>,
) -> Vec<f64> {
    records
        .iter()
        .filter(|r| r.method == method && r.mode == mode)
        .filter_map(f)
        .collect()
}

fn summarise(
    cfg: &GraphFmConfig,
    records: &[RunRecord],
    stats: &crate::graph::GraphStats,
    name: &str,
) -> serde_json::Value {
    let mut methods = serde_json::Map::new();
    for m in &cfg.methods {
        let mut entry = serde_json::Map::new();
        for mode in ["full-batch", "mini-batch"] {
            let mut e = serde_json::Map::new();
            let fields: [Field; 8] = [
                ("accuracy", Box::new(|r| Some(r.accuracy))),
                ("nmi", Box::new(|r| r.nmi)),
                ("ari", Box::new(|r| r.ari)),
                ("link_auc", Box::new(|r| r.link_auc)),
                ("link_ap", Box::new(|r| r.link_ap)),
                ("seconds", Box::new(|r| Some(r.stats.seconds))),
                ("nodes_per_s", Box::new(|r| Some(r.stats.nodes_per_s))),
                ("peak_mib", Box::new(|r| r.stats.peak_mib)),
            ];
            for (k, f) in fields.iter() {
                let v = collect(records, m, mode, f);
                if !v.is_empty() {
                    let (mu, sd) = deepfield_core::metrics::mean_std(&v);
                    e.insert(k.to_string(), serde_json::json!(mu));
                    e.insert(format!("{k}_std"), serde_json::json!(sd));
                    e.insert(format!("{k}_n"), serde_json::json!(v.len()));
                }
            }
            if !e.is_empty() {
                entry.insert(mode.to_string(), serde_json::Value::Object(e));
            }
        }
        methods.insert(m.clone(), serde_json::Value::Object(entry));
    }
    serde_json::json!({
        "id": "graphfm",
        "graph": name,
        "graph_stats": stats,
        "seeds": cfg.seeds,
        "seed": cfg.seed,
        "device": format!("{:?}", deepfield_core::device()),
        "threads": deepfield_core::device::threads(),
        "methods": methods,
        "runs": records,
    })
}

fn pca2(x: &Tensor) -> Result<Vec<(f64, f64)>> {
    let x = x.to_kind(Kind::Float);
    let xc = &x - x.mean_dim(0, true, Kind::Float);
    let (_, _, v) = xc.f_svd(true, true)?;
    let p = xc.mm(&v.narrow(1, 0, 2));
    let v = Vec::<f32>::try_from(p.flatten(0, -1))?;
    Ok(v.chunks(2).map(|c| (c[0] as f64, c[1] as f64)).collect())
}

fn write_plots(
    results: &ResultsDir,
    records: &[RunRecord],
    labels: &[i64],
    graph: &Graph,
    best: Option<&(f64, String, Tensor)>,
) -> Result<()> {
    if let Some((_, method, emb)) = best {
        let pts = pca2(emb)?;
        let (p, l): (Vec<_>, Vec<_>) = pts
            .into_iter()
            .zip(labels)
            .filter(|(_, &l)| l >= 0)
            .map(|(p, &l)| (p, l as usize))
            .unzip();
        plots::scatter_classes(
            &results.file("embeddings_pca.png"),
            &format!("{method} embeddings (PCA), coloured by class"),
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
    if !pts.is_empty() {
        plots::scatter_classes_with_axes(
            &results.file("accuracy_vs_throughput.png"),
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
fn cell(m: &serde_json::Value, key: &str, pct: bool) -> String {
    let one = m[format!("{key}_n")].as_u64() == Some(1);
    match (m[key].as_f64(), m[format!("{key}_std")].as_f64()) {
        (Some(v), _) if one && pct => format!("{:.1} (1 seed)", 100.0 * v),
        (Some(v), _) if one => format!("{} (1 seed)", fmt_num(v)),
        (Some(v), Some(s)) if pct => format!("{:.1} ± {:.1}", 100.0 * v, 100.0 * s),
        (Some(v), Some(s)) => format!("{} ± {}", fmt_num(v), fmt_num(s)),
        _ => "—".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn write_report(
    cfg: &GraphFmConfig,
    metrics: &serde_json::Value,
    _records: &[RunRecord],
    source: &GraphSource,
    results: &ResultsDir,
    stats: &crate::graph::GraphStats,
    best: Option<&str>,
) -> Result<()> {
    let mut r =
        Report::new("graphfm — self-supervised GNNs on a citation graph (GraphFM benchmark)");
    r.para(
        "Reproduces the setting of Xu et al., *GraphFM: A Comprehensive Benchmark for Graph Foundation Model* (2024): \
         self-supervised GNNs learn node representations without labels; a linear probe (node classification), \
         cosine-similarity link prediction and k-means clustering score them. Supervised GCN and GAT are the reference rows.",
    );
    r.heading(2, "What ran");
    r.bullet(&[
        format!("Graph `{}`: {} nodes, {} undirected edges, {} features ({:.2}% non-zero, kept sparse), {} classes, {} components.",
            metrics["graph"].as_str().unwrap_or("?"), stats.nodes, stats.edges, stats.features, 100.0 * stats.feature_density, stats.classes, stats.components),
        format!("{} seed(s) from {}; {} split; features row-normalised: {}.", cfg.seeds, cfg.seed,
            if cfg.given_split { "the split given with the data (Cora: 140 / 500 / 1000)" } else { "seeded random splits of the same sizes" }, cfg.normalize_features),
        format!("Epochs: supervised {}, self-supervised {}.", cfg.supervised_epochs,
            cfg.ssl_epochs.map_or("the papers' values (DGI ≤ 1000 with patience 20, GRACE 200, CCA-SSG 50, BGRL 500, GraphMAE 1500)".to_string(), |e| format!("at most {e} (short run: numbers are not the papers')"))),
        format!("Link prediction: {}% / {}% of the edges held out (val / test), removed from the message-passing graph, the encoder retrained on the rest, pairs scored by cosine similarity; as many non-edges sampled as negatives; {}.", 100.0 * cfg.edge_val, 100.0 * cfg.edge_test,
            match cfg.link_seeds { Some(k) if k < cfg.seeds => format!("on the first {k} seed(s) only (each costs a second training run)"), _ => "on every seed".into() }),
        format!("Mini-batch mode (first seed): {}{}.", match &cfg.mini_batch { Some(BatchMode::Mini { batch_size, fanouts }) => format!("GraphSAGE neighbour sampling, {batch_size} seed nodes per batch, fan-outs {fanouts:?}; the self-supervised loss is computed on each sampled subgraph"), _ => "off".into() },
            cfg.mini_epochs.map_or(String::new(), |e| format!("; self-supervised mini-batch runs capped at {e} epochs"))),
        format!("Device {}, {} libtorch threads. Peak memory is the process's peak RSS during training (CPU).", metrics["device"].as_str().unwrap_or("?"), metrics["threads"]),
        if cfg.overrides.is_empty() {
            "Every method with its paper's settings (no overrides).".to_string()
        } else {
            format!("Changed from the papers' settings (`overrides`): `{}`.", serde_json::to_string(&cfg.overrides).unwrap_or_default())
        },
    ]);
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
    r.heading(2, "Methods × tasks (full-batch, mean ± std over seeds)");
    let mut rows = Vec::new();
    for m in &cfg.methods {
        let f = &metrics["methods"][m]["full-batch"];
        rows.push(vec![
            m.clone(),
            cell(f, "accuracy", true),
            cell(f, "link_auc", true),
            cell(f, "link_ap", true),
            cell(f, "nmi", false),
            cell(f, "ari", false),
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
    r.heading(2, "Beside the published numbers (Cora, standard split)");
    let mut comps = Vec::new();
    for (m, v, src) in ANCHORS.iter().chain(EXTRA_ANCHORS.iter()) {
        if let Some(acc) = metrics["methods"][*m]["full-batch"]["accuracy"].as_f64() {
            comps.push(
                Comparison::new(&format!("{m} test accuracy (%)"), 100.0 * acc)
                    .with_anchor(*v, src)
                    .with_note(if cfg.ssl_epochs.is_some() {
                        "short run"
                    } else {
                        ""
                    }),
            );
        }
    }
    r.comparison(&comps);
    r.heading(2, "Full-batch vs mini-batch (first seed)");
    let mut rows = Vec::new();
    for m in &cfg.methods {
        for mode in ["full-batch", "mini-batch"] {
            let f = &metrics["methods"][m][mode];
            if f.is_null() {
                continue;
            }
            let g = |k: &str| f[k].as_f64();
            rows.push(vec![
                m.clone(),
                mode.into(),
                g("accuracy").map_or("—".into(), |v| format!("{:.1}", 100.0 * v)),
                g("seconds").map_or("—".into(), fmt_num),
                g("nodes_per_s").map_or("—".into(), |v| format!("{v:.0}")),
                g("peak_mib").map_or("n/a".into(), |v| format!("{v:.0}")),
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
    r.image("accuracy vs throughput", "accuracy_vs_throughput.png");
    deepfield_core::domain::usage(
        &mut r,
        "Use the trained models",
        "deepfield-graph predict --model results/graphfm/model --graph DIR_IN_PLANETOID_LAYOUT --out predictions.csv\n\
        deepfield-graph predict --model results/graphfm/model --nodes nodes.csv --edges edges.csv --out predictions.csv\n\
        deepfield-graph run --graph DIR --out results/my-graph   # the same benchmark on another graph",
        Some("`model/` is the supervised GCN (first seed); `encoders/<method>/` hold the self-supervised encoders (safetensors + config.json)."),
    );
    results.write_report(&r)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Act, GatInit};
    use serde_json::json;

    #[test]
    fn overrides_change_the_named_settings_and_nothing_else() {
        let mut cfg = GraphFmConfig::default();
        cfg.overrides.insert(
            "graphmae".into(),
            json!({"encoder": {"gat_init": "dgl", "activation": "prelu_shared"},
                   "decoder_init": "dgl", "train": {"epochs": 300}}),
        );
        cfg.overrides.insert("gat".into(), json!({"epochs": 50}));
        let SslConfig::Graphmae(g) = cfg.ssl_config("graphmae", 1433).unwrap() else {
            panic!("not graphmae")
        };
        let paper = crate::ssl::graphmae::GraphMaeConfig::paper(1433);
        assert_eq!(g.train.epochs, 300);
        assert_eq!(g.encoder.gat_init, GatInit::Dgl);
        assert_eq!(g.encoder.activation, Act::PreluShared);
        assert_eq!(g.decoder_init, GatInit::Dgl);
        assert_eq!((g.mask_rate, g.train.lr), (paper.mask_rate, paper.train.lr));
        assert_eq!(cfg.supervised_config("gat", 1433, 7).unwrap().epochs, 50);
        assert_eq!(
            cfg.ssl_config("bgrl", 1433).unwrap(),
            SslConfig::paper("bgrl", 1433).unwrap()
        );
        // A short run's epoch cap still applies on top.
        cfg.ssl_epochs = Some(20);
        assert_eq!(cfg.ssl_config("graphmae", 1433).unwrap().train().epochs, 20);

        // Misspelt settings and a changed method are errors.
        cfg.overrides
            .insert("dgi".into(), json!({"train": {"epoch": 5}}));
        let e = cfg.ssl_config("dgi", 1433).unwrap_err().to_string();
        assert!(e.contains("dgi") && e.contains("train.epoch"), "{e}");
        cfg.overrides
            .insert("dgi".into(), json!({"method": "grace"}));
        assert!(cfg.ssl_config("dgi", 1433).is_err());
    }
}
