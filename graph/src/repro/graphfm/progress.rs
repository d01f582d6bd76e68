//! Resuming `deepfield-graph run`: the finished runs of an unfinished benchmark, kept apart from
//! the results folder.
//!
//! A run's results folder is written as one unit (core's `Typed` writes into `.<name>.partial`
//! and renames it to `--out` only when everything succeeded), so it cannot hold the progress of
//! a run that has not finished. `run` keeps that progress in its own folder beside `--out`,
//! `.<name>.progress/`: `progress.json` (the config, the data and every finished run with its
//! per-epoch history, rewritten atomically after each run) and the trained models (`model/`,
//! `encoders/`). The folder is removed once the results folder is in place.
//!
//! `--resume` continues from it only when it was made with the same config and data; otherwise
//! it refuses, naming the settings that differ (a run with other settings must not report
//! another run's numbers as its own). Without `--resume` a leftover progress folder is removed
//! and the run starts afresh.

use std::path::{Path, PathBuf};

use deepfield_core::train::History;
use serde::{Deserialize, Serialize};

use super::metrics::RunRecord;
use super::GraphFmConfig;
use crate::{GraphError, Result};

/// The progress file inside the progress folder.
pub const PROGRESS_FILE: &str = "progress.json";

/// A finished run and the per-epoch histories of the models it trained (`name`, history).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRun {
    pub record: RunRecord,
    pub histories: Vec<(String, History)>,
}

/// `progress.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Progress {
    config: GraphFmConfig,
    /// The data the runs were made on (see [`super::describe_source`]).
    data: String,
    runs: Vec<StoredRun>,
}

/// The progress folder of a run whose results go to `out`: `.<name>.progress` beside it.
pub fn progress_dir(out: &Path) -> Result<PathBuf> {
    let dest = deepfield_core::repro::typed::resolve_out(out)?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".to_string());
    Ok(dest.with_file_name(format!(".{name}.progress")))
}

/// The top-level settings in which `a` and `b` differ.
fn differences(a: &GraphFmConfig, b: &GraphFmConfig) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return vec!["(config)".to_string()];
    };
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The progress of a run in its folder.
pub struct Store {
    dir: PathBuf,
    progress: Progress,
}

impl Store {
    /// Open the progress folder `dir` for a run of `config` on `data`: with `resume`, the runs
    /// an unfinished run with the same config and data left there (an error when they differ);
    /// without, a fresh folder.
    pub fn open(
        dir: &Path,
        config: &GraphFmConfig,
        data: &str,
        resume: bool,
    ) -> Result<(Store, Vec<StoredRun>)> {
        let file = dir.join(PROGRESS_FILE);
        let mut runs = Vec::new();
        if resume && file.is_file() {
            let old: Progress = deepfield_core::fsutil::read_json(&file).map_err(|e| {
                GraphError::config(format!(
                    "--resume: {} cannot be read ({e}); run without --resume to start afresh",
                    file.display()
                ))
            })?;
            let mut diff = differences(&old.config, config);
            if old.data != data {
                diff.insert(0, format!("data ({} there)", old.data));
            }
            if !diff.is_empty() {
                return Err(GraphError::config(format!(
                    "--resume: the unfinished run in {} was made with other settings (differing: \
                     {}); give the same settings to continue it, or leave out --resume to start \
                     afresh",
                    dir.display(),
                    diff.join(", ")
                )));
            }
            eprintln!(
                "graphfm: resuming from {} ({} runs finished)",
                dir.display(),
                old.runs.len()
            );
            runs = old.runs;
        } else {
            if resume {
                eprintln!(
                    "graphfm: nothing to resume in {}; starting afresh",
                    dir.display()
                );
            } else if file.is_file() {
                eprintln!(
                    "graphfm: removing the unfinished run in {} (--resume continues one)",
                    dir.display()
                );
            }
            match std::fs::remove_dir_all(dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(deepfield_core::Error::io(dir, e).into())
                }
                _ => {}
            }
        }
        deepfield_core::fsutil::create_dir_all(dir)?;
        let store = Store {
            dir: dir.to_path_buf(),
            progress: Progress {
                config: config.clone(),
                data: data.to_string(),
                runs: runs.clone(),
            },
        };
        store.write()?;
        Ok((store, runs))
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Record the finished runs.
    pub fn save(&mut self, runs: &[StoredRun]) -> Result<()> {
        self.progress.runs = runs.to_vec();
        self.write()
    }

    fn write(&self) -> Result<()> {
        Ok(deepfield_core::fsutil::write_json(
            &self.dir.join(PROGRESS_FILE),
            &self.progress,
        )?)
    }
}
