//! `graphfm`: the GraphFM benchmark's methods × tasks table on Cora (or any graph in a supported
//! layout). Paper: Yuhao Xu, Xinqi Liu, Keyu Duan, Yi Fang, Yu-Neng Chuang, Daochen Zha & Qiaoyu
//! Tan, "GraphFM: A Comprehensive Benchmark for Graph Foundation Model", 2024 — self-supervised
//! GNNs produce node representations, scored by node classification (linear probe), link
//! prediction and node clustering, with full-batch vs mini-batch training compared on accuracy,
//! peak memory and throughput. Supervised GCN and GAT are the reference rows.
//!
//! Reading order: [`config`] (the settings, with the dataset [`presets`]) → `runner` (the loop
//! over seeds, methods and modes) → [`metrics`] (typed `metrics.json` and `metrics.csv` rows) →
//! `report` (report and plots, compared with the [`anchors`] only when the data is theirs);
//! [`progress`] keeps the finished runs of `deepfield-graph run` for `--resume`.
//!
//! The reproduction is a typed [`Experiment`]: core's [`Typed`] writes `config.json`,
//! `metrics.json` and `metrics.csv` and moves the results folder into place when the run has
//! succeeded; [`execute`] writes the report, the plots, `history.csv` (every trained model's
//! per-epoch record) and the models.

pub mod anchors;
pub mod config;
pub mod metrics;
pub mod presets;
pub mod progress;
mod report;
mod runner;

use std::path::{Path, PathBuf};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions, Typed};
use deepfield_core::train::{write_histories_csv, History};

pub use config::GraphFmConfig;
pub use metrics::{GraphFmMetrics, MethodMetrics, ModeMetrics, RunRecord, Stat};

use crate::io::{GraphSource, CORA};
use crate::train::Prepared;
use crate::{GraphError, Result};

/// A benchmark on the user's graph (`deepfield-graph run`): the data, the settings, and the
/// progress folder that `--resume` continues from ([`progress`]).
#[derive(Debug, Clone)]
pub struct OwnGraph {
    pub source: GraphSource,
    pub config: GraphFmConfig,
    /// Continue the unfinished run in `progress` (same settings and data only).
    pub resume: bool,
    /// Where finished runs are kept until the results folder is in place.
    pub progress: PathBuf,
}

/// The reproduction: on Cora (`repro graphfm`), or on the user's graph when `own` is set.
#[derive(Debug, Clone, Default)]
pub struct GraphFm {
    pub own: Option<OwnGraph>,
}

impl Experiment for GraphFm {
    type Config = GraphFmConfig;
    type Metrics = GraphFmMetrics;

    fn id(&self) -> &'static str {
        "graphfm"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<GraphFmConfig> {
        let cfg = match &self.own {
            Some(own) => own.config.clone(),
            None => {
                let mut c = if opts.quick {
                    GraphFmConfig::quick(opts.seed)
                } else {
                    GraphFmConfig {
                        seed: opts.seed,
                        ..Default::default()
                    }
                };
                c.preset = Some("cora".into());
                c
            }
        };
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self, cfg: &GraphFmConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &GraphFmConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<GraphFmMetrics> {
        let m = match &self.own {
            Some(own) => execute(
                cfg,
                &own.source,
                &opts.out,
                Some((own.progress.as_path(), own.resume)),
            ),
            None => execute(
                cfg,
                &GraphSource::Planetoid(opts.dataset(&CORA)?),
                &opts.out,
                None,
            ),
        };
        Ok(m?)
    }

    fn metric_rows(&self, m: &GraphFmMetrics) -> Vec<MetricRow> {
        metrics::rows(m)
    }

    fn summary(&self, m: &GraphFmMetrics) -> Vec<MetricRow> {
        metrics::summary(m)
    }
}

/// The data of `source` in words, as `--resume` compares it.
pub fn describe_source(source: &GraphSource) -> String {
    let abs = |p: &Path| {
        std::fs::canonicalize(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    match source {
        GraphSource::Planetoid(dir) => format!("folder {}", abs(dir)),
        GraphSource::CsvPair { nodes, edges } => {
            format!("nodes {} and edges {}", abs(nodes), abs(edges))
        }
    }
}

/// Copy the folder `from` into `to` (recursively).
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    deepfield_core::fsutil::create_dir_all(to)?;
    let entries = std::fs::read_dir(from).map_err(|e| deepfield_core::Error::io(from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| deepfield_core::Error::io(from, e))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| deepfield_core::Error::io(&src, e))?;
        }
    }
    Ok(())
}

