//! The typed reproduction contract: a config type and a metrics type of the reproduction's
//! own, so `config.json` and `metrics.json` are written from typed values and the report reads
//! typed fields (no `serde_json::Value` lookups with NaN fallbacks).
//!
//! A reproduction implements [`Experiment`] and is listed as [`Typed`]`(it)`; [`Typed`] is the
//! [`Reproduction`] the shared CLI runs. It owns what every reproduction's results folder
//! promises:
//!
//! - **One unit.** The run writes into a temporary folder beside `--out`
//!   (`.<name>.partial`, which [`Experiment::execute`] sees as `opts.out`) and is renamed into
//!   place only when it succeeded, so a killed or failed run leaves the previous results as they
//!   were; a leftover temporary folder is removed by the next run. `--out` on a symbolic link
//!   writes into the folder the link points to and keeps the link.
//! - **Quick runs say so.** `config.json` and `metrics.json` carry `"run": {"quick", "seed",
//!   …}`, the report's first line says whether the numbers are a quick run's, and a quick run
//!   refuses to replace a full run's folder unless `--force` is given.
//! - **Tidy tables.** `metrics.csv`: one row per model, fold/split and metric
//!   ([`Experiment::metric_rows`]); the CLI prints [`Experiment::summary`] at the end.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{ReproOptions, Reproduction};
use crate::{fsutil, Error, Result};

/// One row of `metrics.csv` and of the end-of-run summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    /// The model or method (empty for a run-level number).
    pub model: String,
    /// The fold, split or group the number belongs to (empty when it is the overall one).
    pub fold: String,
    /// The metric's name (`accuracy`, `r2`, `rmse_mpa`, …).
    pub metric: String,
    /// The value (NaN written as an empty field: undefined).
    pub value: f64,
}

impl MetricRow {
    /// A row.
    pub fn new(
        model: impl Into<String>,
        fold: impl Into<String>,
        metric: impl Into<String>,
        value: f64,
    ) -> Self {
        MetricRow {
            model: model.into(),
            fold: fold.into(),
            metric: metric.into(),
            value,
        }
    }
}

/// The numeric leaves of a metrics document as rows: the last key is the metric, the first
/// the model and those between the fold (`{"mlp": {"fold_1": {"r2": 0.9}}}` → `mlp, fold_1,
/// r2`); a top-level number has no model. Array elements are named by their 1-based index
/// (or their `name`/`model`/`id` field when they have one). Booleans and strings are skipped.
pub fn flatten_metrics(value: &serde_json::Value) -> Vec<MetricRow> {
    fn walk(v: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<MetricRow>) {
        match v {
            serde_json::Value::Number(n) => {
                if let (Some(x), Some((metric, scope))) = (n.as_f64(), path.split_last()) {
                    let (model, fold) = match scope.split_first() {
                        Some((m, rest)) => (m.clone(), rest.join("/")),
                        None => (String::new(), String::new()),
                    };
                    out.push(MetricRow::new(model, fold, metric.clone(), x));
                }
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if path.is_empty() && k == "run" {
                        continue;
                    }
                    path.push(k.clone());
                    walk(v, path, out);
                    path.pop();
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let name = ["name", "model", "id"]
                        .iter()
                        .find_map(|k| v.get(k).and_then(|n| n.as_str()).map(str::to_string))
                        .unwrap_or_else(|| (i + 1).to_string());
                    path.push(name);
                    walk(v, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

/// `rows` as the `metrics.csv` text: `model,fold,metric,value`, RFC 4180, undefined values empty.
pub fn metrics_csv(rows: &[MetricRow]) -> Result<String> {
    fsutil::csv_string(
        ["model", "fold", "metric", "value"],
        rows.iter().map(|r| {
            [
                r.model.clone(),
                r.fold.clone(),
                r.metric.clone(),
                if r.value.is_finite() {
                    r.value.to_string()
                } else {
                    String::new()
                },
            ]
        }),
    )
}

/// `rows` as an aligned text table for the terminal (at most `max` rows, then a count).
pub fn summary_table(rows: &[MetricRow], max: usize) -> String {
    use std::fmt::Write as _;
    let shown = &rows[..rows.len().min(max)];
    let w = |f: fn(&MetricRow) -> &str| {
        shown
            .iter()
            .map(|r| f(r).chars().count())
            .max()
            .unwrap_or(0)
    };
    let (wm, wf, wk) = (
        w(|r| &r.model).max(5),
        w(|r| &r.fold).max(4),
        w(|r| &r.metric).max(6),
    );
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<wm$}  {:<wf$}  {:<wk$}  value",
        "model", "fold", "metric"
    );
    for r in shown {
        let v = if r.value.is_finite() {
            format!("{:.4}", r.value)
        } else {
            "undefined".into()
        };
        let _ = writeln!(
            s,
            "{:<wm$}  {:<wf$}  {:<wk$}  {v}",
            r.model, r.fold, r.metric
        );
    }
    if rows.len() > max {
        let _ = writeln!(s, "… {} more rows in metrics.csv", rows.len() - max);
    }
    s
}

/// A reproduction with typed config and metrics.
pub trait Experiment {
    /// The full config (model, optimiser, data, seed), saved as `config.json`.
    type Config: Serialize + DeserializeOwned;
    /// The headline and detailed numbers, saved as `metrics.json`.
    type Metrics: Serialize + DeserializeOwned;

    /// Stable id, e.g. `concrete-mlp`.
    fn id(&self) -> &'static str;
    /// One line for `list` (usually from the crate's catalog, [`super::catalog`]).
    fn description(&self) -> &'static str;
    /// The config `opts` ask for (quick or full, seed); validated here.
    fn config(&self, opts: &ReproOptions) -> Result<Self::Config>;
    /// Run with `cfg`, writing plots, the model and the report into `opts.out` (a temporary
    /// folder renamed into place when the run succeeds).
    fn execute(&self, cfg: &Self::Config, opts: &ReproOptions) -> Result<Self::Metrics>;

    /// The config in `file` (`--config`): its JSON read as [`Experiment::Config`] (the fields a
    /// config type marks `#[serde(default)]` may be left out), then [`Experiment::validate`].
    fn config_from_file(&self, file: &Path, opts: &ReproOptions) -> Result<Self::Config> {
        let _ = opts;
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
        let cfg: Self::Config = serde_json::from_str(&text).map_err(|e| {
            Error::config(format!(
                "--config {}: not a {} config: it {}",
                file.display(),
                self.id(),
                crate::error::explain_serde(&e)
            ))
        })?;
        self.validate(&cfg)?;
        Ok(cfg)
    }

    /// Check a config read from a file (by default: nothing to check).
    fn validate(&self, cfg: &Self::Config) -> Result<()> {
        let _ = cfg;
        Ok(())
    }

    /// The rows of `metrics.csv`: by default every number of the metrics, flattened
    /// ([`flatten_metrics`]). Override to name models and folds more plainly.
    fn metric_rows(&self, metrics: &Self::Metrics) -> Vec<MetricRow> {
        serde_json::to_value(metrics)
            .map(|v| flatten_metrics(&v))
            .unwrap_or_default()
    }

    /// The headline numbers printed when the run ends (by default the first rows of
    /// [`Experiment::metric_rows`]).
    fn summary(&self, metrics: &Self::Metrics) -> Vec<MetricRow> {
        let mut rows = self.metric_rows(metrics);
        rows.truncate(20);
        rows
    }
}

/// An [`Experiment`] as a [`Reproduction`].
pub struct Typed<E>(pub E);

/// What a results folder's `config.json`/`metrics.json` record about the run under `"run"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    /// The reproduction id.
    pub id: String,
    /// True for a quick run (fewer epochs/folds): its numbers are not the paper's.
    pub quick: bool,
    /// The seed.
    pub seed: u64,
    /// libtorch threads (0: libtorch's default).
    pub threads: usize,
    /// deepfield's version.
    pub deepfield_version: String,
}

impl RunInfo {
    fn of(id: &str, opts: &ReproOptions) -> Self {
        RunInfo {
            id: id.to_string(),
            quick: opts.quick,
            seed: opts.seed,
            threads: opts.threads,
            deepfield_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// `value` with `"run": info` added when it is a JSON object (other values are kept as they are).
fn with_run<T: Serialize>(value: &T, info: &RunInfo, what: &str) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(value).map_err(|source| Error::Json {
        context: what.to_string(),
        source,
    })?;
    if let serde_json::Value::Object(map) = &mut v {
        let run = serde_json::to_value(info).map_err(|source| Error::Json {
            context: what.to_string(),
            source,
        })?;
        map.insert("run".to_string(), run);
    }
    Ok(v)
}

/// The `"run"` record of a results folder, when it has one.
pub fn read_run_info(dir: &Path) -> Option<RunInfo> {
    let v: serde_json::Value = fsutil::read_json(&dir.join("metrics.json"))
        .or_else(|_| fsutil::read_json(&dir.join("config.json")))
        .ok()?;
    serde_json::from_value(v.get("run")?.clone()).ok()
}

/// The folder a run's results end in: `out`, or the folder it links to when `out` is a
/// symbolic link (the link is kept and written through).
pub fn resolve_out(out: &Path) -> Result<PathBuf> {
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(out).map_err(|e| Error::io(out, e))
        }
        Ok(m) if !m.is_dir() => Err(Error::config(format!(
            "--out {}: is a file, not a folder",
            out.display()
        ))),
        _ => Ok(out.to_path_buf()),
    }
}

/// The report's first line for this run.
fn report_banner(info: &RunInfo) -> String {
    if info.quick {
        format!(
            "> **Quick run** (seed {}): fewer epochs and folds than the paper, for smoke tests — \
             these numbers are not the reproduction's; run without `--quick` for them.\n\n",
            info.seed
        )
    } else {
        format!(
            "> Full run, seed {}, deepfield {}.\n\n",
            info.seed, info.deepfield_version
        )
    }
}

impl<E: Experiment> Typed<E> {
    /// Run and return the typed metrics (what [`Reproduction::run`] serialises).
    pub fn run_typed(&self, opts: &ReproOptions) -> Result<E::Metrics> {
        let id = self.0.id();
        let dest = resolve_out(&opts.out)?;
        if opts.quick && !opts.force {
            if let Some(prev) = read_run_info(&dest) {
                if !prev.quick {
                    return Err(Error::config(format!(
                        "{} holds a full run of {}; a quick run does not replace it without \
                         --force (or give another --out)",
                        opts.out.display(),
                        prev.id
                    )));
                }
            }
        }
        let info = RunInfo::of(id, opts);
        let failed = |source: Error| Error::Run {
            id: id.to_string(),
            out: opts.out.clone(),
            source: Box::new(source),
        };
        fsutil::write_dir_atomic(&dest, |partial| {
            let mut inner = opts.clone();
            inner.out = partial.to_path_buf();
            let cfg = match &opts.config {
                Some(file) => self.0.config_from_file(file, &inner)?,
                None => self.0.config(&inner)?,
            };
            fsutil::write_json(
                &partial.join("config.json"),
                &with_run(&cfg, &info, "config")?,
            )?;
            let metrics = self.0.execute(&cfg, &inner)?;
            fsutil::write_json(
                &partial.join("metrics.json"),
                &with_run(&metrics, &info, "metrics")?,
            )?;
            let csv = metrics_csv(&self.0.metric_rows(&metrics))?;
            fsutil::write_atomic(&partial.join("metrics.csv"), csv.as_bytes())?;
            let report = partial.join("report.md");
            if let Ok(text) = std::fs::read_to_string(&report) {
                let banner = report_banner(&info);
                fsutil::write_atomic(&report, format!("{banner}{text}").as_bytes())?;
            }
            Ok(metrics)
        })
        .map_err(failed)
    }
}

impl<E: Experiment> Reproduction for Typed<E> {
    fn id(&self) -> &'static str {
        self.0.id()
    }

    fn description(&self) -> &'static str {
        self.0.description()
    }

    fn run(&self, opts: &ReproOptions) -> Result<serde_json::Value> {
        let metrics = self.run_typed(opts)?;
        serde_json::to_value(&metrics).map_err(|source| Error::Json {
            context: format!("{} metrics", self.0.id()),
            source,
        })
    }

    fn summary(&self, metrics: &serde_json::Value) -> Vec<MetricRow> {
        match serde_json::from_value::<E::Metrics>(metrics.clone()) {
            Ok(m) => self.0.summary(&m),
            Err(_) => flatten_metrics(metrics).into_iter().take(20).collect(),
        }
    }
}