/// Run the benchmark of `cfg` on `source`, writing the report, plots, `history.csv` and the
/// models into `out`. With `progress` (`(folder, resume)`), finished runs and models are kept in
/// that folder as they finish ([`progress::Store`]) and copied into `out` at the end.
pub fn execute(
    cfg: &GraphFmConfig,
    source: &GraphSource,
    out: &Path,
    progress: Option<(&Path, bool)>,
) -> Result<GraphFmMetrics> {
    cfg.validate()?;
    let mut graph = source.load()?;
    if cfg.normalize_features {
        graph.features.row_normalize();
    }
    if graph.n_classes() < 2 {
        return Err(GraphError::invalid(
            "graphfm: node classification needs labels of at least two classes",
        ));
    }
    let stats = graph.stats();
    let benchmark = anchors::benchmark_of(&stats, graph.split.as_ref(), cfg.given_split)
        .map(|b| b.name.to_string());
    let data = Prepared::new(graph, deepfield_core::device())?;
    let (mut store, done) = match progress {
        Some((dir, resume)) => {
            let (s, done) = progress::Store::open(dir, cfg, &describe_source(source), resume)?;
            (Some(s), done)
        }
        None => (None, Vec::new()),
    };
    let work = store
        .as_ref()
        .map_or_else(|| out.to_path_buf(), |s| s.dir().to_path_buf());
    let (runs, best) = runner::run_all(cfg, &data, &work, done, |runs| match store.as_mut() {
        Some(s) => s.save(runs),
        None => Ok(()),
    })?;
    if work != out {
        for part in ["model", "encoders"] {
            if work.join(part).is_dir() {
                copy_dir(&work.join(part), &out.join(part))?;
            }
        }
    }
    let histories: Vec<(String, &History)> = runs
        .iter()
        .flat_map(|r| r.histories.iter().map(|(n, h)| (n.clone(), h)))
        .collect();
    write_histories_csv(&out.join("history.csv"), &histories)?;
    let records: Vec<RunRecord> = runs.into_iter().map(|r| r.record).collect();
    let metrics = GraphFmMetrics {
        graph: data.graph.name.clone(),
        graph_stats: stats,
        benchmark,
        preset: cfg.preset.clone(),
        seeds: cfg.seeds,
        seed: cfg.seed,
        device: format!("{:?}", data.device),
        threads: deepfield_core::device::threads(),
        methods: metrics::by_method(&cfg.methods, &records),
        runs: records,
    };
    report::write_plots(out, &metrics.runs, &data.graph, best.as_ref())?;
    report::write_report(
        cfg,
        &metrics,
        source,
        out,
        best.as_ref().map(|b| b.method.as_str()),
    )?;
    Ok(metrics)
}

/// How `deepfield-graph run` runs the benchmark on the user's graph.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The results folder.
    pub out: PathBuf,
    /// Continue an unfinished run with the same settings ([`progress`]).
    pub resume: bool,
    /// Mark the run as quick (also implied by capped self-supervised epochs).
    pub quick: bool,
    /// Let a quick run replace a full run's results.
    pub force: bool,
    /// libtorch threads (0: libtorch's default).
    pub threads: usize,
}

/// The benchmark of `cfg` on `source` as a results folder (`opts.out`, written as one unit by
/// core's [`Typed`]); finished runs wait in the progress folder beside it
/// ([`progress::progress_dir`]), which is removed when the results are in place.
pub fn run_on(
    source: &GraphSource,
    cfg: &GraphFmConfig,
    opts: &RunOptions,
) -> Result<GraphFmMetrics> {
    let progress = progress::progress_dir(&opts.out)?;
    let exp = Typed(GraphFm {
        own: Some(OwnGraph {
            source: source.clone(),
            config: cfg.clone(),
            resume: opts.resume,
            progress: progress.clone(),
        }),
    });
    let mut ro = ReproOptions::new("graphfm");
    ro.out = opts.out.clone();
    ro.quick = opts.quick || cfg.ssl_epochs.is_some();
    ro.force = opts.force;
    ro.seed = cfg.seed;
    ro.threads = opts.threads;
    let m = exp.run_typed(&ro)?;
    match std::fs::remove_dir_all(&progress) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(deepfield_core::Error::io(&progress, e).into())
        }
        _ => {}
    }
    Ok(m)
}

/// [`run_on`] without resuming: a fresh benchmark of `cfg` on `source` into `out`.
pub fn run(cfg: &GraphFmConfig, source: &GraphSource, out: &Path) -> Result<GraphFmMetrics> {
    run_on(
        source,
        cfg,
        &RunOptions {
            out: out.to_path_buf(),
            ..Default::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repro_config_is_coras_and_partial_config_files_load() {
        let e = GraphFm::default();
        let mut o = ReproOptions::new("graphfm");
        o.quick = true;
        o.seed = 3;
        let c = e.config(&o).unwrap();
        assert_eq!(c.preset.as_deref(), Some("cora"));
        assert_eq!((c.seeds, c.seed, c.ssl_epochs), (1, 3, Some(20)));
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("cfg.json");
        // A results folder's config.json carries a `run` record; fields left out take defaults.
        std::fs::write(
            &f,
            r#"{"methods": ["gcn"], "seeds": 2, "run": {"quick": true}}"#,
        )
        .unwrap();
        let c = e.config_from_file(&f, &o).unwrap();
        assert_eq!(
            (c.methods.clone(), c.seeds, c.supervised_epochs),
            (vec!["gcn".to_string()], 2, 200)
        );
        std::fs::write(&f, r#"{"methods": ["gnc"]}"#).unwrap();
        let err = e.config_from_file(&f, &o).unwrap_err().to_string();
        assert!(err.contains("unknown method `gnc`"), "{err}");
    }
}
